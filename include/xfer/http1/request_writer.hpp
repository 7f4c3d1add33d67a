// xfer/http1/request_writer.hpp - serialises an HTTP/1.1 request head and chunked framing, no I/O.
#pragma once

#include <xfer/detail/config.hpp>
#include <xfer/headers.hpp>
#include <xfer/http1/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace xfer::http1 {

/// How the request body is delimited on the wire.
enum class body_framing {
  none,           ///< no body, no framing field
  content_length, ///< `Content-Length: request_head::content_length`
  chunked,        ///< `Transfer-Encoding: chunked`
};

/// What write_request_head() serialises. Views must stay valid during the call only.
struct request_head {
  std::string_view method{}; ///< a token; validated
  std::string_view target{}; ///< origin-form; no space, CR, LF, NUL or other control character
  std::string_view host{};   ///< Host field value (e.g. url::host_header())
  const xfer::headers* fields = nullptr; ///< user fields, may be null
  std::string_view user_agent{};         ///< default User-Agent, e.g. "xfer/0.1.0"; empty = none
  body_framing framing = body_framing::none;
  std::uint64_t content_length = 0; ///< used when framing is content_length
  bool close_connection = false;    ///< send "Connection: close"
};

/// Appends the request head (request line, fields, empty line) to `out`
/// without clearing it. On error `out` is left as it was and ec is set
/// (invalid_method, invalid_target, invalid_header_name,
/// invalid_header_value); on success ec is cleared.
///
/// Field order: Host, User-Agent, `Accept: */*`, the user fields in their
/// order, Content-Length or Transfer-Encoding, Connection. User fields
/// follow curl's rules:
/// - user fields named Host, User-Agent or Accept replace that default, in
///   the default's place (so Host stays first);
/// - a user field whose value is empty (or only whitespace) is never sent;
///   if it names a default, that default is removed;
/// - user Content-Length, Transfer-Encoding and Connection fields are
///   dropped: the library owns framing and connection reuse (use `framing`,
///   `content_length` and `close_connection`).
/// Every user field is validated, sent or not: names must be tokens, values
/// must not hold CR, LF or NUL. `host` and `user_agent` are values too.
XFER_DECL void write_request_head(std::string& out, const request_head& head, std::error_code& ec);

/// Appends "HEX\r\n" (lowercase hexadecimal) for a chunk of `size` bytes;
/// `size` must not be 0, which would read as the last chunk.
XFER_DECL void write_chunk_header(std::string& out, std::size_t size);

/// Follows each chunk's data.
inline constexpr std::string_view chunk_end = "\r\n";
/// Ends a chunked body: the last chunk and an empty trailer section.
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

} // namespace xfer::http1

#if defined(XFER_HEADER_ONLY)
#include <xfer/http1/impl/request_writer.ipp>
#endif
