// xfer/detail/asio.hpp - the one header of xfer that includes Asio.
//
// By default xfer uses standalone Asio (<asio/...>, namespace ::asio). Defined in every
// translation unit, XFER_USE_BOOST_ASIO switches it to Boost.Asio (<boost/asio/...>, namespace
// ::boost::asio, errors as boost::system::error_code) with the same API. Either way xfer's code
// names Asio as `xfer::asio`, and users can too:
//
//   xfer::asio::io_context ctx;                        // ::asio or ::boost::asio
//   xfer::asio::error_code ec;                         // std::error_code or boost::system::error_code
//
// Results xfer reports (transfer results, async_perform's completion) are always std::error_code;
// with Boost.Asio, a cancelled async_perform completes with an error_code equal to
// std::errc::operation_canceled (compare with that, not with an Asio enumerator).
//
// XFER_ASIO_VERSION is the Asio version (Boost 1.74 ships Asio 1.18; Debian's standalone Asio
// is 1.22). XFER_ASIO_HAS_CANCELLATION_SLOT is 1 from Asio 1.19 (Boost 1.77) on: only then does
// async_perform honour a completion token's cancellation slot.
#pragma once

#if defined(XFER_USE_BOOST_ASIO)

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/version.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>

#define XFER_ASIO_VERSION BOOST_ASIO_VERSION
#if BOOST_ASIO_VERSION >= 101900
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#endif

namespace xfer::asio {
using namespace ::boost::asio;
/// The error type of Asio's completion handlers (Boost.Asio has no asio::error_code of its own).
using error_code = ::boost::system::error_code;
} // namespace xfer::asio

#else

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/connect.hpp>
#include <asio/dispatch.hpp>
#include <asio/error.hpp>
#include <asio/execution/outstanding_work.hpp>
#include <asio/generic/stream_protocol.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/post.hpp>
#include <asio/prefer.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/error.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <asio/version.hpp>
#include <asio/write.hpp>

#define XFER_ASIO_VERSION ASIO_VERSION
#if ASIO_VERSION >= 101900
#include <asio/associated_cancellation_slot.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#endif

namespace xfer {
namespace asio = ::asio;
} // namespace xfer

#endif

#if XFER_ASIO_VERSION >= 101900
#define XFER_ASIO_HAS_CANCELLATION_SLOT 1
#else
#define XFER_ASIO_HAS_CANCELLATION_SLOT 0
#endif

#include <system_error>

namespace xfer::detail {

/// Asio's "operation aborted" as the std::error_code xfer reports (with Boost.Asio, converted
/// from boost::system::error_code, so that it equals std::errc::operation_canceled).
inline std::error_code operation_aborted_error() noexcept {
  return asio::error_code(asio::error::operation_aborted);
}

/// `ec` as Asio's completion handlers take it (the identity with standalone Asio). With Boost.Asio,
/// system and generic errors keep their value and Asio's own errors that were converted to
/// std::error_code (eof, stream_truncated, ...) are recognised; other categories become generic
/// errors of the same value.
inline asio::error_code to_asio_error_code(const std::error_code& ec) noexcept {
#if defined(XFER_USE_BOOST_ASIO)
  if (!ec)
    return {};
  if (ec.category() == std::system_category())
    return {ec.value(), ::boost::system::system_category()};
  for (const asio::error_code known : {asio::error_code(asio::error::eof),
                                       asio::error_code(asio::error::operation_aborted),
                                       asio::error_code(asio::error::connection_reset),
                                       asio::error_code(asio::ssl::error::stream_truncated)}) {
    if (ec == std::error_code(known))
      return known;
  }
  return {ec.value(), ::boost::system::generic_category()};
#else
  return ec;
#endif
}

} // namespace xfer::detail
