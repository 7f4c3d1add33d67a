// application/x-www-form-urlencoded bodies, byte for byte as the WHATWG serializer writes them.
#include <xfer/form.hpp>

#include <catch2/catch.hpp>

#include <string>

TEST_CASE("url_encoded_form follows the WHATWG urlencoded serializer", "[unit][form]") {
  xfer::url_encoded_form form;
  CHECK(form.empty());
  form.add("name", "J\xC3\xA4s\xC3\xB8n Doe").add("q", "C++ & Asio = fun?").add("empty", "");
  CHECK(form.size() == 3);
  CHECK(form.str() == "name=J%C3%A4s%C3%B8n+Doe&q=C%2B%2B+%26+Asio+%3D+fun%3F&empty=");
  CHECK(xfer::url_encoded_form::content_type() == "application/x-www-form-urlencoded");
}

TEST_CASE("url_encoded_form keeps only alphanumerics and *-._ unencoded", "[unit][form]") {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all.push_back(static_cast<char>(i));
  xfer::url_encoded_form form;
  form.add(all, "");
  const std::string& s = form.str();
  // Everything else is "%XX" with upper-case hex; space is '+'; '~' is encoded (unlike RFC 3986's unreserved).
  std::string expected;
  constexpr char hex[] = "0123456789ABCDEF";
  for (int i = 0; i < 256; ++i) {
    const char c = static_cast<char>(i);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '*' || c == '-' ||
        c == '.' || c == '_') {
      expected.push_back(c);
    } else if (c == ' ') {
      expected.push_back('+');
    } else {
      expected.push_back('%');
      expected.push_back(hex[i >> 4]);
      expected.push_back(hex[i & 15]);
    }
  }
  CHECK(s == expected + "=");
  CHECK(s.find("%7E") != std::string::npos);
}

TEST_CASE("url_encoded_form keeps repeated names in order and clears", "[unit][form]") {
  xfer::url_encoded_form form;
  form.add("a", "1").add("a", "2").add("", "x");
  CHECK(form.str() == "a=1&a=2&=x");
  form.clear();
  CHECK(form.empty());
  CHECK(form.str().empty());
  form.add("b", "&=");
  CHECK(std::move(form).str() == "b=%26%3D");
}
