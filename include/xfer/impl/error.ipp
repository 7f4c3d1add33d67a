// xfer/impl/error.ipp - messages of the xfer error categories.
#pragma once

#include <xfer/error.hpp>

namespace xfer {
namespace detail {

class transfer_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "xfer"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
    case errc::unsupported_protocol: return "Unsupported protocol";
    case errc::failed_init: return "Failed initialization";
    case errc::url_malformat: return "URL using bad/illegal format or missing URL";
    case errc::couldnt_resolve_host: return "Could not resolve host name";
    case errc::couldnt_connect: return "Could not connect to server";
    case errc::weird_server_reply: return "Weird server reply";
    case errc::partial_file: return "Transferred a partial file";
    case errc::http_returned_error: return "HTTP response code said error";
    case errc::write_error: return "Failed writing received data to disk/application";
    case errc::read_error: return "Failed reading the request body";
    case errc::out_of_memory: return "Out of memory";
    case errc::operation_timedout: return "Timeout was reached";
    case errc::ssl_connect_error: return "SSL connect error";
    case errc::ssl_certproblem: return "Problem with the local SSL certificate";
    case errc::ssl_cipher: return "Couldn't use specified SSL cipher";
    case errc::peer_failed_verification:
      return "SSL peer certificate or SSH remote key was not OK";
    case errc::ssl_cacert_badfile: return "Problem with the SSL CA cert (path? access rights?)";
    case errc::ssl_pinnedpubkeynotmatch:
      return "SSL public key does not match pinned public key";
    case errc::aborted_by_callback: return "Operation was aborted by an application callback";
    case errc::bad_function_argument: return "A transfer option had an invalid value";
    case errc::too_many_redirects: return "Number of redirects hit maximum amount";
    case errc::got_nothing: return "Server returned nothing (no headers, no data)";
    case errc::send_error: return "Failed sending data to the peer";
    case errc::recv_error: return "Failure when receiving data from the peer";
    case errc::filesize_exceeded: return "Maximum file size exceeded";
    case errc::range_error: return "Requested range was not delivered by the server";
    case errc::file_couldnt_read_file: return "Couldn't read a file";
    case errc::interface_failed: return "Failed binding local connection end";
    case errc::bad_content_encoding: return "Unrecognized or bad HTTP Content or Transfer-Encoding";
    case errc::send_fail_rewind: return "Send failed since rewinding of the data stream failed";
    case errc::login_denied: return "Login denied";
    case errc::auth_error: return "An authentication function returned an error";
    case errc::too_large: return "A value or data field grew larger than allowed";
    }
    return "Unknown xfer error " + std::to_string(value);
  }
};

class multi_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "xfer.multi"; }
  std::string message(int value) const override {
    switch (static_cast<multi_errc>(value)) {
    case multi_errc::bad_handle: return "Invalid multi handle";
    case multi_errc::bad_easy_handle: return "Invalid transfer handle";
    case multi_errc::out_of_memory: return "Out of memory";
    case multi_errc::internal_error: return "Internal error";
    case multi_errc::added_already: return "The transfer is already added to a multi";
    case multi_errc::recursive_api_call: return "API function called from within a callback";
    case multi_errc::wakeup_failure: return "Wakeup is unavailable or failed";
    case multi_errc::bad_function_argument: return "A function was given a bad argument";
    case multi_errc::unrecoverable_poll: return "Unrecoverable error in select/poll";
    }
    return "Unknown xfer multi error " + std::to_string(value);
  }
};

} // namespace detail

XFER_DECL const std::error_category& transfer_category() noexcept {
  static const detail::transfer_category_impl category;
  return category;
}

XFER_DECL const std::error_category& multi_category() noexcept {
  static const detail::multi_category_impl category;
  return category;
}

} // namespace xfer
