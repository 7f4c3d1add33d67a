// tests/fuzz/fuzz_response_parser.cpp - the HTTP/1.1 response parser: header and body framing.
//
// Input: [flags] [seed] response bytes...
//   flags bit 0    the request was HEAD (reset(true))
//   flags bit 1    small limits instead of the defaults
//   flags bits 2-3 how the bytes are fed besides whole: 0 whole again (pausing only),
//                  1 one byte at a time, 2 random pieces of 1-4 bytes, 3 random pieces of 1-64
//   flags bit 4    the peer closes after the last byte (put_eof)
//   flags bits 5-6 on_body refuses every (n+1)-th call (0: never) in the split run
//   flags bit 7    keep-alive: after a complete response, reset() and parse the rest as the
//                  next response (at most 8 responses)
//   seed           seeds the random split points (with a hash of the input)
//
// The input is parsed whole as the reference, then again split as the flags say, on the same
// parser (so reset() is exercised too); the event logs, errors and final states must be equal.
// Each run also checks: put() never consumes more than it was given; an accepted body byte is
// never delivered again and always lies in the bytes given; events come in a valid order;
// a stopped put() (not paused, not done, no error) consumes nothing when the same bytes are
// presented again; done() and errors stop consumption; put_eof() completes exactly a
// close-delimited body and otherwise reports no_response / partial_message.
#include <xfer/headers.hpp>
#include <xfer/http1/response_parser.hpp>

#include "fuzz_common.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace {

using xfer::http1::error;
using xfer::http1::response_limits;
using xfer::http1::response_parser;

constexpr int max_responses = 8;

struct options {
  bool no_body = false;
  bool eof = false;
  bool keep_alive = false;
  int refuse_every = 0; // 0: never, else every n-th on_body call is refused (n >= 2)
};

struct recorder {
  std::string log;
  bool in_body = false;
  int refuse_every = 0;
  int body_calls = 0;
  bool last_refused = false;
  bool no_body = false;

  // Where the bytes given to the current put() are: their address, size, stream offset.
  const char* base = nullptr;
  std::size_t base_size = 0;
  std::uint64_t base_offset = 0;
  std::uint64_t body_end = 0; // stream offset just past the last accepted body byte

  // Per response.
  bool got_status = false;
  bool headers_complete = false;
  bool complete = false;
  std::uint64_t body_total = 0;
  int response_minor = 0;
  bool connection_close = false, connection_keep_alive = false;
  bool has_transfer_encoding = false, has_content_length = false;
  const response_parser* parser = nullptr;

  void next_response() {
    end_body();
    log += "next response\n";
    got_status = headers_complete = complete = false;
    body_total = 0;
    connection_close = connection_keep_alive = has_transfer_encoding = has_content_length = false;
  }
  void end_body() {
    if (in_body)
      log += "]\n";
    in_body = false;
  }
  void on_status(int status, int version_minor, std::string_view reason) {
    XFER_FUZZ_CHECK(!got_status);
    XFER_FUZZ_CHECK(status >= 200 && status <= 999);
    XFER_FUZZ_CHECK(version_minor == 0 || version_minor == 1);
    got_status = true;
    response_minor = version_minor;
    end_body();
    log += "status " + std::to_string(status) + " 1." + std::to_string(version_minor) + " [";
    log.append(reason);
    log += "]\n";
  }
  void on_header(std::string_view name, std::string_view value) {
    XFER_FUZZ_CHECK(got_status && !headers_complete);
    XFER_FUZZ_CHECK(!name.empty());
    if (xfer::iequals(name, "connection")) {
      for (std::string_view list = value;;) {
        const std::size_t comma = list.find(',');
        std::string_view element = list.substr(0, comma);
        while (!element.empty() && (element.front() == ' ' || element.front() == '\t'))
          element.remove_prefix(1);
        while (!element.empty() && (element.back() == ' ' || element.back() == '\t'))
          element.remove_suffix(1);
        connection_close = connection_close || xfer::iequals(element, "close");
        connection_keep_alive = connection_keep_alive || xfer::iequals(element, "keep-alive");
        if (comma == std::string_view::npos)
          break;
        list.remove_prefix(comma + 1);
      }
    }
    has_transfer_encoding = has_transfer_encoding || xfer::iequals(name, "transfer-encoding");
    has_content_length = has_content_length || xfer::iequals(name, "content-length");
    end_body();
    log += "header [";
    log.append(name);
    log += "] [";
    log.append(value);
    log += "]\n";
  }
  void on_headers_complete() {
    XFER_FUZZ_CHECK(got_status && !headers_complete);
    headers_complete = true;
    end_body();
    log += "headers complete\n";
  }
  bool on_body(std::string_view data) {
    XFER_FUZZ_CHECK(headers_complete && !complete);
    XFER_FUZZ_CHECK(!no_body);
    XFER_FUZZ_CHECK(!data.empty());
    // The piece lies in the bytes given to put(), after every byte already accepted.
    XFER_FUZZ_CHECK(data.data() >= base && data.data() + data.size() <= base + base_size);
    const std::uint64_t at = base_offset + static_cast<std::uint64_t>(data.data() - base);
    XFER_FUZZ_CHECK(at >= body_end);
    ++body_calls;
    if (refuse_every > 0 && body_calls % refuse_every == 0) {
      last_refused = true;
      return false;
    }
    last_refused = false;
    body_end = at + data.size();
    body_total += data.size();
    if (!in_body)
      log += "body [";
    in_body = true;
    log.append(data);
    return true;
  }
  void on_trailer(std::string_view name, std::string_view value) {
    XFER_FUZZ_CHECK(headers_complete && !complete);
    XFER_FUZZ_CHECK(parser->chunked());
    XFER_FUZZ_CHECK(!name.empty());
    end_body();
    log += "trailer [";
    log.append(name);
    log += "] [";
    log.append(value);
    log += "]\n";
  }
  // Whether the connection may carry another request, as response_parser.hpp documents it.
  bool expected_keep_alive() const {
    if (parser->close_delimited() || connection_close)
      return false;
    if (has_transfer_encoding && has_content_length)
      return false;
    if (response_minor == 0)
      return connection_keep_alive && !has_transfer_encoding;
    return true;
  }

  void on_complete() {
    XFER_FUZZ_CHECK(headers_complete && !complete);
    complete = true;
    XFER_FUZZ_CHECK(parser->chunked() == has_transfer_encoding);
    const int status = parser->status();
    if (no_body || status == 204 || status == 304) {
      XFER_FUZZ_CHECK(body_total == 0);
    } else if (parser->chunked()) {
      XFER_FUZZ_CHECK(!parser->close_delimited());
    } else if (const auto length = parser->content_length()) {
      XFER_FUZZ_CHECK(body_total == *length);
    } else {
      XFER_FUZZ_CHECK(parser->close_delimited());
    }
    end_body();
    log += "complete\n";
  }
};

bool is_response_error(const std::error_code& ec) {
  return ec.category() == xfer::http1::category() && ec.value() >= static_cast<int>(error::bad_status_line) &&
         ec.value() <= static_cast<int>(error::partial_message);
}

std::string describe(const response_parser& p, const recorder& r, const std::error_code& ec,
                     std::string_view leftover) {
  std::string s = r.log;
  s += "error " + (ec ? std::to_string(ec.value()) : std::string("none"));
  s += "\nleftover [";
  s.append(leftover);
  s += "]\nstarted " + std::to_string(p.started()) + " headers_done " +
       std::to_string(p.headers_done()) + " done " + std::to_string(p.done()) + " keep_alive " +
       std::to_string(p.keep_alive()) + " chunked " + std::to_string(p.chunked()) +
       " close_delimited " + std::to_string(p.close_delimited()) + " status " +
       std::to_string(p.status()) + " minor " + std::to_string(p.version_minor()) + " length " +
       (p.content_length() ? std::to_string(*p.content_length()) : std::string("none"));
  return s;
}

// Feeds `input` in pieces of next_piece() bytes as an engine does: unconsumed bytes are kept and
// presented again with the next piece appended; a paused parser is given the same bytes again.
std::string run(response_parser& p, std::string_view input,
                const std::function<std::size_t()>& next_piece, const options& opt) {
  p.reset(opt.no_body);
  recorder r;
  r.refuse_every = opt.refuse_every;
  r.no_body = opt.no_body;
  r.parser = &p;
  std::string pending;
  std::uint64_t pending_offset = 0; // stream offset of pending[0]
  std::size_t fed = 0;
  int responses = 1;
  std::error_code ec;

  // Calls put() on an exact-size copy of `pending`, so that a read past the end is seen.
  const auto put = [&](std::error_code& put_ec) {
    std::unique_ptr<char[]> copy(new char[pending.size() + 1]);
    if (!pending.empty())
      std::memcpy(copy.get(), pending.data(), pending.size());
    r.base = copy.get();
    r.base_size = pending.size();
    r.base_offset = pending_offset;
    r.last_refused = false;
    const std::size_t n = p.put(std::string_view(copy.get(), pending.size()), r, put_ec);
    r.base = nullptr;
    r.base_size = 0;
    XFER_FUZZ_CHECK(n <= pending.size());
    // Every accepted body byte was consumed.
    XFER_FUZZ_CHECK(r.body_end <= pending_offset + n);
    return n;
  };

  // Puts until the parser needs more bytes; true when it stopped for good (error or done).
  const auto pump = [&]() -> bool {
    for (;;) {
      const std::size_t log_size = r.log.size();
      const std::size_t n = put(ec);
      if (!pending.empty())
        XFER_FUZZ_CHECK(p.started());
      pending.erase(0, n);
      pending_offset += n;
      if (ec) {
        XFER_FUZZ_CHECK(is_response_error(ec));
        XFER_FUZZ_CHECK(ec != error::no_response && ec != error::partial_message);
        XFER_FUZZ_CHECK(!p.done() && !p.keep_alive() && !p.paused());
        // A failed parser stays failed.
        std::error_code again;
        const std::size_t log_before = r.log.size();
        XFER_FUZZ_CHECK(put(again) == 0 && again == ec);
        p.put_eof(r, again);
        XFER_FUZZ_CHECK(again == ec && r.log.size() == log_before);
        return true;
      }
      if (p.done()) {
        XFER_FUZZ_CHECK(r.complete && p.headers_done() && !p.paused());
        XFER_FUZZ_CHECK(p.keep_alive() == r.expected_keep_alive());
        // done() stops consumption, put_eof() does nothing.
        std::error_code again;
        const std::size_t log_before = r.log.size();
        XFER_FUZZ_CHECK(put(again) == 0 && !again);
        p.put_eof(r, again);
        XFER_FUZZ_CHECK(!again && p.done() && r.log.size() == log_before);
        if (opt.keep_alive && responses < max_responses) {
          ++responses;
          p.reset(opt.no_body);
          r.next_response();
          continue;
        }
        return true;
      }
      XFER_FUZZ_CHECK(!r.complete && !p.keep_alive());
      if (p.paused()) {
        XFER_FUZZ_CHECK(r.last_refused);
        continue; // present the refused bytes again
      }
      XFER_FUZZ_CHECK(r.log.size() >= log_size);
      // Stopped for more input: the same bytes again change nothing.
      if (!pending.empty()) {
        const std::string before = r.log;
        std::error_code again;
        const int calls = r.body_calls;
        XFER_FUZZ_CHECK(put(again) == 0 && !again && r.log == before && r.body_calls == calls);
        XFER_FUZZ_CHECK(!p.done() && !p.paused());
      }
      return false;
    }
  };

  bool stopped = false;
  while (!stopped && fed < input.size()) {
    const std::size_t piece = std::min(next_piece(), input.size() - fed);
    pending.append(input.substr(fed, piece));
    fed += piece;
    stopped = pump();
  }
  if (!stopped && !p.done() && !ec && opt.eof) {
    const bool body_close = p.headers_done() && p.close_delimited();
    const bool started = p.started();
    p.put_eof(r, ec);
    if (body_close) {
      XFER_FUZZ_CHECK(!ec && p.done() && r.complete && !p.keep_alive());
      XFER_FUZZ_CHECK(!r.expected_keep_alive());
    } else {
      XFER_FUZZ_CHECK(ec == (started ? error::partial_message : error::no_response));
      XFER_FUZZ_CHECK(!p.done());
      std::error_code again;
      XFER_FUZZ_CHECK(put(again) == 0 && again == ec);
    }
  }
  r.end_body();
  const std::string leftover =
      p.done() ? pending + std::string(input.substr(fed)) : std::string();
  return describe(p, r, ec, leftover);
}

response_limits small_limits() {
  response_limits l;
  l.max_status_line = 24;
  l.max_header_line = 40;
  l.max_header_count = 4;
  l.max_header_bytes = 120;
  l.max_interim_responses = 2;
  l.max_chunk_line = 12;
  return l;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2)
    return 0;
  const std::uint8_t flags = data[0];
  const std::uint8_t seed = data[1];
  const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);

  options opt;
  opt.no_body = (flags & 1) != 0;
  opt.eof = (flags & 0x10) != 0;
  opt.keep_alive = (flags & 0x80) != 0;
  response_parser p((flags & 2) != 0 ? small_limits() : response_limits{});

  const std::string whole = run(p, input, [&] { return input.size(); }, opt);

  int split = (flags >> 2) & 3;
  if (split == 1 && input.size() > 2048)
    split = 2; // one byte at a time copies the pending bytes at each put: quadratic
  opt.refuse_every = (flags >> 5) & 3;
  if (opt.refuse_every != 0)
    ++opt.refuse_every;
  xfer_fuzz::rng rng(xfer_fuzz::hash(input) ^ (static_cast<std::uint64_t>(seed) << 56));
  std::function<std::size_t()> next_piece;
  switch (split) {
  case 0: next_piece = [&] { return input.size(); }; break;
  case 1: next_piece = [] { return std::size_t{1}; }; break;
  case 2: next_piece = [&] { return rng.piece(4); }; break;
  default: next_piece = [&] { return rng.piece(64); }; break;
  }
  const std::string other = run(p, input, next_piece, opt);
  if (other != whole) {
    std::fprintf(stderr, "whole:\n%s\n---- split %d, refuse every %d:\n%s\n", whole.c_str(), split,
                 opt.refuse_every, other.c_str());
  }
  XFER_FUZZ_CHECK(other == whole);
  return 0;
}
