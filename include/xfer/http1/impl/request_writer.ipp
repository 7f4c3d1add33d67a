// xfer/http1/impl/request_writer.ipp - request head serialisation and its header-injection checks.
#pragma once

#include <xfer/http1/request_writer.hpp>

#include <charconv>

namespace xfer::http1 {
namespace detail {

constexpr bool request_is_token(std::string_view s) noexcept {
  if (s.empty())
    return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' ||
                    c == '*' || c == '+' || c == '-' || c == '.' || c == '^' || c == '_' ||
                    c == '`' || c == '|' || c == '~';
    if (!ok)
      return false;
  }
  return true;
}

constexpr bool request_is_value(std::string_view s) noexcept {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

constexpr bool request_is_target(std::string_view s) noexcept {
  if (s.empty())
    return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f)
      return false;
  }
  return true;
}

constexpr bool request_is_blank(std::string_view s) noexcept {
  return s.find_first_not_of(" \t") == std::string_view::npos;
}

inline void request_append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ", value.empty() ? 1 : 2);
  out.append(value);
  out.append("\r\n");
}

// Writes the user's fields named `name` in place of a default: returns false
// when the user has none, so the default is written instead.
inline bool request_replace_default(std::string& out, const xfer::headers* fields,
                                    std::string_view name) {
  if (fields == nullptr)
    return false;
  bool found = false;
  for (std::size_t i = 0; i < fields->size(); ++i) {
    const headers::field f = fields->at(i);
    if (!iequals(f.name, name))
      continue;
    found = true;
    if (!request_is_blank(f.value))
      request_append_field(out, f.name, f.value);
  }
  return found;
}

} // namespace detail

XFER_DECL void write_request_head(std::string& out, const request_head& head, std::error_code& ec) {
  ec.clear();
  if (!detail::request_is_token(head.method)) {
    ec = error::invalid_method;
    return;
  }
  if (!detail::request_is_target(head.target)) {
    ec = error::invalid_target;
    return;
  }
  if (!detail::request_is_value(head.host) || !detail::request_is_value(head.user_agent)) {
    ec = error::invalid_header_value;
    return;
  }
  std::size_t size =
      head.method.size() + head.target.size() + head.host.size() + head.user_agent.size() + 128;
  if (head.fields != nullptr) {
    for (std::size_t i = 0; i < head.fields->size(); ++i) {
      const headers::field f = head.fields->at(i);
      if (!detail::request_is_token(f.name)) {
        ec = error::invalid_header_name;
        return;
      }
      if (!detail::request_is_value(f.value)) {
        ec = error::invalid_header_value;
        return;
      }
      size += f.name.size() + f.value.size() + 4;
    }
  }
  out.reserve(out.size() + size);

  out.append(head.method);
  out.push_back(' ');
  out.append(head.target);
  out.append(" HTTP/1.1\r\n");
  if (!detail::request_replace_default(out, head.fields, "Host"))
    detail::request_append_field(out, "Host", head.host);
  if (!detail::request_replace_default(out, head.fields, "User-Agent") && !head.user_agent.empty())
    detail::request_append_field(out, "User-Agent", head.user_agent);
  if (!detail::request_replace_default(out, head.fields, "Accept"))
    detail::request_append_field(out, "Accept", "*/*");
  if (head.fields != nullptr) {
    for (std::size_t i = 0; i < head.fields->size(); ++i) {
      const headers::field f = head.fields->at(i);
      if (detail::request_is_blank(f.value) || iequals(f.name, "Host") ||
          iequals(f.name, "User-Agent") || iequals(f.name, "Accept") ||
          iequals(f.name, "Content-Length") || iequals(f.name, "Transfer-Encoding") ||
          iequals(f.name, "Connection"))
        continue;
      detail::request_append_field(out, f.name, f.value);
    }
  }
  if (head.framing == body_framing::content_length) {
    char digits[20];
    const auto r = std::to_chars(digits, digits + sizeof digits, head.content_length);
    out.append("Content-Length: ");
    out.append(digits, static_cast<std::size_t>(r.ptr - digits));
    out.append("\r\n");
  } else if (head.framing == body_framing::chunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  }
  if (head.close_connection)
    out.append("Connection: close\r\n");
  out.append("\r\n");
}

XFER_DECL void write_chunk_header(std::string& out, std::size_t size) {
  char buf[2 * sizeof(std::size_t) + 2];
  char* p = buf + sizeof buf;
  *--p = '\n';
  *--p = '\r';
  do {
    *--p = "0123456789abcdef"[size & 0xf];
    size >>= 4;
  } while (size != 0);
  out.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

} // namespace xfer::http1
