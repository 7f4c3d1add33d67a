// xfer/callbacks.hpp - the user callbacks a transfer calls, and what they may answer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

namespace xfer {

/// What a write callback tells the transfer after receiving body bytes.
enum class write_action {
  proceed, ///< the bytes were consumed; keep going
  pause,   ///< the bytes were NOT consumed: they are offered again after resume()
  abort,   ///< stop the transfer with errc::write_error
};

/// Receives response body bytes in order, as a view into the connection's
/// read buffer (valid only during the call). Runs inside perform()/poll()
/// (or on the multi's executor); it must not call perform(), poll(), add()
/// or remove(). An exception thrown from it aborts the transfer with
/// errc::write_error.
using write_callback = std::function<write_action(std::string_view data)>;

/// Returned by a read callback to abort the upload with errc::read_error.
inline constexpr std::size_t read_abort = static_cast<std::size_t>(-1);

/// Fills `buffer` with the next request body bytes and returns how many it
/// wrote; 0 means the body is complete; read_abort aborts the transfer.
using read_callback = std::function<std::size_t(std::span<char> buffer)>;

/// Puts a streamed request body back at its first byte, so that it can be sent
/// again (after a 307/308 redirect, a 401 answered with Digest, or a retry on a
/// fresh connection); returns false when that is impossible (curl's SEEKFUNCTION).
using rewind_callback = std::function<bool()>;

/// Receives each header field of every final response (redirects and
/// authentication challenges included), then an empty name and value at the
/// end of each header block. Interim 1xx responses are not shown (their fields
/// are skipped; the debug callback sees their status lines). Returning false
/// aborts with errc::write_error.
using header_callback = std::function<bool(int status, std::string_view name, std::string_view value)>;

/// How far a transfer has come. Totals are 0 while unknown.
struct progress {
  std::uint64_t download_total = 0; ///< the body size the server announced (Content-Length)
  /// Body bytes received of the current response, counted as sent (before
  /// content decoding, so that they compare with download_total).
  std::uint64_t download_now = 0;
  std::uint64_t upload_total = 0;   ///< the request body's size, when known
  std::uint64_t upload_now = 0;     ///< request body bytes sent
};

/// Called whenever bytes move (and on each new request of a redirect chain);
/// returning false aborts the transfer with errc::aborted_by_callback.
using progress_callback = std::function<bool(const progress&)>;

/// What a debug callback is shown, as curl's curl_infotype.
enum class debug_kind {
  text,       ///< what the transfer is doing, one line
  header_in,  ///< a received status line or header field line, CRLF-terminated
  header_out, ///< the request head as sent
  data_in,    ///< received body bytes (after de-chunking, before decoding)
  data_out,   ///< request body bytes sent
};

/// Receives a trace of the transfer (curl's DEBUGFUNCTION); the view is valid during the call.
using debug_callback = std::function<void(debug_kind kind, std::string_view data)>;

} // namespace xfer
