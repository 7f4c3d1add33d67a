// xfer/http1/impl/response_parser.ipp - the non-template parts of the HTTP/1.1 response parser.
#pragma once

#include <xfer/headers.hpp>
#include <xfer/http1/response_parser.hpp>

#include <bit>

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

// 8 bytes from p, in the machine's byte order (memcpy: no alignment needed).
inline std::uint64_t http1_load8(const char* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// Whether `s` equals `lower` ignoring ASCII case. `lower` holds only
// lowercase letters and '-'; `s` must hold no CR (field names and values
// never do): setting bit 0x20 maps nothing else but 'A'-'Z' and CR onto
// those. Compares 8 bytes at a time (the last 8 overlapping) when it can.
template <std::size_t N>
inline bool http1_iequals_lower(std::string_view s, const char (&lower)[N]) noexcept {
  constexpr std::size_t n = N - 1;
  if (s.size() != n)
    return false;
  if constexpr (n < 8) {
    for (std::size_t i = 0; i < n; ++i)
      if ((s[i] | 0x20) != lower[i])
        return false;
  } else {
    constexpr std::uint64_t case_bits = 0x2020202020202020u;
    for (std::size_t i = 0; i < n; i += 8) {
      const std::size_t at = i + 8 <= n ? i : n - 8;
      if ((http1_load8(s.data() + at) | case_bits) != http1_load8(lower + at))
        return false;
    }
  }
  return true;
}

// SWAR (SIMD within a register), portable C++: 8 bytes tested at once in a
// uint64_t. Each test adds to the low 7 bits of every byte, so no sum carries
// into the next byte and the result is exact for every byte.
inline constexpr std::uint64_t http1_ones = 0x0101010101010101u;
inline constexpr std::uint64_t http1_highs = http1_ones * 0x80;

// How many bytes, from the first, a run takes of 8 whose `flags` have the
// high bit set in each byte that ends the run: 8 when none does. On
// big-endian machines, 0 as soon as one does: the byte loop takes over.
inline unsigned http1_run_length(std::uint64_t flags) noexcept {
  if constexpr (std::endian::native == std::endian::little)
    return static_cast<unsigned>(std::countr_zero(flags)) / 8; // countr_zero(0) is 64
  else
    return flags == 0 ? 8 : 0;
}

// The run of ASCII letters and '-' (all most field names hold) at `p`. With
// m the low 7 bits of a byte OR 0x20 (letters lowercased), m + (0x80 - 'a')
// has the high bit set iff m >= 'a', m + (0x7f - 'z') iff m > 'z'; with x
// the low 7 bits XOR '-', x + 0x7f iff x != 0. Non-ASCII bytes end the run.
inline unsigned http1_name_run(const char* p) noexcept {
  constexpr std::uint64_t ones = http1_ones, highs = http1_highs;
  const std::uint64_t w = http1_load8(p);
  const std::uint64_t m = (w | ones * 0x20) & ~highs;
  const std::uint64_t letter = (m + ones * (0x80 - 'a')) & ~(m + ones * (0x7f - 'z'));
  const std::uint64_t not_dash = ((w & ~highs) ^ ones * '-') + ones * 0x7f;
  return http1_run_length((w | (~letter & not_dash)) & highs);
}

// The run of field-value text at `p`: no control byte, no DEL; HTAB ends it
// too, though text (the byte loop goes on past it). With m the low 7 bits of
// a byte, m + 0x60 has the high bit set iff m >= SP, m + 1 iff m is DEL.
// Non-ASCII bytes (obs-text) are text.
inline unsigned http1_text_run(const char* p) noexcept {
  constexpr std::uint64_t ones = http1_ones, highs = http1_highs;
  const std::uint64_t w = http1_load8(p);
  const std::uint64_t m = w & ~highs;
  return http1_run_length((~(m + ones * 0x60) | (m + ones)) & ~w & highs);
}

constexpr bool http1_all_text(std::string_view s) noexcept {
  for (char c : s)
    if (!http1_is(c, http1_text))
      return false;
  return true;
}

// Parses DIGIT+ into n; false when s is empty, holds anything else or
// overflows 64 bits.
constexpr bool http1_parse_decimal(std::string_view s, std::uint64_t& n) noexcept {
  if (s.empty())
    return false;
  n = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (n > (UINT64_MAX - digit) / 10)
      return false;
    n = n * 10 + digit;
  }
  return true;
}

// Calls f(element) for each OWS-trimmed element of a comma-separated list,
// empty elements included; stops at the first non-empty error f returns.
template <class F>
constexpr error http1_for_each_element(std::string_view list, F f) {
  for (;;) {
    std::size_t comma = 0; // a loop, not find(): the lists are short, a memchr call is not
    while (comma < list.size() && list[comma] != ',')
      ++comma;
    if (const error e = f(http1_trim(list.substr(0, comma))); e != error{})
      return e;
    if (comma == list.size())
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
  // limit_error finds nothing within the limit; spare the call.
  err = n > max_line ? limit_error(rest.substr(0, n), max_line, line_error, 0, no_limit) : error{};
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
  // limit_error finds nothing within both limits; spare the call.
  const std::size_t seen = n != 0 ? n : rest.size();
  if (seen > limits_.max_header_line || seen > limits_.max_header_bytes - header_bytes_)
      [[unlikely]]
    err = limit_error(rest.substr(0, seen), limits_.max_header_line, error::header_line_too_long,
                      header_bytes_, limits_.max_header_bytes);
  else
    err = {};
  return n;
}

XFER_DECL std::size_t response_parser::scan_simple_fields(std::string_view rest,
                                                          simple_field* out) const noexcept {
  using detail::http1_is;
  const char* p = rest.data();
  const char* const end = p + rest.size();
  std::size_t used = header_bytes_;
  std::size_t count = 0;
  while (count < simple_field_batch) {
    const char* const begin = p;
    // The name: 8 bytes at a time while letters and '-', then byte by byte.
    while (end - p >= 8) {
      const unsigned run = detail::http1_name_run(p);
      p += run;
      if (run != 8)
        break;
    }
    if (p == end || *p != ':') // a byte the run does not take, or the end
      while (p != end && http1_is(*p, detail::http1_tchar))
        ++p;
    if (p == begin || p == end || *p != ':')
      return count;
    const char* const colon = p++;
    while (p != end && detail::http1_is_ows(*p))
      ++p;
    const char* const value_begin = p;
    // The value runs to the first byte that is not text: CR or LF if valid.
    // Eight bytes at a time while the buffer has them, then byte by byte.
    while (end - p >= 8) {
      const unsigned run = detail::http1_text_run(p);
      p += run;
      if (run != 8)
        break;
    }
    while (p != end && http1_is(*p, detail::http1_text))
      ++p;
    if (p == end)
      return count;
    const char* value_end = p;
    if (*p == '\r' && p + 1 != end && p[1] == '\n')
      ++p;
    if (*p != '\n')
      return count; // a bare CR or a control byte: an error, reported by take_field
    ++p;
    // Whether the field goes on (obs-fold) is known from the next line's first byte.
    if (p == end || detail::http1_is_ows(*p))
      return count;
    const auto size = static_cast<std::size_t>(p - begin);
    if (size > limits_.max_header_line || size > limits_.max_header_bytes - used) [[unlikely]]
      return count; // maybe over a limit: find_field tells which
    used += size;
    while (value_end != value_begin && detail::http1_is_ows(value_end[-1]))
      --value_end;
    out[count++] = {size, begin, static_cast<std::size_t>(colon - begin), value_begin,
                    static_cast<std::size_t>(value_end - value_begin)};
  }
  return count;
}

XFER_DECL error response_parser::take_status_line(std::string_view line,
                                                  std::string_view& reason) noexcept {
  const std::string_view s = detail::http1_strip_terminator(line);
  if (s.size() < 5 || std::memcmp(s.data(), "HTTP/", 5) != 0)
    return error::bad_status_line;
  std::size_t sp = 5; // the first SP after "HTTP/", or s.size()
  while (sp < s.size() && s[sp] != ' ')
    ++sp;
  const std::string_view version(s.data() + 5, sp - 5);
  int minor = 0;
  if (version == "1.1")
    minor = 1;
  else if (version != "1.0")
    return error::bad_version;
  if (sp == s.size())
    return error::bad_status_line;
  const std::string_view code(s.data() + sp + 1, s.size() - sp - 1);
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
    interim_status_ = status;
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
  if (state_ == state::field_line && !interim_ && interpreted_name_size(name.size()))
    return interpret_field(name, value);
  return {};
}

XFER_DECL error response_parser::interpret_field(std::string_view name,
                                                 std::string_view value) noexcept {
  if (detail::http1_iequals_lower(name, "content-length")) {
    const auto take = [this](std::uint64_t n) {
      if (has_content_length_ && n != content_length_)
        return error::conflicting_content_length;
      has_content_length_ = true;
      content_length_ = n;
      return error{};
    };
    // The usual value, one number, is the list's only element.
    if (std::uint64_t n = 0; detail::http1_parse_decimal(value, n))
      return take(n);
    return detail::http1_for_each_element(value, [&take](std::string_view element) {
      std::uint64_t n = 0;
      return detail::http1_parse_decimal(element, n) ? take(n) : error::bad_content_length;
    });
  }
  if (detail::http1_iequals_lower(name, "transfer-encoding")) {
    bool any = false;
    const error e = detail::http1_for_each_element(value, [this, &any](std::string_view element) {
      if (element.empty())
        return error{}; // empty list elements are ignored (RFC 9110 §5.6.1)
      if (!detail::http1_iequals_lower(element, "chunked") || chunked_)
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
  if (detail::http1_iequals_lower(name, "connection")) {
    // The usual one-element values first, as the list loop would take them.
    if (detail::http1_iequals_lower(value, "keep-alive")) {
      connection_keep_alive_ = true;
      return {};
    }
    if (detail::http1_iequals_lower(value, "close")) {
      connection_close_ = true;
      return {};
    }
    detail::http1_for_each_element(value, [this](std::string_view element) {
      if (detail::http1_iequals_lower(element, "close"))
        connection_close_ = true;
      else if (detail::http1_iequals_lower(element, "keep-alive"))
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
