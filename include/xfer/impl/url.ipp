// xfer/impl/url.ipp - parsing, normalisation and RFC 3986 reference resolution of xfer::url.
#pragma once

#include <xfer/detail/percent_encoding.hpp>
#include <xfer/url.hpp>

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

#if defined(_WIN32)
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

namespace xfer {
namespace detail {

/// The component a run of URL characters belongs to; it decides what may appear unencoded.
enum class url_component { userinfo, host, path, query, fragment };

/// Characters `where` may carry literally (pct-encoded triplets aside), per RFC 3986 §3.
constexpr bool url_char_allowed(url_component where, char c) noexcept {
  if (is_unreserved(c) || is_sub_delim(c))
    return true;
  switch (where) {
  case url_component::host: return false;
  case url_component::userinfo: return c == ':';
  case url_component::path: return c == ':' || c == '@' || c == '/';
  case url_component::query:
  case url_component::fragment: return c == ':' || c == '@' || c == '/' || c == '?';
  }
  return false;
}

/// Bytes no URL may contain, not even percent-encoded on the fly: ASCII controls, space, DEL.
constexpr bool is_forbidden_url_byte(char c) noexcept {
  const auto byte = static_cast<unsigned char>(c);
  return byte <= 0x20 || byte == 0x7F;
}

constexpr bool is_scheme_char(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
}

/// Appends `in` to `out` in RFC 3986 §6.2.2 normal form: triplets of unreserved
/// characters decoded, other triplets upper-cased, characters not allowed in
/// `where` percent-encoded (the host refuses them instead), letters of the host
/// lower-cased. False when a '%' lacks two hex digits or the host has a bad character.
XFER_DECL bool append_normalised(std::string& out, std::string_view in, url_component where) {
  const bool lower = where == url_component::host;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (!is_pct_triplet(in, i))
        return false;
      const auto byte = static_cast<unsigned char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      const auto decoded = static_cast<char>(byte);
      if (is_unreserved(decoded))
        out.push_back(lower ? to_lower_ascii(decoded) : decoded);
      else
        append_pct_encoded(out, byte);
      i += 2;
    } else if (url_char_allowed(where, c)) {
      out.push_back(lower ? to_lower_ascii(c) : c);
    } else if (where == url_component::host || is_forbidden_url_byte(c)) {
      return false;
    } else {
      append_pct_encoded(out, static_cast<unsigned char>(c));
    }
  }
  return true;
}

/// RFC 3986 §5.2.4, iteratively; linear in the input size.
XFER_DECL std::string remove_dot_segments(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  const auto drop_last_segment = [&out] {
    const auto slash = out.rfind('/');
    out.erase(slash == std::string::npos ? 0 : slash);
  };
  while (!in.empty()) {
    if (in.starts_with("../")) { // A
      in.remove_prefix(3);
    } else if (in.starts_with("./") || in.starts_with("/./")) { // A, B: drop "." and its slash
      in.remove_prefix(2);
    } else if (in == "/.") { // B
      in = "/";
    } else if (in.starts_with("/../")) { // C
      in.remove_prefix(3);
      drop_last_segment();
    } else if (in == "/..") { // C
      in = "/";
      drop_last_segment();
    } else if (in == "." || in == "..") { // D
      in = {};
    } else { // E: move the first segment, with its leading '/', to the output
      auto next = in.find('/', 1);
      if (next == std::string_view::npos)
        next = in.size();
      out.append(in.substr(0, next));
      in.remove_prefix(next);
    }
  }
  return out;
}

/// True for an IPv6 address as written between brackets (no zone id, no IPvFuture).
XFER_DECL bool is_ipv6_literal(std::string_view text) noexcept {
  char buffer[64]; // INET6_ADDRSTRLEN is 46
  if (text.empty() || text.size() >= sizeof buffer)
    return false;
  for (char c : text)
    if (hex_value(c) < 0 && c != ':' && c != '.')
      return false;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  unsigned char address[16];
  return ::inet_pton(AF_INET6, buffer, address) == 1;
}

/// A URI reference split as RFC 3986 Appendix B does; the parts are not validated.
/// A scheme is recognised only when it has the RFC 3986 scheme syntax.
struct uri_reference {
  std::string_view scheme;
  std::string_view authority;
  std::string_view path;
  std::string_view query;
  std::string_view fragment;
  bool has_scheme = false;
  bool has_authority = false;
  bool has_query = false;
  bool has_fragment = false;
};

XFER_DECL uri_reference split_reference(std::string_view text) noexcept {
  uri_reference r;
  if (!text.empty() && is_alpha(text[0])) {
    std::size_t i = 1;
    while (i < text.size() && is_scheme_char(text[i]))
      ++i;
    if (i < text.size() && text[i] == ':') {
      r.has_scheme = true;
      r.scheme = text.substr(0, i);
      text.remove_prefix(i + 1);
    }
  }
  if (text.starts_with("//")) {
    text.remove_prefix(2);
    const auto end = std::min(text.find_first_of("/?#"), text.size());
    r.has_authority = true;
    r.authority = text.substr(0, end);
    text.remove_prefix(end);
  }
  const auto path_end = std::min(text.find_first_of("?#"), text.size());
  r.path = text.substr(0, path_end);
  text.remove_prefix(path_end);
  if (!text.empty() && text[0] == '?') {
    const auto query_end = std::min(text.find('#'), text.size());
    r.has_query = true;
    r.query = text.substr(1, query_end - 1);
    text.remove_prefix(query_end);
  }
  if (!text.empty() && text[0] == '#') {
    r.has_fragment = true;
    r.fragment = text.substr(1);
  }
  return r;
}

} // namespace detail

XFER_DECL bool url::assign(std::string_view text) {
  using detail::url_component;
  if (text.empty() || text.size() > max_input_size)
    return false;
  for (char c : text)
    if (detail::is_forbidden_url_byte(c))
      return false;
  const detail::uri_reference ref = detail::split_reference(text);
  if (!ref.has_scheme || !ref.has_authority)
    return false;

  std::string& s = str_;
  s.reserve(text.size() + 8);
  for (char c : ref.scheme)
    s.push_back(detail::to_lower_ascii(c));
  scheme_ = {0, s.size()};
  const bool is_http = scheme() == "http" || scheme() == "https";
  s.append("://");

  const std::size_t authority_begin = s.size();
  std::string_view rest = ref.authority;
  // userinfo may not contain '@': a second '@' lands in the host and is refused there.
  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    has_userinfo_ = true;
    const std::size_t begin = s.size();
    if (!detail::append_normalised(s, rest.substr(0, at), url_component::userinfo))
      return false;
    userinfo_ = {begin, s.size() - begin};
    s.push_back('@');
    rest.remove_prefix(at + 1);
  }

  if (!rest.empty() && rest[0] == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos)
      return false;
    const std::string_view literal = rest.substr(1, close - 1);
    if (!detail::is_ipv6_literal(literal))
      return false;
    s.push_back('[');
    host_ = {s.size(), literal.size()};
    for (char c : literal)
      s.push_back(detail::to_lower_ascii(c));
    s.push_back(']');
    host_is_ipv6_ = true;
    rest.remove_prefix(close + 1);
    if (!rest.empty() && rest[0] != ':')
      return false;
  } else {
    const std::string_view name = rest.substr(0, rest.find(':'));
    const std::size_t begin = s.size();
    if (!detail::append_normalised(s, name, url_component::host))
      return false;
    host_ = {begin, s.size() - begin};
    rest.remove_prefix(name.size());
  }
  if (host_.size == 0 && is_http)
    return false;

  if (!rest.empty()) { // ":" port; an empty port means the default
    rest.remove_prefix(1);
    if (!rest.empty()) {
      std::uint32_t value = 0;
      for (char c : rest) {
        if (!detail::is_digit(c))
          return false;
        value = value * 10 + static_cast<std::uint32_t>(c - '0');
        if (value > 65535)
          return false;
      }
      const std::uint16_t default_value = default_port(scheme());
      if (default_value == 0 || value != default_value) {
        has_explicit_port_ = true;
        port_ = static_cast<std::uint16_t>(value);
        s.push_back(':');
        s.append(std::to_string(value));
      }
    }
  }
  authority_ = {authority_begin, s.size() - authority_begin};

  // Percent-encoding is normalised first so that "%2E%2E" counts as a dot-segment (§6.2.2.3).
  std::string encoded_path;
  if (!detail::append_normalised(encoded_path, ref.path, url_component::path))
    return false;
  std::string normal_path = detail::remove_dot_segments(encoded_path);
  if (normal_path.empty() && is_http)
    normal_path = "/";
  path_ = {s.size(), normal_path.size()};
  s.append(normal_path);

  if (ref.has_query) {
    has_query_ = true;
    s.push_back('?');
    const std::size_t begin = s.size();
    if (!detail::append_normalised(s, ref.query, url_component::query))
      return false;
    query_ = {begin, s.size() - begin};
  }
  if (ref.has_fragment) {
    has_fragment_ = true;
    s.push_back('#');
    const std::size_t begin = s.size();
    if (!detail::append_normalised(s, ref.fragment, url_component::fragment))
      return false;
    fragment_ = {begin, s.size() - begin};
  }
  return true;
}

XFER_DECL url url::parse(std::string_view text, std::error_code& ec) noexcept {
  try {
    url result;
    if (!result.assign(text)) {
      ec = make_error_code(errc::url_malformat);
      return url();
    }
    ec.clear();
    return result;
  } catch (const std::bad_alloc&) {
    ec = make_error_code(errc::out_of_memory);
    return url();
  }
}

XFER_DECL url url::parse(std::string_view text) {
  std::error_code ec;
  url result = parse(text, ec);
  if (ec)
    throw std::system_error(ec, "xfer::url::parse");
  return result;
}

XFER_DECL std::string url::user() const {
  const std::string_view info = part(userinfo_);
  return detail::percent_decode(info.substr(0, info.find(':')));
}

XFER_DECL std::string url::password() const {
  const std::string_view info = part(userinfo_);
  const auto colon = info.find(':');
  if (colon == std::string_view::npos)
    return {};
  return detail::percent_decode(info.substr(colon + 1));
}

XFER_DECL std::string url::target() const {
  std::string result(path().empty() ? std::string_view("/") : path());
  if (has_query_) {
    result.push_back('?');
    result.append(query());
  }
  return result;
}

XFER_DECL std::string url::host_header() const {
  std::string result;
  if (host_is_ipv6_)
    result.push_back('[');
  result.append(host());
  if (host_is_ipv6_)
    result.push_back(']');
  if (has_explicit_port_) {
    result.push_back(':');
    result.append(std::to_string(port_));
  }
  return result;
}

XFER_DECL url url::resolve(std::string_view reference, std::error_code& ec) const noexcept {
  try {
    if (empty()) {
      ec = make_error_code(errc::url_malformat);
      return url();
    }
    detail::uri_reference ref = detail::split_reference(reference);
    // RFC 3986 §5.4.2 backward-compatible reading: "http:g" against an http base is "g".
    if (ref.has_scheme && !ref.has_authority && ref.scheme.size() == scheme().size()) {
      bool same = true;
      for (std::size_t i = 0; i < ref.scheme.size(); ++i)
        same = same && detail::to_lower_ascii(ref.scheme[i]) == scheme()[i];
      ref.has_scheme = !same;
    }
    if (ref.has_scheme) // T = R; parse() removes the dot-segments and refuses a missing authority
      return parse(reference, ec);

    // The base's parts are already in normal form; parse() below normalises the reference's.
    std::string joined;
    joined.reserve(str_.size() + reference.size() + 1);
    joined.append(scheme());
    joined.append("://");
    std::string merged_path;
    std::string_view query_part;
    bool with_query = false;
    if (ref.has_authority) {
      joined.append(ref.authority);
      merged_path = detail::remove_dot_segments(ref.path);
      query_part = ref.query;
      with_query = ref.has_query;
    } else {
      joined.append(part(authority_));
      if (ref.path.empty()) {
        merged_path = path();
        with_query = ref.has_query || has_query_;
        query_part = ref.has_query ? ref.query : query();
      } else {
        if (ref.path[0] == '/') {
          merged_path = detail::remove_dot_segments(ref.path);
        } else { // §5.2.3 merge: the base has an authority, so an empty base path counts as "/"
          const std::string_view base_path = path();
          std::string merged(base_path.empty() ? std::string_view("/")
                                               : base_path.substr(0, base_path.rfind('/') + 1));
          merged.append(ref.path);
          merged_path = detail::remove_dot_segments(merged);
        }
        query_part = ref.query;
        with_query = ref.has_query;
      }
    }
    joined.append(merged_path);
    if (with_query) {
      joined.push_back('?');
      joined.append(query_part);
    }
    if (ref.has_fragment) {
      joined.push_back('#');
      joined.append(ref.fragment);
    }
    return parse(joined, ec);
  } catch (const std::bad_alloc&) {
    ec = make_error_code(errc::out_of_memory);
    return url();
  }
}

XFER_DECL url url::resolve(std::string_view reference) const {
  std::error_code ec;
  url result = resolve(reference, ec);
  if (ec)
    throw std::system_error(ec, "xfer::url::resolve");
  return result;
}

} // namespace xfer
