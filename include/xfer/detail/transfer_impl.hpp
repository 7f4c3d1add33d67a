// xfer/detail/transfer_impl.hpp - the data of one transfer: request, response, options, results.
#pragma once

#include <xfer/callbacks.hpp>
#include <xfer/detail/ref_counted.hpp>
#include <xfer/error.hpp>
#include <xfer/headers.hpp>
#include <xfer/http1/response_parser.hpp>
#include <xfer/transfer_info.hpp>
#include <xfer/tls_options.hpp>
#include <xfer/transfer_state.hpp>
#include <xfer/url.hpp>
#include <xfer/version.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>

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
enum class body_source { none, memory, callback };

/// One transfer's request, options and response. Owned jointly (ref) by the
/// user's handle and by the engine while the transfer runs.
class transfer_impl : public ref_counted {
public:
  // ---- request, set by the handle before add()
  std::string url_text;
  std::string method = "GET";
  headers request_headers;
  body_source body_kind = body_source::none;
  std::string body_data;
  read_callback body_reader;
  std::optional<std::uint64_t> body_size; ///< for body_source::callback; unset means chunked
  write_callback on_write;
  std::chrono::milliseconds connect_timeout{300'000};
  std::chrono::milliseconds timeout{0}; ///< total; 0 = none
  bool fail_on_error = false;           ///< status >= 400 ends the transfer with http_returned_error
  http1::response_limits limits;
  std::string user_agent = "xfer/" XFER_VERSION_STRING;
  tls_options tls;

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
  bool paused = false;
  std::error_code abort_result;         ///< the transfer must stop with this result (write callback, fail_on_error)
  std::uint64_t upload_offset = 0;      ///< request body bytes already handed to the socket

  transfer_impl() : parser(limits) {}

  /// Every state change goes through here.
  void set_state(transfer_state next) noexcept { state = next; }

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
    abort_result.clear();
    upload_offset = 0;
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
  }

  /// Clears what one attempt produced, before a retry on a fresh connection.
  void reset_for_retry() {
    status = 0;
    response_headers.clear();
    response_body.clear();
    info.bytes_downloaded = 0;
    info.bytes_uploaded = 0;
    upload_offset = 0;
  }

  /// Whether a retry on a fresh connection is safe: idempotent methods without a streamed body.
  bool retryable() const noexcept {
    return (method == "GET" || method == "HEAD") && body_kind != body_source::callback;
  }

  // ---- http1::response_parser handler
  void on_status(int code, int version_minor, std::string_view reason_phrase) {
    status = code;
    reason.assign(reason_phrase);
    info.response_code = code;
    info.http_version_minor = version_minor;
  }
  void on_header(std::string_view name, std::string_view value) { response_headers.add(name, value); }
  void on_headers_complete() {
    set_state(transfer_state::receiving_body);
    if (fail_on_error && status >= 400) {
      abort_result = errc::http_returned_error;
      error_detail = "The requested URL returned error: " + std::to_string(status);
    }
  }
  bool on_body(std::string_view data) {
    if (abort_result)
      return false;
    if (!on_write) {
      response_body.append(data);
      info.bytes_downloaded += data.size();
      return true;
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
      return true;
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
  void on_trailer(std::string_view name, std::string_view value) { response_headers.add(name, value); }
  void on_complete() {}
};

} // namespace xfer::detail
