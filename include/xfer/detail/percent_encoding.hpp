// xfer/detail/percent_encoding.hpp - RFC 3986 character classes and percent-encoding helpers.
#pragma once

#include <xfer/detail/config.hpp>

#include <string>
#include <string_view>

namespace xfer::detail {

constexpr bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// RFC 3986 `unreserved`: ALPHA / DIGIT / "-" / "." / "_" / "~".
constexpr bool is_unreserved(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/// RFC 3986 `sub-delims`: "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "=".
constexpr bool is_sub_delim(char c) noexcept {
  switch (c) {
  case '!': case '$': case '&': case '\'': case '(': case ')':
  case '*': case '+': case ',': case ';': case '=':
    return true;
  default:
    return false;
  }
}

constexpr char to_lower_ascii(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

/// The value of one hexadecimal digit, or -1 when `c` is not one.
constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// True when `text[i]` starts a well-formed "%HH" triplet.
constexpr bool is_pct_triplet(std::string_view text, std::size_t i) noexcept {
  return i + 2 < text.size() && text[i] == '%' && hex_value(text[i + 1]) >= 0 &&
         hex_value(text[i + 2]) >= 0;
}

/// Appends "%HH" for `byte`, with upper-case hex digits (the RFC 3986 §6.2.2.1 canonical form).
inline void append_pct_encoded(std::string& out, unsigned char byte) {
  constexpr char digits[] = "0123456789ABCDEF";
  out.push_back('%');
  out.push_back(digits[byte >> 4]);
  out.push_back(digits[byte & 0x0F]);
}

/// Decodes every well-formed "%HH" triplet; a '%' not followed by two hex
/// digits is copied unchanged. '+' is not treated as a space.
inline std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_pct_triplet(text, i)) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

} // namespace xfer::detail
