// TLS peers for xfer's tests where nginx cannot be made to misbehave.
//
// tls_scripted_server: an HTTPS server on 127.0.0.1 (ephemeral port) with its own io_context
// and thread. Each accepted connection does the TLS handshake, reads one request head (up to
// CRLFCRLF; request bodies are not expected), sends the next queued reply's bytes exactly, then
// ends the connection as the reply says:
//   - ending::close_notify: sends a TLS close_notify alert, then closes TCP (proper end);
//   - ending::truncate: closes TCP (FIN) without close_notify (a truncation attack, as far as
//     the client can tell).
// Replies are used in the order added; a connection with no reply left gets a 404 that ends
// with close_notify. The server records each request, the SNI name of each handshake ("" when
// the client sent none) and the number of handshakes that failed.
//
// openssl_s_server: `openssl s_server -www` on 127.0.0.1 with a port picked as nginx_server
// does, with extra arguments (e.g. "-tls1_2"), stopped (SIGTERM, then SIGKILL) by the
// destructor.
#pragma once

#include "nginx_server.hpp" // detail::nginx::pick_port, can_connect, read_file

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/ssl.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include <openssl/ssl.h>

#include <array>
#include <cstdlib>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace xfer::test {

/// An HTTPS server that plays exact replies and ends connections with or without close_notify;
/// see the file comment. All public member functions are thread-safe.
class tls_scripted_server {
 public:
  using tcp = asio::ip::tcp;
  using ssl_stream = asio::ssl::stream<tcp::socket>;

  enum class ending { close_notify, truncate };

  struct reply {
    std::string bytes;
    ending end = ending::close_notify;
  };

  /// Serves with `cert_chain_file` (leaf first) and `key_file` (unencrypted PEM).
  tls_scripted_server(const std::string& cert_chain_file, const std::string& key_file)
      : ssl_(asio::ssl::context::tls_server),
        acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)),
        port_(acceptor_.local_endpoint().port()) {
    ssl_.use_certificate_chain_file(cert_chain_file);
    ssl_.use_private_key_file(key_file, asio::ssl::context::pem);
    accept();
    thread_ = std::thread([this] {
      for (;;) {
        try {
          io_.run();
          return;
        } catch (...) {
          // keep serving
        }
      }
    });
  }

  ~tls_scripted_server() {
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

  tls_scripted_server(const tls_scripted_server&) = delete;
  tls_scripted_server& operator=(const tls_scripted_server&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::string url(std::string_view path = "/") const { return url_for_host("127.0.0.1", path); }
  std::string url_for_host(std::string_view host, std::string_view path = "/") const {
    return "https://" + std::string(host) + ":" + std::to_string(port_) + std::string(path);
  }

  /// The next connection sends `bytes`, then ends as `end` says.
  void add_reply(std::string bytes, ending end) {
    std::lock_guard lock(state_->mutex);
    state_->replies.push_back({std::move(bytes), end});
  }

  std::size_t connections_accepted() const {
    std::lock_guard lock(state_->mutex);
    return state_->accepted;
  }
  std::size_t handshakes_failed() const {
    std::lock_guard lock(state_->mutex);
    return state_->handshakes_failed;
  }
  /// SNI host name of each completed handshake, in order ("" = none sent).
  std::vector<std::string> server_names() const {
    std::lock_guard lock(state_->mutex);
    return state_->server_names;
  }
  /// Request heads received, in order.
  std::vector<std::string> requests() const {
    std::lock_guard lock(state_->mutex);
    return state_->requests;
  }
  /// Connections whose reply was sent and whose ending is done (TCP closed).
  std::size_t connections_finished() const {
    std::lock_guard lock(state_->mutex);
    return state_->finished;
  }
  bool wait_for_finished(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_->mutex);
    return state_->changed.wait_for(lock, timeout, [&] { return state_->finished >= n; });
  }

 private:
  struct shared_state {
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    std::deque<reply> replies;
    std::size_t accepted = 0;
    std::size_t handshakes_failed = 0;
    std::size_t finished = 0;
    std::vector<std::string> server_names;
    std::vector<std::string> requests;

    template <class F>
    void update(F f) {
      {
        std::lock_guard lock(mutex);
        f();
      }
      changed.notify_all();
    }
  };

  class connection : public std::enable_shared_from_this<connection> {
   public:
    connection(tcp::socket socket, asio::ssl::context& ctx, reply r,
               std::shared_ptr<shared_state> state)
        : stream_(std::move(socket), ctx), timer_(stream_.get_executor()), reply_(std::move(r)),
          state_(std::move(state)) {}

    void start() {
      arm_timer(std::chrono::seconds(10)); // no step waits forever
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = shared_from_this()](const std::error_code& ec) {
                                if (self->stopped_) {
                                  return;
                                }
                                if (ec) {
                                  self->state_->update([&] { ++self->state_->handshakes_failed; });
                                  self->close_now();
                                  return;
                                }
                                const char* sni = SSL_get_servername(self->stream_.native_handle(),
                                                                     TLSEXT_NAMETYPE_host_name);
                                self->state_->update([&] {
                                  self->state_->server_names.emplace_back(sni != nullptr ? sni : "");
                                });
                                self->read_request();
                              });
    }

    void abort() {
      stopped_ = true;
      close_now();
    }

   private:
    void arm_timer(std::chrono::milliseconds d) {
      timer_.expires_after(d);
      timer_.async_wait([self = shared_from_this()](const std::error_code& ec) {
        if (!ec) {
          self->close_now();
        }
      });
    }

    void read_request() {
      const std::size_t end = inbuf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        state_->update([&] { state_->requests.push_back(inbuf_.substr(0, end + 4)); });
        send_reply();
        return;
      }
      stream_.async_read_some(asio::buffer(readbuf_),
                              [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
                                if (self->stopped_) {
                                  return;
                                }
                                if (ec) {
                                  self->close_now();
                                  return;
                                }
                                self->inbuf_.append(self->readbuf_.data(), n);
                                self->read_request();
                              });
    }

    void send_reply() {
      asio::async_write(stream_, asio::buffer(reply_.bytes),
                        [self = shared_from_this()](const std::error_code& ec, std::size_t) {
                          if (self->stopped_) {
                            return;
                          }
                          if (ec) {
                            self->close_now();
                            return;
                          }
                          if (self->reply_.end == ending::close_notify) {
                            self->send_close_notify();
                          } else {
                            self->close_tcp_gracefully();
                          }
                        });
    }

    /// SSL_shutdown through asio: writes close_notify, then waits for the peer's (or its
    /// close, or 2 s), then closes TCP.
    void send_close_notify() {
      arm_timer(std::chrono::seconds(2));
      stream_.async_shutdown([self = shared_from_this()](const std::error_code&) {
        if (self->stopped_) {
          return;
        }
        self->close_tcp_gracefully();
      });
    }

    /// FIN now (no TLS alert), then discard raw bytes until the peer closes (at most 1 s), so
    /// that unread bytes never turn the close into an RST.
    void close_tcp_gracefully() {
      if (closing_) {
        return;
      }
      closing_ = true;
      state_->update([&] { ++state_->finished; });
      std::error_code ec;
      stream_.lowest_layer().shutdown(tcp::socket::shutdown_send, ec);
      arm_timer(std::chrono::seconds(1));
      discard();
    }

    void discard() {
      stream_.next_layer().async_read_some(
          asio::buffer(readbuf_), [self = shared_from_this()](const std::error_code& ec, std::size_t) {
            if (self->stopped_) {
              return;
            }
            if (ec) {
              self->close_now();
              return;
            }
            self->discard();
          });
    }

    void close_now() {
      timer_.cancel();
      std::error_code ec;
      stream_.lowest_layer().close(ec);
    }

    ssl_stream stream_;
    asio::steady_timer timer_;
    reply reply_;
    std::shared_ptr<shared_state> state_;
    std::string inbuf_;
    std::array<char, 16384> readbuf_{};
    bool stopped_ = false;
    bool closing_ = false;
  };

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
    reply r{"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            ending::close_notify};
    state_->update([&] {
      ++state_->accepted;
      if (!state_->replies.empty()) {
        r = std::move(state_->replies.front());
        state_->replies.pop_front();
      }
    });
    std::erase_if(connections_, [](const auto& weak) { return weak.expired(); });
    auto c = std::make_shared<connection>(std::move(socket), ssl_, std::move(r), state_);
    connections_.push_back(c);
    c->start();
  }

  asio::io_context io_;
  asio::ssl::context ssl_;
  tcp::acceptor acceptor_;
  const std::uint16_t port_;
  std::shared_ptr<shared_state> state_ = std::make_shared<shared_state>();
  std::vector<std::weak_ptr<connection>> connections_; // io thread only
  bool stopping_ = false;
  std::thread thread_;
};

/// `openssl s_server -www` on 127.0.0.1; see the file comment.
class openssl_s_server {
 public:
  /// Serves with `cert_file` (leaf), `key_file`, `chain_file` (sent after the leaf; may be
  /// empty) and extra s_server arguments.
  openssl_s_server(const std::string& cert_file, const std::string& key_file,
                   const std::string& chain_file, std::vector<std::string> extra_args) {
    std::string failures;
    for (int attempt = 1; attempt <= 5; ++attempt) {
      port_ = detail::nginx::pick_port();
      std::vector<std::string> args{"openssl", "s_server", "-accept",
                                    "127.0.0.1:" + std::to_string(port_),
                                    "-cert", cert_file, "-key", key_file, "-www", "-quiet"};
      if (!chain_file.empty()) {
        args.insert(args.end(), {"-cert_chain", chain_file});
      }
      args.insert(args.end(), extra_args.begin(), extra_args.end());
      if (start(args)) {
        return;
      }
      failures += "attempt " + std::to_string(attempt) + ":\n" + log() + "\n";
    }
    throw std::runtime_error("openssl_s_server: did not start\n" + failures);
  }

  ~openssl_s_server() { stop(); }

  openssl_s_server(const openssl_s_server&) = delete;
  openssl_s_server& operator=(const openssl_s_server&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::string url(std::string_view path = "/") const { return url_for_host("127.0.0.1", path); }
  std::string url_for_host(std::string_view host, std::string_view path = "/") const {
    return "https://" + std::string(host) + ":" + std::to_string(port_) + std::string(path);
  }
  /// What s_server printed.
  std::string log() const { return detail::nginx::read_file(dir_ / "s_server.log"); }

  void stop() noexcept {
    if (pid_ <= 0) {
      return;
    }
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    int status = 0;
    for (;;) {
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_ || (r < 0 && errno != EINTR)) {
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
  }

 private:
  /// The openssl executable found in $PATH (resolved before fork: execvp may allocate).
  static std::string openssl_binary() {
    const char* path = std::getenv("PATH");
    std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    while (!dirs.empty()) {
      const auto end = dirs.find(':');
      const std::string candidate = std::string(dirs.substr(0, end)) + "/openssl";
      if (candidate.front() == '/' && ::access(candidate.c_str(), X_OK) == 0) {
        return candidate;
      }
      if (end == std::string_view::npos) {
        break;
      }
      dirs.remove_prefix(end + 1);
    }
    throw std::runtime_error("openssl_s_server: no openssl executable in PATH");
  }

  bool start(std::vector<std::string>& args) {
    const std::string log_path = (dir_ / "s_server.log").string();
    args[0] = openssl_binary();
    std::vector<char*> argv;
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    const int out_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out_fd < 0 || null_fd < 0) {
      const int err = errno;
      if (out_fd >= 0) {
        ::close(out_fd);
      }
      if (null_fd >= 0) {
        ::close(null_fd);
      }
      throw std::system_error(err, std::generic_category(), "openssl_s_server: open");
    }
    sigset_t no_signals;
    sigemptyset(&no_signals);
    const pid_t parent = ::getpid();
    const pid_t child = ::fork();
    if (child < 0) {
      const int err = errno;
      ::close(out_fd);
      ::close(null_fd);
      throw std::system_error(err, std::generic_category(), "openssl_s_server: fork");
    }
    if (child == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) {
        ::_exit(127);
      }
      ::sigprocmask(SIG_SETMASK, &no_signals, nullptr);
      ::dup2(null_fd, 0); // s_server must not read commands from the test's stdin
      ::dup2(out_fd, 1);
      ::dup2(out_fd, 2);
      ::syscall(SYS_close_range, 3U, ~0U, 0U);
      ::execve(argv[0], argv.data(), environ);
      ::_exit(127);
    }
    ::close(out_fd);
    ::close(null_fd);
    pid_ = child;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false; // exited: bad arguments or the port was taken
      }
      if (detail::nginx::can_connect(port_)) {
        return true;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        stop();
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  temp_dir dir_{"xfer-s_server-"};
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

} // namespace xfer::test
