// xfer/error.hpp - error codes: xfer::errc for transfers, xfer::multi_errc for the multi.
#pragma once

#include <xfer/detail/config.hpp>

#include <string>
#include <system_error>

namespace xfer {

/// The result of one transfer. Each value equals the CURLcode it is named
/// after, so logs and exit statuses read like curl's. Success is the empty
/// `std::error_code`.
enum class errc {
  unsupported_protocol = 1,       ///< URL scheme xfer does not speak, or a refused redirect target (CURLE_UNSUPPORTED_PROTOCOL)
  failed_init = 2,                ///< the transfer could not be set up
  url_malformat = 3,              ///< the URL (or a redirect's Location) is not a valid absolute http(s) URL
  couldnt_resolve_host = 6,       ///< DNS found no address for the host
  couldnt_connect = 7,            ///< no resolved address accepted a connection
  weird_server_reply = 8,         ///< the response broke HTTP/1.1 framing rules (detail says which)
  partial_file = 18,              ///< the connection ended before the announced body did
  http_returned_error = 22,       ///< status >= 400 while fail_on_error is set
  write_error = 23,               ///< the write callback asked to abort, or the output file failed
  read_error = 26,                ///< the request body source failed or asked to abort
  out_of_memory = 27,             ///< an allocation failed
  operation_timedout = 28,        ///< a timeout elapsed (detail names which one)
  range_error = 33,               ///< the server did not honour a resume request (no 206 for a Range)
  ssl_connect_error = 35,         ///< the TLS handshake failed (detail has OpenSSL's reason)
  file_couldnt_read_file = 37,    ///< a file to upload could not be opened or read
  aborted_by_callback = 42,       ///< a progress callback asked to abort
  bad_function_argument = 43,     ///< a transfer option has an invalid value
  interface_failed = 45,          ///< binding to the local address or interface failed
  too_many_redirects = 47,        ///< the redirect limit was reached
  got_nothing = 52,               ///< the server closed the connection without sending anything
  send_error = 55,                ///< writing the request to the network failed
  recv_error = 56,                ///< reading the response from the network failed
  ssl_certproblem = 58,           ///< the client certificate or key could not be used
  ssl_cipher = 59,                ///< a cipher list, suite list or curve list was refused
  peer_failed_verification = 60,  ///< the server's certificate or name did not verify (detail says why)
  bad_content_encoding = 61,      ///< the Content-Encoding is unsupported or its data is corrupt (detail says which)
  filesize_exceeded = 63,         ///< the body is larger than max_filesize
  send_fail_rewind = 65,          ///< a request body had to be sent again but its source cannot rewind
  login_denied = 67,              ///< the server refused the credentials
  ssl_cacert_badfile = 77,        ///< the CA file, directory or PEM could not be loaded
  ssl_pinnedpubkeynotmatch = 90,  ///< the server's public key matches no pinned key
  auth_error = 94,                ///< authentication could not proceed (detail says why, e.g. an unsupported challenge)
  too_large = 100,                ///< a response element exceeded a configured size limit
};

/// Errors that concern a whole multi, never one transfer. Each value equals the
/// CURLMcode it is named after.
enum class multi_errc {
  bad_handle = 1,             ///< the multi is not usable (moved from, or stopped after an error)
  bad_easy_handle = 2,        ///< the transfer is empty (moved from) or belongs to another multi
  out_of_memory = 3,          ///< an allocation failed
  internal_error = 4,         ///< an invariant broke inside the engine; the multi must be drained
  added_already = 7,          ///< the transfer is already in a multi
  recursive_api_call = 8,     ///< called from inside one of xfer's callbacks
  wakeup_failure = 9,         ///< wakeup() could not signal the poller
  bad_function_argument = 10, ///< an argument is out of range
  unrecoverable_poll = 12,    ///< a previous perform()/poll() failed; remove every transfer first
};

/// The category of xfer::errc values ("xfer").
XFER_DECL const std::error_category& transfer_category() noexcept;
/// The category of xfer::multi_errc values ("xfer.multi").
XFER_DECL const std::error_category& multi_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), transfer_category()};
}
inline std::error_code make_error_code(multi_errc e) noexcept {
  return {static_cast<int>(e), multi_category()};
}

/// Thrown by the throwing overloads; carries the same std::error_code.
class multi_error : public std::system_error {
public:
  using std::system_error::system_error;
};

} // namespace xfer

template <>
struct std::is_error_code_enum<xfer::errc> : std::true_type {};
template <>
struct std::is_error_code_enum<xfer::multi_errc> : std::true_type {};

#if defined(XFER_HEADER_ONLY)
#include <xfer/impl/error.ipp>
#endif
