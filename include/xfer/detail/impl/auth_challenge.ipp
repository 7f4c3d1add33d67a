// xfer/detail/impl/auth_challenge.ipp - the RFC 9110 §11 challenge grammar, bounded.
#pragma once

#include <xfer/detail/auth_challenge.hpp>
#include <xfer/detail/percent_encoding.hpp>

#include <string>

namespace xfer::detail {
namespace auth_grammar {

/// RFC 9110 `tchar`.
constexpr bool is_tchar(char c) noexcept {
  if (is_alpha(c) || is_digit(c))
    return true;
  switch (c) {
  case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
  case '-': case '.': case '^': case '_': case '`': case '|': case '~':
    return true;
  default:
    return false;
  }
}

/// RFC 9110 `token68` characters before its trailing '='s.
constexpr bool is_token68_char(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

constexpr bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

/// `qdtext` and the octets a quoted-pair may escape (HTAB, SP, VCHAR, obs-text).
constexpr bool is_quotable(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7F);
}

/// A cursor over one field value that records the first error.
class parser {
public:
  parser(std::string_view text, std::vector<auth_challenge>& out, std::string& detail,
         const auth_challenge_limits& limits)
      : text_(text), out_(out), detail_(detail), limits_(limits) {}

  std::error_code run() {
    if (text_.size() > limits_.max_field_size)
      return fail(errc::too_large, "the field is " + std::to_string(text_.size()) + " bytes, more than the limit of " +
                                       std::to_string(limits_.max_field_size));
    for (;;) {
      skip_list_separators();
      if (at_end())
        return {};
      if (auto ec = challenge())
        return ec;
    }
  }

private:
  bool at_end() const noexcept { return pos_ >= text_.size(); }
  char peek() const noexcept { return text_[pos_]; }

  void skip_ows() noexcept {
    while (!at_end() && is_ows(peek()))
      ++pos_;
  }
  /// Skips OWS and the commas of empty list elements.
  void skip_list_separators() noexcept {
    while (!at_end() && (is_ows(peek()) || peek() == ','))
      ++pos_;
  }

  std::string_view token() noexcept {
    const std::size_t start = pos_;
    while (!at_end() && is_tchar(peek()))
      ++pos_;
    return text_.substr(start, pos_ - start);
  }

  std::error_code fail(errc code, const std::string& what) {
    detail_ = "malformed authentication challenge: " + what;
    return make_error_code(code);
  }
  std::error_code fail_here(const std::string& what) {
    return fail(errc::weird_server_reply, what + " at offset " + std::to_string(pos_));
  }

  std::error_code check_size(std::size_t size, const char* what) {
    if (size > limits_.max_value_size)
      return fail(errc::too_large, std::string(what) + " at offset " + std::to_string(pos_) +
                                       " is longer than the limit of " + std::to_string(limits_.max_value_size) +
                                       " bytes");
    return {};
  }

  /// challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
  std::error_code challenge() {
    const std::string_view scheme = token();
    if (scheme.empty())
      return fail_here("expected an auth-scheme");
    if (out_.size() >= limits_.max_challenges)
      return fail(errc::too_large, "more than " + std::to_string(limits_.max_challenges) + " challenges");
    if (auto ec = check_size(scheme.size(), "an auth-scheme"))
      return ec;
    auth_challenge c;
    c.scheme = scheme;

    const std::size_t before_space = pos_;
    skip_ows();
    if (at_end() || peek() == ',') {
      out_.push_back(std::move(c));
      return {};
    }
    if (pos_ == before_space)
      return fail_here("expected a space after the auth-scheme");

    if (token68(c)) {
      if (auto ec = check_size(c.token68.size(), "a token68"))
        return ec;
      out_.push_back(std::move(c));
      return {};
    }
    for (;;) {
      if (auto ec = param(c))
        return ec;
      skip_ows();
      if (at_end())
        break;
      if (peek() != ',')
        return fail_here("expected ',' after an auth-param");
      // A comma ends this parameter; what follows is another parameter
      // ("name =") or the next challenge's scheme.
      skip_list_separators();
      if (at_end() || !next_is_param())
        break;
    }
    out_.push_back(std::move(c));
    return {};
  }

  /// Whether the text at the cursor reads `token BWS "="`.
  bool next_is_param() const noexcept {
    std::size_t p = pos_;
    while (p < text_.size() && is_tchar(text_[p]))
      ++p;
    if (p == pos_)
      return false;
    while (p < text_.size() && is_ows(text_[p]))
      ++p;
    return p < text_.size() && text_[p] == '=';
  }

  /// token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=", when
  /// it is all the challenge carries (followed by OWS, then ',' or the end).
  bool token68(auth_challenge& c) {
    std::size_t p = pos_;
    while (p < text_.size() && is_token68_char(text_[p]))
      ++p;
    if (p == pos_)
      return false;
    while (p < text_.size() && text_[p] == '=')
      ++p;
    const std::size_t end = p;
    while (p < text_.size() && is_ows(text_[p]))
      ++p;
    if (p < text_.size() && text_[p] != ',')
      return false;
    c.token68 = text_.substr(pos_, end - pos_);
    pos_ = p;
    return true;
  }

  /// auth-param = token BWS "=" BWS ( token / quoted-string )
  std::error_code param(auth_challenge& c) {
    const std::string_view name = token();
    if (name.empty())
      return fail_here("expected an auth-param name");
    if (auto ec = check_size(name.size(), "a parameter name"))
      return ec;
    skip_ows();
    if (at_end() || peek() != '=')
      return fail_here("expected '=' after the auth-param name");
    ++pos_;
    skip_ows();
    std::string value;
    if (!at_end() && peek() == '"') {
      if (auto ec = quoted_string(value))
        return ec;
    } else {
      const std::string_view v = token();
      if (v.empty())
        return fail_here("expected a token or a quoted-string as the value of '" + std::string(name) + "'");
      if (auto ec = check_size(v.size(), "a parameter value"))
        return ec;
      value = v;
    }
    if (c.find(name) != nullptr)
      return fail_here("parameter '" + std::string(name) + "' repeated in one challenge");
    if (c.params.size() >= limits_.max_params)
      return fail(errc::too_large, "more than " + std::to_string(limits_.max_params) + " parameters in a challenge");
    auth_param p;
    p.name.reserve(name.size());
    for (const char ch : name)
      p.name.push_back(to_lower_ascii(ch));
    p.value = std::move(value);
    c.params.push_back(std::move(p));
    return {};
  }

  /// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE, unescaped into `value`.
  std::error_code quoted_string(std::string& value) {
    const std::size_t start = pos_;
    ++pos_; // the opening quote
    while (!at_end()) {
      char ch = peek();
      if (ch == '"') {
        ++pos_;
        return {};
      }
      if (ch == '\\') {
        ++pos_;
        if (at_end())
          break;
        ch = peek();
      }
      if (!is_quotable(ch))
        return fail_here("control character in a quoted-string");
      value.push_back(ch);
      ++pos_;
      if (auto ec = check_size(value.size(), "a quoted-string"))
        return ec;
    }
    pos_ = start;
    return fail_here("unterminated quoted-string");
  }

  std::string_view text_;
  std::vector<auth_challenge>& out_;
  std::string& detail_;
  const auth_challenge_limits& limits_;
  std::size_t pos_ = 0;
};

} // namespace auth_grammar

XFER_DECL std::error_code parse_auth_challenges(std::string_view field_value, std::vector<auth_challenge>& out,
                                                std::string& detail, const auth_challenge_limits& limits) {
  return auth_grammar::parser(field_value, out, detail, limits).run();
}

XFER_DECL std::error_code parse_auth_challenges(const headers& fields, std::string_view field_name,
                                                std::vector<auth_challenge>& out, std::string& detail,
                                                const auth_challenge_limits& limits) {
  out.clear();
  for (const auto field : fields) {
    if (!iequals(field.name, field_name))
      continue;
    if (auto ec = parse_auth_challenges(field.value, out, detail, limits)) {
      detail.insert(0, ": ");
      detail.insert(0, field_name);
      return ec;
    }
  }
  return {};
}

} // namespace xfer::detail
