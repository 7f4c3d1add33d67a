// Authentication through the transfer API against httpbin: Basic, Bearer, Digest (MD5 and
// SHA-256, qop=auth), `any`, and credentials from the URL.
#include <xfer/transfer.hpp>

#include <xfer/multi.hpp>

#include "support/drive.hpp"
#include "support/httpbin_server.hpp"
#include "support/json.hpp"
#include "support/recorded_request.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace std::chrono_literals;
using xfer::test::httpbin;
using xfer::test::json;

namespace {

/// httpbin's URL with user:password@ in its authority.
std::string url_with_userinfo(const std::string& userinfo, const std::string& path) {
  std::string url = httpbin().url(path);
  return url.insert(std::string("http://").size(), userinfo + "@");
}

} // namespace

TEST_CASE("Basic credentials from the options and from the URL", "[loopback][auth][httpbin]") {
  xfer::multi m;
  xfer::transfer t{httpbin().url("/basic-auth/user/passwd")};
  t.set_basic_auth("user", "passwd");
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.status() == 200);
  CHECK(json::parse(t.body())["user"].str() == "user");
  CHECK(t.info().chain.empty()); // sent with the first request

  xfer::transfer from_url{url_with_userinfo("user:passwd", "/basic-auth/user/passwd")};
  REQUIRE_FALSE(xfer::test::run_one(m, from_url));
  CHECK(from_url.status() == 200);

  xfer::transfer encoded{url_with_userinfo("us%65r:pa%73swd", "/basic-auth/user/passwd")};
  REQUIRE_FALSE(xfer::test::run_one(m, encoded));
  CHECK(encoded.status() == 200);

  xfer::transfer wrong{httpbin().url("/basic-auth/user/passwd")};
  wrong.set_basic_auth("user", "nope");
  REQUIRE_FALSE(xfer::test::run_one(m, wrong));
  CHECK(wrong.status() == 401);
}

TEST_CASE("Bearer tokens go with every request", "[loopback][auth][httpbin]") {
  xfer::multi m;
  xfer::transfer t{httpbin().url("/bearer")};
  t.set_bearer_token("mF_9.B5f-4.1JqM");
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.status() == 200);
  CHECK(json::parse(t.body())["token"].str() == "mF_9.B5f-4.1JqM");

  xfer::transfer none{httpbin().url("/bearer")};
  REQUIRE_FALSE(xfer::test::run_one(m, none));
  CHECK(none.status() == 401);
}

TEST_CASE("Digest MD5 and SHA-256 answer httpbin's challenge", "[loopback][auth][digest][httpbin]") {
  for (const std::string algorithm : {"MD5", "SHA-256"}) {
    INFO(algorithm);
    xfer::multi m;
    const std::string path = "/digest-auth/auth/user/passwd/" + algorithm;
    xfer::transfer t{httpbin().url(path)};
    t.set_digest_auth("user", "passwd");
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    CHECK(t.status() == 200);
    CHECK(json::parse(t.body())["authenticated"].boolean());
    REQUIRE(t.info().chain.size() == 1);
    CHECK(t.info().chain[0].status == 401);
    CHECK(t.info().chain[0].fields.find("WWW-Authenticate").has_value());
    CHECK(t.info().redirect_count == 0);
    CHECK(t.info().effective_url == httpbin().url(path));

    // `any` picks Digest from the challenge too.
    xfer::transfer any{httpbin().url(path)};
    any.set_credentials({xfer::auth_scheme::any, "user", "passwd", {}});
    REQUIRE_FALSE(xfer::test::run_one(m, any));
    CHECK(any.status() == 200);

    // URL credentials with the Digest scheme.
    xfer::transfer from_url{url_with_userinfo("user:passwd", path)};
    from_url.set_credentials({xfer::auth_scheme::digest, {}, {}, {}});
    REQUIRE_FALSE(xfer::test::run_one(m, from_url));
    CHECK(from_url.status() == 200);
  }
}

TEST_CASE("a wrong Digest password ends with the server's 401 after one answer", "[loopback][auth][digest][httpbin]") {
  xfer::multi m;
  const std::string path = "/digest-auth/auth/user/passwd/SHA-256";
  xfer::transfer t{httpbin().url(path)};
  t.set_digest_auth("user", "wrong");
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.status() == 401);
  CHECK(t.info().chain.size() == 1); // one answer, not a loop

  xfer::transfer failing{httpbin().url(path)};
  failing.set_digest_auth("user", "wrong").set_fail_on_error(true);
  CHECK(xfer::test::run_one(m, failing) == xfer::errc::http_returned_error);
}

TEST_CASE("any answers a Basic challenge with Basic, never up front", "[loopback][auth][httpbin]") {
  xfer::multi m;
  xfer::transfer t{httpbin().url("/basic-auth/user/passwd")};
  t.set_credentials({xfer::auth_scheme::any, "user", "passwd", {}});
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.status() == 200);
  REQUIRE(t.info().chain.size() == 1);
  CHECK(t.info().chain[0].status == 401);
}

TEST_CASE("a Digest answer resends a streamed body only when it can rewind", "[loopback][auth][digest]") {
  const std::string challenge =
      "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"r\", nonce=\"abc\", qop=\"auth\", algorithm=SHA-256\r\n"
      "Content-Length: 0\r\n\r\n";
  xfer::test::scripted_server server;
  server.set_default_script({xfer::test::step::respond_by([&](const std::string& raw) {
    const auto r = xfer::test::recorded_request::parse(raw);
    return r.has("Authorization") ? xfer::test::http_response(200, "in") : challenge;
  })});
  xfer::multi m;
  const std::string source = "streamed";
  for (const bool rewindable : {true, false}) {
    INFO(rewindable);
    std::size_t offset = 0;
    xfer::transfer t{server.url("/")};
    t.set_method("POST").set_digest_auth("u", "p").add_header("Expect", "");
    auto reader = [&](std::span<char> b) {
      const std::size_t n = std::min(b.size(), source.size() - offset);
      source.copy(b.data(), n, offset);
      offset += n;
      return n;
    };
    if (rewindable)
      t.set_body(reader, source.size(), [&] {
        offset = 0;
        return true;
      });
    else
      t.set_body(reader, source.size());
    const auto ec = xfer::test::run_one(m, t);
    if (rewindable) {
      REQUIRE_FALSE(ec);
      CHECK(t.body() == "in");
      const auto last = xfer::test::recorded_request::parse(server.requests().back());
      CHECK(last.body == source);
      CHECK_THAT(*last.field("Authorization"), Catch::StartsWith("Digest "));
    } else {
      CHECK(ec == xfer::errc::send_fail_rewind);
    }
  }
}
