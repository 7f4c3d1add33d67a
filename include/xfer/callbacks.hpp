// xfer/callbacks.hpp - the user callbacks a transfer calls, and what they may answer.
#pragma once

#include <cstddef>
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

} // namespace xfer
