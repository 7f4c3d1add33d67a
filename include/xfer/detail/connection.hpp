// xfer/detail/connection.hpp - one TCP connection: connect, send requests, read and parse responses.
#pragma once

#include <xfer/detail/connect_route.hpp>
#include <xfer/detail/connection_control.hpp>
#include <xfer/detail/happy_eyeballs.hpp>
#include <xfer/detail/multi_connect_state.hpp>
#include <xfer/detail/progress_watch.hpp>
#include <xfer/detail/read_buffer.hpp>
#include <xfer/fault_injection.hpp>
#include <xfer/detail/ref_counted.hpp>
#include <xfer/detail/tls_context.hpp>
#include <xfer/detail/tls_verification.hpp>
#include <xfer/detail/transfer_impl.hpp>
#include <xfer/http1/request_writer.hpp>

#include <xfer/detail/asio.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace xfer::detail {

template <class Executor>
class engine;

/// One connection to an origin, carrying one request at a time (HTTP/1.1),
/// over TCP or over TLS on that TCP socket (the layer a proxy tunnel will
/// sit under).
/// While it carries a transfer it keeps a read outstanding (except while the
/// transfer is paused); while idle in the pool it has no operation pending.
/// Every handler holds a ref to the connection and returns at once when the
/// connection was closed or its engine is gone.
template <class Executor>
class connection final : public ref_counted {
public:
  /// A stream socket of any family: TCP over IPv4 or IPv6, or a Unix domain socket.
  using socket_type = asio::basic_stream_socket<asio::generic::stream_protocol, Executor>;
  using resolver_type = asio::ip::basic_resolver<asio::ip::tcp, Executor>;
  using timer_type =
      asio::basic_waitable_timer<std::chrono::steady_clock,
                                 asio::wait_traits<std::chrono::steady_clock>, Executor>;

  using tls_stream_type = asio::ssl::stream<socket_type&>;

  /// Where the connection is in its life.
  enum class phase { resolving, connecting, tls_handshake, active, idle, closed };

  /// A connection for `key`; with `tls` it speaks TLS with that context.
  connection(engine<Executor>& owner, const std::string& key, const Executor& ex,
             std::shared_ptr<tls_context> tls)
      : owner_(&owner), key_(key), socket_(ex), timer_(ex), continue_timer_(ex), tls_context_(std::move(tls)) {}

  const std::string& key() const noexcept { return key_; }
  phase current_phase() const noexcept { return phase_; }
  transfer_impl* current() const noexcept { return current_.get(); }
  bool was_used() const noexcept { return requests_started_ > 0; }
  std::chrono::steady_clock::time_point idle_since() const noexcept { return idle_since_; }

  /// The connection's number within its multi, from 1 (info.connection_id).
  std::uint64_t id = 0;
  /// Position in the engine's list of open connections (for O(1) removal).
  std::size_t open_index = 0;
  /// The engine's pool slot this connection counts in; null once closed.
  void* pool_slot = nullptr;

  /// The engine is going away: close and never call it again.
  void orphan() noexcept {
    owner_ = nullptr;
    close_socket();
  }

  /// Resolves and connects for `t`, then sends its request.
  void start_connect(transfer_impl& t) {
    bind(t);
    const auto now = std::chrono::steady_clock::now();
    opened_at_ = now;
    connect_deadline_ = t.time_limits.connect.count() > 0 ? now + t.time_limits.connect : never();
    target_ = host_port{std::string(t.target.host()), t.target.port()};
    std::string error;
    if (!apply_connect_to(t.connect.connect_to, target_, error)) {
      fail_later(errc::bad_function_argument, std::move(error));
      return;
    }
    if (!t.connect.unix_socket_path.empty()) {
      connect_unix(t);
      return;
    }
    addresses_.clear();
    std::vector<std::string> overrides;
    bool overridden = false;
    if (!find_resolve_override(t.connect.resolve, target_, overrides, overridden, error)) {
      fail_later(errc::bad_function_argument, std::move(error));
      return;
    }
    if (overridden) {
      for (const auto& text : overrides)
        addresses_.push_back(asio::ip::make_address(text));
      trace(t, [&] { return "Using the resolve override for " + target_.host + ":" + std::to_string(target_.port); });
      connect_to_addresses();
      return;
    }
    asio::error_code ec;
    auto address = asio::ip::make_address(target_.host, ec);
    if (!ec) {
      addresses_.push_back(address);
      connect_to_addresses();
      return;
    }
    auto& dns = owner_->connect_state().dns;
    if (const auto* cached = dns.find(target_.host, target_.port, t.connect.ip, now)) {
      addresses_ = *cached;
      trace(t, [&] { return "Hostname " + target_.host + " was found in DNS cache"; });
      connect_to_addresses();
      return;
    }
    set_phase(phase::resolving, transfer_state::resolving);
    dns_deadline_ = t.time_limits.dns.count() > 0 ? now + t.time_limits.dns : never();
    arm_timer();
    if (auto fault = injected(io_operation::resolve); fault.error || fault.delay.count() > 0) {
      post_completion_after(fault.delay, [fault](connection& c) {
        if (fault.error)
          c.on_resolved(fault.error, {});
        else
          c.resolve_now();
      });
      return;
    }
    resolve_now();
  }

  /// Sends `t`'s request over this connection, which is idle and open.
  void start_reuse(transfer_impl& t) {
    bind(t);
    start_request();
    start_read();
  }

  /// Continues what is no longer paused: offers held body bytes again and
  /// reads on; sends the rest of the request body.
  void resume() {
    if (phase_ == phase::closed || !current_)
      return;
    asio::post(socket_.get_executor(), [self = ref<connection>(this)] {
      if (self->phase_ != phase::active || !self->current_)
        return;
      transfer_impl& t = *self->current_;
      if (self->send_stalled_ && !t.send_paused && !self->writing_) {
        self->send_stalled_ = false;
        self->send_next_body_piece(t);
        if (self->phase_ != phase::active || self->current_.get() != &t)
          return;
      }
      if (!t.paused)
        self->process_input();
    });
  }

  /// Closes the socket and cancels every operation; the engine is told by the caller.
  void close_socket() noexcept {
    phase_ = phase::closed;
    asio::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    race_.close_all();
    timer_.cancel();
    continue_timer_.cancel();
    if (resolver_)
      resolver_->cancel();
    current_.reset();
  }

  /// Detaches the current transfer without finishing it (it was removed by the user).
  void drop_transfer() noexcept { current_.reset(); }

  /// Marks the connection idle after a response. An idle connection has no
  /// operation outstanding, so it never keeps a user's io_context running.
  void make_idle() {
    current_.reset();
    phase_ = phase::idle;
    idle_since_ = std::chrono::steady_clock::now();
  }

  /// Whether an idle connection may carry another request at `now`: not idle
  /// too long, not older than the multi's maximum lifetime, and alive.
  bool reusable(std::chrono::steady_clock::time_point now, const multi_options& options) noexcept {
    if (now - idle_since_ > options.max_idle_time)
      return false;
    if (outlived(now, options))
      return false;
    return looks_alive();
  }

  /// Whether the connection is older than the multi's maximum lifetime at `now`.
  bool outlived(std::chrono::steady_clock::time_point now, const multi_options& options) const noexcept {
    return options.max_connection_lifetime.count() > 0 && now - opened_at_ > options.max_connection_lifetime;
  }

  /// Whether an idle connection still looks usable: the server has neither
  /// closed it nor sent bytes nobody asked for (say, a body after a 204 or a
  /// HEAD response, which must never be read as the next response). One
  /// non-blocking peek before each reuse, as curl checks a connection.
  bool looks_alive() noexcept {
    if (tls_) {
      // Bytes may already sit inside the TLS layer, read from the socket with
      // the last response's records: decrypted, or raw and not yet processed.
      SSL* ssl = tls_->native_handle();
      if (SSL_pending(ssl) > 0 || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0)
        return false;
    }
    char probe;
    const auto n = ::recv(socket_.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

private:
  static constexpr std::chrono::steady_clock::time_point never() noexcept {
    return std::chrono::steady_clock::time_point::max();
  }

  void bind(transfer_impl& t) {
    current_ = ref<transfer_impl>(&t);
    t.connection = this;
    // The total timeout counts from here (no clock read per request without one).
    if (t.time_limits.total.count() > 0 && t.left_queue_at == std::chrono::steady_clock::time_point{})
      t.left_queue_at = std::chrono::steady_clock::now();
    t.info.connection_reused = was_used();
    t.info.connection_id = id;
    if (was_used()) {
      record_addresses(t);
      trace(t, [&] { return "Re-using existing connection #" + std::to_string(id) + " with host " +
                            std::string(t.target.host()); });
    }
    if (tls_ && was_used()) {
      record_tls_info(t);
      t.info.tls_session_resumed = false; // no handshake for this transfer
    }
  }

  void set_phase(phase p, transfer_state s) {
    phase_ = p;
    if (current_)
      current_->set_state(s);
  }

  // ---- resolve and connect

  void resolve_now() {
    if (!owner_ || phase_ != phase::resolving || !current_)
      return;
    resolver_.emplace(socket_.get_executor());
    auto handler = [self = ref<connection>(this)](const asio::error_code& error,
                                                  typename resolver_type::results_type results) {
      self->on_resolved(error, std::move(results));
    };
    const std::string port = std::to_string(target_.port);
    switch (current_->connect.ip) {
    case ip_version::v4: resolver_->async_resolve(asio::ip::tcp::v4(), target_.host, port, std::move(handler)); break;
    case ip_version::v6: resolver_->async_resolve(asio::ip::tcp::v6(), target_.host, port, std::move(handler)); break;
    case ip_version::any: resolver_->async_resolve(target_.host, port, std::move(handler)); break;
    }
  }

  void on_resolved(const asio::error_code& error, typename resolver_type::results_type results) {
    if (!owner_ || phase_ != phase::resolving || !current_)
      return;
    if (error) {
      fail(errc::couldnt_resolve_host, "Could not resolve host: " + target_.host + " (" + error.message() + ")");
      return;
    }
    addresses_.clear();
    for (const auto& entry : results)
      if (std::find(addresses_.begin(), addresses_.end(), entry.endpoint().address()) == addresses_.end())
        addresses_.push_back(entry.endpoint().address());
    const auto ttl = owner_->options().dns_cache_timeout;
    if (ttl.count() > 0 && !addresses_.empty()) {
      owner_->connect_state().dns.store(target_.host, target_.port, current_->connect.ip, addresses_,
                                        std::chrono::steady_clock::now(), ttl);
      trace(*current_, [&] { return "Added " + target_.host + ":" + std::to_string(target_.port) + " to DNS cache"; });
    }
    current_->info.timing.name_lookup = current_->since_start();
    connect_to_addresses();
  }

  /// Races connection attempts over addresses_ (Happy Eyeballs, RFC 8305).
  void connect_to_addresses() {
    transfer_impl& t = *current_;
    set_phase(phase::connecting, transfer_state::connecting);
    auto ordered = interleave_families(addresses_, t.connect.ip);
    if (ordered.empty()) {
      fail_later(errc::couldnt_resolve_host, "Could not resolve host: " + target_.host + " (no " +
                                                 (t.connect.ip == ip_version::v4 ? "IPv4" : "IPv6") + " address)");
      return;
    }
    trace(t, [&] {
      std::string text;
      for (const auto& address : ordered)
        text.append(text.empty() ? "  Trying " : ", ")
            .append(address.is_v6() ? "[" + address.to_string() + "]" : address.to_string())
            .append(":")
            .append(std::to_string(target_.port));
      return text + "...";
    });
    if (auto fault = injected(io_operation::connect); fault.error) {
      post_completion([fault](connection& c) { c.fail_connect(errc::couldnt_connect, fault.error.message()); });
      return;
    }
    race_.reset(std::move(ordered), t.connect.happy_eyeballs_delay, t.time_limits.connect_attempt);
    // From a handler: a failure to open or bind a socket never ends the transfer inside the call that started it.
    post_completion([](connection& c) {
      if (c.owner_ && c.phase_ == phase::connecting && c.current_)
        c.advance_race(std::chrono::steady_clock::now());
    });
  }

  /// Starts the attempts that are due, times out the overdue ones, and fails
  /// the connection when every address was tried.
  void advance_race(std::chrono::steady_clock::time_point now) {
    race_.expire(now);
    while (race_.next_due(now) && phase_ == phase::connecting)
      start_attempt(now);
    if (phase_ != phase::connecting)
      return;
    if (race_.lost()) {
      if (race_.timed_out())
        fail_connect(errc::operation_timedout, race_.last_error() + " (connect attempt timeout)");
      else
        fail_connect(errc::couldnt_connect, race_.last_error());
      return;
    }
    arm_timer();
  }

  void start_attempt(std::chrono::steady_clock::time_point now) {
    const std::size_t index = race_.start_next(now, [&] { return socket_type(socket_.get_executor()); });
    auto& attempt = race_.at(index);
    const asio::generic::stream_protocol::endpoint endpoint(asio::ip::tcp::endpoint(attempt.address, target_.port));
    asio::error_code ec;
    attempt.socket.open(endpoint.protocol(), ec);
    if (ec) {
      race_.fail(index, "Failed to open a socket for " + attempt.address.to_string() + ": " + ec.message(), false);
      return;
    }
    std::string error;
    if (!bind_local_end(attempt.socket.native_handle(), attempt.address.is_v4() ? AF_INET : AF_INET6,
                        current_->connect, error)) {
      race_.close_all();
      fail(errc::interface_failed, std::move(error));
      return;
    }
    attempt.socket.async_connect(endpoint, [self = ref<connection>(this), index](const asio::error_code& e) {
      self->on_attempt(index, e);
    });
  }

  void on_attempt(std::size_t index, const asio::error_code& error) {
    if (!owner_ || phase_ != phase::connecting || !current_ || !race_.at(index).running)
      return;
    if (error) {
      const auto address = race_.at(index).address;
      race_.fail(index,
                 "Failed to connect to " + target_.host + " port " + std::to_string(target_.port) + " (" +
                     address.to_string() + "): " + error.message(),
                 false);
      trace(*current_, [&] { return race_.last_error(); });
      advance_race(std::chrono::steady_clock::now());
      return;
    }
    socket_ = race_.take_winner(index);
    on_connected();
  }

  /// Connects to connect.unix_socket_path (a stream socket; no DNS, no Happy Eyeballs).
  void connect_unix(transfer_impl& t) {
    set_phase(phase::connecting, transfer_state::connecting);
    trace(t, [&] { return "  Trying " + t.connect.unix_socket_path + "..."; });
    if (auto fault = injected(io_operation::connect); fault.error) {
      post_completion([fault](connection& c) { c.fail_connect(errc::couldnt_connect, fault.error.message()); });
      return;
    }
    const asio::generic::stream_protocol::endpoint endpoint{
        asio::local::stream_protocol::endpoint(t.connect.unix_socket_path)};
    arm_timer();
    socket_.async_connect(endpoint, [self = ref<connection>(this)](const asio::error_code& error) {
      if (!self->owner_ || self->phase_ != phase::connecting || !self->current_)
        return;
      if (error) {
        self->fail_connect(errc::couldnt_connect,
                           "Failed to connect to " + self->current_->connect.unix_socket_path + ": " + error.message());
        return;
      }
      self->on_connected();
    });
  }

  /// No connection could be made: `detail` says why.
  void fail_connect(errc code, std::string detail) {
    if (!current_)
      return;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                               opened_at_);
    if (code == errc::couldnt_connect && detail.find("Failed to connect") != 0)
      detail = "Failed to connect to " + target_.host + " port " + std::to_string(target_.port) + " after " +
               std::to_string(elapsed.count()) + " ms: " + detail;
    fail(code, std::move(detail));
  }

  void on_connected() {
    if (!owner_ || phase_ == phase::closed || !current_)
      return;
    transfer_impl& t = *current_;
    asio::error_code ignored;
    const bool tcp = t.connect.unix_socket_path.empty();
    if (tcp) {
      socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
      if (t.connect.tcp_keepalive)
        set_tcp_keepalive(socket_.native_handle(), t.connect.keepalive_idle, t.connect.keepalive_interval);
    }
    t.info.timing.connect = t.since_start();
    remember_addresses();
    record_addresses(t);
    trace(t, [&] {
      return "Connected to " + target_.host + " (" + (tcp ? remote_ip_ : t.connect.unix_socket_path) + ") port " +
             std::to_string(tcp ? remote_port_ : target_.port) + " (#" + std::to_string(id) + ")";
    });
    if (tls_context_) {
      start_handshake();
      return;
    }
    start_read();
    start_request();
  }

  // ---- TLS

  void start_handshake() {
    transfer_impl& t = *current_;
    set_phase(phase::tls_handshake, transfer_state::tls_handshake);
    if (t.time_limits.tls_handshake.count() > 0) {
      tls_deadline_ = std::chrono::steady_clock::now() + t.time_limits.tls_handshake;
      arm_timer();
    }
    tls_.emplace(socket_, tls_context_->context());
    SSL* ssl = tls_->native_handle();
    const std::string host(t.target.host());
    asio::error_code not_an_address;
    asio::ip::make_address(host, not_an_address);
    host_is_ip_ = !not_an_address;
    // Sessions are cached under the pool key: origin plus TLS configuration.
    SSL_set_ex_data(ssl, tls_context::session_key_index(), &key_);
    if (!prepare_tls_connection(ssl, host, host_is_ip_, t.tls)) {
      fail(errc::ssl_connect_error, "could not set up TLS for host " + host);
      return;
    }
    if (auto* sessions = tls_context_->sessions())
      sessions->apply(key_, ssl);
    if (auto fault = injected(io_operation::handshake); fault.error) {
      post_completion([fault](connection& c) { c.on_handshake(fault.error); });
      return;
    }
    tls_->async_handshake(asio::ssl::stream_base::client,
                          [self = ref<connection>(this)](const asio::error_code& error) {
                            self->on_handshake(error);
                          });
  }

  void on_handshake(const asio::error_code& error) {
    if (!owner_ || phase_ == phase::closed || !current_)
      return;
    transfer_impl& t = *current_;
    SSL* ssl = tls_->native_handle();
    if (error) {
      if (auto* sessions = tls_context_->sessions())
        sessions->erase(key_);
      std::string reason = verification_failure(ssl);
      if (!reason.empty() && !t.tls.insecure_skip_peer_verification) {
        fail(errc::peer_failed_verification, std::move(reason));
        return;
      }
      fail(errc::ssl_connect_error, "TLS connect error: " + error.message());
      return;
    }
    if (t.tls.insecure_skip_peer_verification && !t.tls.insecure_skip_hostname_verification &&
        !host_matches_without_chain(ssl, std::string(t.target.host()), host_is_ip_)) {
      fail(errc::peer_failed_verification, "SSL: certificate subject name does not match target host name '" +
                                               std::string(t.target.host()) + "'");
      return;
    }
    if (!t.tls.pinned_public_key.empty() && !pin_matches(ssl, t.tls.pinned_public_key)) {
      fail(errc::ssl_pinnedpubkeynotmatch, "SSL: public key does not match pinned public key");
      return;
    }
    record_tls_info(t);
    t.info.timing.tls_handshake = t.since_start();
    trace(t, [&] {
      return "SSL connection using " + t.info.tls_version + " / " + t.info.tls_cipher +
             (t.info.tls_session_resumed ? " (session resumed)" : "") +
             (t.info.alpn_protocol.empty() ? std::string("; ALPN: server did not agree on a protocol")
                                           : "; ALPN: server accepted " + t.info.alpn_protocol);
    });
    start_read();
    start_request();
  }

  /// Keeps the connection's two addresses as text, once per connection.
  void remember_addresses() {
    asio::error_code ec;
    const auto remote = socket_.remote_endpoint(ec);
    if (!ec)
      socket_address_text(remote.data(), remote_ip_, remote_port_);
    const auto local = socket_.local_endpoint(ec);
    if (!ec)
      socket_address_text(local.data(), local_ip_, local_port_);
  }

  void record_addresses(transfer_impl& t) const {
    if (t.addresses_from == id)
      return;
    t.addresses_from = id;
    t.info.primary_ip.assign(remote_ip_);
    t.info.primary_port = remote_port_;
    t.info.local_ip.assign(local_ip_);
    t.info.local_port = local_port_;
  }

  void record_tls_info(transfer_impl& t) {
    SSL* ssl = tls_->native_handle();
    t.info.tls_version = SSL_get_version(ssl);
    t.info.tls_cipher = SSL_get_cipher_name(ssl);
    t.info.tls_session_resumed = SSL_session_reused(ssl) == 1;
    const unsigned char* alpn = nullptr;
    unsigned int alpn_size = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_size);
    t.info.alpn_protocol.assign(reinterpret_cast<const char*>(alpn), alpn_size);
  }

  // ---- request

  void start_request() {
    transfer_impl& t = *current_;
    phase_ = phase::active;
    ++requests_started_;
    ++t.info.attempts;
    t.set_state(transfer_state::sending);
    t.parser.reset(t.current_method() == "HEAD");
    upload_finished_ = false;
    keep_alive_ = true;
    awaiting_continue_ = false;
    t.continue_received = false;
    auto& shared = owner_->connect_state();
    recv_capped_ = t.recv_limiter.limited() || shared.recv.limited();
    const bool send_capped = t.send_limiter.limited() || shared.send.limited();
    body_in_pieces_ = t.sends_body() && (t.body_kind != body_source::memory || send_capped);
    send_stalled_ = false;
    read_throttled_ = false;
    send_throttled_ = false;
    start_request_clock(t);
    // On a new connection the request follows the connect (or the handshake)
    // at once; on a reused one it is measured (after a queue or a redirect).
    t.info.timing.pre_transfer = t.info.connection_reused ? t.since_start()
                                 : tls_                   ? t.info.timing.tls_handshake
                                                          : t.info.timing.connect;
    std::error_code ec;
    if (!t.build_request_head(ec)) {
      fail(errc::bad_function_argument, "Invalid request: " + ec.message(), false);
      return;
    }
    write_buffers buffers{asio::buffer(t.request_head), asio::const_buffer(), asio::const_buffer()};
    const bool memory_body = t.sends_body() && !body_in_pieces_;
    if (memory_body) {
      buffers[1] = asio::buffer(t.body_data);
      t.upload_offset = t.body_data.size();
    } else if (t.expects_continue()) {
      awaiting_continue_ = true;
    }
    if (t.on_debug) {
      callback_scope scope(*owner_);
      t.on_debug(debug_kind::header_out, t.request_head);
      if (memory_body && !t.body_data.empty())
        t.on_debug(debug_kind::data_out, t.body_data);
    }
    write(buffers);
  }

  /// Up to three buffers written in order with one gather write; unused ones
  /// stay empty. One type for every write keeps the instantiations (and the
  /// compile time) down.
  using write_buffers = std::array<asio::const_buffer, 3>;

  void write(const write_buffers& buffers) {
    writing_ = true;
    if (auto fault = injected(io_operation::write); fault.error) {
      post_completion([fault](connection& c) { c.on_written(fault.error); });
      return;
    }
    auto handler = [self = ref<connection>(this)](const asio::error_code& error, std::size_t n) {
      self->bytes_moved_ += n;
      self->on_written(error);
    };
    if (tls_)
      asio::async_write(*tls_, buffers, std::move(handler));
    else
      asio::async_write(socket_, buffers, std::move(handler));
  }

  void on_written(const asio::error_code& error) {
    writing_ = false;
    if (!owner_ || phase_ == phase::closed)
      return;
    if (!current_)
      return;
    transfer_impl& t = *current_;
    if (error) {
      if (retry_on_stale(t))
        return;
      fail(errc::send_error, "Failed sending the request: " + error.message());
      return;
    }
    t.info.bytes_uploaded = t.upload_offset;
    if (t.on_progress) {
      callback_scope scope(*owner_);
      if (!t.report_progress()) {
        fail(errc::aborted_by_callback, t.error_detail);
        return;
      }
    }
    if (t.abort_result) {
      fail(static_cast<errc>(t.abort_result.value()), t.error_detail);
      return;
    }
    if (body_in_pieces_ && !upload_finished_) {
      if (awaiting_continue_) {
        wait_for_continue(t);
        return;
      }
      send_next_body_piece(t);
      return;
    }
    upload_finished_ = true;
    if (t.state == transfer_state::sending)
      t.set_state(transfer_state::awaiting_headers);
  }

  /// Starts the request's clocks: the first-byte deadline and the idle and
  /// low-speed watch (no clock read when none of them is set).
  void start_request_clock(const transfer_impl& t) {
    const auto& limits = t.time_limits;
    first_byte_deadline_ = never();
    if (limits.first_byte.count() > 0 || limits.idle.count() > 0 || limits.low_speed_limit != 0) {
      const auto now = std::chrono::steady_clock::now();
      if (limits.first_byte.count() > 0)
        first_byte_deadline_ = now + limits.first_byte;
      watch_.start(limits, now, bytes_moved_);
    } else {
      watch_.stop();
    }
    arm_timer();
  }

  /// The head went out with `Expect: 100-continue`: the body follows a 100
  /// response or the end of the transfer's expect_timeout, whichever comes
  /// first; a final response that comes first means the body is not sent.
  void wait_for_continue(transfer_impl& t) {
    if (t.continue_received) {
      awaiting_continue_ = false;
      send_next_body_piece(t);
      return;
    }
    continue_timer_.expires_after(t.expect_timeout);
    continue_timer_.async_wait([self = ref<connection>(this)](const asio::error_code& error) {
      if (error || !self->owner_ || self->phase_ == phase::closed || !self->current_ ||
          !self->awaiting_continue_ || self->writing_)
        return;
      self->awaiting_continue_ = false;
      if (!self->current_->parser.headers_done())
        self->send_next_body_piece(*self->current_);
    });
  }

  /// A 100 arrived, or the final response started: stop waiting to send the body.
  void continue_or_stop_waiting(transfer_impl& t) {
    if (!awaiting_continue_ || writing_)
      return;
    awaiting_continue_ = false;
    continue_timer_.cancel();
    if (!t.parser.headers_done())
      send_next_body_piece(t);
  }

  void send_next_body_piece(transfer_impl& t) {
    if (t.send_paused) {
      send_stalled_ = true; // resume() sends on
      return;
    }
    constexpr std::size_t piece_size = std::size_t{64} * 1024;
    upload_buffer_.resize(piece_size);
    std::size_t piece = piece_size;
    if (t.send_limiter.limited() || owner_->connect_state().send.limited()) {
      piece = allowance(t.send_limiter, owner_->connect_state().send, piece_size, send_resume_at_);
      if (piece == 0) {
        send_throttled_ = true; // the timer sends on
        arm_timer();
        return;
      }
    }
    const std::size_t n = t.read_body(std::span<char>(upload_buffer_.data(), piece));
    if (n == read_abort) {
      fail(t.body_kind == body_source::file ? errc::file_couldnt_read_file : errc::read_error,
           t.error_detail);
      return;
    }
    if (n > piece) {
      fail(errc::read_error, "read callback returned more bytes than the buffer holds");
      return;
    }
    const auto declared = t.upload_size();
    const bool chunked = !declared;
    if (!chunked && t.upload_offset + n > *declared) {
      fail(errc::read_error, t.body_kind == body_source::callback
                                 ? "read callback returned more bytes than the declared body size"
                                 : "the file to upload changed size while it was sent (it grew)");
      return;
    }
    if (n == 0) {
      if (!chunked && t.upload_offset != *declared) {
        fail(errc::read_error, t.body_kind == body_source::callback
                                   ? "request body ended before its declared size"
                                   : "the file to upload changed size while it was sent (it shrank)");
        return;
      }
      upload_finished_ = true;
      if (chunked) {
        write({asio::buffer(http1::last_chunk)});
        return;
      }
      on_written({});
      return;
    }
    if (t.on_debug) {
      callback_scope scope(*owner_);
      t.on_debug(debug_kind::data_out, std::string_view(upload_buffer_.data(), n));
    }
    t.upload_offset += n;
    t.send_limiter.consume(n);
    owner_->connect_state().send.consume(n);
    if (!chunked) {
      if (t.upload_offset == *declared) {
        if (t.body_file_has_more()) {
          fail(errc::read_error, "the file to upload changed size while it was sent (it grew)");
          return;
        }
        upload_finished_ = true;
      }
      write({asio::buffer(upload_buffer_.data(), n)});
      return;
    }
    write_buffer_.clear();
    http1::write_chunk_header(write_buffer_, n);
    write({asio::buffer(write_buffer_), asio::buffer(upload_buffer_.data(), n),
           asio::buffer(http1::chunk_end)});
  }

  // ---- response

  void start_read() {
    if (reading_ || phase_ == phase::closed)
      return;
    auto space = buffer_.prepare();
    if (recv_capped_ && current_ && owner_) {
      const std::size_t n = allowance(current_->recv_limiter, owner_->connect_state().recv, space.size(),
                                      read_resume_at_);
      if (n == 0) {
        read_throttled_ = true; // the timer reads on
        arm_timer();
        return;
      }
      space = space.first(n);
    }
    reading_ = true;
    if (auto fault = injected(io_operation::read); fault.error || fault.max_read) {
      if (fault.error) {
        post_completion([fault](connection& c) { c.on_read(fault.error, 0); });
        return;
      }
      space = space.first(std::min(space.size(), fault.max_read));
    }
    auto handler = [self = ref<connection>(this)](const asio::error_code& error, std::size_t n) {
      self->on_read(error, n);
    };
    if (tls_)
      tls_->async_read_some(asio::buffer(space.data(), space.size()), std::move(handler));
    else
      socket_.async_read_some(asio::buffer(space.data(), space.size()), std::move(handler));
  }

  void on_read(const asio::error_code& error, std::size_t n) {
    reading_ = false;
    if (!owner_ || phase_ == phase::closed)
      return;
    if (!current_) {
      close_and_report();
      return;
    }
    transfer_impl& t = *current_;
    buffer_.commit(n);
    bytes_moved_ += n;
    if (n != 0)
      first_byte_deadline_ = never();
    if (recv_capped_) {
      t.recv_limiter.consume(n);
      owner_->connect_state().recv.consume(n);
    }
    if (error) {
      on_read_error(t, error);
      return;
    }
    process_input();
  }

  void on_read_error(transfer_impl& t, const asio::error_code& error) {
    if (!t.parser.started() && retry_on_stale(t))
      return;
    // Over TLS, a close without close_notify may be an attacker's cut: a body
    // that ends at the close is then incomplete.
    const bool truncated = error == asio::ssl::error::stream_truncated;
    if (error == asio::error::eof || truncated) {
      if (truncated && t.parser.headers_done() && t.parser.close_delimited()) {
        fail(errc::partial_file, "TLS connection closed without close_notify: the body may be truncated");
        return;
      }
      std::error_code parse_error;
      callback_scope scope(*owner_);
      t.parser.put_eof(t, parse_error);
      if (!parse_error) {
        keep_alive_ = false;
        if (t.abort_result) {
          // The end of a close-delimited body showed a truncated coding, or a callback aborted.
          fail(static_cast<errc>(t.abort_result.value()), t.error_detail);
          return;
        }
        if (t.decoded_output_held())
          return; // the write callback paused with decoded bytes left: resume() finishes
        response_complete();
        return;
      }
      fail(http1::to_errc(static_cast<http1::error>(parse_error.value())), parse_error.message());
      return;
    }
    fail(errc::recv_error, "Failure when receiving data from the peer: " + error.message());
  }

  /// Feeds buffered bytes to the parser; reads more when the response needs it.
  void process_input() {
    ref<connection> keep(this);
    ref<transfer_impl> t = current_;
    if (!t)
      return;
    if (t->decoded_output_held()) {
      bool go_on;
      {
        callback_scope scope(*owner_);
        go_on = t->deliver_held_output();
      }
      if (phase_ == phase::closed || current_ != t || !owner_)
        return;
      if (t->abort_result) {
        fail(static_cast<errc>(t->abort_result.value()), t->error_detail);
        return;
      }
      if (!go_on)
        return; // paused again
      t->paused = false;
    }
    std::error_code parse_error;
    std::size_t consumed;
    {
      callback_scope scope(*owner_);
      consumed = t->parser.put(buffer_.data(), *t, parse_error);
    }
    if (phase_ == phase::closed || current_ != t || !owner_)
      return; // the transfer was removed from inside its callback
    buffer_.consume(consumed);
    if (parse_error) {
      fail(http1::to_errc(static_cast<http1::error>(parse_error.value())), parse_error.message());
      return;
    }
    if (awaiting_continue_ && (t->continue_received || t->parser.headers_done()))
      continue_or_stop_waiting(*t);
    if (t->abort_result) {
      // The write callback aborted, or fail_on_error saw a status >= 400: the body is not
      // wanted, and the connection is closed rather than drained.
      fail(static_cast<errc>(t->abort_result.value()), t->error_detail);
      return;
    }
    if (t->parser.done()) {
      if (t->decoded_output_held())
        return; // the write callback paused with decoded bytes left: resume() finishes
      keep_alive_ = t->parser.keep_alive() && buffer_.size() == 0;
      response_complete();
      return;
    }
    if (t->paused)
      return;
    if (!buffer_.make_room()) {
      fail(errc::too_large, "a response element does not fit the largest read buffer");
      return;
    }
    start_read();
  }

  /// The response is complete: report it, then reuse or close the connection.
  /// A response may end before the request was written in full (an early
  /// error reply, or a final answer instead of 100 Continue): the result
  /// stands and the connection is closed, as curl does. Closing also cancels a
  /// write still in progress, whose buffers belong to the finished transfer.
  void response_complete() {
    ref<connection> keep(this);
    ref<transfer_impl> t = current_;
    const bool request_sent = !writing_ && (upload_finished_ || !body_in_pieces_);
    current_.reset();
    t->connection = nullptr;
    stop_timer();
    if (t->connect.forbid_reuse)
      keep_alive_ = false;
    if (!keep_alive_ || !request_sent)
      close_and_report();
    owner_->transfer_finished(*t, {});
    if (!owner_ || phase_ == phase::closed)
      return;
    owner_->connection_released(*this);
  }

  /// A reused connection that the server had closed before answering: send
  /// the request again on a fresh connection, once, when that is safe. Never
  /// once a response byte arrived: its bytes may have been delivered already.
  bool retry_on_stale(transfer_impl& t) {
    if (requests_started_ < 2 || !t.retryable() || !t.stale_retry_allowed || t.parser.started())
      return false;
    ref<connection> keep(this);
    ref<transfer_impl> hold(&t);
    t.stale_retry_allowed = false;
    t.connection = nullptr;
    current_.reset();
    close_and_report();
    owner_->retry_on_fresh_connection(t);
    return true;
  }

  /// Ends the current transfer with an error and closes the connection.
  void fail(errc code, std::string detail, bool close = true) {
    // `close` is false only when nothing was sent: the connection is still clean.
    ref<connection> keep(this);
    ref<transfer_impl> t = current_;
    current_.reset();
    stop_timer();
    if (t) {
      t->connection = nullptr;
      if (t->error_detail.empty() || (code != errc::write_error && code != errc::http_returned_error))
        t->error_detail = std::move(detail);
      owner_->transfer_finished(*t, code);
    }
    if (!owner_ || phase_ == phase::closed)
      return;
    if (close || (t && t->connect.forbid_reuse))
      close_and_report();
    else
      owner_->connection_released(*this);
  }

  void close_and_report() {
    if (phase_ == phase::closed && !owner_)
      return;
    const bool was_open = phase_ != phase::closed;
    close_socket();
    if (was_open && owner_)
      owner_->connection_closed(*this);
  }

  // ---- timeouts and throttling: one timer, armed for the nearest deadline

  /// The nearest moment something is due: a phase's deadline, the total
  /// one, the next Happy Eyeballs step, a watch tick or the end of a throttle.
  std::chrono::steady_clock::time_point next_deadline() const noexcept {
    auto when = current_ ? current_->total_deadline() : never();
    switch (phase_) {
    case phase::resolving: when = std::min({when, dns_deadline_, connect_deadline_}); break;
    case phase::connecting: when = std::min({when, connect_deadline_, race_.next_deadline()}); break;
    case phase::tls_handshake: when = std::min({when, connect_deadline_, tls_deadline_}); break;
    case phase::active:
      when = std::min({when, first_byte_deadline_, watch_.next_check()});
      if (read_throttled_)
        when = std::min(when, read_resume_at_);
      if (send_throttled_)
        when = std::min(when, send_resume_at_);
      break;
    case phase::idle:
    case phase::closed: return never();
    }
    return when;
  }

  /// Arms the timer for next_deadline(), unless it already fires earlier
  /// (it re-arms itself then): deadlines that move later cost nothing.
  void arm_timer() {
    auto deadline = next_deadline();
    if (deadline == never()) {
      stop_timer();
      return;
    }
    if (timer_armed_ && timer_.expiry() <= deadline)
      return;
    if (injected(io_operation::timer).expire_now) {
      deadline = std::chrono::steady_clock::now();
      forced_expiry_ = true;
    }
    timer_armed_ = true;
    timer_.expires_at(deadline);
    timer_.async_wait([self = ref<connection>(this)](const asio::error_code& error) {
      self->on_timer(error);
    });
  }

  void stop_timer() noexcept {
    watch_.stop();
    read_throttled_ = false;
    send_throttled_ = false;
    if (timer_armed_) {
      timer_.cancel();
      timer_armed_ = false;
    }
  }

  void on_timer(const asio::error_code& error) {
    if (error || !owner_ || phase_ == phase::closed || !current_)
      return;
    const auto now = std::chrono::steady_clock::now();
    if (timer_.expiry() > now)
      return; // re-armed for a later deadline after this wait completed
    timer_armed_ = false;
    ref<connection> keep(this);
    ref<transfer_impl> t = current_;
    if (std::exchange(forced_expiry_, false)) {
      fail_timeout(phase_ == phase::resolving    ? timeout_phase::dns
                   : phase_ == phase::active     ? timeout_phase::total
                                                 : timeout_phase::connect);
      return;
    }
    if (phase_ == phase::connecting && t->connect.unix_socket_path.empty()) {
      advance_race(now);
      if (phase_ != phase::connecting || current_ != t)
        return;
    }
    // The earliest deadline that passed names the phase.
    auto earliest = t->total_deadline();
    auto which = timeout_phase::total;
    const auto consider = [&](std::chrono::steady_clock::time_point at, timeout_phase p) {
      if (at < earliest) {
        earliest = at;
        which = p;
      }
    };
    switch (phase_) {
    case phase::resolving:
      consider(dns_deadline_, timeout_phase::dns);
      consider(connect_deadline_, timeout_phase::connect);
      break;
    case phase::connecting: consider(connect_deadline_, timeout_phase::connect); break;
    case phase::tls_handshake:
      consider(tls_deadline_, timeout_phase::tls_handshake);
      consider(connect_deadline_, timeout_phase::connect);
      break;
    case phase::active: consider(first_byte_deadline_, timeout_phase::first_byte); break;
    case phase::idle:
    case phase::closed: return;
    }
    if (earliest <= now) {
      fail_timeout(which);
      return;
    }
    if (phase_ == phase::active) {
      if (watch_.next_check() <= now) {
        switch (watch_.check(now, bytes_moved_, t->is_paused())) {
        case progress_watch::verdict::idle: fail_timeout(timeout_phase::idle); return;
        case progress_watch::verdict::low_speed: fail_timeout(timeout_phase::low_speed); return;
        case progress_watch::verdict::ok: break;
        }
      }
      if (read_throttled_ && read_resume_at_ <= now) {
        read_throttled_ = false;
        if (!t->paused)
          start_read(); // else resume() reads on
      }
      if (send_throttled_ && send_resume_at_ <= now) {
        send_throttled_ = false;
        if (!writing_) { // else the write's completion sends on
          send_next_body_piece(*t);
          if (phase_ == phase::closed || current_ != t)
            return;
        }
      }
    }
    arm_timer();
  }

  /// The limits that can end a transfer with errc::operation_timedout.
  enum class timeout_phase { dns, connect, tls_handshake, first_byte, idle, low_speed, total };

  /// Ends the current transfer for the timeout of `which`, naming it in the detail.
  void fail_timeout(timeout_phase which) {
    transfer_impl& t = *current_;
    const auto now = std::chrono::steady_clock::now();
    const auto ms = [&](std::chrono::steady_clock::time_point from) {
      return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now - from).count());
    };
    std::string detail;
    switch (which) {
    case timeout_phase::dns:
      detail = "Resolving timed out after " + ms(opened_at_) + " milliseconds (dns timeout)";
      break;
    case timeout_phase::connect:
      detail = "Connection timed out after " + ms(opened_at_) + " milliseconds (connect timeout)";
      break;
    case timeout_phase::tls_handshake:
      detail = "TLS handshake timed out after " +
               std::to_string(t.time_limits.tls_handshake.count()) + " milliseconds (tls handshake timeout)";
      break;
    case timeout_phase::first_byte:
      detail = "No response byte within " + std::to_string(t.time_limits.first_byte.count()) +
               " milliseconds of sending the request (first byte timeout)";
      break;
    case timeout_phase::idle:
      detail = "No byte received or sent for " + std::to_string(watch_.idle_limit().count()) +
               " milliseconds (idle timeout)";
      break;
    case timeout_phase::low_speed:
      detail = "Operation too slow. Less than " + std::to_string(watch_.low_speed_limit()) +
               " bytes/sec transferred the last " + std::to_string(watch_.low_speed_time().count()) +
               " milliseconds (low speed timeout)";
      break;
    case timeout_phase::total:
      detail = "Operation timed out after " + ms(t.left_queue_at) + " milliseconds with " +
               std::to_string(t.info.bytes_downloaded) + " bytes received (total timeout)";
      break;
    }
    fail(errc::operation_timedout, std::move(detail));
  }

  /// Bytes that may move now under `own` and `shared` caps, at most `want`;
  /// 0 (and `resume_at` set) when too few to be worth a system call yet.
  static std::size_t allowance(rate_limiter& own, rate_limiter& shared, std::size_t want,
                               std::chrono::steady_clock::time_point& resume_at) {
    const auto now = std::chrono::steady_clock::now();
    std::size_t n = want;
    std::size_t min_piece = want;
    if (own.limited()) {
      n = own.allowance(now, n);
      min_piece = std::min(min_piece, own.min_piece());
    }
    if (shared.limited()) {
      n = std::min(n, shared.allowance(now, n));
      min_piece = std::min(min_piece, shared.min_piece());
    }
    if (n > 0 && n >= min_piece)
      return n;
    resume_at = now;
    if (own.limited())
      resume_at = std::max(resume_at, own.available_at(now, min_piece));
    if (shared.limited())
      resume_at = std::max(resume_at, shared.available_at(now, min_piece));
    return 0;
  }

  /// Shows the line `make_text()` returns to `t`'s debug callback, if it has one.
  template <class MakeText>
  void trace(transfer_impl& t, MakeText make_text) {
    if (!t.on_debug || !owner_)
      return;
    callback_scope scope(*owner_);
    t.debug_text(make_text());
  }

  /// An injected_fault with its error as Asio's completion handlers take it.
  struct asio_fault {
    asio::error_code error;
    std::size_t max_read = 0;
    bool expire_now = false;
    std::chrono::milliseconds delay{0};
  };

  /// The fault a test injector wants for the next `op`; none without an injector.
  asio_fault injected(io_operation op) {
    fault_injector* injector = owner_ ? owner_->faults() : nullptr;
    if (!injector)
      return {};
    const injected_fault fault = injector->next(op);
    return {to_asio_error_code(fault.error), fault.max_read, fault.expire_now, fault.delay};
  }

  /// Runs `complete(*this)` later on the executor, as an operation's completion would.
  template <class Completion>
  void post_completion(Completion complete) {
    asio::post(socket_.get_executor(), [self = ref<connection>(this), complete]() mutable {
      complete(*self);
    });
  }

  /// Runs `complete(*this)` after `delay` (a test's injected slow operation).
  template <class Completion>
  void post_completion_after(std::chrono::milliseconds delay, Completion complete) {
    if (delay.count() <= 0) {
      post_completion(std::move(complete));
      return;
    }
    auto wait = std::make_shared<timer_type>(socket_.get_executor(), delay);
    wait->async_wait([self = ref<connection>(this), wait, complete](const asio::error_code&) mutable {
      complete(*self);
    });
  }

  /// Ends the current transfer with `code` from a handler (never inside the call that started it).
  void fail_later(errc code, std::string detail) {
    post_completion([code, detail = std::move(detail)](connection& c) mutable {
      if (c.owner_ && c.phase_ != phase::closed && c.current_)
        c.fail(code, std::move(detail));
    });
  }

  /// Marks the engine as inside a user callback for the scope's duration.
  class callback_scope {
  public:
    explicit callback_scope(engine<Executor>& e) noexcept : engine_(e) { engine_.enter_callback(); }
    ~callback_scope() { engine_.leave_callback(); }
    callback_scope(const callback_scope&) = delete;
    callback_scope& operator=(const callback_scope&) = delete;

  private:
    engine<Executor>& engine_;
  };

  engine<Executor>* owner_;
  std::string key_;
  socket_type socket_;
  timer_type timer_;
  timer_type continue_timer_;               ///< Expect: 100-continue wait
  std::optional<resolver_type> resolver_;
  std::shared_ptr<tls_context> tls_context_;
  std::optional<tls_stream_type> tls_;
  bool host_is_ip_ = false;
  host_port target_;                        ///< where the connection goes (after connect_to)
  std::vector<asio::ip::address> addresses_;
  address_race<socket_type> race_;          ///< Happy Eyeballs attempts while connecting
  progress_watch watch_;                    ///< idle and low-speed limits of the request
  std::chrono::steady_clock::time_point opened_at_{};
  std::chrono::steady_clock::time_point dns_deadline_ = never();
  std::chrono::steady_clock::time_point connect_deadline_ = never();
  std::chrono::steady_clock::time_point tls_deadline_ = never();
  std::chrono::steady_clock::time_point first_byte_deadline_ = never();
  std::chrono::steady_clock::time_point read_resume_at_{};
  std::chrono::steady_clock::time_point send_resume_at_{};
  std::uint64_t bytes_moved_ = 0;           ///< both ways, sampled by watch_
  std::string remote_ip_;
  std::string local_ip_;
  std::uint16_t remote_port_ = 0;
  std::uint16_t local_port_ = 0;
  phase phase_ = phase::connecting;
  ref<transfer_impl> current_;
  read_buffer buffer_;
  std::string write_buffer_;
  std::vector<char> upload_buffer_;
  std::chrono::steady_clock::time_point idle_since_{};
  std::size_t requests_started_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool timer_armed_ = false;
  bool upload_finished_ = false;
  bool keep_alive_ = true;
  bool awaiting_continue_ = false;   ///< the body waits for 100 Continue
  bool recv_capped_ = false;         ///< a receive cap applies to the current request
  bool body_in_pieces_ = false;      ///< the body goes out piece by piece (streamed, or under a send cap)
  bool send_stalled_ = false;        ///< sending waits for resume()
  bool read_throttled_ = false;      ///< reading waits for read_resume_at_
  bool send_throttled_ = false;      ///< sending waits for send_resume_at_
  bool forced_expiry_ = false;       ///< a test made the timer fire at once
};

} // namespace xfer::detail
