// Separate compilation: a program that uses xfer with XFER_SEPARATE_COMPILATION and links
// the bodies from separate_src.cpp. Parses a URL and a response, stores and sends a cookie,
// builds a multipart form, picks a Digest challenge, and runs one transfer that fails to
// connect, which touches the error category, the parser and the engine.
#include <xfer.hpp>
#include <xfer/detail/digest_auth.hpp>

#include <cstdio>
#include <string>

int main() {
  auto u = xfer::url::parse("http://127.0.0.1:1/x?y");
  if (u.target() != "/x?y")
    return 1;
  xfer::cookie_jar jar;
  std::string cookie;
  if (!jar.set_from_header(u, "a=1; Expires=Wed, 09 Jun 2100 10:18:14 GMT") ||
      jar.append_cookie_header(u, cookie) != 1 || cookie != "a=1")
    return 3;
  xfer::multi m;
  xfer::transfer t{u.str()};
  m.add(t);
  while (m.perform() > 0)
    m.poll(std::chrono::milliseconds(100));
  auto msg = m.info_read();
  if (!msg || msg->result() != xfer::errc::couldnt_connect)
    return 2;
  xfer::multipart_form form{"b"};
  form.add_field("a", "1");
  if (form.str() != "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--\r\n")
    return 3;
  std::vector<xfer::detail::auth_challenge> challenges;
  std::string detail;
  xfer::detail::digest_challenge digest;
  if (xfer::detail::parse_auth_challenges("Digest nonce=n, qop=auth", challenges, detail) ||
      xfer::detail::select_digest_challenge(challenges, digest, detail))
    return 4;
  std::printf("separate compilation: %s\n", msg->result().message().c_str());
  return 0;
}
