// examples/xfer-get/heads.hpp - request and response heads as text, for -v, -D and -I.
#pragma once

#include <xfer.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace xfer_get {

/// The request head a transfer sends, rebuilt with the library's own serialiser from the
/// same inputs the library uses (a transfer does not expose the bytes it wrote).
/// `body_size` is the size of an in-memory body, if any. Empty when the URL or a field is
/// invalid: such a transfer fails before sending anything.
inline std::string request_head_text(const xfer::transfer& t, std::string_view user_agent,
                                     std::optional<std::uint64_t> body_size) {
  std::error_code ec;
  const xfer::url target = xfer::url::parse(t.url(), ec);
  if (ec)
    return {};
  const std::string path = target.target();
  const std::string host = target.host_header();
  xfer::http1::request_head head;
  head.method = t.method();
  head.target = path;
  head.host = host;
  head.fields = &t.request_headers();
  head.user_agent = user_agent;
  if (body_size) {
    head.framing = xfer::http1::body_framing::content_length;
    head.content_length = *body_size;
  } else if (t.method() == "POST" || t.method() == "PUT" || t.method() == "PATCH") {
    // The library announces an empty body for these methods.
    head.framing = xfer::http1::body_framing::content_length;
  }
  std::string text;
  xfer::http1::write_request_head(text, head, ec);
  return ec ? std::string() : text;
}

/// The final response's head as received: status line (with its reason phrase, if any),
/// fields, empty line, CRLF-terminated.
inline std::string response_head_text(const xfer::transfer& t) {
  const auto& info = t.info();
  std::string text = "HTTP/1." + std::to_string(info.http_version_minor) + " " +
                     std::to_string(t.status());
  if (!t.reason().empty())
    text.append(" ").append(t.reason());
  text.append("\r\n");
  for (const auto field : t.response_headers()) {
    text.append(field.name).append(": ").append(field.value).append("\r\n");
  }
  text.append("\r\n");
  return text;
}

/// Every CRLF-terminated line of `head` with `prefix` in front and LF at the end, as curl's
/// verbose output shows a head ("> GET / HTTP/1.1", ..., "> ").
inline std::string prefix_lines(std::string_view head, std::string_view prefix) {
  std::string out;
  while (!head.empty()) {
    auto end = head.find("\r\n");
    if (end == std::string_view::npos)
      end = head.size();
    out.append(prefix).append(head.substr(0, end)).append("\n");
    head.remove_prefix(std::min(head.size(), end + 2));
  }
  return out;
}

} // namespace xfer_get
