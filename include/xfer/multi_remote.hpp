// xfer/multi_remote.hpp - the thread-safe entry point of a multi: add, cancel and resume from any thread.
#pragma once

#include <xfer/detail/engine.hpp>
#include <xfer/error.hpp>
#include <xfer/transfer.hpp>

#include <xfer/detail/asio.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <system_error>

namespace xfer {

template <class Executor>
class basic_multi;

namespace detail {

/// What a multi shares with its remotes: the executor to post to, and
/// whether the multi still exists.
template <class Executor>
struct remote_link {
  explicit remote_link(const Executor& ex, engine<Executor>* e) : executor(ex), owner(e) {}
  std::mutex mutex;              ///< guards `open` and posting against the multi's destruction
  bool open = true;              ///< false once the multi is destroyed
  Executor executor;
  engine<Executor>* owner;       ///< read and cleared on the multi's thread only
  std::atomic<std::uint64_t> next_id{0};
};

} // namespace detail

/// A small, copyable, thread-safe handle to a multi (basic_multi::remote()):
/// add(), cancel() and resume() may be called from any thread, at the same
/// time as the multi runs on its own. Each posts the request to the multi's
/// executor, which wakes a poll() in progress (or makes the next one return at
/// once); the work itself happens on the multi's thread, inside perform(),
/// poll() or the executor's run loop. Nothing else of the multi becomes
/// thread-safe: completions are still read there (info_read(),
/// async_info_read()). After the multi is destroyed, every call fails with
/// multi_errc::bad_handle.
template <class Executor>
class basic_multi_remote {
public:
  using transfer_type = basic_transfer<Executor>;

  /// Adds `t` to the multi, which starts it on its own thread; returns the id
  /// that cancel() and resume() take (never 0). From this call on, `t` belongs
  /// to the multi's thread: the caller must neither touch nor destroy it until
  /// its completion was read there. Fails with bad_easy_handle for a
  /// moved-from transfer, added_already for one in a multi.
  std::uint64_t add(transfer_type& t, std::error_code& ec) {
    if (!t.impl_) {
      ec = multi_errc::bad_easy_handle;
      return 0;
    }
    if (t.impl_->engine != nullptr) {
      ec = multi_errc::added_already;
      return 0;
    }
    const std::uint64_t id = ++link_->next_id;
    post(ec, [link = link_, impl = t.impl_, id] {
      if (link->owner != nullptr)
        link->owner->add_remote(*impl, id);
    });
    return ec ? 0 : id;
  }
  std::uint64_t add(transfer_type& t) {
    std::error_code ec;
    const auto id = add(t, ec);
    throw_on_error(ec);
    return id;
  }

  /// Stops the transfer `id` and completes it with asio::error::operation_aborted
  /// (its message reports that); nothing when it has finished or left the multi.
  void cancel(std::uint64_t id, std::error_code& ec) {
    post(ec, [link = link_, id] {
      if (link->owner != nullptr)
        if (auto* t = link->owner->find_remote(id))
          link->owner->cancel(*t);
    });
  }
  void cancel(std::uint64_t id) {
    std::error_code ec;
    cancel(id, ec);
    throw_on_error(ec);
  }

  /// Continues the transfer `id` in both directions, whether its callbacks or
  /// transfer::pause() paused it.
  void resume(std::uint64_t id, std::error_code& ec) {
    post(ec, [link = link_, id] {
      if (link->owner != nullptr)
        if (auto* t = link->owner->find_remote(id)) {
          t->clear_pause(pause_direction::both);
          link->owner->resume(*t);
        }
    });
  }
  void resume(std::uint64_t id) {
    std::error_code ec;
    resume(id, ec);
    throw_on_error(ec);
  }

private:
  template <class>
  friend class basic_multi;

  explicit basic_multi_remote(std::shared_ptr<detail::remote_link<Executor>> link) : link_(std::move(link)) {}

  template <class Function>
  void post(std::error_code& ec, Function f) {
    ec.clear();
    std::lock_guard lock(link_->mutex);
    if (!link_->open) {
      ec = multi_errc::bad_handle;
      return;
    }
    try {
      asio::post(link_->executor, std::move(f));
    } catch (...) {
      ec = multi_errc::out_of_memory;
    }
  }

  static void throw_on_error(const std::error_code& ec) {
    if (ec)
      throw multi_error(ec);
  }

  std::shared_ptr<detail::remote_link<Executor>> link_;
};

} // namespace xfer
