// examples/xfer-get/escape.hpp - percent-encoding as curl_easy_escape does it.
#pragma once

#include <string>
#include <string_view>

namespace xfer_get {

/// Every byte but RFC 3986's unreserved ones (letters, digits, '-', '.', '_', '~') as %XX
/// with upper-case hex digits; a space becomes %20.
inline std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

} // namespace xfer_get
