// xfer/http1/error.hpp - errors of the HTTP/1.1 protocol layer and their transfer-level mapping.
#pragma once

#include <xfer/detail/config.hpp>
#include <xfer/error.hpp>

#include <system_error>

namespace xfer::http1 {

/// Why the HTTP/1.1 layer refused a response or a request. Response errors
/// are what the parser saw; request errors are what the writer refused to
/// send. to_errc() gives the transfer-level code reported to the user.
enum class error {
  /// The first line is not `HTTP/1.x SP 3DIGIT [SP reason]`: an HTTP/0.9
  /// reply, bytes before the status line, a control character in the reason.
  bad_status_line = 1,
  /// The status line names a version other than HTTP/1.0 or HTTP/1.1.
  bad_version,
  /// The status code is not three digits from 100 to 999.
  bad_status_code,
  /// The status line exceeds response_limits::max_status_line.
  status_line_too_long,
  /// A field line has an empty or non-token name, or no colon right after it.
  bad_header_name,
  /// A field value holds a control character other than HTAB (NUL, bare CR, DEL...).
  bad_header_value,
  /// A whitespace-led line precedes the first field of a header or trailer section.
  bad_obs_fold,
  /// A field line (with its obs-fold continuations) exceeds max_header_line.
  header_line_too_long,
  /// The response has more fields (trailers included) than max_header_count.
  too_many_headers,
  /// The field and trailer lines of the response exceed max_header_bytes.
  header_block_too_large,
  /// Content-Length is not a list of decimal numbers that fit in 64 bits.
  bad_content_length,
  /// Content-Length fields or list elements disagree.
  conflicting_content_length,
  /// Transfer-Encoding is anything but a single `chunked` coding.
  bad_transfer_encoding,
  /// A chunk-size line is not hexadecimal digits followed by extensions or the line end.
  bad_chunk_size,
  /// A chunk size has more than 16 hexadecimal digits, leading zeros included.
  chunk_size_too_large,
  /// A chunk extension is not `;name[=token-or-quoted-string]`.
  bad_chunk_extension,
  /// A chunk-size line exceeds max_chunk_line.
  chunk_line_too_long,
  /// Chunk data is not followed by CRLF.
  bad_chunk_terminator,
  /// More 1xx responses than max_interim_responses preceded the final one.
  too_many_interim_responses,
  /// The server answered 101 Switching Protocols, which xfer never asks for.
  unexpected_upgrade,
  /// The connection closed before any byte of a response arrived.
  no_response,
  /// The connection closed in the middle of a response.
  partial_message,
  /// The request method is empty or not a token.
  invalid_method,
  /// A request field name is empty or not a token.
  invalid_header_name,
  /// A request field value (or host, user agent) holds CR, LF or NUL: header injection.
  invalid_header_value,
  /// The request target is empty or holds a space or a control character.
  invalid_target,
};

/// The category of xfer::http1::error values ("xfer.http1").
XFER_DECL const std::error_category& category() noexcept;

inline std::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), category()};
}

/// The transfer result an HTTP/1.1 error turns into: a configured size limit
/// gives errc::too_large, a connection closed before the first byte
/// errc::got_nothing, one closed mid-response errc::partial_file, a refused
/// request errc::bad_function_argument, and any other broken rule
/// errc::weird_server_reply.
XFER_DECL xfer::errc to_errc(error e) noexcept;

} // namespace xfer::http1

template <>
struct std::is_error_code_enum<xfer::http1::error> : std::true_type {};

#if defined(XFER_HEADER_ONLY)
#include <xfer/http1/impl/error.ipp>
#endif
