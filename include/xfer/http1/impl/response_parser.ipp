// xfer/http1/impl/response_parser.ipp - the non-template parts of the HTTP/1.1 response parser.
#pragma once

#include <xfer/headers.hpp>
#include <xfer/http1/response_parser.hpp>

namespace xfer::http1 {
namespace detail {

// Bytes of a line without its terminator (LF, or CRLF). A trailing CR alone
// is left out too: it may be the first half of a CRLF still to come.
constexpr std::size_t http1_content_size(std::string_view s) noexcept {
  std::size_t n = s.size();
  if (n > 0 && s[n - 1] == '\n')
    --n;
  if (n > 0 && s[n - 1] == '\r')
    --n;
  return n;
}

// A complete line without its terminator (the line ends in LF).
constexpr std::string_view http1_strip_terminator(std::string_view line) noexcept {
  line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  return line;
}

constexpr bool http1_is_ows(char c) noexcept {
  return c == ' ' || c == '\t';
}

constexpr std::string_view http1_trim(std::string_view s) noexcept {
  while (!s.empty() && http1_is_ows(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && http1_is_ows(s.back()))
    s.remove_suffix(1);
  return s;
}

constexpr bool http1_all_text(std::string_view s) noexcept {
  for (char c : s)
    if (!http1_is(c, http1_text))
      return false;
  return true;
}

// Calls f(element) for each OWS-trimmed element of a comma-separated list,
// empty elements included; stops at the first non-empty error f returns.
template <class F>
constexpr error http1_for_each_element(std::string_view list, F f) {
  for (;;) {
    const std::size_t comma = list.find(',');
    if (const error e = f(http1_trim(list.substr(0, comma))); e != error{})
      return e;
    if (comma == std::string_view::npos)
      return {};
    list.remove_prefix(comma + 1);
  }
}

} // namespace detail

XFER_DECL void response_parser::reset(bool no_body) noexcept {
  fold_.clear();
  scan_ = 0;
  remaining_ = 0;
  content_length_ = 0;
  header_count_ = 0;
  header_bytes_ = 0;
  interim_count_ = 0;
  status_ = 0;
  version_minor_ = 0;
  error_ = {};
  state_ = state::status_line;
  no_body_ = no_body;
  interim_ = false;
  started_ = false;
  headers_done_ = false;
  paused_ = false;
  chunked_ = false;
  has_content_length_ = false;
  has_transfer_encoding_ = false;
  close_delimited_ = false;
  connection_close_ = false;
  connection_keep_alive_ = false;
}

XFER_DECL bool response_parser::keep_alive() const noexcept {
  if (state_ != state::complete || close_delimited_ || connection_close_)
    return false;
  if (has_transfer_encoding_ && has_content_length_)
    return false;
  if (version_minor_ == 0)
    return connection_keep_alive_ && !has_transfer_encoding_;
  return true;
}

XFER_DECL error response_parser::limit_error(std::string_view seen, std::size_t max_line,
                                             error line_error, std::size_t used,
                                             std::size_t max_bytes) noexcept {
  // Each limit is crossed at one prefix length of the line; report the
  // shorter, which is what a byte-at-a-time feed meets first. A prefix's size
  // leaves out its terminator (at most two bytes), hence at most 3 tries.
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::size_t line_at = none;
  if (seen.size() > max_line) {
    for (std::size_t p = max_line + 1; p <= seen.size() && p - max_line <= 3; ++p) {
      if (detail::http1_content_size(seen.substr(0, p)) > max_line) {
        line_at = p;
        break;
      }
    }
  }
  std::size_t bytes_at = none;
  if (seen.size() > max_bytes - used) // used <= max_bytes always holds
    bytes_at = max_bytes - used + 1;
  if (line_at != none && line_at <= bytes_at)
    return line_error;
  if (bytes_at != none)
    return error::header_block_too_large;
  return {};
}

XFER_DECL std::size_t response_parser::find_line(std::string_view rest, std::size_t max_line,
                                                 error line_error, error& err) noexcept {
  constexpr std::size_t no_limit = static_cast<std::size_t>(-1);
  const std::size_t from = scan_ < rest.size() ? scan_ : rest.size();
  const void* lf =
      from < rest.size() ? std::memchr(rest.data() + from, '\n', rest.size() - from) : nullptr;
  if (lf == nullptr) {
    scan_ = rest.size();
    err = limit_error(rest, max_line, line_error, 0, no_limit);
    return 0;
  }
  const std::size_t n = static_cast<std::size_t>(static_cast<const char*>(lf) - rest.data()) + 1;
  scan_ = 0;
  err = limit_error(rest.substr(0, n), max_line, line_error, 0, no_limit);
  return n;
}

XFER_DECL std::size_t response_parser::find_field(std::string_view rest, error& err) noexcept {
  std::size_t n = 0;
  if (rest[0] == '\n') {
    n = 1; // empty line, bare LF
  } else if (rest[0] == '\r' && rest.size() == 1) {
    n = 0; // maybe the empty line
  } else if (rest[0] == '\r' && rest[1] == '\n') {
    n = 2; // empty line
  } else if (detail::http1_is_ows(rest[0])) {
    // Whitespace-preceded line with no field before it in this section: a
    // field line's own continuations are consumed together with it.
    err = error::bad_obs_fold;
    return 0;
  } else {
    // A field line ends at a LF not followed by SP/HTAB (obs-fold), so its
    // end is known only once the next line's first byte is here.
    std::size_t from = scan_ < rest.size() ? scan_ : rest.size();
    for (;;) {
      const void* lf =
          from < rest.size() ? std::memchr(rest.data() + from, '\n', rest.size() - from) : nullptr;
      if (lf == nullptr) {
        scan_ = rest.size();
        break;
      }
      const std::size_t end = static_cast<std::size_t>(static_cast<const char*>(lf) - rest.data());
      if (end + 1 == rest.size()) {
        scan_ = end;
        break;
      }
      if (!detail::http1_is_ows(rest[end + 1])) {
        n = end + 1;
        break;
      }
      from = end + 1;
    }
  }
  if (n != 0)
    scan_ = 0;
  err = limit_error(n != 0 ? rest.substr(0, n) : rest, limits_.max_header_line,
                    error::header_line_too_long, header_bytes_, limits_.max_header_bytes);
  return n;
}

XFER_DECL error response_parser::take_status_line(std::string_view line,
                                                  std::string_view& reason) noexcept {
  const std::string_view s = detail::http1_strip_terminator(line);
  if (s.size() < 5 || s.substr(0, 5) != "HTTP/")
    return error::bad_status_line;
  const std::size_t sp = s.find(' ', 5);
  const std::string_view version =
      s.substr(5, sp == std::string_view::npos ? std::string_view::npos : sp - 5);
  int minor = 0;
  if (version == "1.1")
    minor = 1;
  else if (version != "1.0")
    return error::bad_version;
  if (sp == std::string_view::npos)
    return error::bad_status_line;
  const std::string_view code = s.substr(sp + 1);
  if (code.size() < 3 || !(code[0] >= '1' && code[0] <= '9') ||
      !(code[1] >= '0' && code[1] <= '9') || !(code[2] >= '0' && code[2] <= '9'))
    return error::bad_status_code;
  if (code.size() > 3 && code[3] != ' ')
    return error::bad_status_code;
  reason = code.size() > 3 ? code.substr(4) : std::string_view{};
  if (!detail::http1_all_text(reason))
    return error::bad_status_line;
  const int status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  if (status == 101)
    return error::unexpected_upgrade;
  if (status < 200) {
    if (++interim_count_ > limits_.max_interim_responses)
      return error::too_many_interim_responses;
    interim_ = true;
  } else {
    interim_ = false;
    status_ = status;
    version_minor_ = minor;
  }
  header_count_ = 0;
  header_bytes_ = 0;
  state_ = state::field_line;
  return {};
}

XFER_DECL error response_parser::take_field(std::string_view unit, std::string_view& name,
                                            std::string_view& value) {
  if (++header_count_ > limits_.max_header_count)
    return error::too_many_headers;
  header_bytes_ += unit.size();
  std::size_t first_end = unit.find('\n');
  const std::string_view line = detail::http1_strip_terminator(unit.substr(0, first_end + 1));
  std::size_t i = 0;
  while (i < line.size() && detail::http1_is(line[i], detail::http1_tchar))
    ++i;
  if (i == 0 || i == line.size() || line[i] != ':')
    return error::bad_header_name;
  name = line.substr(0, i);
  const std::string_view first = line.substr(i + 1);
  if (!detail::http1_all_text(first))
    return error::bad_header_value;
  value = detail::http1_trim(first);
  if (first_end + 1 < unit.size()) {
    // obs-fold: each `OWS CRLF RWS` becomes one SP (RFC 9112 §5.2).
    fold_.assign(value);
    std::size_t start = first_end + 1;
    while (start < unit.size()) {
      const std::size_t end = unit.find('\n', start);
      const std::string_view more =
          detail::http1_strip_terminator(unit.substr(start, end + 1 - start));
      if (!detail::http1_all_text(more))
        return error::bad_header_value;
      const std::string_view piece = detail::http1_trim(more);
      if (!piece.empty()) {
        if (!fold_.empty())
          fold_.push_back(' ');
        fold_.append(piece);
      }
      start = end + 1;
    }
    value = fold_;
  }
  if (state_ == state::field_line && !interim_)
    return interpret_field(name, value);
  return {};
}

XFER_DECL error response_parser::interpret_field(std::string_view name,
                                                 std::string_view value) noexcept {
  if (iequals(name, "content-length")) {
    const error e = detail::http1_for_each_element(value, [this](std::string_view element) {
      if (element.empty())
        return error::bad_content_length;
      std::uint64_t n = 0;
      for (char c : element) {
        if (c < '0' || c > '9')
          return error::bad_content_length;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (n > (UINT64_MAX - digit) / 10)
          return error::bad_content_length;
        n = n * 10 + digit;
      }
      if (has_content_length_ && n != content_length_)
        return error::conflicting_content_length;
      has_content_length_ = true;
      content_length_ = n;
      return error{};
    });
    return e;
  }
  if (iequals(name, "transfer-encoding")) {
    bool any = false;
    const error e = detail::http1_for_each_element(value, [this, &any](std::string_view element) {
      if (element.empty())
        return error{}; // empty list elements are ignored (RFC 9110 §5.6.1)
      if (!iequals(element, "chunked") || chunked_)
        return error::bad_transfer_encoding;
      chunked_ = true;
      any = true;
      return error{};
    });
    if (e != error{})
      return e;
    if (!any)
      return error::bad_transfer_encoding;
    has_transfer_encoding_ = true;
    return {};
  }
  if (iequals(name, "connection")) {
    detail::http1_for_each_element(value, [this](std::string_view element) {
      if (iequals(element, "close"))
        connection_close_ = true;
      else if (iequals(element, "keep-alive"))
        connection_keep_alive_ = true;
      return error{};
    });
  }
  return {};
}

XFER_DECL void response_parser::end_header_block() noexcept {
  if (no_body_ || status_ == 204 || status_ == 304) {
    state_ = state::complete;
  } else if (chunked_) {
    state_ = state::chunk_line;
  } else if (has_content_length_) {
    remaining_ = content_length_;
    state_ = remaining_ == 0 ? state::complete : state::body_length;
  } else {
    close_delimited_ = true;
    state_ = state::body_close;
  }
}

XFER_DECL error response_parser::parse_chunk_line(std::string_view line,
                                                  std::uint64_t& size) noexcept {
  const std::string_view s = detail::http1_strip_terminator(line);
  std::size_t i = 0;
  std::uint64_t n = 0;
  while (i < s.size() && detail::http1_is(s[i], detail::http1_hex)) {
    const char c = s[i];
    const int digit = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    n = (n << 4) | static_cast<std::uint64_t>(digit);
    ++i;
  }
  if (i == 0)
    return error::bad_chunk_size;
  if (i > 16)
    return error::chunk_size_too_large;
  // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), RFC 9112 §7.1.1
  const auto skip_bws = [&] {
    while (i < s.size() && detail::http1_is_ows(s[i]))
      ++i;
  };
  bool extended = false;
  while (i < s.size()) {
    skip_bws();
    if (i == s.size() || s[i] != ';')
      return extended ? error::bad_chunk_extension : error::bad_chunk_size;
    extended = true;
    ++i;
    skip_bws();
    const std::size_t name_start = i;
    while (i < s.size() && detail::http1_is(s[i], detail::http1_tchar))
      ++i;
    if (i == name_start)
      return error::bad_chunk_extension;
    const std::size_t name_end = i;
    skip_bws();
    if (i == s.size() || s[i] != '=')
      i = name_end; // BWS is allowed only before '=' or the next ';', never at the end
    if (i < s.size() && s[i] == '=') {
      ++i;
      skip_bws();
      if (i < s.size() && s[i] == '"') {
        ++i;
        for (;;) {
          if (i == s.size())
            return error::bad_chunk_extension;
          const char c = s[i++];
          if (c == '"')
            break;
          if (c == '\\') {
            if (i == s.size() || !detail::http1_is(s[i], detail::http1_text))
              return error::bad_chunk_extension;
            ++i;
          } else if (!detail::http1_is(c, detail::http1_text)) {
            return error::bad_chunk_extension;
          }
        }
      } else {
        const std::size_t value_start = i;
        while (i < s.size() && detail::http1_is(s[i], detail::http1_tchar))
          ++i;
        if (i == value_start)
          return error::bad_chunk_extension;
      }
    }
    if (i < s.size() && s[i] != ';' && !detail::http1_is_ows(s[i]))
      return error::bad_chunk_extension;
  }
  size = n;
  return {};
}

} // namespace xfer::http1
