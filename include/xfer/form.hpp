// xfer/form.hpp - xfer::url_encoded_form, an application/x-www-form-urlencoded body builder.
#pragma once

#include <xfer/detail/percent_encoding.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace xfer {

/// Builds an application/x-www-form-urlencoded body as browsers do (the WHATWG
/// URL standard's urlencoded serializer): `name=value` pairs joined by '&',
/// each byte kept when it is an ASCII letter, digit, '*', '-', '.' or '_', a
/// space written as '+', every other byte (UTF-8 included) as "%XX" with
/// upper-case hex. Names may repeat; order is kept.
///
/// \code
///   xfer::url_encoded_form form;
///   form.add("q", "C++ & Asio").add("page", "2");
///   t.set_method("POST").add_header("Content-Type", form.content_type()).set_body(form.str());
///   // q=C%2B%2B+%26+Asio&page=2
/// \endcode
class url_encoded_form {
public:
  /// Appends one field.
  url_encoded_form& add(std::string_view name, std::string_view value) {
    if (!body_.empty())
      body_.push_back('&');
    append_encoded(body_, name);
    body_.push_back('=');
    append_encoded(body_, value);
    ++count_;
    return *this;
  }

  /// The encoded body.
  const std::string& str() const& noexcept { return body_; }
  /// The encoded body, moved out of a temporary form.
  std::string str() && noexcept { return std::move(body_); }

  /// "application/x-www-form-urlencoded", the Content-Type to send the body with.
  static constexpr std::string_view content_type() noexcept { return "application/x-www-form-urlencoded"; }

  /// How many fields were added.
  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  /// Removes every field, keeping the storage.
  void clear() noexcept {
    body_.clear();
    count_ = 0;
  }

  /// Appends `text` encoded by the urlencoded serializer's rules to `out`.
  static void append_encoded(std::string& out, std::string_view text) {
    for (const char c : text) {
      if (detail::is_alpha(c) || detail::is_digit(c) || c == '*' || c == '-' || c == '.' || c == '_')
        out.push_back(c);
      else if (c == ' ')
        out.push_back('+');
      else
        detail::append_pct_encoded(out, static_cast<unsigned char>(c));
    }
  }

private:
  std::string body_;
  std::size_t count_ = 0;
};

} // namespace xfer
