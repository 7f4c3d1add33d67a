// xfer/detail/transfer_impl.hpp - the data of one transfer: request, response, options, results.
#pragma once

#include <xfer/auth.hpp>
#include <xfer/callbacks.hpp>
#include <xfer/cookie_jar.hpp>
#include <xfer/connect_options.hpp>
#include <xfer/detail/authenticator.hpp>
#include <xfer/detail/content_decoder.hpp>
#include <xfer/detail/rate_limiter.hpp>
#include <xfer/detail/redirect.hpp>
#include <xfer/detail/ref_counted.hpp>
#include <xfer/error.hpp>
#include <xfer/headers.hpp>
#include <xfer/http1/request_writer.hpp>
#include <xfer/multipart.hpp>
#include <xfer/http1/response_parser.hpp>
#include <xfer/redirect_policy.hpp>
#include <xfer/retry_policy.hpp>
#include <xfer/transfer_info.hpp>
#include <xfer/tls_options.hpp>
#include <xfer/transfer_state.hpp>
#include <xfer/url.hpp>
#include <xfer/version.hpp>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <span>
#include <optional>
#include <string>
#include <utility>

namespace xfer::detail {

class transfer_impl;
class tls_context;

/// The multi-side of a transfer, as the transfer handle sees it.
class engine_link {
public:
  /// Detaches `t` from the engine at once: aborts its I/O, drops its queued message.
  virtual void detach(transfer_impl& t) noexcept = 0;
  /// Continues a paused transfer (from any callback of the engine's thread).
  virtual void resume(transfer_impl& t) = 0;
  /// Whether `t`'s response, whose header just ended, is retried (its retry
  /// policy, the multi's budget); its body is then read and dropped.
  virtual bool plan_status_retry(transfer_impl& t) = 0;

protected:
  ~engine_link() = default;
};

/// Delivers an async_perform completion; type-erased so transfer_impl needs no template.
class completion {
public:
  virtual ~completion() = default;
  /// Invokes the user's handler with (ec, status) through its associated executor.
  virtual void complete(std::error_code ec, int status) = 0;
};

/// Where request body bytes come from.
enum class body_source { none, memory, callback, file, multipart };

/// What the response now being received leads to.
enum class follow_up {
  none,         ///< it is the final response
  redirect,     ///< a redirect is followed: its body is discarded
  authenticate, ///< a 401 challenge is answered: its body is discarded
  retry,        ///< a transient failure status is retried: its body is discarded
};

/// The multi's cookie jar, as transfers use it.
class cookie_source {
public:
  /// Appends the Cookie field value for a request to `target` (nothing when no cookie matches).
  virtual void append_cookie_header(const url& target, std::string& out) = 0;
  /// Stores what a Set-Cookie field of a response from `target` sets.
  virtual void store_set_cookie(const url& target, std::string_view set_cookie) = 0;

protected:
  ~cookie_source() = default;
};


/// One transfer's request, options and response. Owned jointly (ref) by the
/// user's handle and by the engine while the transfer runs.
///
/// A run may send several requests: redirects followed and authentication
/// challenges answered. The user's settings never change during a run; the
/// `hop_*` members describe the request being sent now.
class transfer_impl : public ref_counted {
public:
  // ---- request, set by the handle before add()
  std::string url_text;
  std::string method = "GET";
  headers request_headers;
  body_source body_kind = body_source::none;
  std::string body_data;
  read_callback body_reader;
  rewind_callback body_rewind;            ///< for body_source::callback; null = cannot rewind
  std::string body_file;                  ///< for body_source::file
  std::shared_ptr<const multipart_form> body_form; ///< for body_source::multipart
  std::unique_ptr<multipart_reader> form_reader;   ///< streams body_form during a run
  std::string body_content_type;          ///< Content-Type sent unless the user sets one (forms)
  std::optional<std::uint64_t> body_size; ///< for body_source::callback; unset means chunked
  write_callback on_write;
  timeouts time_limits;                 ///< per-phase limits (connect and total among them)
  connect_options connect;              ///< how the connection is found and opened
  speed_limits speeds;                  ///< this transfer's own caps
  bool fail_on_error = false;           ///< status >= 400 ends the transfer with http_returned_error
  http1::response_limits limits;
  std::string user_agent = "xfer/" XFER_VERSION_STRING;
  tls_options tls;

  // ---- HTTP semantics options
  redirect_policy redirects;
  credentials auth;
  header_callback on_header_field;
  progress_callback on_progress;
  debug_callback on_debug;
  std::string output_file;              ///< the body goes to this file instead of body()
  std::uint64_t resume_from = 0;        ///< ask for the body from this offset (Range)
  std::uint64_t max_filesize = 0;       ///< 0 = no limit
  std::string accept_encoding;          ///< sent as Accept-Encoding and decoded; empty = off
  bool use_cookies = true;              ///< use the multi's cookie jar, if it has one
  std::uint64_t max_decoded_size = std::uint64_t{1} << 30; ///< bytes one coding may produce; 0 = no limit
  /// Requests with a body of at least this many bytes (or of unknown size) send
  /// `Expect: 100-continue` and wait `expect_timeout` for the go-ahead (curl: 1 MiB, 1 s).
  std::uint64_t expect_threshold = std::uint64_t{1} << 20;
  std::chrono::milliseconds expect_timeout{1000};

  /// The serialised request head, reused while the request is unchanged
  /// (a transfer re-added with the same settings sends the same bytes).
  std::string request_head;
  bool request_head_valid = false;

  // ---- response
  http1::response_parser parser;
  int status = 0;
  std::string reason;                   ///< the final response's reason phrase
  headers response_headers;
  std::string response_body;
  transfer_info info;
  std::string error_detail;
  std::error_code result;

  // ---- the request being sent now (redirects and authentication start new ones)
  url first_target;                     ///< the run's first URL (credentials stay with its origin)
  std::string hop_method;               ///< the method sent now; empty = `method`
  bool hop_body = true;                 ///< the request body is sent (a 303 drops it)
  bool hop_credentials = true;          ///< credentials may go to the current origin
  bool hop_same_origin = true;          ///< the request goes to the first request's origin
  credentials run_auth;                 ///< `auth`, or the first URL's userinfo, for this run
  follow_up next = follow_up::none;     ///< what the response being received leads to
  url next_target;                      ///< the URL of the next request, when next != none
  std::string next_method;              ///< the method of the next request
  bool next_body = true;                ///< the next request carries the body
  bool next_credentials = true;         ///< credentials may go to the next request's origin
  std::string auth_value;               ///< the Authorization value generated for this request
  std::string next_authorization;       ///< the answer to a 401, for the next request
  authenticator authentication;         ///< Basic, Bearer and Digest credentials of this run
  int auth_rounds = 0;                  ///< 401s answered for the current URL
  static constexpr int max_auth_rounds = 2; ///< a first answer, and one more for a stale nonce
  headers hop_fields;                   ///< the fields sent when they differ from request_headers
  cookie_source* cookies = nullptr;     ///< the multi's cookie jar, if it has one
  std::FILE* output = nullptr;          ///< open while the body goes to output_file
  std::FILE* body_input = nullptr;      ///< open while a body_source::file run lasts
  bool continue_received = false;       ///< a 100 (Continue) arrived for the request being sent
  std::uint64_t coded_received = 0;     ///< body bytes of the response as sent, while it is decoded
  std::size_t set_cookies_taken = 0;    ///< Set-Cookie fields of the current response given to the jar
  bool skip_body = false;               ///< the final response's body is read and dropped (416 on resume)
  std::unique_ptr<content_decoder> decoder; ///< made on first use by a transfer with accept_encoding
  std::chrono::steady_clock::time_point hop_started_at{};
  std::uint64_t follow_up_sequence = 0; ///< tells a scheduled follow-up from a stale one
  bool watches_headers = false;         ///< a debug or header callback sees every field
  /// The connection whose addresses info holds (its id), so that a transfer
  /// run again on the same connection does not copy them again.
  std::uint64_t addresses_from = 0;

  // ---- engine bookkeeping
  url target;
  transfer_state state = transfer_state::idle;
  engine_link* engine = nullptr;
  void* handle = nullptr;               ///< the basic_transfer that owns this (updated on move)
  void* connection = nullptr;           ///< the connection carrying this transfer, if any
  std::unique_ptr<completion> on_complete_async; ///< set by async_perform
  std::string pool_key;                 ///< origin (+ TLS configuration) the pool files connections under
  std::shared_ptr<tls_context> tls_context_for_run; ///< https: the context its connection uses
  void* routing_engine = nullptr;       ///< the engine that computed target, pool_key, pool_slot
  void* pool_slot = nullptr;            ///< that engine's slot for pool_key
  std::uint64_t queue_sequence = 0;     ///< FIFO order while queued
  std::size_t member_index = 0;         ///< position in the engine's member list
  std::chrono::steady_clock::time_point started_at{};
  bool message_queued = false;
  bool stale_retry_allowed = true;      ///< one retry on a reused connection the server had closed
  bool paused = false;                  ///< receiving is paused (write callback or pause())
  bool send_paused = false;             ///< sending the request body is paused
  /// When the run first got a connection (left the queue): the total timeout counts from here.
  std::chrono::steady_clock::time_point left_queue_at{};
  rate_limiter recv_limiter;            ///< speeds.max_recv_speed during a run
  rate_limiter send_limiter;            ///< speeds.max_send_speed during a run
  std::error_code abort_result;         ///< the transfer must stop with this result (write callback, fail_on_error)
  std::uint64_t upload_offset = 0;      ///< request body bytes already handed to the socket

  // ---- scheduling and retries (the engine's)
  int priority = 0;                     ///< higher leaves the queue first; FIFO within a priority
  std::chrono::milliseconds queue_timeout{0}; ///< longest wait for a connection slot; 0 = none
  retry_policy retry;                   ///< off unless retry.max_retries > 0
  std::chrono::steady_clock::time_point queued_at{};     ///< when the request entered the queue
  std::chrono::steady_clock::time_point retry_due{};     ///< when a waiting retry starts
  std::chrono::milliseconds retry_delay{0}; ///< the wait the engine chose for the planned retry
  std::uint64_t remote_id = 0;          ///< the id a multi_remote add gave it; 0 = none

  transfer_impl() : parser(limits) {}
  transfer_impl(const transfer_impl&) = delete;
  transfer_impl& operator=(const transfer_impl&) = delete;
  ~transfer_impl() {
    close_output();
    close_body_file();
  }

  /// Every state change goes through here.
  void set_state(transfer_state next_state) noexcept { state = next_state; }

  /// The method of the request being sent.
  std::string_view current_method() const noexcept {
    return hop_method.empty() ? std::string_view(method) : std::string_view(hop_method);
  }
  /// Whether the request being sent carries the body.
  bool sends_body() const noexcept { return body_kind != body_source::none && hop_body; }

  /// Clears the response side for a new run; keeps buffers' capacity.
  void reset_for_run() {
    parser.set_limits(limits);
    status = 0;
    reason.clear();
    response_headers.clear();
    response_body.clear();
    clear_info();
    error_detail.clear();
    result.clear();
    message_queued = false;
    stale_retry_allowed = true;
    paused = false;
    skip_body = false;
    coded_received = 0;
    if (decoder)
      decoder->reset(); // the last run's coding must not apply to this run's bodies
    left_queue_at = {};
    send_paused = false;
    if (recv_limiter.limited() || speeds.max_recv_speed != 0)
      recv_limiter.set_rate(speeds.max_recv_speed);
    if (send_limiter.limited() || speeds.max_send_speed != 0)
      send_limiter.set_rate(speeds.max_send_speed);
    abort_result.clear();
    upload_offset = 0;
    if (!hop_method.empty() || !hop_body || !hop_credentials || !hop_same_origin || !auth_value.empty())
      request_head_valid = false; // the last run ended on a redirected or authenticated request
    hop_method.clear();
    hop_body = true;
    hop_credentials = true;
    hop_same_origin = true;
    next = follow_up::none;
    ++follow_up_sequence;
    auth_value.clear();
    auth_rounds = 0;
  }

  /// Resets the info, keeping its strings' capacity.
  void clear_info() noexcept {
    info.response_code = 0;
    info.http_version_minor = 1;
    info.effective_url.clear();
    info.bytes_downloaded = 0;
    info.bytes_uploaded = 0;
    info.connection_reused = false;
    info.attempts = 0;
    info.total_time = {};
    info.tls_version.clear();
    info.tls_cipher.clear();
    info.alpn_protocol.clear();
    info.tls_session_resumed = false;
    info.redirect_count = 0;
    info.redirect_url.clear();
    info.chain.clear();
    info.content_type.clear();
    info.retry_after.reset();
    info.timing = {};
    info.connection_id = 0; // the addresses stay until a connection is bound (see addresses_from)
    info.new_connections = 0;
    info.retries = 0;
  }

  /// Clears what one attempt produced, before a retry on a fresh connection.
  void reset_for_retry() {
    status = 0;
    response_headers.clear();
    response_body.clear();
    info.bytes_downloaded = 0;
    info.bytes_uploaded = 0;
    coded_received = 0;
    upload_offset = 0;
    next = follow_up::none;
  }

  /// Whether a retry on a fresh connection is safe: idempotent methods whose body can be sent again.
  bool retryable() const noexcept {
    const std::string_view m = current_method();
    return (m == "GET" || m == "HEAD") && (body_kind != body_source::callback || body_rewind);
  }

  /// Whether either direction is paused.
  bool is_paused() const noexcept { return paused || send_paused; }
  /// Clears the pause of `directions`.
  void clear_pause(pause_direction directions) noexcept {
    if (static_cast<unsigned>(directions) & static_cast<unsigned>(pause_direction::recv))
      paused = false;
    if (static_cast<unsigned>(directions) & static_cast<unsigned>(pause_direction::send))
      send_paused = false;
  }

  /// The total timeout's deadline: max() when there is none.
  std::chrono::steady_clock::time_point total_deadline() const noexcept {
    if (time_limits.total.count() <= 0)
      return std::chrono::steady_clock::time_point::max();
    const auto from = left_queue_at != std::chrono::steady_clock::time_point{} ? left_queue_at : started_at;
    return from + time_limits.total;
  }

  /// Time since the run started, for info.timing.
  std::chrono::microseconds since_start() const noexcept {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                 started_at);
  }

  /// Shows `text` to the debug callback as an info line.
  void debug_text(std::string_view text) {
    if (on_debug)
      on_debug(debug_kind::text, text);
  }

  /// Ends the transfer with errc::aborted_by_callback (unless it already ends with another error).
  void abort_from_callback(std::string detail) noexcept {
    if (abort_result)
      return;
    abort_result = errc::aborted_by_callback;
    try {
      error_detail = std::move(detail);
    } catch (...) {
    }
  }

  /// Calls the progress callback; false (and the transfer must abort) when it says so.
  bool report_progress() {
    if (!on_progress || abort_result)
      return !abort_result;
    progress p;
    p.download_total = parser.headers_done() ? parser.content_length().value_or(0) : 0;
    p.download_now = decoder && decoder->active() ? coded_received : info.bytes_downloaded;
    p.upload_total = body_kind == body_source::memory ? body_data.size() : body_size.value_or(0);
    p.upload_now = upload_offset;
    bool go_on = false;
    try {
      go_on = on_progress(p);
    } catch (...) {
      go_on = false;
    }
    if (!go_on) {
      abort_result = errc::aborted_by_callback;
      error_detail = "Callback aborted";
    }
    return go_on;
  }

  // ---- request head

  /// Serialises the head of the request being sent into request_head (kept
  /// while valid); false with `ec` (an http1::error) when a field or the method is invalid.
  bool build_request_head(std::error_code& ec) {
    if (request_head_valid)
      return true;
    http1::request_head head;
    head.method = current_method();
    head.target = target.target_view();
    head.host = target.host_header_view();
    head.fields = select_fields();
    head.user_agent = user_agent;
    const bool body = sends_body();
    const std::string_view m = head.method;
    if (!body) {
      // An explicit empty POST, PUT or PATCH still says Content-Length: 0.
      head.framing = (m == "POST" || m == "PUT" || m == "PATCH") ? http1::body_framing::content_length
                                                                : http1::body_framing::none;
    } else if (const auto size = upload_size()) {
      head.framing = http1::body_framing::content_length;
      head.content_length = *size;
    } else {
      head.framing = http1::body_framing::chunked;
    }
    request_head.clear();
    http1::write_request_head(request_head, head, ec);
    if (ec)
      return false;
    // A head with generated fields that change per request (cookies, digest
    // nonce counts) is built again for each request.
    request_head_valid = head.fields == &request_headers;
    return true;
  }

  /// The request body's size when known: memory and files always, callbacks when declared.
  std::optional<std::uint64_t> upload_size() const noexcept {
    switch (body_kind) {
    case body_source::none: return 0;
    case body_source::memory: return body_data.size();
    case body_source::callback:
    case body_source::file:
    case body_source::multipart: return body_size;
    }
    return std::nullopt;
  }

  /// Reads the next piece of a streamed body (callback or file) into `buffer`:
  /// the byte count, 0 at the end, read_abort on failure (error_detail set).
  std::size_t read_body(std::span<char> buffer) {
    if (body_kind == body_source::memory) { // sent in pieces only under a send cap
      const std::size_t n = std::min<std::size_t>(buffer.size(), body_data.size() - upload_offset);
      body_data.copy(buffer.data(), n, upload_offset);
      return n;
    }
    if (body_kind == body_source::file) {
      const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), body_input);
      if (n == 0 && std::ferror(body_input)) {
        error_detail = "Failed reading the file to upload: " + body_file;
        return read_abort;
      }
      return n;
    }
    if (body_kind == body_source::multipart) {
      const std::size_t n = form_reader->read(buffer);
      if (form_reader->error()) {
        error_detail = form_reader->error_detail();
        return read_abort;
      }
      return n;
    }
    try {
      const std::size_t n = body_reader(buffer);
      if (n == read_abort)
        error_detail = "read callback aborted the upload";
      return n;
    } catch (const std::exception& e) {
      error_detail = std::string("read callback threw: ") + e.what();
      return read_abort;
    }
  }

  /// Whether a file body holds more than the size it had when the run started
  /// (checked once its last declared byte was read).
  bool body_file_has_more() noexcept {
    if (body_kind != body_source::file || !body_input)
      return false;
    return std::fgetc(body_input) != EOF;
  }

  /// Whether the request being sent waits for `100 Continue` before its body.
  bool expects_continue() const noexcept {
    if (!sends_body() || body_kind == body_source::memory)
      return false;
    if (const auto e = request_headers.find("Expect"))
      return iequals(*e, "100-continue");
    const auto size = upload_size();
    return !size || *size >= expect_threshold;
  }

  /// Rewinds the body for another request; false when it cannot be.
  bool rewind_body() {
    upload_offset = 0;
    if (body_kind == body_source::file) {
      return body_input && std::fseek(body_input, 0, SEEK_SET) == 0;
    }
    if (body_kind == body_source::callback) {
      try {
        return body_rewind && body_rewind();
      } catch (...) {
        return false; // reported as send_fail_rewind
      }
    }
    if (body_kind == body_source::multipart)
      return form_reader->rewind();
    return true;
  }

  // ---- http1::response_parser handler
  void on_status(int code, int version_minor, std::string_view reason_phrase) {
    status = code;
    set_cookies_taken = 0;
    reason.assign(reason_phrase);
    info.response_code = code;
    info.http_version_minor = version_minor;
    if (info.timing.start_transfer.count() == 0)
      info.timing.start_transfer = since_start();
    if (on_debug) {
      std::string line = "HTTP/1." + std::to_string(version_minor) + " " + std::to_string(code);
      if (!reason_phrase.empty())
        line.append(" ").append(reason_phrase);
      line.append("\r\n");
      on_debug(debug_kind::header_in, line);
    }
  }
  void on_interim(int code) {
    if (code == 100)
      continue_received = true;
    if (on_debug)
      on_debug(debug_kind::header_in, "HTTP/1.1 " + std::to_string(code) + " (interim)\r\n");
  }
  void on_header(std::string_view name, std::string_view value) {
    response_headers.add(name, value);
    if (watches_headers || may_be_noted(name))
      note_header(name, value);
  }
  void on_headers_complete() {
    set_state(transfer_state::receiving_body);
    if (on_debug)
      on_debug(debug_kind::header_in, "\r\n");
    if (on_header_field && !abort_result)
      call_header_callback({}, {});
    if (abort_result)
      return;
    next = plan_follow_up();
    if (next != follow_up::none || abort_result)
      return;
    if (resume_from != 0 && status == 416 && current_method() == "GET") {
      // Range Not Satisfiable in answer to a resume: the file is complete already. As curl,
      // no error (not even with fail_on_error), and the body (an error page) is not delivered.
      skip_body = true;
      return;
    }
    if (retry.max_retries != 0 && engine != nullptr && engine->plan_status_retry(*this)) {
      next = follow_up::retry;
      return;
    }
    if (fail_on_error && status >= 400) {
      abort_result = errc::http_returned_error;
      error_detail = "The requested URL returned error: " + std::to_string(status);
      return;
    }
    if (max_filesize != 0 && status < 300) {
      if (const auto size = parser.content_length(); size && *size > max_filesize) {
        abort_result = errc::filesize_exceeded;
        error_detail = "the response announces " + std::to_string(*size) +
                       " bytes, more than max_filesize (" + std::to_string(max_filesize) + ")";
        return;
      }
    }
    if (resume_from != 0 && status == 200 && current_method() == "GET") {
      abort_result = errc::range_error;
      error_detail = "HTTP server doesn't seem to support byte ranges. Cannot resume.";
      return;
    }
    if (resume_from != 0 && status == 206 && !range_starts_at(resume_from)) {
      // Appending a part that starts elsewhere would corrupt the file.
      abort_result = errc::range_error;
      error_detail = "the 206 response's Content-Range does not start at the resume offset " +
                     std::to_string(resume_from);
      return;
    }
    if (open_output() && !accept_encoding.empty())
      start_decoding();
  }
  bool on_body(std::string_view data) {
    if (abort_result || paused)
      return false; // paused: the bytes stay with the parser until resume()
    if (next != follow_up::none || skip_body)
      return true; // a redirect's or a challenge's body, or a 416's to a resume, is read and dropped
    if (decoder && decoder->active())
      return decode(data);
    if (on_debug)
      on_debug(debug_kind::data_in, data);
    return deliver(data);
  }
  void on_trailer(std::string_view name, std::string_view value) { response_headers.add(name, value); }
  void on_complete() {
    if (decoder && decoder->active() && !decoder->paused())
      finish_decoding();
  }

  /// Whether decoded bytes wait for resume() (the write callback paused while decoding).
  bool decoded_output_held() const noexcept { return decoder && decoder->paused(); }

  /// Offers decoded bytes held since a pause again; false while they are still
  /// refused or the transfer must abort (abort_result set).
  bool deliver_held_output() {
    if (const auto ec = decoder->resume([this](std::string_view piece) { return deliver(piece); },
                                        decoding_limits());
        ec && !abort_result) {
      abort_result = ec;
      error_detail = decoder->error_detail();
    }
    if (!abort_result && !decoder->paused() && parser.done())
      finish_decoding();
    return !abort_result && !decoder->paused();
  }

  /// Hands body bytes to the output: the write callback, the output file or body().
  bool deliver(std::string_view data) {
    if (paused)
      return false; // paused from inside a callback: the rest waits for resume()
    if (max_filesize != 0 && info.bytes_downloaded + data.size() > max_filesize) {
      abort_result = errc::filesize_exceeded;
      error_detail = "more than max_filesize (" + std::to_string(max_filesize) + ") bytes received";
      return false;
    }
    if (output) {
      if (std::fwrite(data.data(), 1, data.size(), output) != data.size()) {
        abort_result = errc::write_error;
        error_detail = "Failure writing output to " + output_file;
        return false;
      }
      info.bytes_downloaded += data.size();
      return on_progress ? report_progress() : true;
    }
    if (!on_write) {
      response_body.append(data);
      info.bytes_downloaded += data.size();
      return on_progress ? report_progress() : true;
    }
    write_action action;
    try {
      action = on_write(data);
    } catch (const std::exception& e) {
      error_detail = std::string("write callback threw: ") + e.what();
      action = write_action::abort;
    } catch (...) {
      error_detail = "write callback threw";
      action = write_action::abort;
    }
    switch (action) {
    case write_action::proceed:
      info.bytes_downloaded += data.size();
      return on_progress ? report_progress() : true;
    case write_action::pause:
      paused = true;
      return false;
    case write_action::abort:
      abort_result = errc::write_error;
      if (error_detail.empty())
        error_detail = "write callback aborted the transfer";
      return false;
    }
    return false;
  }

  // ---- output file

  /// Opens output_file (appending when resuming, as curl -C does, so that a
  /// partial file is never truncated); false with abort_result set on failure.
  /// A write callback takes precedence: then no file is opened.
  bool open_output() {
    if (output_file.empty() || output || on_write)
      return true;
    output = std::fopen(output_file.c_str(), resume_from != 0 ? "ab" : "wb");
    if (!output) {
      abort_result = errc::write_error;
      error_detail = "Failed to open the output file " + output_file;
      return false;
    }
    return true;
  }
  /// Closes the file a body_source::file run reads, and the files of a multipart body.
  void close_body_file() noexcept {
    if (body_input)
      std::fclose(std::exchange(body_input, nullptr));
    form_reader.reset();
  }
  /// Closes the output file; false when buffered bytes could not be written.
  bool close_output() noexcept {
    if (!output)
      return true;
    const bool ok = std::fclose(output) == 0;
    output = nullptr;
    return ok;
  }

private:
  /// The body ended: a truncated coded stream is an error.
  void finish_decoding() {
    if (next != follow_up::none || abort_result)
      return;
    if (const auto ec = decoder->finish()) {
      abort_result = ec;
      error_detail = decoder->error_detail();
    }
  }

  /// Configures the decoder from the response's Content-Encoding fields.
  void start_decoding() {
    if (!decoder)
      decoder = std::make_unique<content_decoder>();
    decoder->reset();
    for (const auto f : response_headers)
      if (iequals(f.name, "Content-Encoding"))
        decoder->start(f.value); // an unknown coding fails at the first body byte, as in curl
  }

  content_decoder::limits decoding_limits() const noexcept {
    content_decoder::limits bounds;
    if (max_decoded_size != 0)
      bounds.max_decoded_size = max_decoded_size;
    bounds.deadline = total_deadline();
    return bounds;
  }

  /// Decodes raw body bytes into deliver(); false when they were not taken
  /// (decoded bytes are still held from a pause) or the transfer must abort.
  bool decode(std::string_view data) {
    if (decoder->paused()) {
      paused = true;
      return false; // the raw bytes stay with the parser until the held ones are taken
    }
    if (on_debug)
      on_debug(debug_kind::data_in, data);
    coded_received += data.size();
    const auto ec = decoder->feed(data, [this](std::string_view piece) { return deliver(piece); },
                                  decoding_limits());
    if (ec && !abort_result) {
      abort_result = ec;
      error_detail = decoder->error_detail();
    }
    if (abort_result)
      return false;
    return true;
  }

  /// Whether the response's Content-Range is "bytes `offset`-…".
  bool range_starts_at(std::uint64_t offset) const noexcept {
    const auto range = response_headers.find("Content-Range");
    if (!range)
      return false;
    std::string_view value = *range;
    constexpr std::string_view unit = "bytes ";
    if (value.size() < unit.size() || !iequals(value.substr(0, unit.size()), unit))
      return false;
    value.remove_prefix(unit.size());
    std::uint64_t start = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), start);
    return ec == std::errc() && end != value.data() + value.size() && *end == '-' && start == offset;
  }

  /// Whether `name` may be Set-Cookie, Retry-After or Content-Type, told by
  /// its length and a letter or two, so other fields cost two compares.
  static bool may_be_noted(std::string_view name) noexcept {
    const auto lower = [&](std::size_t i) { return static_cast<char>(name[i] | 0x20); };
    switch (name.size()) {
    case 10: return lower(0) == 's' && lower(4) == 'c';
    case 11: return lower(0) == 'r' && lower(6) == 'a';
    case 12: return lower(0) == 'c' && lower(8) == 't';
    default: return false;
    }
  }

  /// The rarer work for a header field: traces, the header callback, and the fields the info reports.
  void note_header(std::string_view name, std::string_view value) {
    if (on_debug) {
      std::string line;
      line.append(name).append(": ").append(value).append("\r\n");
      on_debug(debug_kind::header_in, line);
    }
    if (on_header_field && !abort_result && !call_header_callback(name, value))
      return;
    if (iequals(name, "Content-Type"))
      info.content_type.assign(value);
    else if (iequals(name, "Retry-After"))
      info.retry_after = parse_retry_after(value);
    else if (cookies && iequals(name, "Set-Cookie") && set_cookies_taken < cookie_jar::max_set_cookies_per_response) {
      ++set_cookies_taken;
      cookies->store_set_cookie(target, value);
    }
  }

  bool call_header_callback(std::string_view name, std::string_view value) {
    bool go_on = false;
    try {
      go_on = on_header_field(status, name, value);
    } catch (...) {
      go_on = false;
    }
    if (!go_on) {
      abort_result = errc::write_error;
      error_detail = "header callback aborted the transfer";
    }
    return go_on;
  }

  /// The fields to send: the user's as they are, or a list with the
  /// generated ones (credentials, cookies, resume range, forms' Content-Type,
  /// Expect) and without the ones that must not go to this origin.
  const headers* select_fields() {
    const bool cookie_jar = cookies != nullptr;
    const bool range = resume_from != 0;
    const bool content_type = sends_body() && !body_content_type.empty();
    const bool expect = expects_continue() && !request_headers.contains("Expect");
    const bool encodings = !accept_encoding.empty();
    if (hop_credentials && hop_same_origin && hop_body && auth_value.empty() && !cookie_jar && !range &&
        !content_type && !expect && !encodings)
      return &request_headers;
    hop_fields.clear();
    std::string cookie_value;
    for (const auto f : request_headers) {
      const bool credential = iequals(f.name, "Authorization") || iequals(f.name, "Cookie") ||
                              iequals(f.name, "Proxy-Authorization");
      if (credential && !hop_credentials)
        continue;
      if (!hop_same_origin && iequals(f.name, "Host"))
        continue; // a virtual host named for the first origin means nothing to another
      if (!hop_body && (iequals(f.name, "Content-Type") || iequals(f.name, "Expect")))
        continue;
      if (cookie_jar && iequals(f.name, "Cookie")) {
        cookie_value.assign(f.value); // merged with the jar's below
        continue;
      }
      hop_fields.add(f.name, f.value);
    }
    if (!auth_value.empty() && !hop_fields.contains("Authorization"))
      hop_fields.add("Authorization", auth_value);
    if (cookie_jar) {
      std::string jar;
      cookies->append_cookie_header(target, jar);
      if (!jar.empty() && !cookie_value.empty())
        cookie_value.append("; ");
      cookie_value.append(jar);
      if (!cookie_value.empty())
        hop_fields.add("Cookie", cookie_value);
    }
    if (range && !hop_fields.contains("Range"))
      hop_fields.add("Range", "bytes=" + std::to_string(resume_from) + "-");
    if (content_type && !hop_fields.contains("Content-Type"))
      hop_fields.add("Content-Type", body_content_type);
    if (expect)
      hop_fields.add("Expect", "100-continue");
    if (encodings && !hop_fields.contains("Accept-Encoding"))
      hop_fields.add("Accept-Encoding", accept_encoding);
    return &hop_fields;
  }

  /// Decides at the end of a response's head whether another request follows.
  follow_up plan_follow_up();

public:
  /// Prepares the first request of a run: its URL is `target`. False (with
  /// result and detail set) when the run cannot start.
  bool begin_run(std::error_code& ec);
  /// Makes the planned follow-up the current request; false (ec set) when it cannot be sent.
  bool begin_follow_up(std::error_code& ec);
  /// The Retry-After value in seconds: delta-seconds or an HTTP-date (bounded to a day).
  static std::optional<std::chrono::seconds> parse_retry_after(std::string_view value);

private:
  /// Sets auth_value for the request about to be sent to `target`.
  void prepare_credentials();
  /// Opens body_file and takes its size; false with ec on failure.
  bool open_body_file(std::error_code& ec);
};

} // namespace xfer::detail

#include <xfer/detail/impl/follow_up.hpp>
