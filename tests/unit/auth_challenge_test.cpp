// WWW-Authenticate parsing: RFC 9110 §11 challenge lists, bounded against hostile servers.
#include <xfer/detail/auth_challenge.hpp>

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

using xfer::detail::auth_challenge;
using xfer::detail::auth_challenge_limits;
using xfer::detail::parse_auth_challenges;

namespace {

std::vector<auth_challenge> parse_ok(std::string_view value) {
  std::vector<auth_challenge> out;
  std::string detail;
  const auto ec = parse_auth_challenges(value, out, detail);
  INFO(detail);
  REQUIRE_FALSE(ec);
  return out;
}

std::error_code parse_error(std::string_view value, std::string& detail,
                            const auth_challenge_limits& limits = {}) {
  std::vector<auth_challenge> out;
  return parse_auth_challenges(value, out, detail, limits);
}

} // namespace

TEST_CASE("one challenge with token and quoted-string params", "[unit][auth]") {
  const auto c = parse_ok(R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256,)"
                          R"( nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v")");
  REQUIRE(c.size() == 1);
  CHECK(c[0].scheme == "Digest");
  CHECK(c[0].is("digest"));
  CHECK(c[0].token68.empty());
  REQUIRE(c[0].params.size() == 4);
  CHECK(c[0].params[0].name == "realm");
  CHECK(*c[0].find("REALM") == "http-auth@example.org");
  CHECK(*c[0].find("qop") == "auth, auth-int");
  CHECK(*c[0].find("algorithm") == "SHA-256");
  CHECK(c[0].find("opaque") == nullptr);
}

TEST_CASE("several challenges in one field, with and without params, and token68", "[unit][auth]") {
  const auto c = parse_ok(R"(Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple", )"
                          R"(Negotiate, NTLM TlRMTVNTUAACAAAAAAAAACgAAAABggAAU3J2Tm9uY2UAAAAAAAAAAA==, Bearer)");
  REQUIRE(c.size() == 5);
  CHECK(c[0].scheme == "Newauth");
  REQUIRE(c[0].params.size() == 3);
  CHECK(*c[0].find("type") == "1");
  CHECK(*c[0].find("title") == R"(Login to "apps")");
  CHECK(c[1].scheme == "Basic");
  CHECK(*c[1].find("realm") == "simple");
  CHECK(c[2].scheme == "Negotiate");
  CHECK(c[2].params.empty());
  CHECK(c[2].token68.empty());
  CHECK(c[3].scheme == "NTLM");
  CHECK(c[3].token68 == "TlRMTVNTUAACAAAAAAAAACgAAAABggAAU3J2Tm9uY2UAAAAAAAAAAA==");
  CHECK(c[4].scheme == "Bearer");
}

TEST_CASE("challenges accumulate across fields; empty list elements and BWS are accepted", "[unit][auth]") {
  xfer::headers h;
  h.add("WWW-Authenticate", R"(Basic realm="a")");
  h.add("Content-Type", "text/plain");
  h.add("www-authenticate", R"( , Digest realm = "b" ,, nonce= "n1"	,  , Bearer realm="c",)");
  std::vector<auth_challenge> c{auth_challenge{"Stale", {}, {}}};
  std::string detail;
  REQUIRE_FALSE(parse_auth_challenges(h, "WWW-Authenticate", c, detail));
  REQUIRE(c.size() == 3); // cleared first
  CHECK(c[0].is("Basic"));
  CHECK(c[1].is("Digest"));
  CHECK(*c[1].find("realm") == "b");
  CHECK(*c[1].find("nonce") == "n1");
  CHECK(c[2].is("Bearer"));
  CHECK(*c[2].find("realm") == "c");
}

TEST_CASE("quoted-pair escapes any visible or obs-text octet", "[unit][auth]") {
  const auto c = parse_ok("Digest realm=\"a\\\\b\\\"c\\d\xC3\xA9\", nonce=\"\"");
  CHECK(*c[0].find("realm") == "a\\b\"cd\xC3\xA9");
  CHECK(c[0].find("nonce")->empty());
}

TEST_CASE("token68 forms: padding, and params that only look like one", "[unit][auth]") {
  CHECK(parse_ok("Basic abc==")[0].token68 == "abc==");
  // By the grammar, a lone "name=" or "name" after the scheme is a token68, not a parameter.
  CHECK(parse_ok("Digest realm=")[0].token68 == "realm=");
  CHECK(parse_ok("Digest realm")[0].token68 == "realm");
  CHECK(parse_ok("Basic a/b+c.d-e_f~g  , Digest nonce=x")[0].token68 == "a/b+c.d-e_f~g");
  const auto p = parse_ok("Basic realm=x");
  CHECK(p[0].token68.empty());
  CHECK(*p[0].find("realm") == "x");
}

TEST_CASE("malformed challenges end in weird_server_reply with a reason", "[unit][auth]") {
  struct bad {
    const char* value;
    const char* reason;
  };
  const bad cases[] = {
      {R"(Digest realm="unterminated)", "unterminated quoted-string"},
      {R"(Digest realm="ends in backslash\)", "unterminated quoted-string"},
      {"Digest realm=\"line\r\nInjected: yes\"", "control character"},
      {"Digest a=b, realm=", "expected a token or a quoted-string"},
      {"Digest a=b, realm= ,nonce=x", "expected a token or a quoted-string"},
      {"Digest realm \"x\"", "expected '='"},
      {"Digest realm=,nonce=x", "expected a space after the auth-scheme"}, // token68 "realm=", then "nonce=x"
      {"Digest realm=a nonce=b", "expected ','"},
      {"Digest realm=a, realm=b", "repeated"},
      {"Basic abc=, realm=x", "expected a space after the auth-scheme"},
      {"realm=x", "expected a space after the auth-scheme"},
      {"=x", "expected an auth-scheme"},
      {"Digest \"x\"", "expected an auth-param name"},
      {"Digest{ realm=x", "expected a space after the auth-scheme"},
  };
  for (const auto& b : cases) {
    const std::string_view value(b.value);
    std::string detail;
    INFO(value);
    const auto ec = parse_error(value, detail);
    CHECK(ec == xfer::errc::weird_server_reply);
    CHECK_THAT(detail, Catch::Contains(b.reason));
  }
  // A NUL byte inside a quoted-string:
  std::string with_nul = "Digest realm=\"nul";
  with_nul += '\0';
  with_nul += "byte\"";
  std::string detail;
  CHECK(parse_error(with_nul, detail) == xfer::errc::weird_server_reply);
  CHECK_THAT(detail, Catch::Contains("control character"));
}

TEST_CASE("challenges beyond the limits end in too_large, bounded", "[unit][auth]") {
  std::string detail;

  std::string huge = "Digest nonce=\"" + std::string(5000, 'n') + "\"";
  CHECK(parse_error(huge, detail) == xfer::errc::too_large);
  CHECK_THAT(detail, Catch::Contains("limit of 4096"));

  std::string huge_token = "Digest nonce=" + std::string(5000, 'n');
  CHECK(parse_error(huge_token, detail) == xfer::errc::too_large);

  std::string field(20000, ' ');
  CHECK(parse_error(field, detail) == xfer::errc::too_large);
  CHECK_THAT(detail, Catch::Contains("20000 bytes"));

  std::string many;
  for (int i = 0; i < 17; ++i)
    many += "Basic realm=\"r" + std::to_string(i) + "\", ";
  CHECK(parse_error(many, detail) == xfer::errc::too_large);
  CHECK_THAT(detail, Catch::Contains("more than 16 challenges"));

  std::string params = "Digest ";
  for (int i = 0; i < 33; ++i)
    params += "p" + std::to_string(i) + "=v, ";
  CHECK(parse_error(params, detail) == xfer::errc::too_large);
  CHECK_THAT(detail, Catch::Contains("more than 32 parameters"));

  // The challenge limit counts across fields of one response.
  xfer::headers h;
  for (int i = 0; i < 20; ++i)
    h.add("WWW-Authenticate", "Basic realm=\"x\"");
  std::vector<auth_challenge> out;
  CHECK(parse_auth_challenges(h, "WWW-Authenticate", out, detail) == xfer::errc::too_large);
  CHECK(out.size() == 16);
  CHECK_THAT(detail, Catch::StartsWith("WWW-Authenticate: "));

  // Limits are the caller's to choose.
  auth_challenge_limits tight;
  tight.max_value_size = 8;
  CHECK(parse_error("Basic realm=\"123456789\"", detail, tight) == xfer::errc::too_large);
  CHECK_FALSE(parse_error("Basic realm=\"12345678\"", detail, tight));
}

TEST_CASE("random bytes and mutations of real challenges never crash and stay bounded", "[unit][auth]") {
  std::mt19937 rng(12345);
  const std::string seeds[] = {
      R"(Digest realm="me@kennethreitz.com", nonce="0b1aba4dab826533600cc9c69f727e7c", qop="auth", opaque="cc", algorithm=MD5, stale=FALSE)",
      R"(Basic realm="x", Negotiate abc==, Bearer error="invalid_token", error_description="The \"token\" expired")",
  };
  const std::string alphabet = "\"\\=, \tabcAZ09/+-~\r\n\x01\x7f\xc3";
  std::size_t parsed = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string s = seeds[static_cast<std::size_t>(round) % 2];
    const int edits = 1 + static_cast<int>(rng() % 6);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % (s.size() + 1);
      switch (rng() % 3) {
      case 0: s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), alphabet[rng() % alphabet.size()]); break;
      case 1: if (at < s.size()) s.erase(at, 1); break;
      default: if (at < s.size()) s[at] = alphabet[rng() % alphabet.size()]; break;
      }
    }
    std::vector<auth_challenge> out;
    std::string detail;
    const auto ec = parse_auth_challenges(s, out, detail);
    if (ec) {
      CHECK_FALSE(detail.empty());
    } else {
      ++parsed;
      for (const auto& c : out) {
        CHECK_FALSE(c.scheme.empty());
        for (const auto& p : c.params)
          for (const char ch : p.value)
            CHECK((ch == '\t' || static_cast<unsigned char>(ch) >= 0x20)); // no CR, LF, NUL ever comes out
      }
    }
  }
  CHECK(parsed > 1000); // the mutations leave many valid inputs, so both paths run
}
