// bench/slow_server.cpp - a loopback HTTP server that sends a response head and a few body bytes, then holds.
//
// Usage: bench-slow-server [--port N]   (0 or none: an ephemeral port)
// Prints "port N" once listening on 127.0.0.1. Each connection: read a request
// head, answer with a 1 GiB Content-Length and 16 body bytes, then send nothing
// more until the client goes away. Runs until SIGINT or SIGTERM.
#include "common/measure.hpp"

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/write.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

namespace {

using asio::ip::tcp;

constexpr std::string_view response =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Length: 1073741824\r\n"
    "\r\n"
    "0123456789abcdef";

/// One held connection: reads the request head, answers, then waits for the close.
class session : public std::enable_shared_from_this<session> {
public:
  explicit session(tcp::socket socket) : socket_(std::move(socket)) {}

  void start() { read(); }

private:
  void read() {
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](asio::error_code ec, std::size_t n) {
      if (ec)
        return; // closed by the client (or reset): the session ends here
      self->scan(n);
      self->read();
    });
  }

  /// Looks for the blank line that ends the request head, across reads.
  void scan(std::size_t n) {
    for (std::size_t i = 0; i < n && !answered_; ++i) {
      const char c = buffer_[i];
      matched_ = (c == "\r\n\r\n"[matched_]) ? matched_ + 1 : (c == '\r' ? 1 : 0);
      if (matched_ == 4) {
        answered_ = true;
        asio::async_write(socket_, asio::buffer(response), [self = shared_from_this()](asio::error_code, std::size_t) {});
      }
    }
  }

  tcp::socket socket_;
  std::array<char, 512> buffer_{};
  unsigned matched_ = 0;
  bool answered_ = false;
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](asio::error_code ec, tcp::socket socket) {
    if (!ec)
      std::make_shared<session>(std::move(socket))->start();
    else if (ec == asio::error::operation_aborted)
      return;
    accept(acceptor);
  });
}

} // namespace

int main(int argc, char** argv) {
  unsigned short port = 0;
  if (argc == 3 && std::string_view(argv[1]) == "--port")
    port = static_cast<unsigned short>(std::atoi(argv[2]));
  else if (argc != 1) {
    std::fprintf(stderr, "usage: %s [--port N]\n", argv[0]);
    return 2;
  }
  raise_nofile_limit();
  asio::io_context io(1);
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  acceptor.listen(65535); // the kernel caps it at net.core.somaxconn
  std::printf("port %u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  asio::signal_set stop(io, SIGINT, SIGTERM);
  stop.async_wait([&io](asio::error_code, int) { io.stop(); });
  accept(acceptor);
  io.run();
}
