// bench/common/json_line.hpp - builds the one JSON object a client prints, field by field.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

/// A flat JSON object written as one line; fields keep the order they were added in.
class json_line {
public:
  json_line& add(std::string_view key, std::string_view text) {
    name(key);
    quote(text);
    return *this;
  }
  json_line& add(std::string_view key, const char* text) { return add(key, std::string_view(text)); }
  json_line& add(std::string_view key, long long number) {
    name(key);
    out_ += std::to_string(number);
    return *this;
  }
  json_line& add(std::string_view key, double number, int decimals = 3) {
    name(key);
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, number);
    out_ += buffer;
    return *this;
  }
  json_line& add(std::string_view key, bool flag) {
    name(key);
    out_ += flag ? "true" : "false";
    return *this;
  }

  /// The finished object.
  std::string str() const { return "{" + out_ + "}"; }

private:
  void name(std::string_view key) {
    if (!out_.empty())
      out_ += ',';
    quote(key);
    out_ += ':';
  }
  void quote(std::string_view text) {
    out_ += '"';
    for (char c : text) {
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
        out_ += escaped;
      } else {
        out_ += c;
      }
    }
    out_ += '"';
  }

  std::string out_;
};
