// xfer/detail/async_completion.hpp - holds an async_perform handler until its transfer completes.
#pragma once

#include <xfer/detail/transfer_impl.hpp>

#include <xfer/detail/asio.hpp>

#include <system_error>
#include <utility>

namespace xfer::detail {

/// The completion of one async_perform: keeps the handler and outstanding
/// work on its executor, and posts the handler with (ec, status) when the
/// transfer completes, never invoking it from inside the engine.
template <class Handler, class IoExecutor>
class async_completion final : public completion {
public:
  async_completion(Handler handler, const IoExecutor& io_executor)
      : handler_(std::move(handler)),
        work_(asio::prefer(asio::get_associated_executor(handler_, io_executor),
                           asio::execution::outstanding_work.tracked)) {}

  void complete(std::error_code ec, int status) override {
#if XFER_ASIO_HAS_CANCELLATION_SLOT
    auto slot = asio::get_associated_cancellation_slot(handler_);
    if (slot.is_connected())
      slot.clear();
#endif
    auto work = std::move(work_);
    asio::post(work, [handler = std::move(handler_), ec, status]() mutable {
      std::move(handler)(ec, status);
    });
  }

private:
  using handler_executor =
      std::decay_t<decltype(asio::get_associated_executor(std::declval<Handler&>(),
                                                          std::declval<const IoExecutor&>()))>;
  using work_executor = std::decay_t<decltype(asio::prefer(
      std::declval<handler_executor>(), asio::execution::outstanding_work.tracked))>;

  Handler handler_;
  work_executor work_;
};

} // namespace xfer::detail
