// examples/xfer-get/demo_server.hpp - the demo's HTTP/1.1 server: 127.0.0.1 only, own thread.
#pragma once

#include "demo_content.hpp"

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace xfer_get {

/// How fast the demo server sends a body: pieces with a pause between them.
struct demo_pacing {
  std::size_t piece_size = 64 * 1024;
  std::chrono::milliseconds pause{30};
};

/// Serves the demo files over HTTP/1.1 from 127.0.0.1 on an ephemeral port, on its own thread:
/// GET and HEAD, keep-alive, Content-Length. Bodies go out in pieces with a pause between
/// them, so that a download lasts long enough to be watched. Plain completion handlers
/// rather than coroutines: Asio 1.22 enables co_await for GCC only.
class demo_server {
public:
  explicit demo_server(std::vector<demo_file> files, demo_pacing pace = {})
      : files_(std::move(files)), pace_(pace),
        acceptor_(context_, asio::ip::tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0)) {
    for (std::size_t i = 0; i < files_.size(); ++i)
      paths_.emplace("/" + files_[i].name, i);
    accept();
    thread_ = std::thread([this] { context_.run(); });
  }

  demo_server(const demo_server&) = delete;
  demo_server& operator=(const demo_server&) = delete;

  /// Stops serving; open connections are dropped with the context's pending handlers.
  ~demo_server() {
    context_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::size_t connections_accepted() const noexcept { return accepted_.load(); }
  std::size_t requests_served() const noexcept { return served_.load(); }

private:
  /// What the server needs to know of a request head.
  struct request {
    std::string_view method;
    std::string_view path; ///< without the query
    bool keep_alive = true;
    bool has_body = false;
    bool valid = false;
  };

  static bool iequals_ascii(std::string_view a, std::string_view b) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) {
             return lower(x) == lower(y);
           });
  }

  static std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
      s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
      s.remove_suffix(1);
    return s;
  }

  /// Reads the request line and the few fields that matter; `head` ends with CRLF CRLF.
  static request parse_request(std::string_view head) {
    request r;
    const auto line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    const auto first_space = line.find(' ');
    const auto last_space = line.rfind(' ');
    if (first_space == std::string_view::npos || first_space == last_space)
      return r;
    r.method = line.substr(0, first_space);
    const std::string_view target = line.substr(first_space + 1, last_space - first_space - 1);
    const std::string_view version = line.substr(last_space + 1);
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
      return r;
    r.keep_alive = version == "HTTP/1.1"; // HTTP/1.0 keep-alive is not offered
    r.path = target.substr(0, target.find('?'));
    for (std::size_t pos = line_end + 2; pos < head.size();) {
      const auto end = head.find("\r\n", pos);
      const std::string_view field = head.substr(pos, end - pos);
      pos = end + 2;
      const auto colon = field.find(':');
      if (colon == std::string_view::npos)
        continue;
      const std::string_view name = field.substr(0, colon);
      const std::string_view value = trim(field.substr(colon + 1));
      if (iequals_ascii(name, "Connection") && iequals_ascii(value, "close"))
        r.keep_alive = false;
      else if (iequals_ascii(name, "Transfer-Encoding") ||
               (iequals_ascii(name, "Content-Length") && value != "0"))
        r.has_body = true;
    }
    r.valid = true;
    return r;
  }

  static std::string response_head(int status, std::string_view reason, std::uint64_t length,
                                   std::string_view type, bool keep_alive) {
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
    head += "Server: xfer-get-demo\r\n";
    head += "Content-Type: " + std::string(type) + "\r\n";
    head += "Content-Length: " + std::to_string(length) + "\r\n";
    if (!keep_alive)
      head += "Connection: close\r\n";
    head += "\r\n";
    return head;
  }

  /// One connection: requests one after another until the client or the server closes.
  /// Each pending handler holds the session alive.
  class session : public std::enable_shared_from_this<session> {
  public:
    session(demo_server& server, asio::ip::tcp::socket socket)
        : server_(server), socket_(std::move(socket)), timer_(server.context_),
          piece_(server.pace_.piece_size) {}

    void read_request() {
      constexpr std::size_t max_head = 16 * 1024;
      asio::async_read_until(socket_, asio::dynamic_buffer(input_, max_head), "\r\n\r\n",
                             [self = shared_from_this()](asio::error_code ec, std::size_t n) {
                               if (!ec) // else the client closed, or its head was too large
                                 self->respond(n);
                             });
    }

  private:
    void respond(std::size_t head_size) {
      const request req = parse_request(std::string_view(input_).substr(0, head_size));
      const bool get_or_head = req.method == "GET" || req.method == "HEAD";
      keep_alive_ = req.keep_alive;
      body_size_ = 0;
      offset_ = 0;
      if (!req.valid || req.has_body || !get_or_head) {
        // Request bodies are never read, so the connection cannot carry another request.
        keep_alive_ = false;
        const bool bad = !req.valid || get_or_head;
        head_ = response_head(bad ? 400 : 405, bad ? "Bad Request" : "Method Not Allowed", 0,
                              "text/plain", false);
      } else if (!server_.find_file(req.path, index_)) {
        head_ = response_head(404, "Not Found", 0, "text/plain", keep_alive_);
      } else {
        const demo_file& file = server_.files_[index_];
        head_ = response_head(200, "OK", file.size, "application/octet-stream", keep_alive_);
        body_size_ = req.method == "GET" ? file.size : 0;
      }
      input_.erase(0, head_size); // `req` views `input_`: done with it
      ++server_.served_;
      write_piece();
    }

    /// Writes the head (the first time) and the next piece of the body.
    void write_piece() {
      const auto n =
          static_cast<std::size_t>(std::min<std::uint64_t>(piece_.size(), body_size_ - offset_));
      demo_bytes(index_, offset_, std::span<char>(piece_.data(), n));
      const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_),
                                                      asio::buffer(piece_.data(), n)};
      asio::async_write(socket_, buffers,
                        [self = shared_from_this(), n](asio::error_code ec, std::size_t) {
                          if (!ec)
                            self->written(n);
                        });
    }

    void written(std::size_t n) {
      head_.clear();
      offset_ += n;
      if (offset_ < body_size_) {
        timer_.expires_after(server_.pace_.pause);
        timer_.async_wait([self = shared_from_this()](asio::error_code ec) {
          if (!ec)
            self->write_piece();
        });
        return;
      }
      if (keep_alive_) {
        read_request();
        return;
      }
      asio::error_code ignored;
      socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    }

    demo_server& server_;
    asio::ip::tcp::socket socket_;
    asio::steady_timer timer_;
    std::string input_;
    std::string head_;
    std::vector<char> piece_;
    std::size_t index_ = 0;
    std::uint64_t body_size_ = 0;
    std::uint64_t offset_ = 0;
    bool keep_alive_ = true;
  };

  bool find_file(std::string_view path, std::size_t& index) const {
    const auto found = paths_.find(std::string(path));
    if (found == paths_.end())
      return false;
    index = found->second;
    return true;
  }

  void accept() {
    acceptor_.async_accept([this](asio::error_code ec, asio::ip::tcp::socket socket) {
      if (ec == asio::error::operation_aborted)
        return;
      if (!ec) {
        ++accepted_;
        std::make_shared<session>(*this, std::move(socket))->read_request();
      }
      accept();
    });
  }

  std::vector<demo_file> files_;
  std::unordered_map<std::string, std::size_t> paths_; ///< "/file-07.bin" -> index in files_
  demo_pacing pace_;
  asio::io_context context_{1};
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<std::size_t> accepted_{0};
  std::atomic<std::size_t> served_{0};
};

} // namespace xfer_get
