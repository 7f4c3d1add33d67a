// xfer/transfer.hpp - basic_transfer: one HTTP request and its response, as libcurl's easy handle.
#pragma once

#include <xfer/auth.hpp>
#include <xfer/callbacks.hpp>
#include <xfer/connect_options.hpp>
#include <xfer/detail/ref_counted.hpp>
#include <xfer/detail/transfer_impl.hpp>
#include <xfer/form.hpp>
#include <xfer/headers.hpp>
#include <xfer/multipart.hpp>
#include <xfer/http1/response_parser.hpp>
#include <xfer/redirect_policy.hpp>
#include <xfer/retry_policy.hpp>
#include <xfer/transfer_info.hpp>
#include <xfer/tls_options.hpp>
#include <xfer/transfer_state.hpp>

#include <xfer/detail/asio.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace xfer {

template <class Executor>
class basic_multi;
template <class Executor>
class basic_multi_remote;

/// One HTTP request and its response. A RAII, move-only handle: destroying it
/// (or moving another transfer into it) while it runs aborts it and detaches
/// it from its multi at once. The request may be changed only while the
/// transfer is not in a multi; the response accessors are meant for after its
/// completion (while it runs they show what arrived so far).
///
/// `Executor` ties the transfer to multis of the same executor type.
template <class Executor>
class basic_transfer {
public:
  using executor_type = Executor;

  /// A GET of no URL yet; set_url() before adding it.
  basic_transfer() : impl_(detail::make_ref<detail::transfer_impl>()) { impl_->handle = this; }
  /// A GET of `url`. The URL is checked when the transfer starts (errc::url_malformat).
  explicit basic_transfer(std::string_view url) : basic_transfer() { impl_->url_text = url; }

  basic_transfer(basic_transfer&& other) noexcept : impl_(std::move(other.impl_)) {
    if (impl_)
      impl_->handle = this;
  }
  basic_transfer& operator=(basic_transfer&& other) noexcept {
    if (this != &other) {
      detach();
      impl_ = std::move(other.impl_);
      if (impl_)
        impl_->handle = this;
    }
    return *this;
  }
  basic_transfer(const basic_transfer&) = delete;
  basic_transfer& operator=(const basic_transfer&) = delete;
  ~basic_transfer() { detach(); }

  // ---- request

  basic_transfer& set_url(std::string_view url) {
    writable().url_text = url;
    return *this;
  }
  const std::string& url() const noexcept { return impl_->url_text; }

  /// The request method, a token such as "GET", "HEAD", "POST" or a custom one.
  basic_transfer& set_method(std::string_view method) {
    writable().method = method;
    return *this;
  }
  const std::string& method() const noexcept { return impl_->method; }

  /// Adds a request header field. A field named like a default one (Host,
  /// User-Agent, Accept) replaces it; one with an empty value removes it.
  /// Names must be tokens and values free of CR, LF and NUL, or the transfer
  /// fails with errc::bad_function_argument when it starts.
  basic_transfer& add_header(std::string_view name, std::string_view value) {
    writable().request_headers.add(name, value);
    return *this;
  }
  headers& request_headers() { return writable().request_headers; }
  const headers& request_headers() const noexcept { return impl_->request_headers; }

  /// Sends `body` with a Content-Length (the method stays as set: use set_method("POST")).
  basic_transfer& set_body(std::string body) {
    auto& t = writable();
    clear_body_source(t);
    t.body_kind = detail::body_source::memory;
    t.body_data = std::move(body);
    return *this;
  }
  /// Streams the body from `reader`. With a `size` it is sent with that
  /// Content-Length and must produce exactly that many bytes; without one it
  /// is sent chunked. A transfer with a streamed body is never retried.
  basic_transfer& set_body(read_callback reader, std::optional<std::uint64_t> size = std::nullopt) {
    return set_body(std::move(reader), size, nullptr);
  }
  /// As above, with `rewind`, which lets the body be sent again: after a
  /// 307/308 redirect, a 401 answered with Digest, or a stale connection.
  /// Without it those end in errc::send_fail_rewind.
  basic_transfer& set_body(read_callback reader, std::optional<std::uint64_t> size,
                           rewind_callback rewind) {
    auto& t = writable();
    clear_body_source(t);
    t.body_kind = detail::body_source::callback;
    t.body_reader = std::move(reader);
    t.body_rewind = std::move(rewind);
    t.body_size = size;
    return *this;
  }
  /// Streams the file at `path` as the body, with its size as Content-Length
  /// (taken when the transfer starts; errc::file_couldnt_read_file if it cannot
  /// be opened). A file that grows or shrinks while it is sent ends the transfer
  /// with errc::read_error.
  basic_transfer& set_body_file(const std::filesystem::path& path) {
    auto& t = writable();
    clear_body_source(t);
    t.body_kind = detail::body_source::file;
    t.body_file = path.string();
    return *this;
  }
  /// Sends `form` as an `application/x-www-form-urlencoded` body (the
  /// Content-Type unless the user sets one; the method stays as set).
  basic_transfer& set_body(const url_encoded_form& form) {
    auto& t = writable();
    clear_body_source(t);
    t.body_kind = detail::body_source::memory;
    t.body_data = form.str();
    t.body_content_type = url_encoded_form::content_type();
    return *this;
  }
  /// Sends `form` as `multipart/form-data`, its files streamed from disk. They
  /// are measured when the transfer starts (errc::file_couldnt_read_file when
  /// one is missing) and must not change size while they are sent (errc::read_error).
  basic_transfer& set_body(multipart_form form) {
    auto& t = writable();
    clear_body_source(t);
    t.body_kind = detail::body_source::multipart;
    t.body_content_type = form.content_type();
    t.body_form = std::make_shared<const multipart_form>(std::move(form));
    return *this;
  }
  /// Sends no body.
  basic_transfer& clear_body() {
    clear_body_source(writable());
    return *this;
  }

  /// Receives the body as it arrives instead of collecting it in body() (and
  /// instead of an output file: the callback takes precedence).
  basic_transfer& set_write_callback(write_callback callback) {
    writable().on_write = std::move(callback);
    return *this;
  }

  // ---- timeouts (each ends the transfer with errc::operation_timedout, its phase named in error_detail())

  /// Time allowed to resolve, connect and handshake a new connection (default 300 s, as curl); 0 = no limit.
  basic_transfer& set_connect_timeout(std::chrono::milliseconds timeout) {
    writable().time_limits.connect = timeout;
    return *this;
  }
  /// Time allowed for the whole transfer from leaving the multi's queue (time
  /// spent waiting for a connection slot does not count); 0 (the default) = no limit.
  basic_transfer& set_timeout(std::chrono::milliseconds timeout) {
    writable().time_limits.total = timeout;
    return *this;
  }
  /// Time allowed for resolving the host name; 0 = no limit.
  basic_transfer& set_dns_timeout(std::chrono::milliseconds timeout) {
    writable().time_limits.dns = timeout;
    return *this;
  }
  /// Time allowed for one connection attempt to one address before the next is tried; 0 = no limit.
  basic_transfer& set_connect_attempt_timeout(std::chrono::milliseconds timeout) {
    writable().time_limits.connect_attempt = timeout;
    return *this;
  }
  /// Time allowed for the TLS handshake; 0 = no limit.
  basic_transfer& set_tls_handshake_timeout(std::chrono::milliseconds timeout) {
    writable().time_limits.tls_handshake = timeout;
    return *this;
  }
  /// Time allowed from sending a request to the first byte of its response; 0 = no limit.
  basic_transfer& set_first_byte_timeout(std::chrono::milliseconds timeout) {
    writable().time_limits.first_byte = timeout;
    return *this;
  }
  /// Time allowed without a byte received or sent once the request is under
  /// way (not counted while paused); 0 = no limit.
  basic_transfer& set_idle_timeout(std::chrono::milliseconds timeout) {
    writable().time_limits.idle = timeout;
    return *this;
  }
  /// Ends the transfer when fewer than `bytes_per_second` move for `time`
  /// (curl's CURLOPT_LOW_SPEED_LIMIT and _TIME; not counted while paused); 0 = off.
  basic_transfer& set_low_speed_limit(std::uint64_t bytes_per_second, std::chrono::milliseconds time) {
    auto& t = writable();
    t.time_limits.low_speed_limit = bytes_per_second;
    t.time_limits.low_speed_time = time;
    return *this;
  }
  /// Sets every timeout at once.
  basic_transfer& set_timeouts(const timeouts& limits) {
    writable().time_limits = limits;
    return *this;
  }
  const timeouts& get_timeouts() const noexcept { return impl_->time_limits; }

  // ---- connecting

  /// Sets every connecting option at once (see connect_options).
  basic_transfer& set_connect_options(const connect_options& options) {
    writable().connect = options;
    return *this;
  }
  const connect_options& get_connect_options() const noexcept { return impl_->connect; }
  /// Uses `addresses` for `host`:`port` instead of DNS: "HOST:PORT:ADDR[,ADDR...]" (curl's --resolve).
  basic_transfer& add_resolve(std::string_view entry) {
    writable().connect.resolve.emplace_back(entry);
    return *this;
  }
  /// Connects elsewhere: "HOST1:PORT1:HOST2:PORT2" (curl's --connect-to).
  basic_transfer& add_connect_to(std::string_view rule) {
    writable().connect.connect_to.emplace_back(rule);
    return *this;
  }
  /// Restricts the address families used (curl's -4 and -6).
  basic_transfer& set_ip_version(ip_version version) {
    writable().connect.ip = version;
    return *this;
  }
  /// Connects to a Unix domain socket instead of TCP (curl's --unix-socket); empty = TCP.
  basic_transfer& set_unix_socket_path(std::string_view path) {
    writable().connect.unix_socket_path = path;
    return *this;
  }
  /// Binds the local end to an interface or address (curl's --interface).
  basic_transfer& set_interface(std::string_view name) {
    writable().connect.interface_name = name;
    return *this;
  }
  /// Binds the local end to a port in [port, port + range) (curl's --local-port).
  basic_transfer& set_local_port(std::uint16_t port, std::uint16_t range = 1) {
    auto& t = writable();
    t.connect.local_port = port;
    t.connect.local_port_range = range;
    return *this;
  }
  /// Never reuses a connection for this transfer (CURLOPT_FRESH_CONNECT).
  basic_transfer& set_fresh_connect(bool on) {
    writable().connect.fresh_connect = on;
    return *this;
  }
  /// Closes this transfer's connection when it ends (CURLOPT_FORBID_REUSE).
  basic_transfer& set_forbid_reuse(bool on) {
    writable().connect.forbid_reuse = on;
    return *this;
  }

  // ---- flow control

  /// Caps this transfer's receiving speed in bytes per second (curl's --limit-rate); 0 = none.
  basic_transfer& set_max_recv_speed(std::uint64_t bytes_per_second) {
    writable().speeds.max_recv_speed = bytes_per_second;
    return *this;
  }
  /// Caps this transfer's sending speed in bytes per second; 0 = none.
  basic_transfer& set_max_send_speed(std::uint64_t bytes_per_second) {
    writable().speeds.max_send_speed = bytes_per_second;
    return *this;
  }

  /// Ends the transfer with errc::http_returned_error when the status is 400 or
  /// more, without delivering the body (curl's CURLOPT_FAILONERROR; off by default).
  basic_transfer& set_fail_on_error(bool on) {
    writable().fail_on_error = on;
    return *this;
  }

  /// Size limits applied to the response's status line, header fields and chunk lines.
  basic_transfer& set_response_limits(const http1::response_limits& limits) {
    writable().limits = limits;
    return *this;
  }
  /// The default User-Agent value ("xfer/VERSION"); empty sends none.
  basic_transfer& set_user_agent(std::string_view user_agent) {
    writable().user_agent = user_agent;
    return *this;
  }

  /// TLS verification and trust settings for https:// URLs.
  basic_transfer& set_tls_options(const tls_options& options) {
    writable().tls = options;
    return *this;
  }
  const tls_options& get_tls_options() const noexcept { return impl_->tls; }

  // ---- redirects and authentication

  /// Whether and how redirects are followed (off by default, as in curl).
  basic_transfer& set_redirect_policy(const redirect_policy& policy) {
    writable().redirects = policy;
    return *this;
  }
  const redirect_policy& get_redirect_policy() const noexcept { return impl_->redirects; }
  /// Follows redirects (curl's -L), keeping the rest of the policy.
  basic_transfer& set_follow_redirects(bool on) {
    writable().redirects.follow = on;
    return *this;
  }
  /// Redirects followed at most (default 30); -1 = no limit.
  basic_transfer& set_max_redirects(int max) {
    writable().redirects.max_redirects = max;
    return *this;
  }

  /// Credentials and the scheme to send them with. They never go to another
  /// origin than the first request's (see redirect_policy).
  basic_transfer& set_credentials(credentials creds) {
    writable().auth = std::move(creds);
    return *this;
  }
  /// Basic credentials, sent with the first request (curl's -u).
  basic_transfer& set_basic_auth(std::string_view user, std::string_view password) {
    return set_credentials({auth_scheme::basic, std::string(user), std::string(password), {}});
  }
  /// Digest credentials, sent in answer to the server's challenge (curl's --digest).
  /// Credentials the server refuses end the transfer with its 401 and no error,
  /// as in curl (set_fail_on_error() makes that errc::http_returned_error).
  basic_transfer& set_digest_auth(std::string_view user, std::string_view password) {
    return set_credentials({auth_scheme::digest, std::string(user), std::string(password), {}});
  }
  /// A bearer token (RFC 6750), sent with every request to the first origin.
  basic_transfer& set_bearer_token(std::string_view token) {
    return set_credentials({auth_scheme::bearer, {}, {}, std::string(token)});
  }

  // ---- scheduling and retries

  /// Where the transfer stands in its multi's queue while it waits for a
  /// connection slot: higher first, FIFO among equals (default 0).
  basic_transfer& set_priority(int priority) {
    writable().priority = priority;
    return *this;
  }
  int priority() const noexcept { return impl_->priority; }
  /// Longest wait in the queue for a connection slot (or the origin's rate
  /// limit) before the transfer ends with errc::operation_timedout, the detail
  /// saying "queue"; 0 (the default) = no limit. The wait counts in no other timeout.
  basic_transfer& set_queue_timeout(std::chrono::milliseconds timeout) {
    writable().queue_timeout = timeout;
    return *this;
  }
  /// When and how often to send the request again after a transient failure
  /// (off by default; see retry_policy).
  basic_transfer& set_retry_policy(const retry_policy& policy) {
    writable().retry = policy;
    return *this;
  }
  const retry_policy& get_retry_policy() const noexcept { return impl_->retry; }

  // ---- response delivery

  /// Writes the body to the file at `path` (created or truncated; appended to
  /// when resuming) instead of body(). Ignored while a write callback is set.
  /// With a resume offset a 416 answer leaves the file alone and succeeds (the
  /// file was complete), as curl -C does.
  basic_transfer& set_output_file(const std::filesystem::path& path) {
    writable().output_file = path.string();
    return *this;
  }
  /// Asks for the body from byte `offset` on (`Range: bytes=offset-`, curl's
  /// -C). A 200 answer instead of 206 ends with errc::range_error; a 416 means
  /// the body is complete already: success (with fail_on_error too), its error
  /// page not delivered (as curl). 0 = whole body.
  basic_transfer& set_resume_from(std::uint64_t offset) {
    writable().resume_from = offset;
    return *this;
  }
  /// Fails with errc::filesize_exceeded when the body is larger than `bytes`,
  /// before reading it when Content-Length tells; 0 = no limit.
  basic_transfer& set_max_filesize(std::uint64_t bytes) {
    writable().max_filesize = bytes;
    return *this;
  }
  /// Asks for compressed bodies and decodes them while they stream (curl's
  /// --compressed): sends `Accept-Encoding` with every coding this build
  /// decodes (gzip, deflate, br, zstd: see the README) and decodes up to five
  /// chained codings. Corrupt data ends with errc::bad_content_encoding.
  basic_transfer& set_accept_encoding(bool on) {
    writable().accept_encoding = on ? std::string(detail::content_decoder::accept_encoding_value()) : std::string();
    return *this;
  }
  /// As above with an explicit Accept-Encoding value; empty turns decoding off.
  basic_transfer& set_accept_encoding(std::string_view value) {
    writable().accept_encoding = value;
    return *this;
  }
  /// Bytes each coding of a compressed body may produce before the transfer
  /// ends with errc::too_large: the guard against decompression bombs (default
  /// 1 GiB); 0 = no limit (max_filesize also counts decoded bytes).
  basic_transfer& set_max_decoded_size(std::uint64_t bytes) {
    writable().max_decoded_size = bytes;
    return *this;
  }
  /// Whether this transfer uses its multi's cookie jar (multi::set_cookie_jar;
  /// on by default): sends its cookies and stores what responses set.
  basic_transfer& set_cookies_enabled(bool on) {
    writable().use_cookies = on;
    return *this;
  }
  /// Receives every response's header fields as they arrive.
  basic_transfer& set_header_callback(header_callback callback) {
    writable().on_header_field = std::move(callback);
    return *this;
  }
  /// Reports progress; returning false aborts with errc::aborted_by_callback.
  basic_transfer& set_progress_callback(progress_callback callback) {
    writable().on_progress = std::move(callback);
    return *this;
  }
  /// Receives a trace of the transfer (curl's -v and DEBUGFUNCTION). An
  /// exception it throws ends the transfer with errc::aborted_by_callback.
  basic_transfer& set_debug_callback(debug_callback callback) {
    auto& t = writable();
    if (!callback) {
      t.on_debug = nullptr;
      return *this;
    }
    // The trace is shown from deep inside the engine: an exception must stop here.
    t.on_debug = [callback = std::move(callback), &t](debug_kind kind, std::string_view data) {
      try {
        callback(kind, data);
      } catch (const std::exception& e) {
        t.abort_from_callback(std::string("debug callback threw: ") + e.what());
      } catch (...) {
        t.abort_from_callback("debug callback threw");
      }
    };
    return *this;
  }
  /// Streamed bodies of at least `threshold` bytes, or of unknown size, are
  /// announced with `Expect: 100-continue` and sent after the server's 100 or
  /// after `timeout` (defaults 1 MiB and 1 s, as curl). A user Expect field
  /// wins: an empty one turns it off.
  basic_transfer& set_expect_continue(std::uint64_t threshold, std::chrono::milliseconds timeout) {
    auto& t = writable();
    t.expect_threshold = threshold;
    t.expect_timeout = timeout;
    return *this;
  }

  // ---- response and results

  /// The final response's status code, 0 when none arrived.
  int status() const noexcept { return impl_->status; }
  /// The final response's reason phrase ("OK"), possibly empty.
  const std::string& reason() const noexcept { return impl_->reason; }
  /// The final response's header fields (and trailer fields), in order of arrival.
  const headers& response_headers() const noexcept { return impl_->response_headers; }
  /// The response body, when no write callback was set.
  const std::string& body() const noexcept { return impl_->response_body; }
  /// Moves the collected body out (the transfer keeps an empty one).
  std::string take_body() noexcept { return std::move(impl_->response_body); }
  /// The result of the last completion (empty error_code = success).
  std::error_code result() const noexcept { return impl_->result; }
  /// A sentence that says what went wrong, as curl's error buffer; empty on success.
  const std::string& error_detail() const noexcept { return impl_->error_detail; }
  const transfer_info& info() const noexcept { return impl_->info; }
  transfer_state state() const noexcept { return impl_->state; }
  /// Whether the transfer is in a multi (running, or finished with its message not yet removed).
  bool in_multi() const noexcept { return impl_ && impl_->engine != nullptr; }

  /// Whether receiving is paused (by pause() or by the write callback).
  bool paused() const noexcept { return impl_->paused; }
  /// Whether either direction is paused.
  bool is_paused() const noexcept { return impl_->is_paused(); }
  /// Pauses a running transfer (curl's curl_easy_pause): while receiving is
  /// paused no body byte is delivered and the socket is not read; while
  /// sending is paused no more request body goes out. Idle and low-speed
  /// timeouts do not run while paused; the total one does. Call it on the
  /// multi's thread, from a callback of this transfer too; nothing happens
  /// when the transfer is not running.
  void pause(pause_direction directions = pause_direction::both) noexcept {
    if (!impl_ || !impl_->engine || impl_->state == transfer_state::done)
      return;
    const auto bits = static_cast<unsigned>(directions);
    if (bits & static_cast<unsigned>(pause_direction::recv))
      impl_->paused = true;
    if (bits & static_cast<unsigned>(pause_direction::send))
      impl_->send_paused = true;
  }
  /// Continues a paused transfer; refused body bytes are offered again first,
  /// every byte in order. Call it on the multi's thread (from a callback
  /// too); it takes effect in the next perform()/poll().
  void resume(pause_direction directions = pause_direction::both) {
    if (!impl_ || !impl_->engine)
      return;
    impl_->clear_pause(directions);
    impl_->engine->resume(*impl_);
  }

private:
  template <class>
  friend class basic_multi;
  template <class>
  friend class basic_multi_remote;

  detail::transfer_impl& impl() noexcept { return *impl_; }

  detail::transfer_impl& writable() {
    if (impl_->engine != nullptr && impl_->state != transfer_state::done)
      throw std::logic_error("xfer: a running transfer cannot be changed; remove it first");
    impl_->request_head_valid = false;
    impl_->routing_engine = nullptr; // URL or TLS settings may change: route again
    return *impl_;
  }

  static void clear_body_source(detail::transfer_impl& t) {
    t.body_kind = detail::body_source::none;
    t.body_data.clear();
    t.body_reader = nullptr;
    t.body_rewind = nullptr;
    t.body_file.clear();
    t.body_content_type.clear();
    t.body_form.reset();
    t.body_size.reset();
  }

  void detach() noexcept {
    if (impl_ && impl_->engine)
      impl_->engine->detach(*impl_);
  }

  detail::ref<detail::transfer_impl> impl_;
};

/// A transfer for multis on an io_context.
using transfer = basic_transfer<asio::io_context::executor_type>;

} // namespace xfer
