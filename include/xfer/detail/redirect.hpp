// xfer/detail/redirect.hpp - what a redirect response asks for: the next URL, method and body.
#pragma once

#include <xfer/error.hpp>
#include <xfer/redirect_policy.hpp>
#include <xfer/url.hpp>

#include <string>
#include <string_view>

namespace xfer::detail {

/// Whether two URLs have the same origin: scheme, host and port (RFC 6454).
inline bool same_origin(const url& a, const url& b) noexcept {
  return a.scheme() == b.scheme() && a.host() == b.host() && a.port() == b.port();
}

/// Whether `status` is a redirect xfer follows.
constexpr bool is_followed_redirect(int status) noexcept {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/// The scheme of `reference` when it starts with one (RFC 3986 §3.1: a letter, then letters,
/// digits, '+', '-' or '.', then ':'), lower-cased; empty for a relative reference.
inline std::string reference_scheme(std::string_view reference) {
  const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (reference.empty() || !letter(reference.front()))
    return {};
  std::string scheme;
  for (const char c : reference) {
    if (c == ':')
      return scheme;
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.')
      return {};
    scheme.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c));
  }
  return {};
}

/// The request a redirect leads to.
struct redirect_step {
  std::error_code error;    ///< set when the redirect must not be followed; the transfer fails with it
  std::string detail;       ///< the error's explanation
  url target;               ///< the next URL (fragment of the old one kept when the new has none)
  std::string method;       ///< the next method
  bool keep_body = true;    ///< the request body is sent again
  bool credentials = true;  ///< credentials may go to `target` (same origin as the first request, or allowed)
};

/// Plans the request that follows `status` with `location`, for a request of
/// `method` to `current`, in a transfer that started at `first` and has
/// followed `followed` redirects. RFC 9110 §15.4 with curl's choices: 301
/// and 302 turn POST into GET, 303 turns anything but HEAD into GET, each
/// dropping the body; 307 and 308 keep both.
inline redirect_step plan_redirect(const url& current, const url& first, int status,
                                   std::string_view location, std::string_view method,
                                   const redirect_policy& policy, int followed) {
  redirect_step step;
  if (policy.max_redirects >= 0 && followed >= policy.max_redirects) {
    step.error = errc::too_many_redirects;
    step.detail = "Maximum (" + std::to_string(policy.max_redirects) + ") redirects followed";
    return step;
  }
  if (const std::string scheme = reference_scheme(location);
      !scheme.empty() && scheme != "http" && scheme != "https") {
    // Checked before resolving: data:, javascript: and the like are not even URLs xfer parses.
    step.error = errc::unsupported_protocol;
    step.detail = "Redirect to protocol \"" + scheme.substr(0, 40) + "\" refused: only http and https are followed";
    return step;
  }
  std::error_code ec;
  step.target = current.resolve(location, ec);
  if (ec) {
    step.error = errc::url_malformat;
    step.detail = "Redirect location is not a valid URL: \"" +
                  std::string(location.substr(0, 200)) + "\"";
    return step;
  }
  const std::string_view scheme = step.target.scheme();
  if (scheme != "http" && scheme != "https") {
    step.error = errc::unsupported_protocol;
    step.detail = "Redirect to protocol \"" + std::string(scheme) + "\" refused: only http and https are followed";
    return step;
  }
  if (current.scheme() == "https" && scheme == "http" && !policy.insecure_allow_https_to_http) {
    step.error = errc::unsupported_protocol;
    step.detail = "Redirect from https to http refused (redirect_policy::insecure_allow_https_to_http)";
    return step;
  }
  if (!step.target.has_fragment() && current.has_fragment()) {
    // RFC 9110 §10.2.2: the new URL inherits the old fragment. Fragments are never sent.
    std::error_code ignored;
    url with_fragment = url::parse(step.target.str() + "#" + std::string(current.fragment()), ignored);
    if (!with_fragment.empty())
      step.target = std::move(with_fragment);
  }
  step.method.assign(method);
  const bool post = method == "POST";
  if ((status == 301 && post && !policy.keep_post_on_301) ||
      (status == 302 && post && !policy.keep_post_on_302) ||
      (status == 303 && method != "HEAD" && !(post && policy.keep_post_on_303))) {
    step.method = "GET";
    step.keep_body = false;
  }
  step.credentials = policy.insecure_send_credentials_to_other_origins || same_origin(step.target, first);
  return step;
}

} // namespace xfer::detail
