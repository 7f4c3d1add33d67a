// examples/xfer-get/heads.hpp - response and request heads from the library's trace, for -v, -D,
// -I and -w.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace xfer_get {

/// Gathers the response heads of one transfer from its debug trace (debug_kind::header_in
/// pieces: a status line, field lines, an empty line), so that every head can be written, as
/// curl writes them with -D and -I: those of redirects and authentication challenges too.
/// An interim (1xx) response is left out: the trace gives neither its phrase nor its fields.
class head_collector {
public:
  /// Adds one header_in piece; true when it completed a head, which take() then hands over.
  bool add(std::string_view piece) {
    if (piece.ends_with(" (interim)\r\n"))
      return false;
    if (piece.starts_with("HTTP/"))
      head_.clear(); // a head begins (what came before was cut short by a retried request)
    head_.append(piece);
    bytes_ += piece.size();
    return piece == "\r\n";
  }

  std::string take() { return std::exchange(head_, {}); }

  /// Bytes of every head so far (curl's %{size_header}).
  std::uint64_t bytes() const noexcept { return bytes_; }

private:
  std::string head_;
  std::uint64_t bytes_ = 0;
};

/// The method of a traced request head (debug_kind::header_out): its first word.
inline std::string_view request_method(std::string_view head) {
  return head.substr(0, head.find(' '));
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
