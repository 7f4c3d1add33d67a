// examples/xfer-get/escape.hpp - percent-encoding as curl_easy_escape does it.
#pragma once

#include <string>
#include <string_view>

namespace xfer_get {

/// How a space is encoded.
enum class space_as { percent_20, plus };

/// Every byte but RFC 3986's unreserved ones (letters, digits, '-', '.', '_', '~') as %XX
/// with upper-case hex digits; a space becomes %20, or '+' as curl's --data-urlencode writes it.
inline std::string percent_encode(std::string_view text, space_as space = space_as::percent_20) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += ch;
    } else if (c == ' ' && space == space_as::plus) {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

} // namespace xfer_get
