// xfer/detail/message_reader.hpp - async_info_read: completion messages handed to waiting handlers.
#pragma once

#include <xfer/detail/engine.hpp>

#include <xfer/detail/asio.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <system_error>
#include <utility>

namespace xfer::detail {

/// Hands a multi's completion messages to async_info_read handlers, oldest
/// waiter first. Messages always enter the engine's queue first; a drain
/// posted to the executor then pops them for the waiters, so each message is
/// taken exactly once: by info_read() or by one handler, whichever asks first.
/// A handler is invoked through its associated executor (inline when that is
/// the multi's own, so the transfer it names cannot be removed in between).
template <class Executor, class Message>
class message_reader final : public message_listener {
public:
  using make_message = Message (*)(transfer_impl& t, std::size_t remaining);

  message_reader(engine<Executor>& e, make_message make) : engine_(e), make_(make) {
    engine_.set_message_listener(this);
  }
  message_reader(const message_reader&) = delete;
  message_reader& operator=(const message_reader&) = delete;
  ~message_reader() {
    abort_all();
    engine_.set_message_listener(nullptr);
  }

  /// Queues `handler` for the next message (void(std::error_code, Message)).
  template <class Handler>
  void async_read(Handler handler) {
    auto w = std::make_unique<waiter_impl<Handler>>(std::move(handler), engine_.get_executor());
    const std::uint64_t id = ++next_id_;
#if XFER_ASIO_HAS_CANCELLATION_SLOT
    auto slot = asio::get_associated_cancellation_slot(w->handler);
    if (slot.is_connected()) {
      slot.assign([this, id, alive = std::weak_ptr<bool>(alive_)](asio::cancellation_type) {
        if (!alive.expired())
          cancel(id);
      });
    }
#endif
    waiters_.push_back({id, std::move(w)});
    schedule_drain();
  }

  void message_queued() override {
    if (!waiters_.empty())
      schedule_drain();
  }

  /// Completes every waiter with asio::error::operation_aborted (the multi is going away).
  void abort_all() {
    auto waiters = std::move(waiters_);
    waiters_.clear();
    for (auto& [id, w] : waiters)
      w->abort();
  }

private:
  /// One waiting handler, type-erased.
  class waiter {
  public:
    virtual ~waiter() = default;
    /// Invokes the handler with the message, through its associated executor.
    virtual void deliver(Message message) = 0;
    /// Posts the handler with operation_aborted; `from_slot` when called by its
    /// own cancellation slot (which must not be cleared from inside its handler).
    virtual void abort(bool from_slot = false) = 0;
  };

  template <class Handler>
  class waiter_impl final : public waiter {
  public:
    waiter_impl(Handler h, const Executor& io_executor)
        : handler(std::move(h)),
          work_(asio::prefer(asio::get_associated_executor(handler, io_executor),
                             asio::execution::outstanding_work.tracked)) {}

    void deliver(Message message) override {
      clear_slot();
      auto work = std::move(work_);
      asio::dispatch(work, [h = std::move(handler), message]() mutable { std::move(h)(std::error_code(), message); });
    }
    void abort(bool from_slot) override {
      if (!from_slot)
        clear_slot();
      auto work = std::move(work_);
      asio::post(work, [h = std::move(handler)]() mutable {
        std::move(h)(operation_aborted_error(), Message());
      });
    }

    Handler handler;

  private:
    void clear_slot() {
#if XFER_ASIO_HAS_CANCELLATION_SLOT
      auto slot = asio::get_associated_cancellation_slot(handler);
      if (slot.is_connected())
        slot.clear();
#endif
    }
    using handler_executor =
        std::decay_t<decltype(asio::get_associated_executor(std::declval<Handler&>(), std::declval<const Executor&>()))>;
    using work_executor = std::decay_t<decltype(asio::prefer(std::declval<handler_executor>(),
                                                             asio::execution::outstanding_work.tracked))>;
    work_executor work_;
  };

  void schedule_drain() {
    if (drain_posted_)
      return;
    drain_posted_ = true;
    asio::post(engine_.get_executor(), [this, alive = std::weak_ptr<bool>(alive_)] {
      if (alive.expired())
        return;
      drain_posted_ = false;
      drain();
    });
  }

  /// Pops one message per waiter, oldest first, while both are left.
  void drain() {
    const std::weak_ptr<bool> alive = alive_;
    while (!waiters_.empty()) {
      std::size_t remaining = 0;
      transfer_impl* t = engine_.pop_message(remaining);
      if (!t)
        return;
      auto w = std::move(waiters_.front().second);
      waiters_.pop_front();
      w->deliver(make_(*t, remaining));
      if (alive.expired())
        return; // the handler destroyed the multi
    }
  }

  void cancel(std::uint64_t id) {
    for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
      if (it->first == id) {
        auto w = std::move(it->second);
        waiters_.erase(it);
        w->abort(/*from_slot=*/true);
        return;
      }
    }
  }

  engine<Executor>& engine_;
  make_message make_;
  std::deque<std::pair<std::uint64_t, std::unique_ptr<waiter>>> waiters_;
  std::uint64_t next_id_ = 0;
  bool drain_posted_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace xfer::detail
