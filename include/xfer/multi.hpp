// xfer/multi.hpp - basic_multi: drives many transfers without threads, as libcurl's multi handle.
#pragma once

#include <xfer/detail/async_completion.hpp>
#include <xfer/detail/engine.hpp>
#include <xfer/detail/message_reader.hpp>
#include <xfer/error.hpp>
#include <xfer/multi_counters.hpp>
#include <xfer/multi_options.hpp>
#include <xfer/multi_remote.hpp>
#include <xfer/transfer.hpp>

#include <xfer/detail/asio.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <type_traits>
#include <vector>

namespace xfer {

/// A completion message from basic_multi::info_read(), as curl's CURLMsg.
template <class Executor>
class basic_message {
public:
  /// No message: what an aborted async_info_read completes with (transfer() must not be called).
  basic_message() noexcept = default;
  basic_message(basic_transfer<Executor>& t, std::error_code result, std::size_t remaining) noexcept
      : transfer_(&t), result_(result), remaining_(remaining) {}
  /// The transfer that completed (still in the multi until removed).
  basic_transfer<Executor>& transfer() const noexcept { return *transfer_; }
  /// Its result: empty on success, else an xfer::errc.
  std::error_code result() const noexcept { return result_; }
  /// Messages still queued after this one.
  std::size_t remaining() const noexcept { return remaining_; }

private:
  basic_transfer<Executor>* transfer_ = nullptr;
  std::error_code result_;
  std::size_t remaining_ = 0;
};

/// Drives many transfers at once without threads, with libcurl's multi
/// semantics: add() starts nothing; perform() does every read and write that
/// can be done now and returns how many transfers still run; poll() waits
/// for activity, a timer, a timeout or wakeup(); info_read() pops completion
/// messages, oldest first. Each transfer can also be awaited with any Asio
/// completion token (async_perform).
///
/// Thread safety: one thread at a time, except wakeup() and the handle that
/// remote() returns (add, cancel, resume), which are safe from any thread. Callbacks run only inside perform(), poll() and wait() (or on
/// the executor when async_perform drives the transfer), and calling
/// add/remove/perform/poll/wait from inside them fails with
/// multi_errc::recursive_api_call.
///
/// perform(), poll() and wait() need the executor's context to be an
/// asio::io_context (the default multi owns one).
template <class Executor>
class basic_multi {
public:
  using executor_type = Executor;
  using transfer_type = basic_transfer<Executor>;
  using message_type = basic_message<Executor>;

  /// A multi that owns its io_context.
  explicit basic_multi(const multi_options& options = {})
    requires std::is_same_v<Executor, asio::io_context::executor_type>
      : owned_context_(std::make_unique<asio::io_context>(1)),
        context_(owned_context_.get()),
        engine_(std::make_unique<detail::engine<Executor>>(owned_context_->get_executor(), options)),
        wakeup_state_(std::make_shared<std::atomic<bool>>(false)) {
    owned_work_.emplace(owned_context_->get_executor());
    connect_front_ends();
  }

  /// A multi on a user's executor (the user runs its context, or calls perform()/poll()).
  explicit basic_multi(const Executor& executor, const multi_options& options = {})
      : context_(io_context_of(executor)),
        engine_(std::make_unique<detail::engine<Executor>>(executor, options)),
        wakeup_state_(std::make_shared<std::atomic<bool>>(false)) {
    connect_front_ends();
  }

  basic_multi(const basic_multi&) = delete;
  basic_multi& operator=(const basic_multi&) = delete;

  /// Aborts and detaches every transfer, closes every connection.
  ~basic_multi() {
    {
      std::lock_guard lock(remote_link_->mutex);
      remote_link_->open = false;
    }
    remote_link_->owner = nullptr;
    reader_->abort_all();
    engine_->shutdown();
    owned_work_.reset();
  }

  executor_type get_executor() const noexcept { return engine_->get_executor(); }
  const multi_options& options() const noexcept { return engine_->options(); }
  /// Changes the limits; they apply to connections opened or released afterwards.
  void set_options(const multi_options& options) { engine_->set_options(options); }

  /// Adds `t`; the next perform() starts it. Fails with added_already when
  /// `t` is in a multi, bad_easy_handle for a moved-from transfer.
  void add(transfer_type& t, std::error_code& ec) {
    if (refuse_reentry(ec))
      return;
    if (!t.impl_) {
      ec = multi_errc::bad_easy_handle;
      return;
    }
    ec = engine_->add(t.impl(), false);
  }
  void add(transfer_type& t) {
    std::error_code ec;
    add(t, ec);
    throw_on_error(ec);
  }

  /// Removes `t`, running or finished; a running one is aborted and its
  /// connection closed; its queued message, if any, is deleted. Removing a
  /// transfer that is not in this multi does nothing.
  void remove(transfer_type& t, std::error_code& ec) {
    if (refuse_reentry(ec))
      return;
    if (!t.impl_) {
      ec = multi_errc::bad_easy_handle;
      return;
    }
    if (t.impl().engine != nullptr && t.impl().engine != engine_.get()) {
      ec = multi_errc::bad_easy_handle;
      return;
    }
    engine_->detach(t.impl());
    if (engine_->size() == 0)
      failed_ = false;
    ec.clear();
  }
  void remove(transfer_type& t) {
    std::error_code ec;
    remove(t, ec);
    throw_on_error(ec);
  }

  /// Does all the reading and writing that can be done now, starts added
  /// transfers, fires due timers; never blocks. Returns the transfers still
  /// running (queued ones included; those whose message is queued excluded).
  int perform(std::error_code& ec) {
    if (refuse_reentry(ec) || refuse_when_failed(ec) || refuse_without_context(ec))
      return 0;
    try {
      // Started from inside the run loop, so Asio recycles the handlers' memory.
      engine_->post_start_pending();
      if (context_->stopped())
        context_->restart();
      context_->poll();
    } catch (const std::bad_alloc&) {
      return fail(ec, multi_errc::out_of_memory);
    } catch (...) {
      return fail(ec, multi_errc::internal_error);
    }
    ec.clear();
    return static_cast<int>(engine_->running());
  }
  int perform() {
    std::error_code ec;
    int running = perform(ec);
    throw_on_error(ec);
    return running;
  }

  /// Sleeps until socket activity, an internal timer, `timeout` or wakeup(),
  /// whichever comes first; also when no transfer runs (as curl_multi_poll).
  /// May run the ready work. Returns how many handlers ran (0: timeout or wakeup).
  std::size_t poll(std::chrono::milliseconds timeout, std::error_code& ec) {
    return wait_for_activity(timeout, /*sleep_when_idle=*/true, ec);
  }
  std::size_t poll(std::chrono::milliseconds timeout) {
    std::error_code ec;
    auto n = poll(timeout, ec);
    throw_on_error(ec);
    return n;
  }

  /// As poll(), but returns at once when no transfer runs (as curl_multi_wait).
  std::size_t wait(std::chrono::milliseconds timeout, std::error_code& ec) {
    return wait_for_activity(timeout, /*sleep_when_idle=*/false, ec);
  }
  std::size_t wait(std::chrono::milliseconds timeout) {
    std::error_code ec;
    auto n = wait(timeout, ec);
    throw_on_error(ec);
    return n;
  }

  /// Makes a poll() in progress return at once, or the next one when none is
  /// in progress. Safe from any thread, also while the multi is in use.
  void wakeup(std::error_code& ec) noexcept {
    ec.clear();
    if (wakeup_state_->exchange(true))
      return; // already signalled; the posted wake-up is still pending
    try {
      asio::post(engine_->get_executor(), [] {});
    } catch (...) {
      ec = multi_errc::wakeup_failure;
    }
  }
  void wakeup() {
    std::error_code ec;
    wakeup(ec);
    throw_on_error(ec);
  }

  /// Pops the oldest completion message, or nothing when the queue is empty.
  /// Each message is delivered once.
  std::optional<message_type> info_read() {
    std::size_t remaining = 0;
    detail::transfer_impl* t = engine_->pop_message(remaining);
    if (!t)
      return std::nullopt;
    return message_type(*static_cast<transfer_type*>(t->handle), t->result, remaining);
  }

  /// Waits for the next completion message and completes with
  /// `void(std::error_code, message_type)` through any completion token
  /// (callbacks, use_future, use_awaitable, deferred). Messages are shared
  /// with info_read(): each goes to exactly one reader, whichever asks first;
  /// waiting handlers are served oldest first. The handler runs on the
  /// multi's executor (or its own associated one), from inside perform(),
  /// poll() or the context's run loop. Cancellation (any type) through the
  /// token's slot, or destroying the multi, completes a waiting handler with
  /// asio::error::operation_aborted and an empty message.
  template <class CompletionToken>
  auto async_info_read(CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, void(std::error_code, message_type)>(
        [this](auto handler) { reader_->async_read(std::move(handler)); }, token);
  }

  /// The thread-safe entry point: a handle whose add(), cancel() and resume()
  /// may be called from any thread (see basic_multi_remote). Copies share the multi.
  basic_multi_remote<Executor> remote() const { return basic_multi_remote<Executor>(remote_link_); }

  /// Runs `t` and completes with `void(std::error_code, int status)` through
  /// any completion token. The transfer is started on the executor (no
  /// perform() needed when the context runs), its completion goes to the
  /// token, not to info_read(), and it leaves the multi when it completes.
  /// Cancellation (any type) through the token's slot aborts it with
  /// asio::error::operation_aborted (Asio 1.19 / Boost 1.77 and later).
  template <class CompletionToken>
  auto async_perform(transfer_type& t, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, void(std::error_code, int)>(
        [this](auto handler, transfer_type* target) {
          start_async(*target, std::move(handler));
        },
        token, &t);
  }

  /// Shares `jar` among the transfers of this multi (curl's cookie engine with
  /// a share): each request sends the cookies that match it, each response's
  /// Set-Cookie fields update the jar. It applies to transfers started from
  /// now on; null turns cookies off. The jar must not be used from another
  /// thread while this multi runs.
  void set_cookie_jar(std::shared_ptr<xfer::cookie_jar> jar) { engine_->set_cookie_jar(std::move(jar)); }
  /// The shared jar, or null.
  const std::shared_ptr<xfer::cookie_jar>& get_cookie_jar() const noexcept { return engine_->get_cookie_jar(); }

  /// Installs a test hook that can make any asynchronous operation fail
  /// (see fault_injection.hpp); null removes it. For tests only.
  void set_fault_injector(std::shared_ptr<fault_injector> injector) {
    engine_->set_fault_injector(std::move(injector));
  }

  /// Transfers running (as perform() would return now).
  std::size_t running() const noexcept { return engine_->running(); }
  /// Transfers in the multi, running or finished.
  std::size_t size() const noexcept { return engine_->size(); }
  /// Connections open now (connecting, busy or idle).
  std::size_t open_connections() const noexcept { return engine_->open_connections(); }
  /// Idle connections kept for reuse.
  std::size_t idle_connections() const noexcept { return engine_->idle_connections(); }
  /// How many transfers are in each stage now (curl_multi_get_offt); counts
  /// the members, so it costs one pass over them.
  multi_counters counters() const noexcept { return engine_->counters(); }
  /// The transfers in the multi, running or finished, in no particular order
  /// (curl_multi_get_handles); those driven by async_perform included.
  std::vector<transfer_type*> transfers() const {
    std::vector<transfer_type*> list;
    list.reserve(engine_->size());
    engine_->for_each_member([&](detail::transfer_impl& t) { list.push_back(static_cast<transfer_type*>(t.handle)); });
    return list;
  }

private:
  using reader_type = detail::message_reader<Executor, message_type>;

  void connect_front_ends() {
    reader_ = std::make_unique<reader_type>(*engine_, &make_message);
    remote_link_ = std::make_shared<detail::remote_link<Executor>>(engine_->get_executor(), engine_.get());
  }

  static message_type make_message(detail::transfer_impl& t, std::size_t remaining) {
    return message_type(*static_cast<transfer_type*>(t.handle), t.result, remaining);
  }

  static asio::io_context* io_context_of(const Executor& executor) {
    auto& context = asio::query(executor, asio::execution::context);
    return dynamic_cast<asio::io_context*>(&context);
  }

  template <class Handler>
  void start_async(transfer_type& t, Handler handler) {
    auto executor = engine_->get_executor();
    std::error_code ec;
    if (!t.impl_)
      ec = multi_errc::bad_easy_handle;
    else if (engine_->in_callback())
      ec = multi_errc::recursive_api_call;
    else if (t.impl().engine != nullptr)
      ec = multi_errc::added_already;
    if (ec) {
      auto handler_executor = asio::get_associated_executor(handler, executor);
      asio::post(handler_executor, [h = std::move(handler), ec]() mutable { std::move(h)(ec, 0); });
      return;
    }
    detail::transfer_impl& impl = t.impl();
#if XFER_ASIO_HAS_CANCELLATION_SLOT
    auto slot = asio::get_associated_cancellation_slot(handler);
    if (slot.is_connected()) {
      slot.assign([impl = detail::ref<detail::transfer_impl>(&impl)](asio::cancellation_type) {
        if (impl->engine != nullptr)
          impl->engine->detach(*impl);
      });
    }
#endif
    impl.on_complete_async =
        std::make_unique<detail::async_completion<Handler, Executor>>(std::move(handler), executor);
    engine_->add(impl, true);
  }

  std::size_t wait_for_activity(std::chrono::milliseconds timeout, bool sleep_when_idle,
                                std::error_code& ec) {
    if (refuse_reentry(ec) || refuse_when_failed(ec) || refuse_without_context(ec))
      return 0;
    ec.clear();
    if (sleep_when_idle && wakeup_state_->exchange(false))
      return 0;
    if (engine_->has_pending())
      return 0; // transfers were added: the next perform() has work now (as curl_multi_poll)
    if (!sleep_when_idle && engine_->running() == 0)
      return 0;
    std::size_t handlers = 0;
    try {
      if (context_->stopped())
        context_->restart();
      std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
      if (!owned_context_)
        work.emplace(context_->get_executor());
      handlers = context_->run_one_for(timeout);
    } catch (const std::bad_alloc&) {
      return fail(ec, multi_errc::out_of_memory);
    } catch (...) {
      return fail(ec, multi_errc::internal_error);
    }
    wakeup_state_->store(false);
    return handlers;
  }

  bool refuse_reentry(std::error_code& ec) const noexcept {
    if (!engine_->in_callback())
      return false;
    ec = multi_errc::recursive_api_call;
    return true;
  }
  bool refuse_when_failed(std::error_code& ec) const noexcept {
    if (!failed_)
      return false;
    ec = multi_errc::unrecoverable_poll;
    return true;
  }
  bool refuse_without_context(std::error_code& ec) const noexcept {
    if (context_)
      return false;
    ec = multi_errc::bad_handle;
    return true;
  }
  int fail(std::error_code& ec, multi_errc code) noexcept {
    failed_ = true;
    ec = code;
    return 0;
  }

  static void throw_on_error(const std::error_code& ec) {
    if (ec)
      throw multi_error(ec);
  }

  std::unique_ptr<asio::io_context> owned_context_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> owned_work_;
  asio::io_context* context_ = nullptr;
  std::unique_ptr<detail::engine<Executor>> engine_;
  std::shared_ptr<std::atomic<bool>> wakeup_state_;
  std::unique_ptr<reader_type> reader_;
  std::shared_ptr<detail::remote_link<Executor>> remote_link_;
  bool failed_ = false;
};

/// A multi on an io_context (its own by default).
using multi = basic_multi<asio::io_context::executor_type>;

} // namespace xfer

// With XFER_SEPARATE_COMPILATION, multi and transfer are instantiated once, in <xfer/src.hpp>.
#include <xfer/detail/default_executor_instances.hpp>
