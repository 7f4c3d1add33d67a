// A request the scripted server recorded, taken apart: method, target, header fields and body.
#pragma once

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xfer::test {

/// One HTTP/1.1 request as received (see scripted_server::requests()). A chunked body is
/// de-chunked into body; `chunked` says it was.
struct recorded_request {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
  bool chunked = false;

  /// Parses `raw`: a head up to CRLFCRLF, then the body bytes as received.
  static recorded_request parse(std::string_view raw) {
    recorded_request r;
    const std::size_t head_end = raw.find("\r\n\r\n");
    const std::string_view head = raw.substr(0, head_end == std::string_view::npos ? raw.size() : head_end + 2);
    const std::size_t line_end = head.find("\r\n");
    const std::string_view request_line = head.substr(0, line_end);
    const std::size_t sp1 = request_line.find(' ');
    const std::size_t sp2 = request_line.rfind(' ');
    r.method = std::string(request_line.substr(0, sp1));
    if (sp1 != std::string_view::npos && sp2 > sp1)
      r.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
    std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      const std::size_t end = head.find("\r\n", pos);
      const std::string_view line = head.substr(pos, end - pos);
      pos = end == std::string_view::npos ? head.size() : end + 2;
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos)
        continue;
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      r.fields.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    const std::string_view body = head_end == std::string_view::npos ? std::string_view() : raw.substr(head_end + 4);
    const auto te = r.field("Transfer-Encoding");
    r.chunked = te && te->find("chunked") != std::string::npos;
    r.body = r.chunked ? dechunk(body) : std::string(body);
    return r;
  }

  /// The first field named `name` (case-insensitive), if any.
  std::optional<std::string> field(std::string_view name) const {
    for (const auto& [n, v] : fields)
      if (iequals(n, name))
        return v;
    return std::nullopt;
  }
  bool has(std::string_view name) const { return field(name).has_value(); }
  /// How many fields are named `name`.
  std::size_t count(std::string_view name) const {
    std::size_t n = 0;
    for (const auto& f : fields)
      n += iequals(f.first, name) ? 1 : 0;
    return n;
  }

private:
  static bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
      return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
      if (lower(a[i]) != lower(b[i]))
        return false;
    }
    return true;
  }

  static std::string dechunk(std::string_view in) {
    std::string out;
    std::size_t pos = 0;
    while (pos < in.size()) {
      const std::size_t eol = in.find("\r\n", pos);
      if (eol == std::string_view::npos)
        break;
      std::size_t size = 0;
      std::from_chars(in.data() + pos, in.data() + eol, size, 16);
      pos = eol + 2;
      if (size == 0 || pos + size > in.size())
        break;
      out.append(in.substr(pos, size));
      pos += size + 2;
    }
    return out;
  }
};

} // namespace xfer::test
