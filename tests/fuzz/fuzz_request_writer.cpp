// tests/fuzz/fuzz_request_writer.cpp - the request head writer: no header injection is possible.
//
// Input (each string is one length byte then that many bytes):
//   flags: bits 0-1 framing (0, 3 none; 1 content_length; 2 chunked), bit 2 close_connection,
//          bit 3 no field list (fields = nullptr), bit 4 `out` already holds bytes
//   8 bytes: content_length (little endian), also the size given to write_chunk_header()
//   method, target, host, user_agent, then name/value pairs until the input ends
//
// Invariants: the head is written exactly when every part is valid (method and field names are
// tokens, the target has no control or space, values hold no CR, LF or NUL), and then:
// - it ends with the only "\r\n\r\n" of the head; every CR is followed by LF and every LF follows
//   a CR; no NUL; so no value can start a line of its own (no header injection);
// - its request line is `method SP target SP HTTP/1.1`, every other line is `token ":" ...`;
// - Content-Length, Transfer-Encoding and Connection appear only as the framing options say;
// - it is exactly what the documented rules give (model below);
// on error `out` is unchanged. write_chunk_header() writes lower-case hex and CRLF.
#include <xfer/headers.hpp>
#include <xfer/http1/request_writer.hpp>

#include "fuzz_common.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace {

using namespace xfer::http1;

bool is_tchar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
bool is_token(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (!is_tchar(c))
      return false;
  return true;
}
bool is_value(std::string_view s) {
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0')
      return false;
  return true;
}
bool is_target(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f)
      return false;
  }
  return true;
}
bool is_blank(std::string_view s) { return s.find_first_not_of(" \t") == std::string_view::npos; }

std::string field_line(std::string_view name, std::string_view value) {
  std::string s(name);
  s += value.empty() ? ":" : ": ";
  s.append(value);
  s += "\r\n";
  return s;
}

// The head as the documented rules build it.
std::string model(const request_head& h, const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string s(h.method);
  s += " ";
  s.append(h.target);
  s += " HTTP/1.1\r\n";
  const auto replace_default = [&](std::string_view name, std::string_view value, bool send_default) {
    bool found = false;
    for (const auto& [n, v] : fields) {
      if (!xfer::iequals(n, name))
        continue;
      found = true;
      if (!is_blank(v))
        s += field_line(n, v);
    }
    if (!found && send_default)
      s += field_line(name, value);
  };
  replace_default("Host", h.host, true);
  replace_default("User-Agent", h.user_agent, !h.user_agent.empty());
  replace_default("Accept", "*/*", true);
  for (const auto& [n, v] : fields) {
    if (is_blank(v))
      continue;
    bool owned = false;
    for (std::string_view special :
         {"Host", "User-Agent", "Accept", "Content-Length", "Transfer-Encoding", "Connection"})
      owned = owned || xfer::iequals(n, special);
    if (!owned)
      s += field_line(n, v);
  }
  if (h.framing == body_framing::content_length)
    s += "Content-Length: " + std::to_string(h.content_length) + "\r\n";
  else if (h.framing == body_framing::chunked)
    s += "Transfer-Encoding: chunked\r\n";
  if (h.close_connection)
    s += "Connection: close\r\n";
  s += "\r\n";
  return s;
}

void check_structure(std::string_view head, const request_head& h) {
  XFER_FUZZ_CHECK(head.size() >= 4 && head.substr(head.size() - 4) == "\r\n\r\n");
  XFER_FUZZ_CHECK(head.find("\r\n\r\n") == head.size() - 4);
  XFER_FUZZ_CHECK(head.find('\0') == std::string_view::npos);
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\r')
      XFER_FUZZ_CHECK(i + 1 < head.size() && head[i + 1] == '\n');
    if (head[i] == '\n')
      XFER_FUZZ_CHECK(i > 0 && head[i - 1] == '\r');
  }
  // Request line, then field lines, each `token ":"`.
  std::size_t pos = head.find("\r\n");
  const std::string_view request_line = head.substr(0, pos);
  std::string expected_line(h.method);
  expected_line += " ";
  expected_line.append(h.target);
  expected_line += " HTTP/1.1";
  XFER_FUZZ_CHECK(request_line == expected_line);
  pos += 2;
  int content_length = 0, transfer_encoding = 0, connection = 0;
  while (pos < head.size() - 2) {
    const std::size_t end = head.find("\r\n", pos);
    const std::string_view line = head.substr(pos, end - pos);
    const std::size_t colon = line.find(':');
    XFER_FUZZ_CHECK(colon != std::string_view::npos && is_token(line.substr(0, colon)));
    const std::string_view name = line.substr(0, colon);
    content_length += xfer::iequals(name, "Content-Length");
    transfer_encoding += xfer::iequals(name, "Transfer-Encoding");
    connection += xfer::iequals(name, "Connection");
    pos = end + 2;
  }
  XFER_FUZZ_CHECK(content_length == (h.framing == body_framing::content_length ? 1 : 0));
  XFER_FUZZ_CHECK(transfer_encoding == (h.framing == body_framing::chunked ? 1 : 0));
  XFER_FUZZ_CHECK(connection == (h.close_connection ? 1 : 0));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  xfer_fuzz::reader in{std::string_view(reinterpret_cast<const char*>(data), size)};
  const std::uint8_t flags = in.byte();
  std::uint64_t number = 0;
  for (int i = 0; i < 8; ++i)
    number |= static_cast<std::uint64_t>(in.byte()) << (8 * i);

  request_head h;
  switch (flags & 3) {
  case 1: h.framing = body_framing::content_length; break;
  case 2: h.framing = body_framing::chunked; break;
  default: h.framing = body_framing::none; break;
  }
  h.close_connection = (flags & 4) != 0;
  h.content_length = number;
  h.method = in.bytes();
  h.target = in.bytes();
  h.host = in.bytes();
  h.user_agent = in.bytes();
  std::vector<std::pair<std::string, std::string>> fields;
  xfer::headers list;
  while (!in.empty()) {
    const std::string_view name = in.bytes();
    const std::string_view value = in.bytes();
    fields.emplace_back(name, value);
    list.add(name, value);
  }
  // The list gives back what was added.
  XFER_FUZZ_CHECK(list.size() == fields.size());
  for (std::size_t i = 0; i < fields.size(); ++i)
    XFER_FUZZ_CHECK(list.at(i).name == fields[i].first && list.at(i).value == fields[i].second);
  const bool no_fields = (flags & 8) != 0;
  if (no_fields)
    fields.clear();
  else
    h.fields = &list;

  bool valid = is_token(h.method) && is_target(h.target) && is_value(h.host) && is_value(h.user_agent);
  for (const auto& [n, v] : fields)
    valid = valid && is_token(n) && is_value(v);

  const std::string prefix = (flags & 16) != 0 ? std::string("previous bytes\r\n") : std::string();
  std::string out = prefix;
  std::error_code ec = error::partial_message; // must be overwritten
  write_request_head(out, h, ec);
  if (!valid) {
    XFER_FUZZ_CHECK(ec == error::invalid_method || ec == error::invalid_target ||
                    ec == error::invalid_header_name || ec == error::invalid_header_value);
    XFER_FUZZ_CHECK(out == prefix);
  } else {
    XFER_FUZZ_CHECK(!ec);
    XFER_FUZZ_CHECK(out.compare(0, prefix.size(), prefix) == 0);
    const std::string_view head = std::string_view(out).substr(prefix.size());
    check_structure(head, h);
    XFER_FUZZ_CHECK(head == model(h, fields));
  }

  if (number != 0) {
    const std::size_t chunk = static_cast<std::size_t>(number);
    std::string header = "x";
    write_chunk_header(header, chunk);
    XFER_FUZZ_CHECK(header.size() >= 4 && header[0] == 'x' &&
                    header.substr(header.size() - 2) == "\r\n");
    const std::string_view digits = std::string_view(header).substr(1, header.size() - 3);
    XFER_FUZZ_CHECK(digits.size() <= 16 && (digits.size() == 1 || digits[0] != '0'));
    std::uint64_t back = 0;
    for (char c : digits) {
      XFER_FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
      back = back * 16 + static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    XFER_FUZZ_CHECK(back == chunk);
  }
  return 0;
}
