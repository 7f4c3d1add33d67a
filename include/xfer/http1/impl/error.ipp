// xfer/http1/impl/error.ipp - messages of the xfer.http1 category and the mapping to xfer::errc.
#pragma once

#include <xfer/http1/error.hpp>

#include <string>

namespace xfer::http1 {
namespace detail {

class category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "xfer.http1"; }
  std::string message(int value) const override {
    switch (static_cast<error>(value)) {
    case error::bad_status_line:
      return "Malformed HTTP status line";
    case error::bad_version:
      return "Unsupported HTTP version in status line";
    case error::bad_status_code:
      return "Malformed HTTP status code";
    case error::status_line_too_long:
      return "HTTP status line too long";
    case error::bad_header_name:
      return "Malformed header field name";
    case error::bad_header_value:
      return "Invalid character in header field value";
    case error::bad_obs_fold:
      return "Line folding without a preceding header field";
    case error::header_line_too_long:
      return "Header field line too long";
    case error::too_many_headers:
      return "Too many header fields";
    case error::header_block_too_large:
      return "Header section too large";
    case error::bad_content_length:
      return "Malformed Content-Length";
    case error::conflicting_content_length:
      return "Conflicting Content-Length values";
    case error::bad_transfer_encoding:
      return "Unsupported or malformed Transfer-Encoding";
    case error::bad_chunk_size:
      return "Malformed chunk size";
    case error::chunk_size_too_large:
      return "Chunk size has too many digits";
    case error::bad_chunk_extension:
      return "Malformed chunk extension";
    case error::chunk_line_too_long:
      return "Chunk size line too long";
    case error::bad_chunk_terminator:
      return "Chunk data not followed by CRLF";
    case error::too_many_interim_responses:
      return "Too many 1xx interim responses";
    case error::unexpected_upgrade:
      return "Unexpected 101 Switching Protocols";
    case error::no_response:
      return "Connection closed before any response";
    case error::partial_message:
      return "Connection closed in the middle of a response";
    case error::invalid_method:
      return "Invalid request method";
    case error::invalid_header_name:
      return "Invalid request header field name";
    case error::invalid_header_value:
      return "CR, LF or NUL in a request header field value";
    case error::invalid_target:
      return "Invalid request target";
    }
    return "Unknown xfer.http1 error " + std::to_string(value);
  }
};

} // namespace detail

XFER_DECL const std::error_category& category() noexcept {
  static const detail::category_impl instance;
  return instance;
}

XFER_DECL xfer::errc to_errc(error e) noexcept {
  switch (e) {
  case error::status_line_too_long:
  case error::header_line_too_long:
  case error::too_many_headers:
  case error::header_block_too_large:
  case error::chunk_line_too_long:
  case error::too_many_interim_responses:
    return xfer::errc::too_large;
  case error::no_response:
    return xfer::errc::got_nothing;
  case error::partial_message:
    return xfer::errc::partial_file;
  case error::invalid_method:
  case error::invalid_header_name:
  case error::invalid_header_value:
  case error::invalid_target:
    return xfer::errc::bad_function_argument;
  case error::bad_status_line:
  case error::bad_version:
  case error::bad_status_code:
  case error::bad_header_name:
  case error::bad_header_value:
  case error::bad_obs_fold:
  case error::bad_content_length:
  case error::conflicting_content_length:
  case error::bad_transfer_encoding:
  case error::bad_chunk_size:
  case error::chunk_size_too_large: // a format bound (64 bits), not a configured limit
  case error::bad_chunk_extension:
  case error::bad_chunk_terminator:
  case error::unexpected_upgrade:
    return xfer::errc::weird_server_reply;
  }
  return xfer::errc::weird_server_reply;
}

} // namespace xfer::http1
