// tests/unit/cookie_jar_test.cpp - xfer::cookie_jar: RFC 6265 rules, limits, and curl's cookie file format.
#include <xfer/cookie_jar.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

using xfer::cookie_jar;
using rejection = xfer::cookie_jar::rejection;
using namespace std::chrono_literals;

namespace Catch {
template <>
struct StringMaker<rejection> {
  static std::string convert(rejection r) { return std::string(cookie_jar::describe(r)); }
};
} // namespace Catch

namespace {

/// 2023-11-14T22:13:20Z, the time every test runs at unless it says otherwise.
const cookie_jar::time_point t0{1'700'000'000s};
const std::chrono::sys_seconds t0_s{1'700'000'000s};

xfer::url parse(std::string_view text) { return xfer::url::parse(text); }

/// set_from_header at `now`; checks that the bool and the reason agree.
rejection set(cookie_jar& jar, std::string_view request_url, std::string_view value,
              cookie_jar::time_point now = t0) {
  rejection why = rejection::shadows_secure; // must be overwritten
  const bool stored = jar.set_from_header(parse(request_url), value, why, now);
  CHECK(stored == (why == rejection::none));
  return why;
}

/// The Cookie field value for a request at `now`.
std::string header(const cookie_jar& jar, std::string_view request_url, cookie_jar::time_point now = t0) {
  std::string out;
  const std::size_t n = jar.append_cookie_header(parse(request_url), out, now);
  CHECK((n == 0) == out.empty());
  return out;
}

std::vector<std::string> names(const cookie_jar& jar) {
  std::vector<std::string> result;
  for (const auto& c : jar.cookies())
    result.push_back(c.name);
  return result;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::filesystem::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

struct send_case {
  std::string_view set_url;
  std::string_view set_cookie;
  std::string_view request_url;
  std::string_view expected; // the Cookie field value
};

void run(const send_case& c) {
  INFO("set " << c.set_url << " \"" << c.set_cookie << "\", request " << c.request_url);
  cookie_jar jar;
  CHECK(set(jar, c.set_url, c.set_cookie) == rejection::none);
  CHECK(header(jar, c.request_url) == c.expected);
}

struct reject_case {
  std::string_view request_url;
  std::string_view set_cookie;
  rejection expected;
};

} // namespace

TEST_CASE("cookie jar: host-only and Domain cookies go to the right hosts only", "[unit][cookie]") {
  const send_case cases[] = {
      // Without Domain: that host only, whatever the port or scheme.
      {"http://example.com/", "a=1", "http://example.com/", "a=1"},
      {"http://example.com/", "a=1", "http://example.com:8080/x", "a=1"},
      {"http://example.com/", "a=1", "https://example.com/", "a=1"},
      {"http://example.com/", "a=1", "http://www.example.com/", ""},
      {"http://example.com/", "a=1", "http://notexample.com/", ""},
      {"http://www.example.com/", "a=1", "http://example.com/", ""},
      {"http://www.example.com/", "a=1; Domain=", "http://x.www.example.com/", ""},
      // With Domain: that domain and its subdomains, at label boundaries only.
      {"http://www.example.com/", "a=1; Domain=example.com", "http://example.com/", "a=1"},
      {"http://www.example.com/", "a=1; Domain=example.com", "http://www.example.com/", "a=1"},
      {"http://www.example.com/", "a=1; Domain=example.com", "http://a.b.example.com/", "a=1"},
      {"http://www.example.com/", "a=1; Domain=example.com", "http://notexample.com/", ""},
      {"http://www.example.com/", "a=1; Domain=example.com", "http://example.com.evil.org/", ""},
      {"http://www.example.com/", "a=1; Domain=example.com", "http://example.org/", ""},
      {"http://www.example.com/", "a=1; Domain=.EXAMPLE.com", "http://sub.example.com/", "a=1"},
      {"http://www.example.com/", "a=1; Domain=www.example.com", "http://x.www.example.com/", "a=1"},
      {"http://www.example.com/", "a=1; Domain=www.example.com", "http://example.com/", ""},
      {"http://www.example.com/", "a=1; Domain=example.org; Domain=example.com", "http://example.com/", "a=1"},
      // A trailing dot of the host does not matter.
      {"http://example.com./", "a=1", "http://example.com/", "a=1"},
      {"http://example.com/", "a=1", "http://example.com./", "a=1"},
      // A public suffix as Domain is accepted only from that very host, then host-only.
      {"http://localhost/", "a=1; Domain=localhost", "http://localhost/", "a=1"},
      {"http://localhost/", "a=1; Domain=localhost", "http://x.localhost/", ""},
      {"http://co.uk/", "a=1; Domain=co.uk", "http://co.uk/", "a=1"},
      {"http://co.uk/", "a=1; Domain=co.uk", "http://bbc.co.uk/", ""},
      // IP addresses match exactly, never as a domain.
      {"http://127.0.0.1/", "a=1", "http://127.0.0.1/", "a=1"},
      {"http://127.0.0.1/", "a=1; Domain=127.0.0.1", "http://127.0.0.1/", "a=1"},
      {"http://127.0.0.1/", "a=1; Domain=127.0.0.1", "http://1.127.0.0.1/", ""},
      {"http://127.0.0.1/", "a=1", "http://127.0.0.2/", ""},
      {"http://[::1]/", "a=1", "http://[::1]:8080/", "a=1"},
      {"http://[::1]/", "a=1", "http://127.0.0.1/", ""},
      {"http://[::1]/", "a=1; Domain=::1", "http://[::1]/", "a=1"},
      // Not http(s): nothing is sent.
      {"http://example.com/", "a=1", "ftp://example.com/", ""},
  };
  for (const auto& c : cases)
    run(c);
}

TEST_CASE("cookie jar: the default path and the Path attribute", "[unit][cookie]") {
  const send_case cases[] = {
      // Default path: the request path up to its last '/'.
      {"http://h.test/a/b/c", "a=1", "http://h.test/a/b", "a=1"},
      {"http://h.test/a/b/c", "a=1", "http://h.test/a/b/", "a=1"},
      {"http://h.test/a/b/c", "a=1", "http://h.test/a/b/x/y", "a=1"},
      {"http://h.test/a/b/c", "a=1", "http://h.test/a", ""},
      {"http://h.test/a/b/c", "a=1", "http://h.test/a/bc", ""},
      {"http://h.test/a/b/c", "a=1", "http://h.test/", ""},
      {"http://h.test/a", "a=1", "http://h.test/", "a=1"},
      {"http://h.test/a/", "a=1", "http://h.test/a/", "a=1"},
      {"http://h.test/a/", "a=1", "http://h.test/b", ""},
      // The query is not part of the path.
      {"http://h.test/a/b?x=/y/z", "a=1", "http://h.test/a/q", "a=1"},
      {"http://h.test/a/b?x=/y/z", "a=1", "http://h.test/b", ""},
      // Path attribute.
      {"http://h.test/x/y", "a=1; Path=/", "http://h.test/", "a=1"},
      {"http://h.test/", "a=1; Path=/foo", "http://h.test/foo", "a=1"},
      {"http://h.test/", "a=1; Path=/foo", "http://h.test/foo/bar", "a=1"},
      {"http://h.test/", "a=1; Path=/foo", "http://h.test/foo?q=1", "a=1"},
      {"http://h.test/", "a=1; Path=/foo", "http://h.test/foobar", ""},
      {"http://h.test/", "a=1; Path=/foo", "http://h.test/Foo", ""},
      {"http://h.test/", "a=1; Path=/foo", "http://h.test/", ""},
      {"http://h.test/", "a=1; Path=/foo/", "http://h.test/foo/bar", "a=1"},
      {"http://h.test/", "a=1; Path=/foo/", "http://h.test/foo", ""},
      {"http://h.test/", "a=1; path=/x; PATH=/y", "http://h.test/y", "a=1"},
      {"http://h.test/", "a=1; Path=/x; Path=/y", "http://h.test/x", ""},
      // A Path that is not a path gives the default path.
      {"http://h.test/a/b/c", "a=1; Path=relative", "http://h.test/a/b/x", "a=1"},
      {"http://h.test/a/b/c", "a=1; Path=relative", "http://h.test/", ""},
      {"http://h.test/a/b/c", "a=1; Path=", "http://h.test/a/b", "a=1"},
      {"http://h.test/a/b/c", "a=1; Path=/; Path=x", "http://h.test/", ""},
  };
  for (const auto& c : cases)
    run(c);
}

TEST_CASE("cookie jar: names, values and attributes as RFC 6265 parses them", "[unit][cookie]") {
  const send_case cases[] = {
      {"http://h.test/", "  a  =  1  ", "http://h.test/", "a=1"},
      {"http://h.test/", "a=", "http://h.test/", "a="},
      {"http://h.test/", "a=b=c", "http://h.test/", "a=b=c"},
      {"http://h.test/", "a=\"quoted value\"", "http://h.test/", "a=\"quoted value\""},
      {"http://h.test/", "a=\xC3\xA9t\xC3\xA9", "http://h.test/", "a=\xC3\xA9t\xC3\xA9"},
      {"http://h.test/", "a b=1 2", "http://h.test/", "a b=1 2"},
      {"http://h.test/", "\ta=1\t", "http://h.test/", "a=1"},
      {"http://h.test/", "a=1;", "http://h.test/", "a=1"},
      {"http://h.test/", "a=1;;; ;=;x", "http://h.test/", "a=1"},
      {"http://h.test/", "a=1; SameSite=Lax; Priority=High; Partitioned; Version=1", "http://h.test/", "a=1"},
      {"https://h.test/", "a=1; sEcUrE=no", "https://h.test/", "a=1"},
  };
  for (const auto& c : cases)
    run(c);

  cookie_jar jar;
  REQUIRE(set(jar, "http://h.test/", "a=1; HttpOnly") == rejection::none);
  REQUIRE(jar.size() == 1);
  CHECK(jar.cookies()[0].http_only);
  CHECK(header(jar, "http://h.test/") == "a=1");
}

TEST_CASE("cookie jar: refused Set-Cookie values and why", "[unit][cookie]") {
  const reject_case cases[] = {
      {"ftp://h.test/", "a=1", rejection::not_http},
      {"http://h.test/", "", rejection::malformed},
      {"http://h.test/", "a", rejection::malformed},
      {"http://h.test/", "a; b=2", rejection::malformed},
      {"http://h.test/", "=1", rejection::malformed},
      {"http://h.test/", "  =1", rejection::malformed},
      {"http://h.test/", "; a=1", rejection::malformed},
      {"http://h.test/", "a\x01=1", rejection::invalid_octets},
      {"http://h.test/", "a=1\x7F", rejection::invalid_octets},
      {"http://h.test/", "a=1\r\nSet-Cookie: b=2", rejection::invalid_octets},
      {"http://h.test/", "a=1\nb=2", rejection::invalid_octets},
      {"http://h.test/", std::string_view("a=1\0b", 5), rejection::invalid_octets},
      {"http://h.test/", "a=x\ty", rejection::invalid_octets},
      {"http://h.test/", "a\tb=1", rejection::invalid_octets},
      {"http://h.test/", "a=1; Path=/x\ty", rejection::invalid_octets},
      {"http://h.test/", "a=1; Comment=\x1B[31m", rejection::invalid_octets},
      {"http://example.com/", "a=1; Domain=other.com", rejection::domain_mismatch},
      {"http://example.com/", "a=1; Domain=www.example.com", rejection::domain_mismatch},
      {"http://example.com/", "a=1; Domain=ample.com", rejection::domain_mismatch},
      {"http://example.com/", "a=1; Domain=example.com.", rejection::domain_mismatch},
      {"http://example.com/", "a=1; Domain=..example.com", rejection::domain_mismatch},
      {"http://www.example.com/", "a=1; Domain=example.com; Domain=evil.com", rejection::domain_mismatch},
      {"http://example.com/", "a=1; Domain=com", rejection::public_suffix},
      {"http://example.com/", "a=1; Domain=.com", rejection::public_suffix},
      {"http://example.com/", "a=1; Domain=COM", rejection::public_suffix},
      {"http://bbc.co.uk/", "a=1; Domain=co.uk", rejection::public_suffix},
      {"http://www.bbc.co.uk/", "a=1; Domain=.co.uk", rejection::public_suffix},
      {"http://shop.example.com.au/", "a=1; Domain=com.au", rejection::public_suffix},
      {"http://www.example.co.jp/", "a=1; Domain=co.jp", rejection::public_suffix},
      {"http://me.github.io/", "a=1; Domain=github.io", rejection::public_suffix},
      {"http://x.localhost/", "a=1; Domain=localhost", rejection::public_suffix},
      {"http://127.0.0.1/", "a=1; Domain=0.0.1", rejection::domain_mismatch},
      {"http://127.0.0.1/", "a=1; Domain=1", rejection::public_suffix},
      {"http://h.test/", "a=1; Secure", rejection::secure_over_http},
      {"http://h.test/", "a=1; secure", rejection::secure_over_http},
      {"https://h.test/", "__Secure-a=1", rejection::prefix_mismatch},
      {"https://h.test/", "__SECURE-a=1", rejection::prefix_mismatch},
      {"http://h.test/", "__Secure-a=1; Secure", rejection::secure_over_http},
      {"https://h.test/", "__Host-a=1; Secure", rejection::prefix_mismatch},
      {"https://h.test/", "__Host-a=1; Secure; Path=/x", rejection::prefix_mismatch},
      {"https://h.test/", "__Host-a=1; Path=/", rejection::prefix_mismatch},
      {"https://h.test/", "__host-a=1; Path=/", rejection::prefix_mismatch},
      {"https://h.test/", "__Host-a=1; Secure; Path=/; Domain=h.test", rejection::prefix_mismatch},
      {"https://www.h.test/", "__Host-a=1; Secure; Path=/; Domain=h.test", rejection::prefix_mismatch},
  };
  for (const auto& c : cases) {
    INFO("set " << c.request_url << " \"" << c.set_cookie << "\"");
    cookie_jar jar;
    CHECK(set(jar, c.request_url, c.set_cookie) == c.expected);
    CHECK(jar.empty());
  }

  // What the prefixes allow.
  cookie_jar jar;
  CHECK(set(jar, "https://h.test/", "__Secure-a=1; Secure") == rejection::none);
  CHECK(set(jar, "https://h.test/", "__Secure-b=1; Secure; Domain=h.test; Path=/x") == rejection::none);
  CHECK(set(jar, "https://h.test/x/y", "__Host-c=1; Secure; Path=/") == rejection::none);
  CHECK(jar.size() == 3);

  // Without a reason: the same answer.
  CHECK(jar.set_from_header(parse("https://h.test/"), "d=1", t0));
  CHECK_FALSE(jar.set_from_header(parse("http://h.test/"), "e=1; Secure", t0));
  CHECK(jar.size() == 4);
}

TEST_CASE("cookie jar: Secure cookies are set and sent over https only", "[unit][cookie][security]") {
  cookie_jar jar;
  REQUIRE(set(jar, "https://h.test/", "s=1; Secure") == rejection::none);
  REQUIRE(set(jar, "https://h.test/", "p=2") == rejection::none);
  CHECK(header(jar, "https://h.test/") == "s=1; p=2");
  CHECK(header(jar, "http://h.test/") == "p=2");
  CHECK(jar.cookies()[0].secure);

  // A Secure cookie loaded from a file is not sent over http either.
  cookie_jar loaded;
  loaded.load_from_string("h.test\tFALSE\t/\tTRUE\t0\ts\t1\n", t0);
  CHECK(header(loaded, "http://h.test/") == "");
  CHECK(header(loaded, "https://h.test/") == "s=1");
}

TEST_CASE("cookie jar: over http, a cookie may not overlay a Secure one", "[unit][cookie][security]") {
  cookie_jar jar;
  REQUIRE(set(jar, "https://www.example.com/", "sid=secret; Secure; Path=/; Domain=example.com") ==
          rejection::none);
  REQUIRE(set(jar, "https://www.example.com/", "login=1; Secure; Path=/login") == rejection::none);

  const reject_case cases[] = {
      // Same name, related domain, and a path under the Secure cookie's: refused.
      {"http://www.example.com/", "sid=evil", rejection::shadows_secure},
      {"http://www.example.com/", "sid=evil; Path=/deep/path", rejection::shadows_secure},
      {"http://example.com/", "sid=evil; Domain=example.com", rejection::shadows_secure},
      {"http://a.b.example.com/", "sid=evil", rejection::shadows_secure},
      {"http://www.example.com/", "sid=; Max-Age=0; Domain=example.com; Path=/", rejection::shadows_secure},
      {"http://www.example.com/", "login=evil; Path=/login/x", rejection::shadows_secure},
      // Not under the Secure cookie's path, another name, or an unrelated domain: accepted.
      {"http://www.example.com/", "login=ok; Path=/", rejection::none},
      {"http://www.example.com/", "login=ok; Path=/loginx", rejection::none},
      {"http://www.example.com/", "other=ok", rejection::none},
      {"http://example.org/", "sid=ok", rejection::none},
  };
  for (const auto& c : cases) {
    INFO("set " << c.request_url << " \"" << c.set_cookie << "\"");
    CHECK(set(jar, c.request_url, c.set_cookie) == c.expected);
  }
  CHECK(header(jar, "https://www.example.com/login") == "login=1; sid=secret; login=ok; other=ok");
  // Over https, the Secure cookie can be replaced.
  CHECK(set(jar, "https://www.example.com/", "sid=new; Domain=example.com; Path=/") == rejection::none);
  CHECK(header(jar, "http://www.example.com/") == "sid=new; login=ok; other=ok");
}

TEST_CASE("cookie jar: cookies are sent longest path first, then oldest first", "[unit][cookie]") {
  cookie_jar jar;
  REQUIRE(set(jar, "http://h.test/", "a=1; Path=/") == rejection::none);
  REQUIRE(set(jar, "http://h.test/", "b=2; Path=/x/y") == rejection::none);
  REQUIRE(set(jar, "http://h.test/", "c=3; Path=/x") == rejection::none);
  REQUIRE(set(jar, "http://h.test/", "d=4; Path=/x") == rejection::none);
  REQUIRE(set(jar, "http://h.test/", "e=5; Path=/") == rejection::none);
  CHECK(header(jar, "http://h.test/x/y/z") == "b=2; c=3; d=4; a=1; e=5");
  CHECK(header(jar, "http://h.test/x") == "c=3; d=4; a=1; e=5");

  // Replacing keeps the creation order.
  REQUIRE(set(jar, "http://h.test/", "c=33; Path=/x") == rejection::none);
  REQUIRE(set(jar, "http://h.test/", "a=11; Path=/") == rejection::none);
  CHECK(header(jar, "http://h.test/x/y/z") == "b=2; c=33; d=4; a=11; e=5");
  CHECK(names(jar) == std::vector<std::string>{"a", "b", "c", "d", "e"});

  // The same across the host's own cookies and those of its parent domains.
  cookie_jar mixed;
  REQUIRE(set(mixed, "http://www.example.com/", "p=1; Domain=example.com; Path=/") == rejection::none);
  REQUIRE(set(mixed, "http://www.example.com/", "q=2") == rejection::none);
  REQUIRE(set(mixed, "http://www.example.com/", "r=3; Domain=example.com; Path=/long") == rejection::none);
  REQUIRE(set(mixed, "http://www.example.com/", "s=4; Domain=www.example.com; Path=/long") ==
          rejection::none);
  REQUIRE(set(mixed, "http://example.com/", "t=5") == rejection::none);
  CHECK(header(mixed, "http://www.example.com/long/x") == "r=3; s=4; p=1; q=2");
  CHECK(header(mixed, "http://example.com/long") == "r=3; p=1; t=5");
}

TEST_CASE("cookie jar: same name, domain and path replace; others coexist", "[unit][cookie]") {
  cookie_jar jar;
  REQUIRE(set(jar, "http://h.test/", "a=1") == rejection::none);
  REQUIRE(set(jar, "http://h.test/", "a=2; Path=/x") == rejection::none);
  REQUIRE(set(jar, "http://www.h.test/", "a=3") == rejection::none);
  CHECK(jar.size() == 3);
  const auto first = jar.cookies()[0];
  CHECK(first.host_only);

  // A Domain cookie for the same domain string replaces the host-only one (RFC 6265 5.3 step 11).
  REQUIRE(set(jar, "http://h.test/", "a=5; Domain=h.test; HttpOnly; Max-Age=60") == rejection::none);
  CHECK(jar.size() == 3);
  const auto replaced = jar.cookies()[0];
  CHECK(replaced.value == "5");
  CHECK_FALSE(replaced.host_only);
  CHECK(replaced.http_only);
  CHECK(replaced.expires == t0_s + 60s);
  CHECK(replaced.creation_index == first.creation_index);
  // Names are case-sensitive.
  REQUIRE(set(jar, "http://h.test/", "A=6") == rejection::none);
  CHECK(jar.size() == 4);
  CHECK(header(jar, "http://www.h.test/x") == "a=5; a=3"); // same path: a=5 kept a=1's creation
}

TEST_CASE("cookie jar: Max-Age, Expires and deletion", "[unit][cookie]") {
  const auto expires_of = [](std::string_view set_cookie) {
    cookie_jar jar;
    REQUIRE(set(jar, "http://h.test/", set_cookie) == rejection::none);
    REQUIRE(jar.size() == 1);
    return jar.cookies()[0].expires;
  };
  using opt = std::optional<std::chrono::sys_seconds>;
  const std::string_view in_an_hour = "Tue, 14 Nov 2023 23:13:20 GMT";
  const std::string in_an_hour_attr = "Expires=" + std::string(in_an_hour);
  CHECK(expires_of("a=1") == opt());
  CHECK(expires_of("a=1; Max-Age=60") == opt(t0_s + 60s));
  CHECK(expires_of("a=1; " + in_an_hour_attr) == opt(t0_s + 3600s));
  CHECK(expires_of("a=1; expires=Tuesday, 14-Nov-23 23:13:20 GMT") == opt(t0_s + 3600s));
  // Max-Age wins over Expires, wherever it stands.
  CHECK(expires_of("a=1; Max-Age=60; " + in_an_hour_attr) == opt(t0_s + 60s));
  CHECK(expires_of("a=1; " + in_an_hour_attr + "; Max-Age=60") == opt(t0_s + 60s));
  // An invalid Max-Age or Expires is ignored; the last valid one counts.
  CHECK(expires_of("a=1; Max-Age=abc; " + in_an_hour_attr) == opt(t0_s + 3600s));
  CHECK(expires_of("a=1; Max-Age=1x") == opt());
  CHECK(expires_of("a=1; Max-Age=-") == opt());
  CHECK(expires_of("a=1; Max-Age=") == opt());
  CHECK(expires_of("a=1; Max-Age=+5") == opt());
  CHECK(expires_of("a=1; Max-Age=60; Max-Age=x") == opt(t0_s + 60s));
  CHECK(expires_of("a=1; Max-Age=60; Max-Age=120") == opt(t0_s + 120s));
  CHECK(expires_of("a=1; Expires=garbage") == opt());
  CHECK(expires_of("a=1; " + in_an_hour_attr + "; Expires=never") == opt(t0_s + 3600s));
  // Both are capped at 400 days.
  CHECK(expires_of("a=1; Max-Age=99999999999999999999999999") == opt(t0_s + cookie_jar::max_lifetime));
  CHECK(expires_of("a=1; Max-Age=34560001") == opt(t0_s + cookie_jar::max_lifetime));
  CHECK(expires_of("a=1; Max-Age=34559999") == opt(t0_s + 34559999s));
  CHECK(expires_of("a=1; Expires=Fri, 31 Dec 9999 23:59:59 GMT") == opt(t0_s + cookie_jar::max_lifetime));

  // A cookie is sent until its expiry, then not.
  cookie_jar jar;
  REQUIRE(set(jar, "http://h.test/", "a=1; Max-Age=60") == rejection::none);
  REQUIRE(set(jar, "http://h.test/", "b=2") == rejection::none);
  CHECK(header(jar, "http://h.test/", t0 + 59s) == "a=1; b=2");
  CHECK(header(jar, "http://h.test/", t0 + 59999ms) == "a=1; b=2");
  CHECK(header(jar, "http://h.test/", t0 + 60s) == "b=2");
  CHECK(jar.size() == 2);
  CHECK(jar.remove_expired(t0 + 59s) == 0);
  CHECK(jar.remove_expired(t0 + 60s) == 1);
  CHECK(names(jar) == std::vector<std::string>{"b"});

  // Max-Age <= 0 or a past Expires deletes the cookie of the same name, domain and path.
  for (std::string_view deletion : {"a=; Max-Age=0", "a=x; Max-Age=-1", "a=; Max-Age=-99999999999999999999",
                                    "a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
                                    "a=; Expires=Tue, 14 Nov 2023 22:13:20 GMT"}) {
    INFO(deletion);
    cookie_jar d;
    REQUIRE(set(d, "http://h.test/", "a=1") == rejection::none);
    REQUIRE(set(d, "http://h.test/", "a=2; Path=/other") == rejection::none);
    CHECK(set(d, "http://h.test/", deletion) == rejection::none);
    CHECK(d.size() == 1);
    CHECK(d.cookies()[0].path == "/other");
    // Deleting what is not there is accepted and changes nothing.
    CHECK(set(d, "http://h.test/", deletion) == rejection::none);
    CHECK(d.size() == 1);
  }
}

TEST_CASE("cookie jar: sizes are bounded", "[unit][cookie]") {
  SECTION("Set-Cookie value, name + value, attribute values") {
    cookie_jar jar;
    CHECK(set(jar, "http://h.test/", "a=1; Comment=" + std::string(8200, 'x')) == rejection::too_large);
    CHECK(set(jar, "http://h.test/", "n=" + std::string(1'000'000, 'v')) == rejection::too_large);
    CHECK(set(jar, "http://h.test/", "n=" + std::string(4096, 'v')) == rejection::too_large);
    CHECK(set(jar, "http://h.test/", std::string(4097, 'n') + "=") == rejection::too_large);
    CHECK(set(jar, "http://h.test/", "n=" + std::string(4095, 'v')) == rejection::none);
    CHECK(jar.cookies()[0].value.size() == 4095);
    // An attribute value over 1024 bytes is ignored: here the Domain, so the cookie is host-only.
    const std::string long_domain = std::string(1020, 'a') + ".h.test";
    CHECK(set(jar, "http://h.test/", "d=1; Domain=" + long_domain) == rejection::none);
    CHECK(jar.cookies()[1].host_only);
    CHECK(set(jar, "http://h.test/p/q", "p=1; Path=/" + std::string(1024, 'x')) == rejection::none);
    CHECK(jar.cookies()[2].path == "/p");
    CHECK(set(jar, "http://h.test/p/q", "p=1; Path=/" + std::string(1023, 'x')) == rejection::none);
    CHECK(jar.cookies()[3].path.size() == 1024);
    // A default path longer than an attribute may be is refused.
    CHECK(set(jar, "http://h.test/" + std::string(1100, 'x') + "/y", "q=1") == rejection::too_large);
    // A host longer than a DNS name neither sets nor gets cookies.
    const std::string long_host = "http://" + std::string(250, 'h') + ".test/";
    CHECK(set(jar, long_host, "q=1") == rejection::not_http);
    CHECK(header(jar, long_host) == "");
  }

  SECTION("cookies per domain: expired first, then the one set longest ago") {
    cookie_jar jar;
    for (int i = 0; i < 50; ++i)
      REQUIRE(set(jar, "http://h.test/", "c" + std::to_string(i) + "=1") == rejection::none);
    REQUIRE(jar.size() == cookie_jar::max_cookies_per_domain);
    // Setting c0 again makes c1 the one set longest ago.
    REQUIRE(set(jar, "http://h.test/", "c0=2") == rejection::none);
    REQUIRE(set(jar, "http://h.test/", "new1=1") == rejection::none);
    CHECK(jar.size() == 50);
    auto n = names(jar);
    CHECK(std::find(n.begin(), n.end(), "c1") == n.end());
    CHECK(std::find(n.begin(), n.end(), "c0") != n.end());
    // An expired cookie goes before any other.
    REQUIRE(set(jar, "http://h.test/", "c30=3; Max-Age=10") == rejection::none);
    REQUIRE(set(jar, "http://h.test/", "new2=1", t0 + 20s) == rejection::none);
    n = names(jar);
    CHECK(jar.size() == 50);
    CHECK(std::find(n.begin(), n.end(), "c30") == n.end());
    CHECK(std::find(n.begin(), n.end(), "c2") != n.end());
    // Other domains are not affected.
    REQUIRE(set(jar, "http://www.h.test/", "w=1") == rejection::none);
    CHECK(jar.size() == 51);
    // 200 more: still 50 for h.test.
    for (int i = 0; i < 200; ++i)
      REQUIRE(set(jar, "http://h.test/", "more" + std::to_string(i) + "=1") == rejection::none);
    CHECK(jar.size() == 51);
  }

  SECTION("cookies in the jar") {
    cookie_jar jar;
    for (int d = 0; d < 70; ++d)
      for (int i = 0; i < 50; ++i)
        REQUIRE(set(jar, "http://d" + std::to_string(d) + ".test/", "c" + std::to_string(i) + "=1") ==
                rejection::none);
    CHECK(jar.size() == cookie_jar::max_cookies);
    // The ones set longest ago went: d0 .. d9 are gone, d10 onwards stay.
    CHECK(header(jar, "http://d9.test/") == "");
    CHECK(!header(jar, "http://d10.test/").empty());
    CHECK(jar.cookies().size() == cookie_jar::max_cookies);
  }

  SECTION("the Cookie field: at most 8190 bytes and 150 cookies") {
    cookie_jar jar;
    for (int i = 0; i < 10; ++i)
      REQUIRE(set(jar, "http://h.test/", "c" + std::to_string(i) + "=" + std::string(1000, 'v')) ==
              rejection::none);
    REQUIRE(set(jar, "http://h.test/", "z=1") == rejection::none);
    std::string out = "prefix";
    CHECK(jar.append_cookie_header(parse("http://h.test/"), out, t0) == 9); // 8 large ones and z
    CHECK(out.size() - 6 <= cookie_jar::max_cookie_header_size);
    CHECK(out.substr(0, 9) == "prefixc0=");
    CHECK(out.substr(out.size() - 5) == "; z=1");

    cookie_jar many;
    const char* domains[] = {"example.com", "d.example.com", "c.d.example.com", "b.c.d.example.com"};
    for (const char* d : domains)
      for (int i = 0; i < 50; ++i)
        REQUIRE(set(many, "http://b.c.d.example.com/",
                    std::string(d) + std::to_string(i) + "=1; Domain=" + d) == rejection::none);
    REQUIRE(many.size() == 200);
    std::string field;
    CHECK(many.append_cookie_header(parse("http://a.b.c.d.example.com/"), field, t0) ==
          cookie_jar::max_cookies_per_request);
    // The oldest are the ones sent.
    CHECK(field.find("example.com0=1") == 0);
    CHECK(field.find("b.c.d.example.com0=1") == std::string::npos);
  }
}

TEST_CASE("cookie jar: hostile input stays bounded and clean", "[unit][cookie][security]") {
  // Pseudo-random Set-Cookie values from an alphabet rich in separators and odd bytes.
  static constexpr char alphabet_chars[] = "a=; .-/\t\x01\x7F\xFF\"_,Domain=Path=/Secure Max-Age=9 __Host-h.test\0";
  const std::string_view alphabet(alphabet_chars, sizeof alphabet_chars - 1);
  std::uint64_t state = 42;
  const auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::size_t>(state >> 33);
  };
  const char* urls[] = {"http://h.test/a/b", "https://www.h.test/", "http://test/", "https://127.0.0.1/x"};
  cookie_jar jar;
  for (int round = 0; round < 20000; ++round) {
    std::string value;
    const std::size_t length = next() % 64;
    for (std::size_t i = 0; i < length; ++i)
      value.push_back(alphabet[next() % alphabet.size()]);
    rejection why{};
    jar.set_from_header(parse(urls[next() % 4]), value, why, t0);
  }
  CHECK(jar.size() <= cookie_jar::max_cookies);
  for (const auto& c : jar.cookies()) {
    INFO(c.name << "=" << c.value << " domain " << c.domain << " path " << c.path);
    CHECK_FALSE(c.name.empty());
    CHECK(c.name.size() + c.value.size() <= cookie_jar::max_name_value_size);
    CHECK(c.path.front() == '/');
    for (const std::string* s : {&c.name, &c.value, &c.domain, &c.path})
      for (char ch : *s)
        CHECK((static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7F));
    CHECK((c.domain == "h.test" || c.domain == "www.h.test" || c.domain == "test" ||
           c.domain == "127.0.0.1"));
    if (c.secure)
      CHECK(c.domain != "test"); // set over http only
  }
  for (const char* u : urls) {
    const std::string field = header(jar, u);
    CHECK(field.size() <= cookie_jar::max_cookie_header_size);
    CHECK(field.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
  }
  // What the jar writes, it reads back the same.
  cookie_jar again;
  again.load_from_string(jar.to_netscape(t0), t0);
  CHECK(again.to_netscape(t0) == jar.to_netscape(t0));
  CHECK(again.size() == jar.size());
}

namespace {

/// A cookie file as curl writes it (format of https://curl.se/docs/http-cookies.html): curl's
/// header, "#HttpOnly_" lines, TRUE/FALSE include-subdomains flags, 0 for session cookies.
constexpr std::string_view curl_header = "# Netscape HTTP Cookie File\n"
                                         "# https://curl.se/docs/http-cookies.html\n"
                                         "# This file was generated by libcurl! Edit at your own risk.\n"
                                         "\n";
constexpr std::string_view curl_cookies =
    "#HttpOnly_.example.com\tTRUE\t/\tTRUE\t1731536000\tsid\tabc123\n"
    "www.example.com\tFALSE\t/app\tFALSE\t0\ttheme\tdark\n"
    ".example.org\tTRUE\t/\tFALSE\t1731536000\tlang\ten-GB\n"
    "localhost\tFALSE\t/\tFALSE\t0\tdev\t1\n"
    "#HttpOnly_127.0.0.1\tFALSE\t/api\tFALSE\t1731536000\ttoken\tx=y\n"
    "www.example.com\tFALSE\t/\tTRUE\t0\t__Host-id\t42\n"
    "www.example.com\tFALSE\t/\tFALSE\t0\tempty\t\n";

cookie_jar::cookie make(std::string name, std::string value, std::string domain, std::string path,
                        std::optional<std::chrono::sys_seconds> expires, bool secure, bool http_only,
                        bool host_only, std::uint64_t creation) {
  return {std::move(name), std::move(value), std::move(domain), std::move(path), expires,
          secure,          http_only,        host_only,         creation};
}

} // namespace

TEST_CASE("cookie jar: a cookie file written by curl loads", "[unit][cookie][netscape]") {
  cookie_jar jar;
  CHECK(jar.load_from_string(std::string(curl_header) + std::string(curl_cookies), t0) == 7);
  const std::optional<std::chrono::sys_seconds> later{std::chrono::sys_seconds{1'731'536'000s}};
  const std::vector<cookie_jar::cookie> expected = {
      make("sid", "abc123", "example.com", "/", later, true, true, false, 1),
      make("theme", "dark", "www.example.com", "/app", std::nullopt, false, false, true, 2),
      make("lang", "en-GB", "example.org", "/", later, false, false, false, 3),
      make("dev", "1", "localhost", "/", std::nullopt, false, false, true, 4),
      make("token", "x=y", "127.0.0.1", "/api", later, false, true, true, 5),
      make("__Host-id", "42", "www.example.com", "/", std::nullopt, true, false, true, 6),
      make("empty", "", "www.example.com", "/", std::nullopt, false, false, true, 7),
  };
  CHECK(jar.cookies() == expected);

  CHECK(header(jar, "https://www.example.com/app/x") == "theme=dark; sid=abc123; __Host-id=42; empty=");
  CHECK(header(jar, "http://www.example.com/") == "empty=");
  CHECK(header(jar, "http://example.org/") == "lang=en-GB");
  CHECK(header(jar, "http://localhost:3000/") == "dev=1");
  CHECK(header(jar, "http://127.0.0.1/api/v1") == "token=x=y");

  // Written back: the same lines, in the same order, after xfer's header.
  const std::string written = jar.to_netscape(t0);
  CHECK(written == "# Netscape HTTP Cookie File\n"
                   "# https://curl.se/docs/http-cookies.html\n"
                   "# This file was generated by xfer! Edit at your own risk.\n"
                   "\n" +
                       std::string(curl_cookies));
}

TEST_CASE("cookie jar: the file format written from Set-Cookie fields", "[unit][cookie][netscape]") {
  cookie_jar jar;
  REQUIRE(set(jar, "https://www.example.com/app/page",
              "sid=abc; Domain=example.com; Path=/; Secure; HttpOnly; Max-Age=3600") == rejection::none);
  REQUIRE(set(jar, "http://www.example.com/app/page", "theme=dark") == rejection::none);
  REQUIRE(set(jar, "http://localhost:8080/", "dev=1; Expires=Tue, 14 Nov 2023 23:13:20 GMT") ==
          rejection::none);
  REQUIRE(set(jar, "http://[::1]/", "v6=yes") == rejection::none);
  REQUIRE(set(jar, "http://h.test/", "gone=1; Max-Age=1") == rejection::none);
  CHECK(jar.to_netscape(t0 + 1s) == "# Netscape HTTP Cookie File\n"
                                    "# https://curl.se/docs/http-cookies.html\n"
                                    "# This file was generated by xfer! Edit at your own risk.\n"
                                    "\n"
                                    "#HttpOnly_.example.com\tTRUE\t/\tTRUE\t1700003600\tsid\tabc\n"
                                    "www.example.com\tFALSE\t/app\tFALSE\t0\ttheme\tdark\n"
                                    "localhost\tFALSE\t/\tFALSE\t1700003600\tdev\t1\n"
                                    "::1\tFALSE\t/\tFALSE\t0\tv6\tyes\n");
  cookie_jar empty;
  CHECK(empty.to_netscape(t0) == "# Netscape HTTP Cookie File\n"
                                 "# https://curl.se/docs/http-cookies.html\n"
                                 "# This file was generated by xfer! Edit at your own risk.\n"
                                 "\n");

  // Round trip: the same cookies, and the same text again.
  cookie_jar again;
  CHECK(again.load_from_string(jar.to_netscape(t0), t0) == 5);
  auto a = jar.cookies();
  auto b = again.cookies();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i].creation_index = b[i].creation_index = 0;
    CHECK(a[i] == b[i]);
  }
  CHECK(again.to_netscape(t0) == jar.to_netscape(t0));
}

TEST_CASE("cookie jar: malformed file lines are skipped as curl skips them", "[unit][cookie][netscape]") {
  const std::string lines[] = {
      "",
      "   ",
      "# a comment",
      "#HttpOnly_",
      "#HttpOnly_# still a comment\tFALSE\t/\tFALSE\t0\tn\tv",
      "example.com\tFALSE\t/\tFALSE\t0",                       // five fields
      "example.com\tFALSE\t/\tFALSE\tsoon\tn\tv",              // expiry not a number
      "example.com\tFALSE\t/\tFALSE\t1.5\tn\tv",               // expiry not an integer
      "example.com\tFALSE\t/\tFALSE\t0\tn\tv\textra",          // eight fields
      "ex ample.com\tFALSE\t/\tFALSE\t0\tn\tv",                // space in the domain
      "example.com.\tFALSE\t/\tFALSE\t0\tn\tv",                // trailing dot
      ".\tFALSE\t/\tFALSE\t0\tn\tv",                           // empty domain
      "example.com\tFALSE\t/\tFALSE\t0\tn\x01\tv",             // control character
      "example.com\tFALSE\t/\tFALSE\t0\tn\tv\x7F",             // DEL
      "example.com\tTRUE\t/\tTRUE\t0\t__Host-n\tv",            // __Host- with subdomains
      "example.com\tFALSE\t/x\tTRUE\t0\t__Host-n\tv",          // __Host- with a path
      "example.com\tFALSE\t/\tFALSE\t0\t__Secure-n\tv",        // __Secure- not secure
      "example.com\tFALSE\t/\tFALSE\t0\tn\t" + std::string(4096, 'v'), // name + value too long
      "example.com\tFALSE\t/\tFALSE\t0\tn\t" + std::string(9000, 'v'), // line too long
      "example.com\tFALSE\t/" + std::string(1100, 'p') + "\tFALSE\t0\tn\tv", // path too long
      std::string(300, 'd') + ".com\tFALSE\t/\tFALSE\t0\tn\tv", // domain too long
      "Set-Cookie: a=1",                                       // no Domain
      "Set-Cookie: a=1; Domain=co.uk",                         // a public suffix
      "Set-Cookie: a",                                         // no '='
      "Set-Cookie: __Host-a=1; Secure; Path=/; Domain=h.test", // __Host- with Domain
  };
  std::string text;
  for (const auto& line : lines)
    text += line + "\n";
  text += "good.test\tFALSE\t/\tFALSE\t0\tok\tyes"; // the last line may lack its LF
  cookie_jar jar;
  CHECK(jar.load_from_string(text, t0) == 1);
  CHECK(names(jar) == std::vector<std::string>{"ok"});
}

TEST_CASE("cookie jar: the other line forms curl reads", "[unit][cookie][netscape]") {
  cookie_jar jar;
  const std::string_view text =
      "old.test\tFALSE\tFALSE\t0\tnopath\tv\n"                // an old line without path
      "empty.test\tFALSE\t/\tFALSE\t0\tnovalue\n"            // no value field
      "crlf.test\tfalse\t/\ttrue\t0\tcrlf\tv\r\n"            // CRLF, flags in lower case
      "  \tspace.test\tFALSE\t/\tFALSE\t0\tindent\tv\n"      // leading blanks
      "tabs.test\t\tFALSE\t\t/\tFALSE\t0\ttabs\tv\n"         // runs of TABs
      "rel.test\tFALSE\trelative\tFALSE\t0\trel\tv\n"        // a path that is not one
      "UPPER.Test\tFALSE\t/\tFALSE\t0\tupper\tv\n"           // domains are lower-cased
      ".co.uk\tTRUE\t/\tFALSE\t0\tsuffix\tv\n"               // a public suffix: host-only
      ".10.0.0.1\tTRUE\t/\tFALSE\t0\tip\tv\n"                // an IP address: host-only
      "big.test\tFALSE\t/\tFALSE\t99999999999999999999999\tbig\tv\n" // saturated expiry
      "Set-Cookie: hdr=1; Domain=.Header.Test; Path=/p; Secure; HttpOnly; Max-Age=60\n"
      "set-cookie:hdr2=2; domain=header.test\n";
  CHECK(jar.load_from_string(text, t0) == 12);
  const auto all = jar.cookies();
  REQUIRE(all.size() == 12);
  CHECK((all[0].domain == "old.test" && all[0].path == "/" && all[0].name == "nopath" && all[0].value == "v"));
  CHECK((all[1].name == "novalue" && all[1].value.empty()));
  CHECK((all[2].name == "crlf" && all[2].value == "v" && all[2].secure));
  CHECK((all[3].domain == "space.test" && all[3].name == "indent"));
  CHECK((all[4].domain == "tabs.test" && all[4].name == "tabs" && all[4].value == "v"));
  CHECK(all[5].path == "/");
  CHECK(all[6].domain == "upper.test");
  CHECK((all[7].domain == "co.uk" && all[7].host_only));
  CHECK((all[8].domain == "10.0.0.1" && all[8].host_only));
  CHECK(all[9].expires->time_since_epoch().count() == INT64_MAX);
  CHECK((all[10].name == "hdr" && all[10].domain == "header.test" && !all[10].host_only &&
         all[10].path == "/p" && all[10].secure && all[10].http_only && all[10].expires == t0_s + 60s));
  CHECK((all[11].name == "hdr2" && all[11].path == "/"));
  CHECK(header(jar, "http://bbc.co.uk/") == "");
  CHECK(header(jar, "http://co.uk/") == "suffix=v");
  CHECK(header(jar, "https://www.header.test/p") == "hdr=1; hdr2=2");
  CHECK(jar.to_netscape(t0).find("big.test\tFALSE\t/\tFALSE\t9223372036854775807\tbig\tv\n") !=
        std::string::npos);

  // Expired lines are dropped and delete what they match; later lines replace earlier ones.
  cookie_jar replaced;
  replaced.load_from_string("h.test\tFALSE\t/\tFALSE\t0\ta\t1\n"
                            "h.test\tFALSE\t/\tFALSE\t0\tb\t1\n"
                            "h.test\tFALSE\t/\tFALSE\t1000\ta\t2\n"
                            "h.test\tFALSE\t/\tFALSE\t-5\tc\t2\n"
                            "h.test\tFALSE\t/\tFALSE\t0\tb\t2\n",
                            t0);
  CHECK(replaced.size() == 1);
  CHECK(header(replaced, "http://h.test/") == "b=2");

  // Session cookies can be dropped, as a new session does.
  CHECK(jar.remove_session_cookies() == 10);
  CHECK(names(jar) == std::vector<std::string>{"big", "hdr"});
}

TEST_CASE("cookie jar: save and load files", "[unit][cookie][netscape]") {
  xfer::test::temp_dir dir;
  cookie_jar jar;
  REQUIRE(set(jar, "https://www.example.com/", "sid=abc; Secure; HttpOnly; Max-Age=3600") == rejection::none);
  REQUIRE(set(jar, "http://www.example.com/", "theme=dark; Domain=example.com") == rejection::none);

  const auto file = dir / "cookies.txt";
  std::error_code ec = std::make_error_code(std::errc::io_error);
  jar.save(file, ec, t0);
  REQUIRE_FALSE(ec);
  CHECK(read_file(file) == jar.to_netscape(t0));
  const auto perms = std::filesystem::status(file).permissions();
  CHECK((perms & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  // Saving again replaces the file, and leaves no temporary file behind.
  REQUIRE(set(jar, "http://www.example.com/", "more=1") == rejection::none);
  jar.save(file, t0);
  CHECK(read_file(file) == jar.to_netscape(t0));
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);

  cookie_jar loaded;
  CHECK(loaded.load(file, ec, t0) == 3);
  CHECK_FALSE(ec);
  CHECK(loaded.to_netscape(t0) == jar.to_netscape(t0));
  CHECK(loaded.load(file, t0) == 3); // loading again replaces, adds nothing
  CHECK(loaded.size() == 3);

  // Errors.
  CHECK(loaded.load(dir / "missing.txt", ec, t0) == 0);
  CHECK(ec == std::errc::no_such_file_or_directory);
  CHECK_THROWS_AS(loaded.load(dir / "missing.txt", t0), std::system_error);
  loaded.load(dir.path(), ec, t0);
  CHECK(ec == std::errc::is_a_directory);
  jar.save(dir / "no" / "such" / "dir.txt", ec, t0);
  CHECK(ec == std::errc::no_such_file_or_directory);
  CHECK_THROWS_AS(jar.save(dir / "no" / "such" / "dir.txt", t0), std::system_error);
  CHECK(loaded.size() == 3);
}

TEST_CASE("cookie jar: big files are read in bounded pieces", "[unit][cookie][netscape]") {
  xfer::test::temp_dir dir;
  std::string text(curl_header);
  text += "first.test\tFALSE\t/\tFALSE\t0\tfirst\t1\n";
  text += "long.test\tFALSE\t/\tFALSE\t0\tlong\t" + std::string(100'000, 'x') + "\n";
  text += "after.test\tFALSE\t/\tFALSE\t0\tafter\t1\r\n";
  for (int i = 0; i < 2000; ++i)
    text += "d" + std::to_string(i % 40) + ".test\tFALSE\t/\tFALSE\t0\tc" + std::to_string(i) + "\tv\n";
  text += "last.test\tFALSE\t/\tFALSE\t0\tlast\t1"; // no LF at the end
  const auto file = dir / "big.txt";
  write_file(file, text);

  cookie_jar jar;
  std::error_code ec;
  CHECK(jar.load(file, ec, t0) == 2003);
  CHECK_FALSE(ec);
  CHECK(jar.size() == 2003);
  CHECK(header(jar, "http://long.test/") == "");
  CHECK(header(jar, "http://after.test/") == "after=1");
  CHECK(header(jar, "http://last.test/") == "last=1");

  // The same text through load_from_string gives the same jar.
  cookie_jar from_string;
  CHECK(from_string.load_from_string(text, t0) == 2003);
  CHECK(from_string.to_netscape(t0) == jar.to_netscape(t0));
}

TEST_CASE("cookie jar: copies, clear, and rejection descriptions", "[unit][cookie]") {
  cookie_jar jar;
  REQUIRE(set(jar, "http://h.test/", "a=1") == rejection::none);
  cookie_jar copy = jar;
  jar.clear();
  CHECK(jar.empty());
  CHECK(header(jar, "http://h.test/") == "");
  CHECK(copy.size() == 1);
  CHECK(header(copy, "http://h.test/") == "a=1");
  REQUIRE(set(jar, "http://h.test/", "b=1") == rejection::none);
  CHECK(jar.cookies()[0].creation_index > 0);

  for (rejection r : {rejection::none, rejection::not_http, rejection::too_large, rejection::malformed,
                      rejection::invalid_octets, rejection::domain_mismatch, rejection::public_suffix,
                      rejection::secure_over_http, rejection::shadows_secure, rejection::prefix_mismatch})
    CHECK_FALSE(cookie_jar::describe(r).empty());
  CHECK(cookie_jar::describe(static_cast<rejection>(200)) == "unknown");
}
