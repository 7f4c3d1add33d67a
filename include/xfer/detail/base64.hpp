// xfer/detail/base64.hpp - RFC 4648 §4 base64: encoding with padding and strict decoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace xfer::detail {

/// The length of the padded base64 encoding of `size` bytes.
constexpr std::size_t base64_encoded_size(std::size_t size) noexcept { return (size + 2) / 3 * 4; }

/// Appends the padded base64 encoding (RFC 4648 §4 alphabet) of `bytes` to `out`.
inline void append_base64(std::string& out, std::string_view bytes) {
  constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out.reserve(out.size() + base64_encoded_size(bytes.size()));
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                                static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                                static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(alphabet[group >> 18]);
    out.push_back(alphabet[(group >> 12) & 0x3F]);
    out.push_back(alphabet[(group >> 6) & 0x3F]);
    out.push_back(alphabet[group & 0x3F]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0)
    return;
  std::uint32_t group = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
  if (rest == 2)
    group |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
  out.push_back(alphabet[group >> 18]);
  out.push_back(alphabet[(group >> 12) & 0x3F]);
  out.push_back(rest == 2 ? alphabet[(group >> 6) & 0x3F] : '=');
  out.push_back('=');
}

/// The padded base64 encoding of `bytes`.
inline std::string base64_encode(std::string_view bytes) {
  std::string out;
  append_base64(out, bytes);
  return out;
}

/// The value of one base64 alphabet character, or -1.
constexpr int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

/// Decodes padded base64 strictly: the length must be a multiple of 4, padding
/// only at the end, no whitespace, and the unused bits of the last group zero
/// (so every byte string has exactly one accepted encoding). Appends the bytes
/// to `out` and returns true, or returns false and leaves `out` unspecified.
inline bool base64_decode(std::string_view text, std::string& out) {
  if (text.size() % 4 != 0)
    return false;
  out.reserve(out.size() + text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const int a = base64_value(text[i]);
    const int b = base64_value(text[i + 1]);
    if (a < 0 || b < 0)
      return false;
    const std::uint32_t high = static_cast<std::uint32_t>(a) << 18 | static_cast<std::uint32_t>(b) << 12;
    if (last && text[i + 2] == '=') {
      if (text[i + 3] != '=' || (b & 0x0F) != 0)
        return false;
      out.push_back(static_cast<char>(high >> 16));
      return true;
    }
    const int c = base64_value(text[i + 2]);
    if (c < 0)
      return false;
    const std::uint32_t mid = high | static_cast<std::uint32_t>(c) << 6;
    if (last && text[i + 3] == '=') {
      if ((c & 0x03) != 0)
        return false;
      out.push_back(static_cast<char>(mid >> 16));
      out.push_back(static_cast<char>((mid >> 8) & 0xFF));
      return true;
    }
    const int d = base64_value(text[i + 3]);
    if (d < 0)
      return false;
    const std::uint32_t group = mid | static_cast<std::uint32_t>(d);
    out.push_back(static_cast<char>(group >> 16));
    out.push_back(static_cast<char>((group >> 8) & 0xFF));
    out.push_back(static_cast<char>(group & 0xFF));
  }
  return true;
}

} // namespace xfer::detail
