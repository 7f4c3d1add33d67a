// xfer/detail/authenticator.hpp - the Authorization value a request carries, and the answer to a 401.
#pragma once

#include <xfer/auth.hpp>
#include <xfer/detail/base64.hpp>
#include <xfer/error.hpp>
#include <xfer/headers.hpp>
#include <xfer/url.hpp>

#include <string>
#include <string_view>
#include <system_error>

namespace xfer::detail::authenticator {

/// The user and password a request uses: the transfer's credentials, else the URL's userinfo.
inline std::pair<std::string, std::string> user_and_password(const credentials& auth, const url& target) {
  if (!auth.user.empty() || !auth.password.empty())
    return {auth.user, auth.password};
  if (target.has_userinfo())
    return {target.user(), target.password()};
  return {};
}

/// "Basic base64(user:password)" (RFC 7617).
inline std::string basic(std::string_view user, std::string_view password) {
  std::string plain;
  plain.reserve(user.size() + password.size() + 1);
  plain.append(user).append(":").append(password);
  return "Basic " + base64_encode(plain);
}

/// The Authorization value sent without waiting for a challenge: Basic and
/// Bearer (and Basic for credentials in the URL when no scheme is set, as curl
/// does); empty for Digest and `any`, which answer a 401.
inline std::string preemptive(const credentials& auth, const url& target) {
  switch (auth.scheme) {
  case auth_scheme::bearer:
    return auth.bearer_token.empty() ? std::string() : "Bearer " + auth.bearer_token;
  case auth_scheme::basic: {
    auto [user, password] = user_and_password(auth, target);
    return basic(user, password);
  }
  case auth_scheme::none:
    if (target.has_userinfo())
      return basic(target.user(), target.password());
    return {};
  case auth_scheme::digest:
  case auth_scheme::any:
    return {};
  }
  return {};
}

/// What a 401 response is answered with.
struct answer {
  std::string authorization; ///< the value for the next request; empty = do not answer
  std::error_code error;     ///< the transfer fails with this
  std::string detail;
};

/// Answers the challenges in the `challenge_field` fields of a 401 response
/// to a `method` request for `target`, with the scheme `auth` allows.
inline answer respond(const credentials& auth, const url& target, std::string_view method,
                      const headers& response, std::string_view challenge_field) {
  answer result;
  if (auth.scheme != auth_scheme::digest && auth.scheme != auth_scheme::any)
    return result;
  auto [user, password] = user_and_password(auth, target);
  if (user.empty() && password.empty())
    return result;
  bool basic_offered = false;
  for (const auto field : response) {
    if (!iequals(field.name, challenge_field))
      continue;
    std::string_view v = field.value;
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t' || v.front() == ','))
      v.remove_prefix(1);
    if (v.size() >= 5 && iequals(v.substr(0, 5), "basic") && (v.size() == 5 || v[5] == ' '))
      basic_offered = true;
  }
  (void)method;
  if (auth.scheme == auth_scheme::any && basic_offered)
    result.authorization = basic(user, password);
  return result;
}

} // namespace xfer::detail::authenticator
