// xfer/detail/basic_auth.hpp - Authorization values that need no challenge: Basic (RFC 7617) and Bearer (RFC 6750).
#pragma once

#include <xfer/detail/base64.hpp>

#include <string>
#include <string_view>

namespace xfer::detail {

/// `Basic base64(user ":" password)`. The bytes go out as given (UTF-8 is what
/// servers expect, RFC 7617 §2.1); a ':' in the user name cannot be told apart
/// from the separator by the server, as with curl.
inline std::string basic_authorization(std::string_view user, std::string_view password) {
  std::string credentials;
  credentials.reserve(user.size() + 1 + password.size());
  credentials.append(user);
  credentials.push_back(':');
  credentials.append(password);
  std::string out = "Basic ";
  append_base64(out, credentials);
  return out;
}

/// `Bearer token`. The token is sent as given (it is normally a token68); one
/// with CR, LF or NUL is refused when the request starts, as any header value.
inline std::string bearer_authorization(std::string_view token) {
  std::string out = "Bearer ";
  out.append(token);
  return out;
}

} // namespace xfer::detail
