// A small strict JSON reader for tests that check what an echo server (httpbin) saw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xfer::test {

/// One JSON value. Numbers are kept as doubles; objects as ordered maps (duplicate keys: last wins).
class json {
 public:
  using array = std::vector<json>;
  using object = std::map<std::string, json, std::less<>>;

  json() = default;

  /// Parses a whole document; throws std::runtime_error naming the offset on malformed input.
  static json parse(std::string_view text) {
    reader r{text};
    json v = r.value(0);
    r.skip_ws();
    if (r.pos != text.size())
      r.fail("trailing characters");
    return v;
  }

  bool is_null() const noexcept { return std::holds_alternative<std::monostate>(v_); }
  bool is_string() const noexcept { return std::holds_alternative<std::string>(v_); }
  bool is_object() const noexcept { return std::holds_alternative<std::shared_ptr<object>>(v_); }
  bool is_array() const noexcept { return std::holds_alternative<std::shared_ptr<array>>(v_); }

  const std::string& str() const { return get<std::string>("a string"); }
  double number() const { return get<double>("a number"); }
  bool boolean() const { return get<bool>("a boolean"); }
  const object& obj() const { return *get<std::shared_ptr<object>>("an object"); }
  const array& arr() const { return *get<std::shared_ptr<array>>("an array"); }

  /// The member `key` of an object; throws when this is not an object or has no such member.
  const json& operator[](std::string_view key) const {
    const auto& o = obj();
    auto it = o.find(key);
    if (it == o.end())
      throw std::runtime_error("json: no member \"" + std::string(key) + "\"");
    return it->second;
  }
  /// Whether this is an object with the member `key`.
  bool contains(std::string_view key) const { return is_object() && obj().find(key) != obj().end(); }

 private:
  template <class T>
  const T& get(const char* what) const {
    if (const T* p = std::get_if<T>(&v_))
      return *p;
    throw std::runtime_error(std::string("json: value is not ") + what);
  }

  struct reader {
    std::string_view text;
    std::size_t pos = 0;

    [[noreturn]] void fail(const std::string& what) const {
      throw std::runtime_error("json: " + what + " at offset " + std::to_string(pos));
    }
    void skip_ws() {
      while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r'))
        ++pos;
    }
    bool consume(std::string_view word) {
      if (text.substr(pos, word.size()) != word)
        return false;
      pos += word.size();
      return true;
    }
    json value(int depth) {
      if (depth > 64)
        fail("nesting too deep");
      skip_ws();
      if (pos >= text.size())
        fail("unexpected end");
      json out;
      const char c = text[pos];
      if (c == '{') {
        ++pos;
        auto o = std::make_shared<object>();
        skip_ws();
        if (pos < text.size() && text[pos] == '}') {
          ++pos;
        } else {
          for (;;) {
            skip_ws();
            if (pos >= text.size() || text[pos] != '"')
              fail("expected a member name");
            std::string key = string();
            skip_ws();
            if (!consume(":"))
              fail("expected ':'");
            (*o)[key] = value(depth + 1);
            skip_ws();
            if (consume(","))
              continue;
            if (consume("}"))
              break;
            fail("expected ',' or '}'");
          }
        }
        out.v_ = std::move(o);
      } else if (c == '[') {
        ++pos;
        auto a = std::make_shared<array>();
        skip_ws();
        if (pos < text.size() && text[pos] == ']') {
          ++pos;
        } else {
          for (;;) {
            a->push_back(value(depth + 1));
            skip_ws();
            if (consume(","))
              continue;
            if (consume("]"))
              break;
            fail("expected ',' or ']'");
          }
        }
        out.v_ = std::move(a);
      } else if (c == '"') {
        out.v_ = string();
      } else if (consume("true")) {
        out.v_ = true;
      } else if (consume("false")) {
        out.v_ = false;
      } else if (consume("null")) {
        out.v_ = std::monostate{};
      } else {
        const std::size_t start = pos;
        while (pos < text.size() && (std::string_view("+-.eE0123456789").find(text[pos]) != std::string_view::npos))
          ++pos;
        if (pos == start)
          fail("unexpected character");
        try {
          out.v_ = std::stod(std::string(text.substr(start, pos - start)));
        } catch (const std::exception&) {
          fail("bad number");
        }
      }
      return out;
    }
    unsigned hex4() {
      if (pos + 4 > text.size())
        fail("short \\u escape");
      unsigned v = 0;
      for (int i = 0; i < 4; ++i) {
        const char h = text[pos++];
        v <<= 4;
        if (h >= '0' && h <= '9')
          v |= static_cast<unsigned>(h - '0');
        else if (h >= 'a' && h <= 'f')
          v |= static_cast<unsigned>(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F')
          v |= static_cast<unsigned>(h - 'A' + 10);
        else
          fail("bad \\u escape");
      }
      return v;
    }
    static void append_utf8(std::string& out, std::uint32_t cp) {
      if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
    }
    std::string string() {
      ++pos; // opening quote
      std::string out;
      for (;;) {
        if (pos >= text.size())
          fail("unterminated string");
        const char c = text[pos++];
        if (c == '"')
          return out;
        if (static_cast<unsigned char>(c) < 0x20)
          fail("control character in a string");
        if (c != '\\') {
          out.push_back(c);
          continue;
        }
        if (pos >= text.size())
          fail("unterminated escape");
        switch (const char e = text[pos++]) {
        case '"': case '\\': case '/': out.push_back(e); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00) {
            if (!consume("\\u"))
              fail("lone high surrogate");
            const std::uint32_t low = hex4();
            if (low < 0xDC00 || low >= 0xE000)
              fail("bad low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default:
          fail("bad escape");
        }
      }
    }
  };

  std::variant<std::monostate, bool, double, std::string, std::shared_ptr<array>, std::shared_ptr<object>> v_;
};

} // namespace xfer::test
