// xfer/http1/response_parser.hpp - incremental, allocation-free HTTP/1.1 response parser (RFC
// 9112), no I/O.
#pragma once

#include <xfer/detail/config.hpp>
#include <xfer/http1/error.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace xfer::http1 {

/// Hard limits; each exceeded gives its own error. Line lengths exclude the
/// line terminator; an incomplete line already longer than its limit fails at
/// once, without waiting for its end.
struct response_limits {
  /// Bytes of the status line.
  std::size_t max_status_line = std::size_t{8} * 1024;
  /// Bytes of one field line, obs-fold continuation lines included.
  std::size_t max_header_line = std::size_t{64} * 1024;
  /// Fields of one response, trailers included. Each 1xx response is a
  /// response of its own: its fields count against its own budget, not the
  /// final response's.
  std::size_t max_header_count = 256;
  /// Bytes of the field lines, trailer lines and their terminating empty
  /// lines of one response, counted as received (terminators and folds
  /// included, status line excluded). Each 1xx response has its own budget.
  std::size_t max_header_bytes = std::size_t{256} * 1024;
  /// 1xx responses before the final one.
  std::size_t max_interim_responses = 32;
  /// Bytes of a chunk-size line, extensions included.
  std::size_t max_chunk_line = std::size_t{4} * 1024;
};

namespace detail {

// Character classes: token characters (RFC 9110 §5.6.2); HTAB, SP, VCHAR
// and obs-text, allowed in field values and reason phrases; HEXDIG.
inline constexpr unsigned char http1_tchar = 1;
inline constexpr unsigned char http1_text = 2;
inline constexpr unsigned char http1_hex = 4;

struct http1_char_classes {
  unsigned char of[256];
};

constexpr http1_char_classes make_http1_char_classes() noexcept {
  http1_char_classes t{};
  constexpr std::string_view token_marks = "!#$%&'*+-.^_`|~";
  for (int c = 0; c < 256; ++c) {
    const bool digit = c >= '0' && c <= '9';
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    unsigned char k = 0;
    if (digit || alpha ||
        (c < 128 && token_marks.find(static_cast<char>(c)) != std::string_view::npos))
      k |= http1_tchar;
    if (c == '\t' || (c >= 0x20 && c != 0x7f))
      k |= http1_text;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
      k |= http1_hex;
    t.of[c] = k;
  }
  return t;
}

inline constexpr http1_char_classes http1_chars = make_http1_char_classes();

constexpr bool http1_is(char c, unsigned char cls) noexcept {
  return (http1_chars.of[static_cast<unsigned char>(c)] & cls) != 0;
}

} // namespace detail

/// Parses one HTTP/1.1 response after another on a connection, pushing
/// events to a handler. It does no I/O and owns no copy of the input: a line
/// is consumed only once complete, so the caller keeps unconsumed bytes and
/// presents them again. Once warm (after the first obs-folded field, if any),
/// parsing allocates nothing; reset() keeps the internal buffer's capacity.
///
/// Framing follows RFC 9112 strictly, with these choices:
/// - status, field, chunk-size and trailer lines may end in a bare LF
///   (RFC 9112 §2.2 allows recipients to accept it); the CRLF that follows
///   chunk data must be exact, as it is the only check of the chunk size;
/// - obs-fold is replaced by one SP (§5.2), the joined value is delivered;
/// - 1xx responses (except 101, an error) are validated and skipped;
/// - Transfer-Encoding must be exactly one `chunked` coding: other codings
///   cannot be decoded here, so they are refused rather than passed through;
/// - a malformed Content-Length is an error even when Transfer-Encoding
///   makes it irrelevant (it signals a smuggling attempt);
/// - nothing may precede the status line (no leading empty lines).
///
/// Handler, called directly (views valid only during the call):
/// ```
/// void on_status(int status, int version_minor, std::string_view reason); // final only
/// void on_header(std::string_view name, std::string_view value); // final response's fields
/// void on_headers_complete();
/// bool on_body(std::string_view data); // false: not consumed, put() returns, paused()
/// void on_trailer(std::string_view name, std::string_view value);
/// void on_complete();
/// void on_interim(int status); // optional: a 1xx status line was read (its fields are skipped)
/// ```
class response_parser {
public:
  explicit response_parser(response_limits limits = {}) : limits_(limits) { reset(); }

  /// Prepares for the next response on a connection. `no_body` is true for a
  /// HEAD request. The limits stay; buffers keep their capacity.
  XFER_DECL void reset(bool no_body = false) noexcept;

  /// Replaces the limits; they apply from the next reset().
  void set_limits(const response_limits& limits) noexcept { limits_ = limits; }

  /// Feeds bytes. Calls handler events, returns the number of bytes consumed.
  /// Bytes not consumed (an incomplete line, or body bytes refused by
  /// on_body) must be presented again at the start of the next put(), with
  /// more data appended. Stops at the end of the message: bytes after it are
  /// not consumed. On a protocol error sets ec (an http1::error) and the
  /// parser stays failed until reset(): later calls set the same error.
  /// Clears ec otherwise.
  template <class Handler>
  std::size_t put(std::string_view data, Handler& handler, std::error_code& ec);

  /// The peer closed the connection: completes a close-delimited body (calls
  /// on_complete), does nothing once done(), else sets ec:
  /// error::no_response when no byte was given to put() since reset(),
  /// error::partial_message otherwise. Call it once every byte received was
  /// consumed (not while paused with body bytes pending).
  template <class Handler>
  void put_eof(Handler& handler, std::error_code& ec);

  /// Some byte of a response (1xx included) was given to put() since
  /// reset(). Bytes of an incomplete status line count although put() has
  /// not consumed them yet: the server did send something.
  bool started() const noexcept { return started_; }
  /// The final response's header block is complete (on_headers_complete was called).
  bool headers_done() const noexcept { return headers_done_; }
  /// The whole final response is complete (on_complete was called).
  bool done() const noexcept { return state_ == state::complete; }
  /// The last put() stopped because on_body returned false.
  bool paused() const noexcept { return paused_; }
  /// The final status code (valid from on_status), else 0.
  int status() const noexcept { return status_; }
  /// 0 for HTTP/1.0, 1 for HTTP/1.1 (of the final response).
  int version_minor() const noexcept { return version_minor_; }
  /// The final response has `Transfer-Encoding: chunked`.
  bool chunked() const noexcept { return chunked_; }
  /// The final response's Content-Length, unless absent or overridden by
  /// Transfer-Encoding. Reported even when the response has no body (HEAD, 204, 304).
  std::optional<std::uint64_t> content_length() const noexcept {
    if (has_content_length_ && !has_transfer_encoding_)
      return content_length_;
    return std::nullopt;
  }
  /// The body ends at connection close (no Content-Length, no Transfer-Encoding).
  bool close_delimited() const noexcept { return close_delimited_; }
  /// Valid once done() (false before): whether the connection may carry
  /// another request. HTTP/1.1 without "Connection: close", or HTTP/1.0 with
  /// "Connection: keep-alive"; never after a close-delimited body, when both
  /// Transfer-Encoding and Content-Length were present, or after an
  /// HTTP/1.0 response with Transfer-Encoding (RFC 9112 §6.1).
  XFER_DECL bool keep_alive() const noexcept;
  /// The limits given at construction.
  const response_limits& limits() const noexcept { return limits_; }

private:
  enum class state : unsigned char {
    status_line,  // before a status line (final or 1xx)
    field_line,   // in a header block
    body_length,  // Content-Length body, remaining_ bytes left
    body_close,   // close-delimited body
    chunk_line,   // before a chunk-size line
    chunk_data,   // in chunk data, remaining_ bytes left
    chunk_data_end, // before the CRLF after chunk data
    trailer_line, // in the trailer section
    complete,
    failed,
  };

  std::size_t fail(error e, std::size_t consumed, std::error_code& ec) noexcept {
    state_ = state::failed;
    error_ = e;
    ec = e;
    return consumed;
  }

  // Length of the complete line at the start of `rest` (terminator included),
  // or 0 when it is incomplete; sets `err` when a size limit is broken.
  XFER_DECL std::size_t find_line(std::string_view rest, std::size_t max_line, error line_error,
                                  error& err) noexcept;
  // Same for a field line with its obs-fold continuations, or an empty line.
  XFER_DECL std::size_t find_field(std::string_view rest, error& err) noexcept;
  // Which limit the bytes `seen` of a line break, independent of how the
  // input was split: the one a byte-by-byte feed would hit first.
  XFER_DECL static error limit_error(std::string_view seen, std::size_t max_line, error line_error,
                                     std::size_t used, std::size_t max_bytes) noexcept;
  // A field line found by scan_simple_fields: its length (terminator
  // included), its name and its OWS-trimmed value. Plain members: an array
  // of them is not initialised.
  struct simple_field {
    std::size_t size;
    const char* name;
    std::size_t name_size;
    const char* value;
    std::size_t value_size;
  };
  static constexpr std::size_t simple_field_batch = 16;
  // The common case, one pass per line: stores in `out` the field lines at
  // the start of `rest` that take_field would take as they are: complete,
  // a token name, a colon, a value of text, CRLF or LF, then the next line's
  // first byte, not SP or HTAB (no obs-fold), within the line and bytes
  // limits (the lines before counted). Stops at any other line (the empty
  // line, an obs-fold, an error, an incomplete line: find_field and
  // take_field handle it) or after simple_field_batch lines, so that a call
  // costs once per header block, not once per line. Returns how many it
  // stored; changes nothing.
  XFER_DECL std::size_t scan_simple_fields(std::string_view rest, simple_field* out) const noexcept;
  // What take_field does with a valid, unfolded line, in the same order.
  error take_simple_field(const simple_field& f) noexcept {
    if (++header_count_ > limits_.max_header_count) [[unlikely]]
      return error::too_many_headers;
    header_bytes_ += f.size;
    if (state_ == state::field_line && !interim_ && interpreted_name_size(f.name_size))
      return interpret_field({f.name, f.name_size}, {f.value, f.value_size});
    return {};
  }
  // Validates a complete status line and starts the response it begins.
  XFER_DECL error take_status_line(std::string_view line, std::string_view& reason) noexcept;
  // Validates, unfolds and (in the final header block) interprets a field.
  XFER_DECL error take_field(std::string_view unit, std::string_view& name,
                             std::string_view& value);
  // Applies Content-Length, Transfer-Encoding and Connection to the framing.
  XFER_DECL error interpret_field(std::string_view name, std::string_view value) noexcept;
  // Whether a name of this size may be one interpret_field looks at (10, 14
  // or 17 bytes): other fields skip the call and its comparisons.
  static constexpr bool interpreted_name_size(std::size_t size) noexcept {
    return size == 10 || size == 14 || size == 17;
  }
  // Chooses the body framing once the final header block is complete.
  XFER_DECL void end_header_block() noexcept;
  XFER_DECL static error parse_chunk_line(std::string_view line, std::uint64_t& size) noexcept;

  response_limits limits_;
  std::string fold_;     // the joined value of an obs-folded field
  std::size_t scan_ = 0; // bytes of the unconsumed line already searched for its end
  std::uint64_t remaining_ = 0;
  std::uint64_t content_length_ = 0;
  std::size_t header_count_ = 0;
  std::size_t header_bytes_ = 0;
  std::size_t interim_count_ = 0;
  int status_ = 0;
  int version_minor_ = 0;
  error error_{};
  state state_ = state::status_line;
  bool no_body_ = false;
  bool interim_ = false; // the current header block belongs to a 1xx response
  int interim_status_ = 0; // its status code
  bool started_ = false;
  bool headers_done_ = false;
  bool paused_ = false;
  bool chunked_ = false;
  bool has_content_length_ = false;
  bool has_transfer_encoding_ = false;
  bool close_delimited_ = false;
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;
};

template <class Handler>
std::size_t response_parser::put(std::string_view data, Handler& handler, std::error_code& ec) {
  ec.clear();
  if (state_ == state::failed) {
    ec = error_;
    return 0;
  }
  paused_ = false;
  if (!data.empty())
    started_ = true;
  if (scan_ > data.size())
    scan_ = 0; // the caller broke the contract; searching again is safe
  std::size_t pos = 0;
  error err{};
  for (;;) {
    // Not data.substr(pos): pos <= data.size() always holds, and substr's
    // range check costs a call per line where it is not inlined.
    const std::string_view rest(data.data() + pos, data.size() - pos);
    switch (state_) {
    case state::status_line: {
      if (rest.empty())
        return pos;
      // An HTTP/0.9 reply (no status line) is refused at its first bytes.
      if (rest.size() >= 5 ? std::memcmp(rest.data(), "HTTP/", 5) != 0
                           : std::memcmp(rest.data(), "HTTP/", rest.size()) != 0) [[unlikely]]
        return fail(error::bad_status_line, pos, ec);
      const std::size_t n =
          find_line(rest, limits_.max_status_line, error::status_line_too_long, err);
      if (err != error{})
        return fail(err, pos, ec);
      if (n == 0)
        return pos;
      std::string_view reason;
      err = take_status_line(std::string_view(rest.data(), n), reason);
      if (err != error{})
        return fail(err, pos, ec);
      pos += n;
      if (!interim_)
        handler.on_status(status_, version_minor_, reason);
      else if constexpr (requires { handler.on_interim(0); })
        handler.on_interim(interim_status_);
      break;
    }
    case state::field_line:
    case state::trailer_line: {
      if (rest.empty())
        return pos;
      // A line partly searched already (scan_ != 0: it came in pieces) goes
      // the general way, which resumes its search rather than starting over;
      // so does the empty line (CR or LF first).
      if (scan_ == 0 && rest[0] != '\r' && rest[0] != '\n') {
        simple_field fields[simple_field_batch];
        const std::size_t count = scan_simple_fields(rest, fields);
        // Taken and delivered one at a time, as below: a handler sees the
        // parser's state (content_length()...) exactly as the general way leaves it.
        for (std::size_t i = 0; i < count; ++i) {
          const simple_field& f = fields[i];
          err = take_simple_field(f);
          if (err != error{}) [[unlikely]]
            return fail(err, pos, ec);
          pos += f.size;
          if (state_ == state::trailer_line)
            handler.on_trailer({f.name, f.name_size}, {f.value, f.value_size});
          else if (!interim_)
            handler.on_header({f.name, f.name_size}, {f.value, f.value_size});
        }
        if (count != 0) [[likely]]
          break;
      }
      const std::size_t n = find_field(rest, err);
      if (err != error{})
        return fail(err, pos, ec);
      if (n == 0)
        return pos;
      const std::string_view unit(rest.data(), n);
      if (unit[0] == '\n' || (n == 2 && unit[0] == '\r')) { // the empty line ending the section
        pos += n;
        header_bytes_ += n;
        if (state_ == state::trailer_line) {
          state_ = state::complete;
          handler.on_complete();
          return pos;
        }
        if (interim_) {
          state_ = state::status_line;
          break;
        }
        end_header_block();
        headers_done_ = true;
        handler.on_headers_complete();
        if (state_ == state::complete) {
          handler.on_complete();
          return pos;
        }
        break;
      }
      std::string_view name, value;
      err = take_field(unit, name, value);
      if (err != error{})
        return fail(err, pos, ec);
      pos += n;
      if (state_ == state::trailer_line)
        handler.on_trailer(name, value);
      else if (!interim_)
        handler.on_header(name, value);
      break;
    }
    case state::body_length:
    case state::chunk_data: {
      if (rest.empty())
        return pos;
      const std::size_t n =
          remaining_ < rest.size() ? static_cast<std::size_t>(remaining_) : rest.size();
      if (!handler.on_body(std::string_view(rest.data(), n))) {
        paused_ = true;
        return pos;
      }
      pos += n;
      remaining_ -= n;
      if (remaining_ == 0) {
        if (state_ == state::chunk_data) {
          state_ = state::chunk_data_end;
        } else {
          state_ = state::complete;
          handler.on_complete();
          return pos;
        }
      }
      break;
    }
    case state::body_close: {
      if (rest.empty())
        return pos;
      if (!handler.on_body(rest)) {
        paused_ = true;
        return pos;
      }
      return data.size();
    }
    case state::chunk_line: {
      if (rest.empty())
        return pos;
      const std::size_t n =
          find_line(rest, limits_.max_chunk_line, error::chunk_line_too_long, err);
      if (err != error{})
        return fail(err, pos, ec);
      if (n == 0)
        return pos;
      std::uint64_t size = 0;
      err = parse_chunk_line(std::string_view(rest.data(), n), size);
      if (err != error{})
        return fail(err, pos, ec);
      pos += n;
      if (size == 0) {
        state_ = state::trailer_line;
      } else {
        remaining_ = size;
        state_ = state::chunk_data;
      }
      break;
    }
    case state::chunk_data_end: {
      if (rest.empty())
        return pos;
      if (rest[0] != '\r' || (rest.size() > 1 && rest[1] != '\n'))
        return fail(error::bad_chunk_terminator, pos, ec);
      if (rest.size() < 2)
        return pos;
      pos += 2;
      state_ = state::chunk_line;
      break;
    }
    case state::complete:
      return pos;
    case state::failed:
      ec = error_;
      return pos;
    }
  }
}

template <class Handler>
void response_parser::put_eof(Handler& handler, std::error_code& ec) {
  ec.clear();
  switch (state_) {
  case state::complete:
    return;
  case state::failed:
    ec = error_;
    return;
  case state::body_close:
    state_ = state::complete;
    handler.on_complete();
    return;
  default:
    fail(started_ ? error::partial_message : error::no_response, 0, ec);
    return;
  }
}

} // namespace xfer::http1

#if defined(XFER_HEADER_ONLY)
#include <xfer/http1/impl/response_parser.ipp>
#endif
