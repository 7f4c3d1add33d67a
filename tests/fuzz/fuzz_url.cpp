// tests/fuzz/fuzz_url.cpp - xfer::url::parse and url::resolve.
//
// Input: the whole input is parsed as a URL. Then, when it holds a '\n', the bytes before the
// first '\n' are parsed as a base and the bytes after it resolved against that base; without
// '\n' the whole input is resolved against the RFC 3986 §5.4 base "http://a/b/c/d;p?q".
// Invariants, for every URL accepted (parsed or resolved):
// - parse(str()) succeeds and gives the same URL, component by component (normal form is stable);
// - str() holds only URL characters: no control, space, DEL or byte >= 0x80, '[' and ']' only
//   around an IPv6 host, every '%' starts an upper-case triplet that is not an unreserved
//   character (RFC 3986 §6.2.2);
// - str() is exactly the sum of its components; host_header() and target() agree with them
//   (host_header() non-empty for http and https, target() starts with '/');
// - a refused input gives url_malformat and an empty url.
// And for resolution: resolve("") is the base without its fragment; an absolute reference with
// another scheme resolves to parse(reference).
#include <xfer/url.hpp>

#include "fuzz_common.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace {

bool is_hex_upper(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }
int hex(char c) { return c <= '9' ? c - '0' : c - 'A' + 10; }
bool is_unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}
bool is_url_char(char c) {
  return is_unreserved(c) || std::string_view("!$&'()*+,;=:/?#[]@%").find(c) != std::string_view::npos;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

void check_text(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    XFER_FUZZ_CHECK(is_url_char(c)); // no CR, LF, space, NUL, other control, DEL, >= 0x80
    if (c == '%') {
      XFER_FUZZ_CHECK(i + 2 < s.size() && is_hex_upper(s[i + 1]) && is_hex_upper(s[i + 2]));
      XFER_FUZZ_CHECK(!is_unreserved(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]))));
    }
  }
}

void check_same(const xfer::url& a, const xfer::url& b) {
  XFER_FUZZ_CHECK(a.str() == b.str());
  XFER_FUZZ_CHECK(a.scheme() == b.scheme());
  XFER_FUZZ_CHECK(a.has_userinfo() == b.has_userinfo());
  XFER_FUZZ_CHECK(a.has_password() == b.has_password());
  XFER_FUZZ_CHECK(a.user() == b.user());
  XFER_FUZZ_CHECK(a.password() == b.password());
  XFER_FUZZ_CHECK(a.host() == b.host());
  XFER_FUZZ_CHECK(a.host_is_ipv6() == b.host_is_ipv6());
  XFER_FUZZ_CHECK(a.port() == b.port());
  XFER_FUZZ_CHECK(a.has_explicit_port() == b.has_explicit_port());
  XFER_FUZZ_CHECK(a.path() == b.path());
  XFER_FUZZ_CHECK(a.has_query() == b.has_query());
  XFER_FUZZ_CHECK(a.query() == b.query());
  XFER_FUZZ_CHECK(a.has_fragment() == b.has_fragment());
  XFER_FUZZ_CHECK(a.fragment() == b.fragment());
  XFER_FUZZ_CHECK(a.target() == b.target());
  XFER_FUZZ_CHECK(a.host_header() == b.host_header());
  XFER_FUZZ_CHECK(a.same_origin(b));
}

// Checks an accepted URL on its own.
void check_url(const xfer::url& u) {
  XFER_FUZZ_CHECK(!u.empty());
  const std::string& s = u.str();
  check_text(s);

  const std::string_view scheme = u.scheme();
  XFER_FUZZ_CHECK(!scheme.empty());
  for (char c : scheme)
    XFER_FUZZ_CHECK(c == lower(c));
  const bool http = scheme == "http" || scheme == "https";

  // Host, port and host_header().
  const std::string host_header = u.host_header();
  if (http) {
    XFER_FUZZ_CHECK(!u.host().empty());
    XFER_FUZZ_CHECK(!host_header.empty());
    XFER_FUZZ_CHECK(!u.path().empty());
  }
  for (char c : u.host())
    XFER_FUZZ_CHECK(c == lower(c) || c == '%' || (c >= 'A' && c <= 'F'));
  XFER_FUZZ_CHECK(u.host().find_first_of("[]@/?#") == std::string_view::npos);
  if (!u.host_is_ipv6())
    XFER_FUZZ_CHECK(u.host().find(':') == std::string_view::npos);
  if (u.has_explicit_port()) {
    XFER_FUZZ_CHECK(u.port() != xfer::url::default_port(scheme) || xfer::url::default_port(scheme) == 0);
  } else {
    XFER_FUZZ_CHECK(u.port() == xfer::url::default_port(scheme));
  }
  std::string authority;
  if (u.host_is_ipv6())
    authority = "[" + std::string(u.host()) + "]";
  else
    authority = std::string(u.host());
  if (u.has_explicit_port())
    authority += ":" + std::to_string(u.port());
  XFER_FUZZ_CHECK(host_header == authority);
  XFER_FUZZ_CHECK(host_header.find_first_of(std::string_view("\r\n\0 ", 4)) == std::string::npos);

  // Path, query, fragment, target().
  const std::string_view path = u.path();
  XFER_FUZZ_CHECK(path.empty() || path[0] == '/');
  XFER_FUZZ_CHECK(path.find_first_of("?#") == std::string_view::npos);
  XFER_FUZZ_CHECK(u.query().find('#') == std::string_view::npos);
  if (!u.has_query())
    XFER_FUZZ_CHECK(u.query().empty());
  if (!u.has_fragment())
    XFER_FUZZ_CHECK(u.fragment().empty());
  // No dot-segment is left (RFC 3986 §5.2.4).
  for (std::size_t start = 0; start < path.size();) {
    std::size_t end = path.find('/', start + 1);
    if (end == std::string_view::npos)
      end = path.size();
    const std::string_view segment = path.substr(start + 1, end - start - 1);
    XFER_FUZZ_CHECK(segment != "." && segment != "..");
    start = end;
  }
  const std::string target = u.target();
  XFER_FUZZ_CHECK(!target.empty() && target[0] == '/');
  XFER_FUZZ_CHECK(target.find('#') == std::string::npos);
  XFER_FUZZ_CHECK(target == std::string(path.empty() ? "/" : path) +
                                (u.has_query() ? "?" + std::string(u.query()) : std::string()));

  // str() is the sum of its parts.
  std::string rebuilt(scheme);
  rebuilt += "://";
  if (u.has_userinfo()) {
    // user() and password() are decoded: the userinfo part is what stands before the '@'.
    const std::size_t at = s.find('@', rebuilt.size());
    XFER_FUZZ_CHECK(at != std::string::npos);
    const std::string_view info = std::string_view(s).substr(rebuilt.size(), at - rebuilt.size());
    XFER_FUZZ_CHECK(info.find_first_of("/?#[]@") == std::string_view::npos);
    XFER_FUZZ_CHECK(u.has_password() == (info.find(':') != std::string_view::npos));
    rebuilt.append(info);
    rebuilt += "@";
  } else {
    XFER_FUZZ_CHECK(!u.has_password() && u.user().empty() && u.password().empty());
  }
  rebuilt += authority;
  rebuilt.append(path);
  if (u.has_query()) {
    rebuilt += "?";
    rebuilt.append(u.query());
  }
  if (u.has_fragment()) {
    rebuilt += "#";
    rebuilt.append(u.fragment());
  }
  XFER_FUZZ_CHECK(rebuilt == s);

  // Normal form is stable.
  std::error_code ec;
  const xfer::url again = xfer::url::parse(s, ec);
  XFER_FUZZ_CHECK(!ec);
  check_same(u, again);
  XFER_FUZZ_CHECK(u == again);
}

xfer::url parse_checked(std::string_view text) {
  std::error_code ec = xfer::errc::too_large; // must be overwritten
  xfer::url u = xfer::url::parse(text, ec);
  if (ec) {
    XFER_FUZZ_CHECK(ec == xfer::errc::url_malformat);
    XFER_FUZZ_CHECK(u.empty() && u.str().empty());
  } else {
    check_url(u);
  }
  return u;
}

void check_resolve(const xfer::url& base, std::string_view reference) {
  std::error_code ec = xfer::errc::too_large;
  const xfer::url r = base.resolve(reference, ec);
  if (ec) {
    XFER_FUZZ_CHECK(ec == xfer::errc::url_malformat);
    XFER_FUZZ_CHECK(r.empty());
    return;
  }
  check_url(r);

  // An absolute reference of another scheme is taken as it is.
  std::error_code parse_ec;
  const xfer::url absolute = xfer::url::parse(reference, parse_ec);
  if (!parse_ec && absolute.scheme() != base.scheme())
    check_same(r, absolute);
  // Without a scheme of its own, the reference keeps the base's scheme.
  if (parse_ec && r.scheme() != base.scheme()) {
    // Only an absolute reference without authority could change it, and those fail.
    XFER_FUZZ_CHECK(false);
  }
  // The result is absolute: resolving it against the base again changes nothing.
  std::error_code again_ec;
  const xfer::url again = base.resolve(r.str(), again_ec);
  XFER_FUZZ_CHECK(!again_ec);
  check_same(r, again);
  // Resolving the empty reference against the result drops only its fragment.
  const xfer::url same_document = r.resolve("", again_ec);
  XFER_FUZZ_CHECK(!again_ec);
  std::string without_fragment = r.str();
  if (r.has_fragment())
    without_fragment.erase(without_fragment.size() - r.fragment().size() - 1);
  XFER_FUZZ_CHECK(same_document.str() == without_fragment);
  XFER_FUZZ_CHECK(!same_document.has_fragment());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  parse_checked(input);

  const std::size_t newline = input.find('\n');
  if (newline == std::string_view::npos) {
    static const xfer::url rfc_base = xfer::url::parse("http://a/b/c/d;p?q");
    check_resolve(rfc_base, input);
    return 0;
  }
  const xfer::url base = parse_checked(input.substr(0, newline));
  if (base.empty()) {
    std::error_code ec;
    XFER_FUZZ_CHECK(base.resolve(input.substr(newline + 1), ec).empty() &&
                    ec == xfer::errc::url_malformat);
    return 0;
  }
  check_resolve(base, input.substr(newline + 1));
  return 0;
}
