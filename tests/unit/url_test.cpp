// tests/unit/url_test.cpp - parsing, normalisation, rejection and RFC 3986 resolution of xfer::url.
#include <xfer/url.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <system_error>

namespace {

/// True when `text` is refused with url_malformat and leaves an empty url.
bool rejected(std::string_view text) {
  std::error_code ec = xfer::errc::too_large; // must be overwritten
  const xfer::url u = xfer::url::parse(text, ec);
  return ec == xfer::errc::url_malformat && u.empty() && u.str().empty();
}

/// The normalised form of `text`, or "<error>" when it is refused.
std::string normal(std::string_view text) {
  std::error_code ec;
  const xfer::url u = xfer::url::parse(text, ec);
  return ec ? std::string("<error>") : u.str();
}

/// `reference` resolved against the RFC 3986 §5.4 base, or "<error>".
std::string resolved(std::string_view reference) {
  const xfer::url base = xfer::url::parse("http://a/b/c/d;p?q");
  std::error_code ec;
  const xfer::url u = base.resolve(reference, ec);
  return ec ? std::string("<error: ") + ec.message() + ">" : u.str();
}

} // namespace

TEST_CASE("url exposes every component of a full URL", "[unit][url]") {
  std::error_code ec = xfer::errc::too_large;
  const auto u = xfer::url::parse("HTTP://User:P%40ss@Example.COM:8080/a/b?x=1&y=2#frag", ec);
  REQUIRE_FALSE(ec);
  CHECK(u.scheme() == "http");
  CHECK(u.has_userinfo());
  CHECK(u.has_password());
  CHECK(u.user() == "User");
  CHECK(u.password() == "P@ss");
  CHECK(u.host() == "example.com");
  CHECK_FALSE(u.host_is_ipv6());
  CHECK(u.port() == 8080);
  CHECK(u.has_explicit_port());
  CHECK(u.path() == "/a/b");
  CHECK(u.has_query());
  CHECK(u.query() == "x=1&y=2");
  CHECK(u.has_fragment());
  CHECK(u.fragment() == "frag");
  CHECK(u.target() == "/a/b?x=1&y=2");
  CHECK(u.host_header() == "example.com:8080");
  CHECK(u.str() == "http://User:P%40ss@example.com:8080/a/b?x=1&y=2#frag");
}

TEST_CASE("url fills in defaults for absent parts", "[unit][url]") {
  const auto http = xfer::url::parse("http://h");
  CHECK(http.port() == 80);
  CHECK_FALSE(http.has_explicit_port());
  CHECK_FALSE(http.has_userinfo());
  CHECK(http.user().empty());
  CHECK(http.password().empty());
  CHECK(http.path() == "/");
  CHECK_FALSE(http.has_query());
  CHECK(http.query().empty());
  CHECK_FALSE(http.has_fragment());
  CHECK(http.fragment().empty());
  CHECK(http.target() == "/");
  CHECK(http.host_header() == "h");
  CHECK(http.str() == "http://h/");

  const auto https = xfer::url::parse("https://h");
  CHECK(https.port() == 443);
  CHECK_FALSE(https.has_explicit_port());
  CHECK(https.str() == "https://h/");

  // Schemes other than http(s): no default port, the empty path stays empty.
  const auto other = xfer::url::parse("foo://h");
  CHECK(other.scheme() == "foo");
  CHECK(other.port() == 0);
  CHECK(other.path().empty());
  CHECK(other.str() == "foo://h");
  CHECK(other.target() == "/");
  const auto ftp = xfer::url::parse("ftp://h:21/");
  CHECK(ftp.port() == 21);
  CHECK(ftp.has_explicit_port());
  CHECK(ftp.str() == "ftp://h:21/");
  const auto file = xfer::url::parse("file:///etc/hosts");
  CHECK(file.host().empty());
  CHECK(file.path() == "/etc/hosts");

  const xfer::url none;
  CHECK(none.empty());
  CHECK(none.str().empty());
  CHECK(none.port() == 0);
}

TEST_CASE("url keeps present-but-empty query and fragment", "[unit][url]") {
  const auto u = xfer::url::parse("http://h/p?#");
  CHECK(u.has_query());
  CHECK(u.query().empty());
  CHECK(u.has_fragment());
  CHECK(u.fragment().empty());
  CHECK(u.target() == "/p?");
  CHECK(u.str() == "http://h/p?#");
  const auto q = xfer::url::parse("http://h?q");
  CHECK(q.path() == "/");
  CHECK(q.query() == "q");
  CHECK(q.str() == "http://h/?q");
  CHECK(xfer::url::parse("http://h#f").str() == "http://h/#f");
}

TEST_CASE("url decodes user and password", "[unit][url]") {
  const auto u = xfer::url::parse("http://a%20b:c%3Ad@h/");
  CHECK(u.user() == "a b");
  CHECK(u.password() == "c:d");
  CHECK(u.str() == "http://a%20b:c%3Ad@h/");

  const auto only_user = xfer::url::parse("http://user@h/");
  CHECK(only_user.has_userinfo());
  CHECK_FALSE(only_user.has_password());
  CHECK(only_user.user() == "user");
  CHECK(only_user.password().empty());
  CHECK(only_user.host() == "h");

  const auto empty_both = xfer::url::parse("http://:@h/");
  CHECK(empty_both.has_userinfo());
  CHECK(empty_both.has_password());
  CHECK(empty_both.user().empty());
  CHECK(empty_both.password().empty());

  // Only the first ':' separates user from password.
  const auto colons = xfer::url::parse("http://u:p:q@h/");
  CHECK(colons.user() == "u");
  CHECK(colons.password() == "p:q");

  // Userinfo keeps its case; its encodings are normalised like any other part.
  const auto normalised = xfer::url::parse("http://%7eU:%3a%c3%A9\xC3\xA9@h/");
  CHECK(normalised.str() == "http://~U:%3A%C3%A9%C3%A9@h/");
  CHECK(normalised.user() == "~U");
  CHECK(normalised.password() == ":\xC3\xA9\xC3\xA9");
}

TEST_CASE("url parses IPv4 and IPv6 hosts", "[unit][url]") {
  const auto v4 = xfer::url::parse("http://192.168.0.1:81/");
  CHECK(v4.host() == "192.168.0.1");
  CHECK_FALSE(v4.host_is_ipv6());
  CHECK(v4.port() == 81);
  CHECK(v4.host_header() == "192.168.0.1:81");

  const auto loop = xfer::url::parse("http://[::1]:8080/x");
  CHECK(loop.host() == "::1");
  CHECK(loop.host_is_ipv6());
  CHECK(loop.port() == 8080);
  CHECK(loop.has_explicit_port());
  CHECK(loop.path() == "/x");
  CHECK(loop.host_header() == "[::1]:8080");
  CHECK(loop.str() == "http://[::1]:8080/x");

  const auto doc = xfer::url::parse("http://[2001:DB8::1]/");
  CHECK(doc.host() == "2001:db8::1");
  CHECK(doc.host_is_ipv6());
  CHECK(doc.port() == 80);
  CHECK_FALSE(doc.has_explicit_port());
  CHECK(doc.host_header() == "[2001:db8::1]");
  CHECK(doc.str() == "http://[2001:db8::1]/");

  const auto mapped = xfer::url::parse("https://u@[::FFFF:192.0.2.1]:443");
  CHECK(mapped.host() == "::ffff:192.0.2.1");
  CHECK(mapped.user() == "u");
  CHECK(mapped.str() == "https://u@[::ffff:192.0.2.1]/");

  CHECK(rejected("http://[::1/"));
  CHECK(rejected("http://[::g]/"));
  CHECK(rejected("http://[1:2:3:4:5:6:7:8:9]/"));
  CHECK(rejected("http://[1::2::3]/"));
  CHECK(rejected("http://[::1%25eth0]/"));
  CHECK(rejected("http://[]/"));
  CHECK(rejected("http://[::1]x/"));
  CHECK(rejected("http://[::1]:x/"));
  CHECK(rejected("http://[v1.fe]/"));
  CHECK(rejected("http://[192.0.2.1]/"));
  CHECK(rejected("http://::1/"));
}

TEST_CASE("url normalises per RFC 3986 section 6.2.2", "[unit][url]") {
  CHECK(normal("HTTP://EXAMPLE.com/") == "http://example.com/");
  CHECK(normal("hTTps+X.y-Z://h/") == "https+x.y-z://h/");
  // Unreserved triplets decoded, the others upper-cased, in path, query and fragment.
  CHECK(normal("http://h/%7e%41%2f%3a?%7e%2b%20#%7e%2f") == "http://h/~A%2F%3A?~%2B%20#~%2F");
  // Host: lower-cased, decoded unreserved triplets lower-cased too; sub-delims kept.
  CHECK(normal("http://%41B.Com/") == "http://ab.com/");
  CHECK(normal("http://a%2ab/") == "http://a%2Ab/");
  CHECK(normal("http://a!$&'()*+,;=b_-.~/") == "http://a!$&'()*+,;=b_-.~/");
  // Dot-segments removed from the path, also when percent-encoded, never from the query.
  CHECK(normal("http://h/a/./b/../c") == "http://h/a/c");
  CHECK(normal("http://h/a/%2E%2e/b") == "http://h/b");
  CHECK(normal("http://h/../../x") == "http://h/x");
  CHECK(normal("http://h/a/..") == "http://h/");
  CHECK(normal("http://h/a//b/") == "http://h/a//b/");
  CHECK(normal("http://h/p?./../x") == "http://h/p?./../x");
  CHECK(normal("http://h/p?a/b?c") == "http://h/p?a/b?c");
  // Default ports removed, other ports kept without leading zeros.
  CHECK(normal("http://h:80/") == "http://h/");
  CHECK(normal("https://h:443/") == "https://h/");
  CHECK(normal("http://h:0080/") == "http://h/");
  CHECK(normal("https://h:80/") == "https://h:80/");
  CHECK(normal("http://h:443/") == "http://h:443/");
  CHECK(normal("http://h:08080/") == "http://h:8080/");
  CHECK(normal("http://h:65535/") == "http://h:65535/");
  CHECK(normal("http://h:0/") == "http://h:0/");
  const auto empty_port = xfer::url::parse("http://h:/");
  CHECK(empty_port.str() == "http://h/");
  CHECK(empty_port.port() == 80);
  CHECK_FALSE(empty_port.has_explicit_port());
  const auto default_port = xfer::url::parse("https://h:443/");
  CHECK(default_port.port() == 443);
  CHECK_FALSE(default_port.has_explicit_port());
  CHECK(default_port.host_header() == "h");
}

TEST_CASE("url percent-encodes characters its components may not carry", "[unit][url]") {
  CHECK(normal("http://h/a\"<>\\^`{|}[]") == "http://h/a%22%3C%3E%5C%5E%60%7B%7C%7D%5B%5D");
  CHECK(normal("http://h/q?a=\"<>`{}|") == "http://h/q?a=%22%3C%3E%60%7B%7D%7C");
  CHECK(normal("http://h/#a#b<") == "http://h/#a%23b%3C");
  // Bytes >= 0x80 (UTF-8 here) in path, query and fragment.
  CHECK(normal("http://h/caf\xC3\xA9?q=\xC3\xA9#\xC3\xA9") == "http://h/caf%C3%A9?q=%C3%A9#%C3%A9");
  CHECK(normal("http://h/\xFF\x80") == "http://h/%FF%80");
  // Allowed characters stay as they are.
  CHECK(normal("http://h/:@!$&'()*+,;=-._~?:@/?") == "http://h/:@!$&'()*+,;=-._~?:@/?");
}

TEST_CASE("url refuses malformed input", "[unit][url]") {
  CHECK(rejected(""));

  SECTION("control characters, DEL and space anywhere") {
    CHECK(rejected("http://h/a\rb"));
    CHECK(rejected("http://h/a\nb"));
    CHECK(rejected(std::string_view("http://h/a\0b", 12)));
    CHECK(rejected("http://h/a\tb"));
    CHECK(rejected("http://h/a\x01"));
    CHECK(rejected("http://h/a\x1F"));
    CHECK(rejected("http://h/a\x7F"));
    CHECK(rejected("http://h/a b"));
    CHECK(rejected(" http://h/"));
    CHECK(rejected("http://h/ "));
    CHECK(rejected("ht\ttp://h/"));
    CHECK(rejected("http://u\r@h/"));
    CHECK(rejected("http://h\n/"));
    CHECK(rejected("http://h/?q\x01"));
    CHECK(rejected("http://h/#f g"));
    for (int b = 0; b < 0x20; ++b) {
      std::string text = "http://h/";
      text.push_back(static_cast<char>(b));
      INFO("byte " << b);
      CHECK(rejected(text));
    }
  }

  SECTION("scheme and authority marker") {
    CHECK(rejected("//h/"));
    CHECK(rejected("h/p"));
    CHECK(rejected("://h/"));
    CHECK(rejected("1http://h/"));
    CHECK(rejected("ht_tp://h/"));
    CHECK(rejected("http:/h/"));
    CHECK(rejected("http:h"));
    CHECK(rejected("http//h/"));
    CHECK(rejected("mailto:a@b"));
  }

  SECTION("missing or empty host for http and https") {
    CHECK(rejected("http://"));
    CHECK(rejected("http:///p"));
    CHECK(rejected("http://:80/"));
    CHECK(rejected("http://u@/"));
    CHECK(rejected("https://?q"));
    CHECK(rejected("https://#f"));
  }

  SECTION("bad port") {
    CHECK(rejected("http://h:8x/"));
    CHECK(rejected("http://h:-1/"));
    CHECK(rejected("http://h:+80/"));
    CHECK(rejected("http://h:65536/"));
    CHECK(rejected("http://h:99999999999999999999999/"));
    CHECK(rejected("http://h:1:2/"));
    CHECK(rejected("http://h:0x50/"));
  }

  SECTION("'%' not followed by two hex digits") {
    CHECK(rejected("http://h/%"));
    CHECK(rejected("http://h/%4"));
    CHECK(rejected("http://h/%zz"));
    CHECK(rejected("http://h/%4g"));
    CHECK(rejected("http://h/?%"));
    CHECK(rejected("http://h/#%x"));
    CHECK(rejected("http://u%@h/"));
    CHECK(rejected("http://h%/"));
  }

  SECTION("characters a host may not have") {
    CHECK(rejected("http://a<b/"));
    CHECK(rejected("http://a\"b/"));
    CHECK(rejected("http://a{b/"));
    CHECK(rejected("http://a^b/"));
    CHECK(rejected("http://a|b/"));
    CHECK(rejected("http://a\\b/"));
    CHECK(rejected("http://a[b/"));
    CHECK(rejected("http://a]b/"));
    CHECK(rejected("http://a@b@c/"));
    CHECK(rejected("http://caf\xC3\xA9.com/"));
    CHECK(rejected("http://\x80/"));
  }

  SECTION("oversized input") {
    std::string huge = "http://h/";
    huge.append(xfer::url::max_input_size, 'a');
    CHECK(rejected(huge));
  }
}

TEST_CASE("url's throwing overloads throw system_error with url_malformat", "[unit][url]") {
  CHECK_THROWS_AS(xfer::url::parse("http://h:bad/"), std::system_error);
  try {
    (void)xfer::url::parse("not a url");
    FAIL("parse did not throw");
  } catch (const std::system_error& e) {
    CHECK(e.code() == xfer::errc::url_malformat);
  }
  const auto base = xfer::url::parse("http://h/");
  try {
    (void)base.resolve("http://h:99999/");
    FAIL("resolve did not throw");
  } catch (const std::system_error& e) {
    CHECK(e.code() == xfer::errc::url_malformat);
  }
  CHECK_NOTHROW(xfer::url::parse("http://h/"));
  CHECK(base.resolve("x").str() == "http://h/x");
}

TEST_CASE("url survives copies of copies", "[unit][url]") {
  // Long enough to live on the heap, so views into a destroyed original would dangle.
  const std::string text = "https://someone:secret@a-rather-long-host-name.example.org:8443/some/long/path?query=value#fragment";
  xfer::url copy;
  {
    const auto original = xfer::url::parse(text);
    xfer::url second = original;
    copy = second;
  }
  CHECK(copy.host() == "a-rather-long-host-name.example.org");
  CHECK(copy.user() == "someone");
  CHECK(copy.password() == "secret");
  CHECK(copy.path() == "/some/long/path");
  CHECK(copy.query() == "query=value");
  CHECK(copy.fragment() == "fragment");
  CHECK(copy.str() == text);
  const xfer::url moved = std::move(copy);
  CHECK(moved.host() == "a-rather-long-host-name.example.org");
}

TEST_CASE("url resolves the normal examples of RFC 3986 section 5.4.1", "[unit][url]") {
  // "g:h" = "g:h" in the RFC; a URL without authority is not representable, so it is refused.
  CHECK(resolved("g:h") == "<error: " + std::error_code(xfer::errc::url_malformat).message() + ">");
  CHECK(resolved("g") == "http://a/b/c/g");
  CHECK(resolved("./g") == "http://a/b/c/g");
  CHECK(resolved("g/") == "http://a/b/c/g/");
  CHECK(resolved("/g") == "http://a/g");
  CHECK(resolved("//g") == "http://g/"); // RFC: "http://g"; the empty http path normalises to "/"
  CHECK(resolved("?y") == "http://a/b/c/d;p?y");
  CHECK(resolved("g?y") == "http://a/b/c/g?y");
  CHECK(resolved("#s") == "http://a/b/c/d;p?q#s");
  CHECK(resolved("g#s") == "http://a/b/c/g#s");
  CHECK(resolved("g?y#s") == "http://a/b/c/g?y#s");
  CHECK(resolved(";x") == "http://a/b/c/;x");
  CHECK(resolved("g;x") == "http://a/b/c/g;x");
  CHECK(resolved("g;x?y#s") == "http://a/b/c/g;x?y#s");
  CHECK(resolved("") == "http://a/b/c/d;p?q");
  CHECK(resolved(".") == "http://a/b/c/");
  CHECK(resolved("./") == "http://a/b/c/");
  CHECK(resolved("..") == "http://a/b/");
  CHECK(resolved("../") == "http://a/b/");
  CHECK(resolved("../g") == "http://a/b/g");
  CHECK(resolved("../..") == "http://a/");
  CHECK(resolved("../../") == "http://a/");
  CHECK(resolved("../../g") == "http://a/g");
}

TEST_CASE("url resolves the abnormal examples of RFC 3986 section 5.4.2", "[unit][url]") {
  CHECK(resolved("../../../g") == "http://a/g");
  CHECK(resolved("../../../../g") == "http://a/g");
  CHECK(resolved("/./g") == "http://a/g");
  CHECK(resolved("/../g") == "http://a/g");
  CHECK(resolved("g.") == "http://a/b/c/g.");
  CHECK(resolved(".g") == "http://a/b/c/.g");
  CHECK(resolved("g..") == "http://a/b/c/g..");
  CHECK(resolved("..g") == "http://a/b/c/..g");
  CHECK(resolved("./../g") == "http://a/b/g");
  CHECK(resolved("./g/.") == "http://a/b/c/g/");
  CHECK(resolved("g/./h") == "http://a/b/c/g/h");
  CHECK(resolved("g/../h") == "http://a/b/c/h");
  CHECK(resolved("g;x=1/./y") == "http://a/b/c/g;x=1/y");
  CHECK(resolved("g;x=1/../y") == "http://a/b/c/y");
  CHECK(resolved("g?y/./x") == "http://a/b/c/g?y/./x");
  CHECK(resolved("g?y/../x") == "http://a/b/c/g?y/../x");
  CHECK(resolved("g#s/./x") == "http://a/b/c/g#s/./x");
  CHECK(resolved("g#s/../x") == "http://a/b/c/g#s/../x");
  // The RFC allows "http:g" (strict) or "http://a/b/c/g" (backward compatible); xfer takes the latter.
  CHECK(resolved("http:g") == "http://a/b/c/g");
  CHECK(resolved("HTTP:g") == "http://a/b/c/g");
}

TEST_CASE("url resolves other references", "[unit][url]") {
  // Absolute references with another scheme resolve to themselves, normalised.
  CHECK(resolved("https://x/") == "https://x/");
  CHECK(resolved("ftp://x/") == "ftp://x/");
  CHECK(resolved("HTTPS://X:443/a/../b?c#d") == "https://x/b?c#d");
  CHECK(resolved("http://other/./p") == "http://other/p");
  CHECK(resolved("https:g").starts_with("<error"));
  CHECK(resolved("mailto:x@y").starts_with("<error"));
  // Network-path references take the base's scheme only.
  CHECK(resolved("//[::1]:81/p/../q?r") == "http://[::1]:81/q?r");
  CHECK(resolved("//u:p@g:80") == "http://u:p@g/");
  // Empty query and fragment are kept as present.
  CHECK(resolved("?") == "http://a/b/c/d;p?");
  CHECK(resolved("#") == "http://a/b/c/d;p?q#");
  // References are normalised too, and refused when malformed.
  CHECK(resolved("%2E%2E/%7Eg h").starts_with("<error"));
  CHECK(resolved("%2E%2E/%7Eg") == "http://a/b/~g");
  CHECK(resolved("\xC3\xA9?\"") == "http://a/b/c/%C3%A9?%22");
  CHECK(resolved("g\r\nHost: evil").starts_with("<error"));
  CHECK(resolved("//").starts_with("<error"));
  CHECK(resolved("1g:x") == "http://a/b/c/1g:x"); // not a scheme, so a relative path

  // Relative references keep the base's userinfo and port; the fragment is never inherited.
  const auto base = xfer::url::parse("http://u:p@h:8080/dir/file?q#frag");
  CHECK(base.resolve("other").str() == "http://u:p@h:8080/dir/other");
  CHECK(base.resolve("").str() == "http://u:p@h:8080/dir/file?q");
  // An empty base path merges as "/".
  CHECK(xfer::url::parse("foo://h").resolve("g").str() == "foo://h/g");

  std::error_code ec;
  const xfer::url none;
  CHECK(none.resolve("http://h/", ec).empty());
  CHECK(ec == xfer::errc::url_malformat);
  ec = xfer::errc::too_large;
  CHECK(base.resolve("x", ec).str() == "http://u:p@h:8080/dir/x");
  CHECK_FALSE(ec);
}

TEST_CASE("url compares origins by scheme, host and port", "[unit][url]") {
  const auto a = xfer::url::parse("http://h/a");
  CHECK(a.same_origin(xfer::url::parse("http://h:80/b?x#y")));
  CHECK(a.same_origin(xfer::url::parse("HTTP://H/")));
  CHECK(a.same_origin(xfer::url::parse("http://user:pw@h/")));
  CHECK_FALSE(a.same_origin(xfer::url::parse("https://h/a")));
  CHECK_FALSE(a.same_origin(xfer::url::parse("http://h2/a")));
  CHECK_FALSE(a.same_origin(xfer::url::parse("http://h:8080/a")));
  CHECK_FALSE(a.same_origin(xfer::url::parse("https://h:80/a")));
  CHECK(xfer::url::parse("https://h:443/").same_origin(xfer::url::parse("https://h/")));
  CHECK(xfer::url::parse("http://[::1]:81/").same_origin(xfer::url::parse("http://[::1]:81/x")));
  CHECK_FALSE(xfer::url::parse("http://[::1]/").same_origin(xfer::url::parse("http://[::2]/")));
  CHECK_FALSE(a.same_origin(xfer::url()));
  CHECK_FALSE(xfer::url().same_origin(xfer::url()));
}

TEST_CASE("url builds the request target and Host header", "[unit][url]") {
  const auto u = xfer::url::parse("http://u:p@h:8080/p/q?a=1#f");
  CHECK(u.target() == "/p/q?a=1");
  CHECK(u.host_header() == "h:8080");
  CHECK(xfer::url::parse("https://H:443/x#f").target() == "/x");
  CHECK(xfer::url::parse("https://H:443/x").host_header() == "h");
  CHECK(xfer::url::parse("https://[::1]:443/").host_header() == "[::1]");
  CHECK(xfer::url::parse("https://[::1]:444/").host_header() == "[::1]:444");
  CHECK(xfer::url::parse("http://h/a%20b").target() == "/a%20b");
}

TEST_CASE("url equality compares the normalised form", "[unit][url]") {
  CHECK(xfer::url::parse("http://h:80") == xfer::url::parse("http://h/"));
  CHECK(xfer::url::parse("HTTP://H/%7e") == xfer::url::parse("http://h/~"));
  CHECK(xfer::url::parse("http://h/") != xfer::url::parse("http://h/x"));
  CHECK(xfer::url::parse("http://h/") != xfer::url::parse("http://h/#"));
  CHECK(xfer::url::parse("http://h/") != xfer::url::parse("http://h/?"));
}

TEST_CASE("target_view and host_header_view equal their allocating twins", "[unit][url]") {
  for (const char* text : {"http://a/", "http://user:pw@Host.example:8080/p/a/t/h?q=1&r#frag",
                           "https://[::1]:443/x?", "https://[2001:db8::1]:8443/", "http://h:80/?",
                           "http://127.0.0.1:1234/a%20b?c=%2F"}) {
    auto u = xfer::url::parse(text);
    CHECK(u.target_view() == u.target());
    CHECK(u.host_header_view() == u.host_header());
  }
}
