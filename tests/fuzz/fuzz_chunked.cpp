// tests/fuzz/fuzz_chunked.cpp - chunked transfer coding, against a reference decoder.
//
// Input: a chunked body (chunks, last chunk, trailer section, maybe bytes after it), parsed after
// the fixed head "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" whole and at random
// split points. A small reference decoder written straight from RFC 9112 §7.1 (plus the choices
// response_parser.hpp documents: bare-LF line ends, obs-fold joined with one SP) decodes the same
// bytes; both must agree on the decoded body (also the part delivered before an error or the end
// of the input), the trailers, the error (exact code) or completion, and the bytes consumed.
// The limits are set out of reach: fuzz_response_parser covers them.
#include <xfer/http1/response_parser.hpp>

#include "fuzz_common.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace {

using xfer::http1::error;
using xfer::http1::response_limits;
using xfer::http1::response_parser;

constexpr std::string_view head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

// ---- the reference decoder -------------------------------------------------------------------

enum class outcome { complete, incomplete, failed };

struct decoded {
  outcome status = outcome::incomplete;
  error err{};
  std::string body;
  std::vector<std::pair<std::string, std::string>> trailers;
  std::size_t consumed = 0; // bytes of the chunked body up to its end, when complete
};

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return c - 'A' + 10;
}
// tchar (RFC 9110 §5.6.2).
bool is_tchar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
bool is_ws(char c) { return c == ' ' || c == '\t'; }
// HTAB / SP / VCHAR / obs-text: what a field value, qdtext and quoted-pair may hold.
bool is_text(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
// chunk-ext-name = token; chunk-ext-val = token / quoted-string. Returns {} when `ext` matches;
// bad_chunk_size when it does not even begin like an extension, else bad_chunk_extension.
error check_extensions(std::string_view s) {
  std::size_t i = 0;
  const auto bws = [&] {
    while (i < s.size() && is_ws(s[i]))
      ++i;
  };
  const auto token = [&] {
    const std::size_t start = i;
    while (i < s.size() && is_tchar(s[i]))
      ++i;
    return i > start;
  };
  bool first = true;
  while (i < s.size()) {
    bws();
    if (i == s.size() || s[i] != ';')
      return first ? error::bad_chunk_size : error::bad_chunk_extension;
    first = false;
    ++i;
    bws();
    if (!token())
      return error::bad_chunk_extension;
    std::size_t after_name = i;
    bws();
    if (i < s.size() && s[i] == '=') {
      ++i;
      bws();
      if (i < s.size() && s[i] == '"') {
        ++i;
        for (;;) {
          if (i == s.size())
            return error::bad_chunk_extension;
          const char c = s[i++];
          if (c == '"')
            break;
          if (c == '\\') {
            if (i == s.size() || !is_text(s[i]))
              return error::bad_chunk_extension;
            ++i;
          } else if (!is_text(c)) {
            return error::bad_chunk_extension;
          }
        }
      } else if (!token()) {
        return error::bad_chunk_extension;
      }
    } else if (!(xfer_fuzz::allow_known_bugs() && i == s.size())) {
      i = after_name; // BWS is allowed only before "=" or ";"
    } // else known bug chunk-ext-trailing-bws: the parser accepts "1;a " (not "1;a=b ")
  }
  return {};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ws(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back()))
    s.remove_suffix(1);
  return s;
}

// A line without its LF and the one CR before it.
std::string_view strip(std::string_view line_with_lf) {
  line_with_lf.remove_suffix(1);
  if (!line_with_lf.empty() && line_with_lf.back() == '\r')
    line_with_lf.remove_suffix(1);
  return line_with_lf;
}

decoded reference_decode(std::string_view in) {
  decoded d;
  std::size_t pos = 0;
  const auto fail = [&](error e) {
    d.status = outcome::failed;
    d.err = e;
    return d;
  };
  for (;;) { // chunks
    const std::size_t lf = in.find('\n', pos);
    if (lf == std::string_view::npos)
      return d;
    const std::string_view line = strip(in.substr(pos, lf + 1 - pos));
    std::size_t digits = 0;
    while (digits < line.size() && is_hex(line[digits]))
      ++digits;
    if (digits == 0)
      return fail(error::bad_chunk_size);
    if (digits > 16)
      return fail(error::chunk_size_too_large);
    std::uint64_t size = 0;
    for (std::size_t i = 0; i < digits; ++i)
      size = size * 16 + static_cast<std::uint64_t>(hex_value(line[i]));
    if (const error e = check_extensions(line.substr(digits)); e != error{})
      return fail(e);
    pos = lf + 1;
    if (size == 0)
      break;
    const std::size_t available = in.size() - pos;
    if (available < size) {
      d.body.append(in.substr(pos));
      return d;
    }
    d.body.append(in.substr(pos, static_cast<std::size_t>(size)));
    pos += static_cast<std::size_t>(size);
    if (pos == in.size())
      return d;
    if (in[pos] != '\r')
      return fail(error::bad_chunk_terminator);
    if (pos + 1 == in.size())
      return d;
    if (in[pos + 1] != '\n')
      return fail(error::bad_chunk_terminator);
    pos += 2;
  }
  for (;;) { // trailer section
    if (pos == in.size())
      return d;
    if (in[pos] == '\n' || (in[pos] == '\r' && pos + 1 < in.size() && in[pos + 1] == '\n')) {
      d.status = outcome::complete;
      d.consumed = pos + (in[pos] == '\n' ? 1 : 2);
      return d;
    }
    if (in[pos] == '\r' && pos + 1 == in.size())
      return d; // maybe the empty line
    if (is_ws(in[pos]))
      return fail(error::bad_obs_fold); // a continuation line with no field line before it
    // A field line ends at an LF not followed by SP or HTAB; obs-fold lines continue it.
    std::size_t end = pos;
    for (;;) {
      const std::size_t lf = in.find('\n', end);
      if (lf == std::string_view::npos || lf + 1 == in.size())
        return d; // its end is not known yet
      end = lf + 1;
      if (!is_ws(in[end]))
        break;
    }
    std::vector<std::string_view> lines;
    for (std::size_t start = pos; start < end;) {
      const std::size_t lf = in.find('\n', start);
      lines.push_back(strip(in.substr(start, lf + 1 - start)));
      start = lf + 1;
    }
    const std::string_view first = lines[0];
    std::size_t colon = 0;
    while (colon < first.size() && is_tchar(first[colon]))
      ++colon;
    if (colon == 0 || colon == first.size() || first[colon] != ':')
      return fail(error::bad_header_name);
    std::string value;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::string_view part = i == 0 ? first.substr(colon + 1) : lines[i];
      if (!std::all_of(part.begin(), part.end(), is_text))
        return fail(error::bad_header_value);
      const std::string_view piece = trim(part);
      if (!piece.empty() && !value.empty())
        value.push_back(' '); // each obs-fold becomes one SP
      value.append(piece);
    }
    d.trailers.emplace_back(std::string(first.substr(0, colon)), std::move(value));
    pos = end;
  }
}

// ---- the parser --------------------------------------------------------------------------------

struct collector {
  std::string body;
  std::vector<std::pair<std::string, std::string>> trailers;
  bool headers_complete = false;
  bool complete = false;

  void on_status(int status, int, std::string_view) { XFER_FUZZ_CHECK(status == 200); }
  void on_header(std::string_view name, std::string_view value) {
    XFER_FUZZ_CHECK(name == "Transfer-Encoding" && value == "chunked");
  }
  void on_headers_complete() { headers_complete = true; }
  bool on_body(std::string_view data) {
    XFER_FUZZ_CHECK(headers_complete && !complete && !data.empty());
    body.append(data);
    return true;
  }
  void on_trailer(std::string_view name, std::string_view value) {
    XFER_FUZZ_CHECK(headers_complete && !complete);
    trailers.emplace_back(std::string(name), std::string(value));
  }
  void on_complete() {
    XFER_FUZZ_CHECK(!complete);
    complete = true;
  }
};

struct parsed {
  collector c;
  std::error_code ec;
  bool done = false;
  std::size_t consumed = 0;
};

template <class NextPiece>
parsed parse(response_parser& p, std::string_view input, NextPiece next_piece) {
  parsed r;
  p.reset();
  std::string pending;
  std::size_t fed = 0;
  while (fed < input.size()) {
    const std::size_t piece = std::min(next_piece(), input.size() - fed);
    pending.append(input.substr(fed, piece));
    fed += piece;
    std::unique_ptr<char[]> copy(new char[pending.size()]);
    std::memcpy(copy.get(), pending.data(), pending.size());
    const std::size_t n = p.put(std::string_view(copy.get(), pending.size()), r.c, r.ec);
    XFER_FUZZ_CHECK(n <= pending.size());
    XFER_FUZZ_CHECK(!p.paused());
    pending.erase(0, n);
    r.consumed += n;
    if (r.ec || p.done())
      break;
  }
  r.done = p.done();
  XFER_FUZZ_CHECK(r.done == r.c.complete);
  XFER_FUZZ_CHECK(p.chunked() && !p.close_delimited() && !p.content_length());
  return r;
}

void compare(const decoded& want, const parsed& got) {
  XFER_FUZZ_CHECK(got.c.headers_complete);
  XFER_FUZZ_CHECK(got.c.body == want.body);
  switch (want.status) {
  case outcome::complete:
    XFER_FUZZ_CHECK(!got.ec && got.done);
    XFER_FUZZ_CHECK(got.c.trailers == want.trailers);
    XFER_FUZZ_CHECK(got.consumed == head.size() + want.consumed);
    break;
  case outcome::incomplete:
    XFER_FUZZ_CHECK(!got.ec && !got.done);
    XFER_FUZZ_CHECK(got.c.trailers.size() <= want.trailers.size());
    XFER_FUZZ_CHECK(std::equal(got.c.trailers.begin(), got.c.trailers.end(), want.trailers.begin()));
    break;
  case outcome::failed:
    XFER_FUZZ_CHECK(got.ec == want.err && !got.done);
    XFER_FUZZ_CHECK(got.c.trailers == want.trailers);
    break;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  std::string input(head);
  input.append(body);

  response_limits limits;
  limits.max_status_line = limits.max_header_line = limits.max_header_count =
      limits.max_header_bytes = limits.max_chunk_line = std::numeric_limits<std::size_t>::max() / 4;
  response_parser p(limits);

  const decoded want = reference_decode(body);
  compare(want, parse(p, input, [&] { return input.size(); }));
  xfer_fuzz::rng rng(xfer_fuzz::hash(body));
  compare(want, parse(p, input, [&] { return rng.piece(rng.next() % 2 ? 3 : 32); }));
  return 0;
}
