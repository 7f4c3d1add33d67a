// tests/fuzz/fuzz_cookie_jar.cpp - xfer::cookie_jar: Set-Cookie values, cookie file lines, Cookie values.
//
// Input: lines, each one operation chosen by its first byte (the rest of the line is its argument):
//   'S' <d> <text>   set_from_header(text) for the request URL number d (a digit, see `urls`)
//   'X' <d> <n> <text> the same with text repeated n times (n a digit: 1 << (2n) times), to reach
//                   the size limits
//   'F' <text>       load_from_string(text): one cookie file line
//   'T' <digits>     move the clock on by that many seconds (at most 10^9)
//   'G' <d>          build the Cookie value for URL number d and check it (as below)
//   other            set_from_header(line) for URL 0
// Then the whole input is also loaded as a cookie file into a second jar, and given to the
// HTTP-date and cookie-date parsers.
// Invariants, after every operation and at the end:
// - every stored cookie is clean: a name, no control character or TAB in name, value, domain or
//   path, name + value within max_name_value_size, a path starting with '/' within
//   max_attribute_value_size, a lower-case domain without leading or trailing dot, a Domain
//   (not host-only) cookie never on a public suffix or an IP address, prefix rules kept;
// - sizes: at most max_cookies in all, max_cookies_per_domain per domain; creation order unique;
// - a Set-Cookie over http never adds or changes a Secure cookie;
// - the Cookie value for every URL equals the one a reference written here from RFC 6265 §5.4
//   computes from cookies(): domain and path match, Secure only over https, not expired,
//   longest path then oldest first, at most 150 cookies and 8190 bytes, the ones that do not
//   fit skipped;
// - what to_netscape() writes, load_from_string() reads back to the same jar, text and cookies;
// - a date that parses formats (IMF-fixdate) and parses back to the same second, with both
//   parsers (the cookie-date one from 1601 on).
#include <xfer/cookie_jar.hpp>
#include <xfer/detail/http_date.hpp>
#include <xfer/detail/public_suffix.hpp>

#include "fuzz_common.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace {

using xfer::cookie_jar;
using namespace std::chrono_literals;

struct request {
  const char* text;
  const char* host; // the host as cookie rules see it
  bool ip;
};

const request urls[] = {
    {"http://example.com/", "example.com", false},
    {"https://www.example.com/a/b", "www.example.com", false},
    {"http://sub.www.example.com:8080/a/b/c?q=/x", "sub.www.example.com", false},
    {"https://shop.example.co.uk/", "shop.example.co.uk", false},
    {"http://127.0.0.1/p/", "127.0.0.1", true},
    {"https://[::1]/", "::1", true},
    {"http://localhost/", "localhost", false},
    {"https://other.org/a", "other.org", false},
    {"http://example.com./x/", "example.com", false},
    {"https://example.com/__/", "example.com", false},
};
constexpr std::size_t url_count = sizeof urls / sizeof urls[0];

const xfer::url& parsed(std::size_t i) {
  static const std::vector<xfer::url> all = [] {
    std::vector<xfer::url> v;
    for (const auto& r : urls)
      v.push_back(xfer::url::parse(r.text));
    return v;
  }();
  return all[i];
}

bool is_clean(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F)
      return false;
  }
  return true;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size())
    return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i], b = prefix[i];
    if (a >= 'A' && a <= 'Z')
      a = static_cast<char>(a + 32);
    if (b >= 'A' && b <= 'Z')
      b = static_cast<char>(b + 32);
    if (a != b)
      return false;
  }
  return true;
}

bool looks_like_ip(std::string_view domain) {
  if (domain.find(':') != std::string_view::npos)
    return true;
  const std::size_t dot = domain.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? domain : domain.substr(dot + 1);
  return !last.empty() && (std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
                           (last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X')));
}

void check_jar(const cookie_jar& jar) {
  const auto all = jar.cookies();
  XFER_FUZZ_CHECK(all.size() == jar.size());
  XFER_FUZZ_CHECK(jar.size() <= cookie_jar::max_cookies);
  std::map<std::string, std::size_t> per_domain;
  std::map<std::tuple<std::string, std::string, std::string>, int> identities;
  std::uint64_t previous = 0;
  for (const auto& c : all) {
    XFER_FUZZ_CHECK(c.creation_index > previous);
    previous = c.creation_index;
    XFER_FUZZ_CHECK(!c.name.empty());
    XFER_FUZZ_CHECK(c.name.size() + c.value.size() <= cookie_jar::max_name_value_size);
    XFER_FUZZ_CHECK(is_clean(c.name) && is_clean(c.value) && is_clean(c.domain) && is_clean(c.path));
    XFER_FUZZ_CHECK(!c.path.empty() && c.path[0] == '/');
    XFER_FUZZ_CHECK(c.path.size() <= cookie_jar::max_attribute_value_size);
    XFER_FUZZ_CHECK(!c.domain.empty() && c.domain.size() <= cookie_jar::max_host_size);
    XFER_FUZZ_CHECK(c.domain.front() != '.' && c.domain.back() != '.');
    for (char ch : c.domain)
      XFER_FUZZ_CHECK(!(ch >= 'A' && ch <= 'Z') && ch != ' ');
    if (!c.host_only)
      XFER_FUZZ_CHECK(!xfer::detail::is_public_suffix(c.domain) && !looks_like_ip(c.domain));
    if (starts_with_nocase(c.name, "__Secure-"))
      XFER_FUZZ_CHECK(c.secure);
    if (starts_with_nocase(c.name, "__Host-"))
      XFER_FUZZ_CHECK(c.secure && c.host_only && c.path == "/");
    XFER_FUZZ_CHECK(++per_domain[c.domain] <= cookie_jar::max_cookies_per_domain);
    XFER_FUZZ_CHECK(++identities[std::make_tuple(c.name, c.domain, c.path)] == 1);
  }
}

bool path_matches(std::string_view request_path, std::string_view cookie_path) {
  if (request_path == cookie_path)
    return true;
  if (request_path.size() <= cookie_path.size() || request_path.compare(0, cookie_path.size(), cookie_path) != 0)
    return false;
  return cookie_path.back() == '/' || request_path[cookie_path.size()] == '/';
}

/// The Cookie value RFC 6265 §5.4 gives, with xfer's documented bounds.
std::string reference_header(const cookie_jar& jar, std::size_t u, cookie_jar::time_point now) {
  const request& r = urls[u];
  const xfer::url& url = parsed(u);
  const bool https = url.scheme() == "https";
  const std::string_view host = r.host;
  const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
  std::vector<cookie_jar::cookie> matching;
  for (auto& c : jar.cookies()) {
    if (c.secure && !https)
      continue;
    if (c.expires && *c.expires <= now_s)
      continue;
    bool domain_ok = c.domain == host;
    if (!c.host_only && !r.ip && host.size() > c.domain.size() &&
        host.substr(host.size() - c.domain.size()) == c.domain &&
        host[host.size() - c.domain.size() - 1] == '.')
      domain_ok = true;
    if (!domain_ok || !path_matches(url.path(), c.path))
      continue;
    matching.push_back(c);
  }
  std::stable_sort(matching.begin(), matching.end(), [](const auto& a, const auto& b) {
    if (a.path.size() != b.path.size())
      return a.path.size() > b.path.size();
    return a.creation_index < b.creation_index;
  });
  std::string out;
  std::size_t count = 0;
  for (const auto& c : matching) {
    if (count == cookie_jar::max_cookies_per_request)
      break;
    const std::string pair = c.name + "=" + c.value;
    const std::size_t add = pair.size() + (count ? 2 : 0);
    if (out.size() + add > cookie_jar::max_cookie_header_size)
      continue;
    if (count)
      out += "; ";
    out += pair;
    ++count;
  }
  return out;
}

void check_header(const cookie_jar& jar, std::size_t u, cookie_jar::time_point now) {
  std::string out = "x"; // appended to, never replaced
  const std::size_t n = jar.append_cookie_header(parsed(u), out, now);
  XFER_FUZZ_CHECK(out[0] == 'x');
  const std::string_view field = std::string_view(out).substr(1);
  XFER_FUZZ_CHECK(field.size() <= cookie_jar::max_cookie_header_size);
  XFER_FUZZ_CHECK(n <= cookie_jar::max_cookies_per_request);
  XFER_FUZZ_CHECK((n == 0) == field.empty());
  XFER_FUZZ_CHECK(is_clean(field));
  XFER_FUZZ_CHECK(field == reference_header(jar, u, now));
}

std::vector<cookie_jar::cookie> secure_cookies(const cookie_jar& jar) {
  std::vector<cookie_jar::cookie> result;
  for (auto& c : jar.cookies())
    if (c.secure)
      result.push_back(c);
  return result;
}

void check_round_trip(const cookie_jar& jar, cookie_jar::time_point now) {
  const std::string text = jar.to_netscape(now);
  cookie_jar again;
  again.load_from_string(text, now);
  check_jar(again);
  XFER_FUZZ_CHECK(again.to_netscape(now) == text);
  const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
  auto expected = jar.cookies();
  std::erase_if(expected, [&](const auto& c) { return c.expires && *c.expires <= now_s; });
  auto got = again.cookies();
  XFER_FUZZ_CHECK(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size() && i < expected.size(); ++i) {
    got[i].creation_index = expected[i].creation_index = 0;
    XFER_FUZZ_CHECK(got[i] == expected[i]);
  }
}

void check_dates(std::string_view text, cookie_jar::time_point now) {
  const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
  if (auto t = xfer::detail::parse_http_date(text, now_s)) {
    const std::string formatted = xfer::detail::format_http_date(*t);
    XFER_FUZZ_CHECK(formatted.size() == 29);
    XFER_FUZZ_CHECK(xfer::detail::parse_http_date(formatted, now_s) == t);
    // The cookie-date algorithm knows no year before 1601.
    const std::chrono::sys_seconds year_1601{std::chrono::sys_days{std::chrono::year{1601} / 1 / 1}};
    if (*t >= year_1601)
      XFER_FUZZ_CHECK(xfer::detail::parse_cookie_date(formatted) == t);
  }
  if (auto t = xfer::detail::parse_cookie_date(text)) {
    const std::string formatted = xfer::detail::format_http_date(*t);
    XFER_FUZZ_CHECK(xfer::detail::parse_http_date(formatted, now_s) == t);
    XFER_FUZZ_CHECK(xfer::detail::parse_cookie_date(formatted) == t);
  }
}

std::size_t url_index(std::string_view& rest) {
  std::size_t i = 0;
  if (!rest.empty() && rest[0] >= '0' && rest[0] <= '9') {
    i = static_cast<std::size_t>(rest[0] - '0') % url_count;
    rest.remove_prefix(1);
  }
  return i;
}

void set(cookie_jar& jar, std::size_t u, std::string_view value, cookie_jar::time_point now) {
  const bool https = parsed(u).scheme() == "https";
  const auto secure_before = https ? std::vector<cookie_jar::cookie>() : secure_cookies(jar);
  const std::size_t size_before = jar.size();
  cookie_jar::rejection why = cookie_jar::rejection::shadows_secure;
  const bool stored = jar.set_from_header(parsed(u), value, why, now);
  XFER_FUZZ_CHECK(stored == (why == cookie_jar::rejection::none));
  if (!stored) {
    XFER_FUZZ_CHECK(jar.size() == size_before);
    XFER_FUZZ_CHECK(!cookie_jar::describe(why).empty());
  }
  if (value.size() > cookie_jar::max_set_cookie_size)
    XFER_FUZZ_CHECK(why == cookie_jar::rejection::too_large);
  if (!https) {
    // Over http, Secure cookies may only go (evicted), never appear or change.
    for (const auto& c : secure_cookies(jar))
      XFER_FUZZ_CHECK(std::find(secure_before.begin(), secure_before.end(), c) != secure_before.end());
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  cookie_jar::time_point now{1'700'000'000s};
  cookie_jar jar;

  std::string_view rest = input;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (line.empty())
      continue;
    const char op = line[0];
    std::string_view arg = line.substr(1);
    switch (op) {
    case 'S': {
      const std::size_t u = url_index(arg);
      set(jar, u, arg, now);
      break;
    }
    case 'X': {
      const std::size_t u = url_index(arg);
      std::size_t times = 1;
      if (!arg.empty() && arg[0] >= '0' && arg[0] <= '9') {
        times = std::size_t{1} << (2 * static_cast<std::size_t>(arg[0] - '0'));
        arg.remove_prefix(1);
      }
      std::string big;
      for (std::size_t i = 0; i < times && big.size() < 100'000; ++i)
        big.append(arg);
      set(jar, u, big, now);
      break;
    }
    case 'F':
      jar.load_from_string(arg, now);
      break;
    case 'T': {
      std::int64_t seconds = 0;
      for (char c : arg)
        if (c >= '0' && c <= '9' && seconds < 1'000'000'000)
          seconds = seconds * 10 + (c - '0');
      now += std::chrono::seconds{std::min<std::int64_t>(seconds, 1'000'000'000)};
      break;
    }
    case 'G':
      check_header(jar, url_index(arg), now);
      break;
    default:
      set(jar, 0, line, now);
      break;
    }
    check_jar(jar);
  }

  for (std::size_t u = 0; u < url_count; ++u)
    check_header(jar, u, now);
  check_round_trip(jar, now);
  const std::size_t before = jar.size();
  const std::size_t removed = jar.remove_expired(now);
  XFER_FUZZ_CHECK(jar.size() + removed == before);
  for (const auto& c : jar.cookies())
    XFER_FUZZ_CHECK(!c.expires || *c.expires > std::chrono::floor<std::chrono::seconds>(now));
  check_round_trip(jar, now);

  // The whole input as a cookie file.
  cookie_jar file;
  file.load_from_string(input, now);
  check_jar(file);
  for (std::size_t u = 0; u < url_count; ++u)
    check_header(file, u, now);
  check_round_trip(file, now);

  check_dates(input, now);
  return 0;
}
