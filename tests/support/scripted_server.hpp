// An in-process HTTP server for xfer's tests that plays exact, scripted bytes.
//
// The server listens on 127.0.0.1 with an ephemeral port and runs its own io_context on its
// own thread. Every accepted connection runs one script (a list of steps) asynchronously, so
// any number of connections can be served at the same time. All public member functions are
// thread-safe.
#pragma once

#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include <array>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace xfer::test {

/// What one step of a connection script does.
struct step {
  enum class kind {
    read_request,
    read_head,
    read_body,
    send,
    send_slowly,
    delay,
    shutdown_send,
    close,
    reset,
    hold,
    respond_forever,
  };

  kind action = kind::read_request;
  std::string bytes;                     // send, send_slowly, respond_forever
  std::chrono::milliseconds duration{0}; // send_slowly (per byte), delay

  /// Reads one HTTP/1.1 request (head up to CRLFCRLF, then a body by Content-Length or
  /// chunked, trailers included) and records it. Ends the script if the peer closes first.
  static step read_request() { return make(kind::read_request, {}, {}); }
  /// Reads one request head only (up to CRLFCRLF) and records it, leaving its body unread: for
  /// answering before the body, as with `Expect: 100-continue`. Ends the script if the peer closes.
  static step read_head() { return make(kind::read_head, {}, {}); }
  /// Reads the body that the head read by the last read_head announces (Content-Length or
  /// chunked) and appends it to that recorded request. Ends the script if the peer closes first.
  static step read_body() { return make(kind::read_body, {}, {}); }
  /// Writes exactly these bytes.
  static step send(std::string bytes) { return make(kind::send, std::move(bytes), {}); }
  /// Writes these bytes one at a time, waiting `per_byte` between two bytes (TCP_NODELAY is set).
  static step send_slowly(std::string bytes, std::chrono::milliseconds per_byte) {
    return make(kind::send_slowly, std::move(bytes), per_byte);
  }
  static step delay(std::chrono::milliseconds d) { return make(kind::delay, {}, d); }
  /// Half-close: sends FIN; the connection can still read (e.g. a following read_request).
  static step shutdown_send() { return make(kind::shutdown_send, {}, {}); }
  /// Graceful close; ends the script. Sends FIN at once, then discards what the peer still sends
  /// (for at most 1 s) before closing, so that unread request bytes never turn into an RST.
  static step close() { return make(kind::close, {}, {}); }
  /// Abortive close (SO_LINGER {1, 0} then close: the peer gets an RST); ends the script.
  static step reset() { return make(kind::reset, {}, {}); }
  /// Keeps the connection open, reading and discarding, until the server stops or the peer
  /// closes; ends the script.
  static step hold() { return make(kind::hold, {}, {}); }
  /// Loop: read_request, send(response), until the peer closes (a keep-alive server); ends the
  /// script.
  static step respond_forever(std::string response) {
    return make(kind::respond_forever, std::move(response), {});
  }
  /// As respond_forever, with each response made from its request (head and body) by `responder`.
  static step respond_by(std::function<std::string(const std::string& request)> responder) {
    step s = make(kind::respond_forever, {}, {});
    s.responder = std::move(responder);
    return s;
  }

  std::function<std::string(const std::string&)> responder; // respond_by

private:
  static step make(kind k, std::string b, std::chrono::milliseconds d) {
    step s;
    s.action = k;
    s.bytes = std::move(b);
    s.duration = d;
    return s;
  }

public:
};

using script = std::vector<step>;

namespace detail::scripted {

inline char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) {
      return false;
    }
  }
  return true;
}

inline bool icontains(std::string_view haystack, std::string_view needle) noexcept {
  if (needle.size() > haystack.size()) {
    return false;
  }
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (iequals(haystack.substr(i, needle.size()), needle)) {
      return true;
    }
  }
  return false;
}

inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

inline constexpr std::size_t incomplete = 0;
inline constexpr std::size_t malformed = std::string_view::npos;

/// End of a chunked body that starts at `pos`: the offset just past the final CRLF,
/// `incomplete` when more bytes are needed, `malformed` when it cannot be parsed.
inline std::size_t chunked_body_end(std::string_view buf, std::size_t pos) {
  for (;;) {
    const std::size_t eol = buf.find("\r\n", pos);
    if (eol == std::string_view::npos) {
      return incomplete;
    }
    std::string_view size_field = buf.substr(pos, eol - pos);
    size_field = trim(size_field.substr(0, size_field.find(';')));
    std::size_t size = 0;
    const auto [ptr, ec] =
        std::from_chars(size_field.data(), size_field.data() + size_field.size(), size, 16);
    if (size_field.empty() || ec != std::errc() || ptr != size_field.data() + size_field.size()) {
      return malformed;
    }
    pos = eol + 2;
    if (size == 0) {
      // Trailer fields, then an empty line.
      for (;;) {
        const std::size_t end = buf.find("\r\n", pos);
        if (end == std::string_view::npos) {
          return incomplete;
        }
        if (end == pos) {
          return pos + 2;
        }
        pos = end + 2;
      }
    }
    if (size > buf.size() || buf.size() - pos < size + 2) {
      return incomplete;
    }
    if (buf.substr(pos + size, 2) != "\r\n") {
      return malformed;
    }
    pos += size + 2;
  }
}

/// Length of the first complete HTTP/1.1 request at the start of `buf`: `incomplete` (0) while
/// more bytes are needed, `malformed` when it cannot be parsed.
inline std::size_t request_length(std::string_view buf) {
  std::size_t head_end = buf.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    return incomplete;
  }
  head_end += 4;
  const std::string_view head = buf.substr(0, head_end);
  bool chunked = false;
  std::optional<std::size_t> content_length;
  std::size_t line_start = head.find("\r\n") + 2; // past the request line
  while (line_start + 2 < head_end) {
    const std::size_t line_end = head.find("\r\n", line_start);
    const std::string_view line = head.substr(line_start, line_end - line_start);
    line_start = line_end + 2;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    const std::string_view name = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      std::size_t n = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || ptr != value.data() + value.size()) {
        return malformed;
      }
      content_length = n;
    } else if (iequals(name, "transfer-encoding") && icontains(value, "chunked")) {
      chunked = true;
    }
  }
  if (chunked) {
    return chunked_body_end(buf, head_end);
  }
  if (content_length) {
    if (*content_length > buf.size() || buf.size() - head_end < *content_length) {
      return incomplete;
    }
    return head_end + *content_length;
  }
  return head_end;
}

/// State shared by the server object and its connections (guarded by `mutex`).
struct shared_state {
  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::deque<script> scripts;
  script default_script{step::read_request(), step::close()};
  std::size_t accepted = 0;
  std::vector<std::string> requests;

  void record(std::string request) {
    {
      std::lock_guard lock(mutex);
      requests.push_back(std::move(request));
    }
    changed.notify_all();
  }

  /// Replaces the request recorded at `index` (a head completed by its body).
  void rerecord(std::size_t index, std::string request) {
    {
      std::lock_guard lock(mutex);
      requests.at(index) = std::move(request);
    }
    changed.notify_all();
  }

  std::size_t recorded() const {
    std::lock_guard lock(mutex);
    return requests.size();
  }
};

/// One accepted connection running its script. Lives on the server's io thread only.
class connection : public std::enable_shared_from_this<connection> {
 public:
  using tcp = asio::ip::tcp;

  connection(tcp::socket socket, script s, std::shared_ptr<shared_state> state)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), script_(std::move(s)),
        state_(std::move(state)) {}

  void start() { next(); }

  /// Stops at once: cancels the timer and closes the socket (the server is stopping).
  void abort() {
    stopped_ = true;
    close_now();
  }

 private:
  static constexpr std::chrono::seconds linger_timeout{1};

  void next() {
    if (stopped_) {
      return;
    }
    if (index_ == script_.size()) {
      graceful_close();
      return;
    }
    const step& s = script_[index_++];
    switch (s.action) {
    case step::kind::read_request:
      read_request();
      break;
    case step::kind::read_head:
      read_head();
      break;
    case step::kind::read_body:
      read_body();
      break;
    case step::kind::send:
      send(s.bytes);
      break;
    case step::kind::send_slowly:
      slow_pos_ = 0;
      send_slowly(s);
      break;
    case step::kind::delay:
      timer_.expires_after(s.duration);
      timer_.async_wait([self = shared_from_this()](const std::error_code& ec) {
        if (self->stopped_ || ec) {
          return;
        }
        self->next();
      });
      break;
    case step::kind::shutdown_send: {
      std::error_code ec;
      socket_.shutdown(tcp::socket::shutdown_send, ec);
      next();
      break;
    }
    case step::kind::close:
      graceful_close();
      break;
    case step::kind::reset: {
      std::error_code ec;
      socket_.set_option(asio::socket_base::linger(true, 0), ec);
      close_now();
      break;
    }
    case step::kind::hold:
      inbuf_.clear();
      discard_until_closed();
      break;
    case step::kind::respond_forever:
      response_ = &s.bytes;
      responder_ = s.responder ? &s.responder : nullptr;
      read_request();
      break;
    }
  }

  void read_request() {
    const std::size_t n = request_length(inbuf_);
    if (n == malformed) {
      // Record what could not be parsed (helps debugging), then give up on the connection.
      state_->record(std::exchange(inbuf_, {}));
      graceful_close();
      return;
    }
    if (n != incomplete) {
      last_request_ = inbuf_.substr(0, n);
      state_->record(last_request_);
      inbuf_.erase(0, n);
      request_read();
      return;
    }
    socket_.async_read_some(
        asio::buffer(readbuf_),
        [self = shared_from_this()](const std::error_code& ec, std::size_t got) {
          if (self->stopped_) {
            return;
          }
          if (ec) {
            // The peer closed (or reset) before a complete request: the script ends here.
            if (ec == asio::error::eof) {
              self->graceful_close();
            } else {
              self->close_now();
            }
            return;
          }
          self->inbuf_.append(self->readbuf_.data(), got);
          self->read_request();
        });
  }

  /// Reads more bytes into inbuf_, then calls `then`; on EOF or error the script ends.
  template <class Then>
  void read_more(Then then) {
    socket_.async_read_some(
        asio::buffer(readbuf_),
        [self = shared_from_this(), then](const std::error_code& ec, std::size_t got) {
          if (self->stopped_) {
            return;
          }
          if (ec) {
            if (ec == asio::error::eof) {
              self->graceful_close();
            } else {
              self->close_now();
            }
            return;
          }
          self->inbuf_.append(self->readbuf_.data(), got);
          then(*self);
        });
  }

  void read_head() {
    const std::size_t end = inbuf_.find("\r\n\r\n");
    if (end == std::string::npos) {
      read_more([](connection& c) { c.read_head(); });
      return;
    }
    head_ = inbuf_.substr(0, end + 4);
    inbuf_.erase(0, end + 4);
    head_index_ = state_->recorded();
    state_->record(head_);
    next();
  }

  void read_body() {
    const std::string whole = head_ + inbuf_;
    const std::size_t n = request_length(whole);
    if (n == malformed) {
      graceful_close();
      return;
    }
    if (n == incomplete) {
      read_more([](connection& c) { c.read_body(); });
      return;
    }
    inbuf_.erase(0, n - head_.size());
    state_->rerecord(head_index_, whole.substr(0, n));
    next();
  }

  void request_read() {
    if (response_ == nullptr) {
      next();
      return;
    }
    // respond_forever: answer, then wait for the next request.
    if (responder_ != nullptr)
      made_response_ = (*responder_)(last_request_);
    asio::async_write(socket_, asio::buffer(responder_ != nullptr ? made_response_ : *response_),
                      [self = shared_from_this()](const std::error_code& ec, std::size_t) {
                        if (self->stopped_) {
                          return;
                        }
                        if (ec) {
                          self->close_now();
                          return;
                        }
                        self->read_request();
                      });
  }

  void send(const std::string& bytes) {
    asio::async_write(socket_, asio::buffer(bytes),
                      [self = shared_from_this()](const std::error_code& ec, std::size_t) {
                        if (self->stopped_) {
                          return;
                        }
                        if (ec) {
                          self->close_now();
                          return;
                        }
                        self->next();
                      });
  }

  void send_slowly(const step& s) {
    if (slow_pos_ >= s.bytes.size()) {
      next();
      return;
    }
    // `s` lives in script_, which does not change while the connection runs.
    asio::async_write(socket_, asio::buffer(s.bytes.data() + slow_pos_, 1),
                      [self = shared_from_this(), ps = &s](const std::error_code& ec, std::size_t) {
                        if (self->stopped_) {
                          return;
                        }
                        if (ec) {
                          self->close_now();
                          return;
                        }
                        if (++self->slow_pos_ >= ps->bytes.size()) {
                          self->next();
                          return;
                        }
                        self->timer_.expires_after(ps->duration);
                        self->timer_.async_wait([self, ps](const std::error_code& wait_ec) {
                          if (self->stopped_ || wait_ec) {
                            return;
                          }
                          self->send_slowly(*ps);
                        });
                      });
  }

  void discard_until_closed() {
    socket_.async_read_some(asio::buffer(readbuf_),
                            [self = shared_from_this()](const std::error_code& ec, std::size_t) {
                              if (self->stopped_) {
                                return;
                              }
                              if (ec) {
                                self->close_now();
                                return;
                              }
                              self->discard_until_closed();
                            });
  }

  void graceful_close() {
    if (closing_) {
      return;
    }
    closing_ = true;
    std::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
      close_now();
      return;
    }
    inbuf_.clear();
    timer_.expires_after(linger_timeout);
    timer_.async_wait([self = shared_from_this()](const std::error_code& wait_ec) {
      if (!wait_ec) {
        self->close_now();
      }
    });
    discard_until_closed();
  }

  void close_now() {
    closing_ = true;
    timer_.cancel();
    std::error_code ec;
    socket_.close(ec);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  script script_;
  std::shared_ptr<shared_state> state_;
  std::size_t index_ = 0;
  std::size_t slow_pos_ = 0;
  const std::string* response_ = nullptr; // respond_forever's response (points into script_)
  const std::function<std::string(const std::string&)>* responder_ = nullptr; // respond_by's
  std::string last_request_;              // the request being answered
  std::string head_;                      // the head read by the last read_head step
  std::size_t head_index_ = 0;            // its index among the recorded requests
  std::string made_response_;             // respond_by's answer to it
  std::string inbuf_;                     // received, not yet consumed bytes
  std::array<char, 16384> readbuf_{};
  bool stopped_ = false;
  bool closing_ = false;
};

inline const char* reason_phrase(int status) {
  switch (status) {
  case 100:
    return "Continue";
  case 101:
    return "Switching Protocols";
  case 200:
    return "OK";
  case 201:
    return "Created";
  case 202:
    return "Accepted";
  case 204:
    return "No Content";
  case 206:
    return "Partial Content";
  case 301:
    return "Moved Permanently";
  case 302:
    return "Found";
  case 303:
    return "See Other";
  case 304:
    return "Not Modified";
  case 307:
    return "Temporary Redirect";
  case 308:
    return "Permanent Redirect";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 411:
    return "Length Required";
  case 413:
    return "Content Too Large";
  case 416:
    return "Range Not Satisfiable";
  case 417:
    return "Expectation Failed";
  case 429:
    return "Too Many Requests";
  case 500:
    return "Internal Server Error";
  case 501:
    return "Not Implemented";
  case 502:
    return "Bad Gateway";
  case 503:
    return "Service Unavailable";
  case 504:
    return "Gateway Timeout";
  default:
    return "Status";
  }
}

inline std::string
status_and_headers(int status, const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
  for (const auto& [name, value] : headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  return out;
}

} // namespace detail::scripted

using header_list = std::vector<std::pair<std::string, std::string>>;

/// An HTTP/1.1 response with a Content-Length header (left out when extra_headers already has
/// one, so that tests can lie about the length), then extra_headers, then the body.
inline std::string http_response(int status, std::string_view body,
                                 header_list extra_headers = {}) {
  header_list headers;
  bool has_length = false;
  for (const auto& h : extra_headers) {
    has_length = has_length || detail::scripted::iequals(h.first, "content-length");
  }
  if (!has_length) {
    headers.emplace_back("Content-Length", std::to_string(body.size()));
  }
  headers.insert(headers.end(), extra_headers.begin(), extra_headers.end());
  std::string out = detail::scripted::status_and_headers(status, headers);
  out += "\r\n";
  out += body;
  return out;
}

/// A chunked HTTP/1.1 response: "Transfer-Encoding: chunked", then extra_headers, then one chunk
/// per non-empty piece, the last chunk and the trailer fields.
inline std::string chunked_response(int status, const std::vector<std::string>& pieces,
                                    header_list extra_headers = {}, header_list trailers = {}) {
  header_list headers{{"Transfer-Encoding", "chunked"}};
  headers.insert(headers.end(), extra_headers.begin(), extra_headers.end());
  std::string out = detail::scripted::status_and_headers(status, headers);
  out += "\r\n";
  for (const auto& piece : pieces) {
    if (piece.empty()) {
      continue; // an empty chunk would end the body
    }
    std::array<char, 32> hex{};
    const auto [end, ec] = std::to_chars(hex.data(), hex.data() + hex.size(), piece.size(), 16);
    (void)ec;
    out.append(hex.data(), end);
    out += "\r\n";
    out += piece;
    out += "\r\n";
  }
  out += "0\r\n";
  for (const auto& [name, value] : trailers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

/// An HTTP/1.1 server on 127.0.0.1 (ephemeral port) that plays scripts; see the file comment.
class scripted_server {
 public:
  using tcp = asio::ip::tcp;

  /// Binds 127.0.0.1:0 and starts accepting on the server's own thread.
  scripted_server()
      : acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)),
        port_(acceptor_.local_endpoint().port()) {
    accept();
    thread_ = std::thread([this] {
      for (;;) {
        try {
          io_.run();
          return;
        } catch (...) {
          // A handler threw: keep serving (a test server must not die silently mid-test).
        }
      }
    });
  }

  /// Stops: closes the acceptor and every connection, cancels timers, joins the thread.
  ~scripted_server() {
    asio::post(io_, [this] {
      stopping_ = true;
      std::error_code ec;
      acceptor_.close(ec);
      for (auto& weak : connections_) {
        if (auto c = weak.lock()) {
          c->abort();
        }
      }
      connections_.clear();
      io_.stop();
    });
    thread_.join();
  }

  scripted_server(const scripted_server&) = delete;
  scripted_server& operator=(const scripted_server&) = delete;

  std::uint16_t port() const noexcept { return port_; }

  /// "http://127.0.0.1:PORT" + path.
  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  /// The next accepted connection runs `s`; scripts are used in the order added.
  void add_script(script s) {
    std::lock_guard lock(state_->mutex);
    state_->scripts.push_back(std::move(s));
  }

  /// Used by connections accepted when no added script is left (default: read_request + close).
  void set_default_script(script s) {
    std::lock_guard lock(state_->mutex);
    state_->default_script = std::move(s);
  }

  std::size_t connections_accepted() const {
    std::lock_guard lock(state_->mutex);
    return state_->accepted;
  }

  /// Every request received so far (head + body bytes as received), in order of arrival.
  std::vector<std::string> requests() const {
    std::lock_guard lock(state_->mutex);
    return state_->requests;
  }

  /// Blocks until at least n requests were received or the timeout passes; returns whether
  /// they were.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_->mutex);
    return state_->changed.wait_for(lock, timeout, [&] { return state_->requests.size() >= n; });
  }

  /// Blocks until at least n connections were accepted or the timeout passes; returns whether
  /// they were.
  bool wait_for_connections(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_->mutex);
    return state_->changed.wait_for(lock, timeout, [&] { return state_->accepted >= n; });
  }

 private:
  void accept() {
    acceptor_.async_accept([this](const std::error_code& ec, tcp::socket socket) {
      if (stopping_ || ec == asio::error::operation_aborted) {
        return;
      }
      if (!ec) {
        start_connection(std::move(socket));
      }
      accept();
    });
  }

  void start_connection(tcp::socket socket) {
    std::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    script s;
    {
      std::lock_guard lock(state_->mutex);
      ++state_->accepted;
      if (!state_->scripts.empty()) {
        s = std::move(state_->scripts.front());
        state_->scripts.pop_front();
      } else {
        s = state_->default_script;
      }
    }
    state_->changed.notify_all();
    std::erase_if(connections_, [](const auto& weak) { return weak.expired(); });
    auto c =
        std::make_shared<detail::scripted::connection>(std::move(socket), std::move(s), state_);
    connections_.push_back(c);
    c->start();
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  const std::uint16_t port_;
  std::shared_ptr<detail::scripted::shared_state> state_ =
      std::make_shared<detail::scripted::shared_state>();
  // Touched on the io thread only.
  std::vector<std::weak_ptr<detail::scripted::connection>> connections_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace xfer::test
