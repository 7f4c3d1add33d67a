// xfer/redirect_policy.hpp - whether and how a transfer follows redirects (curl's FOLLOWLOCATION family).
#pragma once

namespace xfer {

/// How a transfer answers 3xx responses with a Location. Off by default, as in
/// curl. When on, only http and https targets are followed, credentials never
/// go to another origin and https never drops to http, unless an option named
/// `insecure_*` says otherwise.
struct redirect_policy {
  /// Follow 301, 302, 303, 307 and 308 responses (CURLOPT_FOLLOWLOCATION).
  bool follow = false;
  /// Redirects followed at most before errc::too_many_redirects (CURLOPT_MAXREDIRS); -1 = no limit.
  int max_redirects = 30;
  /// Keep POST (and its body) after a 301 / 302 / 303 instead of switching to
  /// GET without a body (CURLOPT_POSTREDIR's CURL_REDIR_POST_301/302/303).
  bool keep_post_on_301 = false;
  bool keep_post_on_302 = false;
  bool keep_post_on_303 = false;
  /// Send Authorization, Cookie and Proxy-Authorization fields set by the user,
  /// and the transfer's credentials, to an origin (scheme, host, port) other than
  /// the first request's (curl's CURLOPT_UNRESTRICTED_AUTH). Leaks secrets to
  /// whoever the server redirects to.
  bool insecure_send_credentials_to_other_origins = false;
  /// Follow a redirect from https to plain http, sending the request in clear.
  bool insecure_allow_https_to_http = false;
};

} // namespace xfer
