// tests/fuzz/fuzz_transfer.cpp - one whole transfer (xfer::multi + xfer::transfer) against a
// loopback server that answers with the fuzz input.
//
// Input: [flags] [seed] response bytes...
//   flags bit 0    the request is HEAD
//   flags bit 1    small response limits
//   flags bits 2-3 how the server writes the response: 0 one write, 1 pieces of 1-8 bytes,
//                  2 the first 32 bytes one at a time then the rest, 3 pieces of 1-512 bytes
//   flags bit 4    the server waits a little between pieces (so that they arrive apart)
//   flags bits 5-6 write callback: 0 none (the body is collected), 1 proceeds, 2 pauses every
//                  second call (the driver resumes), 3 aborts at the third call
//   flags bit 7    with mode 3, the callback throws instead of returning abort
//   seed           seeds the piece sizes (with a hash of the input)
//
// The server is a blocking POSIX server on 127.0.0.1 in a thread started once and reused; per
// input it accepts one connection, reads the request head, writes the response bytes in pieces,
// half-closes (FIN) and reads until the client closes. The transfer runs with a 2 s timeout.
// Invariants: exactly one completion message, for this transfer, with the transfer's result;
// the result is success or an xfer::errc, never a timeout (the server always closes); and it is
// what a standalone response_parser says about the same bytes followed by EOF: the same error
// (through http1::to_errc) or success, with the same status, headers, trailers and body.
#include <xfer/http1/response_parser.hpp>
#include <xfer/multi.hpp>
#include <xfer/transfer.hpp>

#include "fuzz_common.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;

// ---- the server ----------------------------------------------------------------------------------

struct job {
  std::string_view response;
  const std::vector<std::size_t>* pieces = nullptr; // sizes; the rest goes in one last write
  bool slow = false;
};

class server {
public:
  server() {
    std::signal(SIGPIPE, SIG_IGN);
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    XFER_FUZZ_CHECK(listen_fd_ >= 0);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    XFER_FUZZ_CHECK(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    XFER_FUZZ_CHECK(::listen(listen_fd_, 8) == 0);
    socklen_t len = sizeof addr;
    XFER_FUZZ_CHECK(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { loop(); });
    thread_.detach(); // lives as long as the process
  }

  std::uint16_t port() const { return port_; }

  /// Serves `j` on the next connection; returns at once.
  void post(const job& j) {
    std::lock_guard lock(mutex_);
    XFER_FUZZ_CHECK(!job_);
    job_ = j;
    finished_ = false;
    changed_.notify_all();
  }

  /// Waits until the posted job is finished (the client closed its connection).
  bool wait(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [this] { return finished_; });
  }

private:
  static bool wait_fd(int fd, short events, int timeout_ms) {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, timeout_ms) == 1;
  }

  void loop() {
    for (;;) {
      job j;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return job_.has_value(); });
        j = *job_;
      }
      serve(j);
      std::lock_guard lock(mutex_);
      job_.reset();
      finished_ = true;
      changed_.notify_all();
    }
  }

  void serve(const job& j) {
    if (!wait_fd(listen_fd_, POLLIN, 5000))
      return; // the client never connected: the fuzz thread sees it
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0)
      return;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // The request head (GET and HEAD have no body).
    char buf[16384];
    std::size_t have = 0;
    bool ok = false;
    while (have < sizeof buf && wait_fd(fd, POLLIN, 5000)) {
      const ssize_t n = ::recv(fd, buf + have, sizeof buf - have, 0);
      if (n <= 0)
        break;
      have += static_cast<std::size_t>(n);
      if (std::string_view(buf, have).find("\r\n\r\n") != std::string_view::npos) {
        ok = true;
        break;
      }
    }
    if (ok) {
      std::size_t pos = 0;
      const auto send_all = [&](std::string_view bytes) {
        while (!bytes.empty()) {
          const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
          if (n <= 0)
            return false; // the client closed first: fine, it had seen enough
          bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
      };
      bool open = true;
      for (std::size_t piece : *j.pieces) {
        if (!open || pos >= j.response.size())
          break;
        open = send_all(j.response.substr(pos, piece));
        pos += piece;
        if (j.slow)
          std::this_thread::sleep_for(300us);
      }
      if (open && pos < j.response.size())
        send_all(j.response.substr(pos));
    }
    ::shutdown(fd, SHUT_WR);
    // Reads until the client closes, so that the client never sees a reset.
    while (wait_fd(fd, POLLIN, 5000)) {
      if (::recv(fd, buf, sizeof buf, 0) <= 0)
        break;
    }
    ::close(fd);
  }

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<job> job_;
  bool finished_ = false;
  std::thread thread_;
};

server& the_server() {
  static server* s = new server; // never destroyed: its thread runs until the process exits
  return *s;
}

// ---- what the parser says ------------------------------------------------------------------------

struct expectation {
  std::error_code result; // as a transfer reports it
  int status = 0;
  std::vector<std::pair<std::string, std::string>> fields; // headers, then trailers
  std::string body;

  void on_status(int code, int, std::string_view) { status = code; }
  void on_header(std::string_view n, std::string_view v) { fields.emplace_back(n, v); }
  void on_headers_complete() {}
  bool on_body(std::string_view data) {
    body.append(data);
    return true;
  }
  void on_trailer(std::string_view n, std::string_view v) { fields.emplace_back(n, v); }
  void on_complete() {}
};

expectation expect(std::string_view response, const xfer::http1::response_limits& limits, bool head) {
  expectation e;
  xfer::http1::response_parser p(limits);
  p.reset(head);
  std::error_code ec;
  p.put(response, e, ec);
  if (!ec && !p.done())
    p.put_eof(e, ec);
  if (ec)
    e.result = xfer::http1::to_errc(static_cast<xfer::http1::error>(ec.value()));
  else
    XFER_FUZZ_CHECK(p.done());
  return e;
}

xfer::http1::response_limits small_limits() {
  xfer::http1::response_limits l;
  l.max_status_line = 32;
  l.max_header_line = 64;
  l.max_header_count = 6;
  l.max_header_bytes = 256;
  l.max_interim_responses = 2;
  l.max_chunk_line = 16;
  return l;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2)
    return 0;
  const std::uint8_t flags = data[0];
  const std::uint8_t seed = data[1];
  const std::string_view response(reinterpret_cast<const char*>(data + 2), size - 2);
  const bool head = (flags & 1) != 0;
  const xfer::http1::response_limits limits =
      (flags & 2) != 0 ? small_limits() : xfer::http1::response_limits{};
  const int callback_mode = (flags >> 5) & 3;
  const bool throws = (flags & 0x80) != 0;

  // Piece sizes.
  std::vector<std::size_t> pieces;
  xfer_fuzz::rng rng(xfer_fuzz::hash(response) ^ (static_cast<std::uint64_t>(seed) << 56));
  switch ((flags >> 2) & 3) {
  case 0: break;
  case 1:
    for (int i = 0; i < 24; ++i)
      pieces.push_back(rng.piece(8));
    break;
  case 2: pieces.assign(32, 1); break;
  default:
    for (int i = 0; i < 8; ++i)
      pieces.push_back(rng.piece(512));
    break;
  }

  const expectation want = expect(response, limits, head);

  server& srv = the_server();
  job j;
  j.response = response;
  j.pieces = &pieces;
  j.slow = (flags & 0x10) != 0;
  srv.post(j);

  std::string collected;
  int calls = 0;
  bool aborted = false;
  std::size_t messages = 0;
  std::error_code result;
  {
    xfer::multi m;
    xfer::transfer t("http://127.0.0.1:" + std::to_string(srv.port()) + "/fuzz");
    t.set_method(head ? "HEAD" : "GET");
    t.set_timeout(2s);
    t.set_connect_timeout(2s);
    t.set_response_limits(limits);
    if (callback_mode != 0) {
      t.set_write_callback([&](std::string_view bytes) {
        XFER_FUZZ_CHECK(!bytes.empty());
        ++calls;
        if (callback_mode == 2 && calls % 2 == 0)
          return xfer::write_action::pause;
        if (callback_mode == 3 && calls == 3) {
          aborted = true;
          if (throws)
            throw std::runtime_error("fuzz");
          return xfer::write_action::abort;
        }
        collected.append(bytes);
        return xfer::write_action::proceed;
      });
    }
    m.add(t);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
      const int running = m.perform();
      while (auto msg = m.info_read()) {
        ++messages;
        XFER_FUZZ_CHECK(&msg->transfer() == &t);
        result = msg->result();
        XFER_FUZZ_CHECK(result == t.result());
      }
      if (running == 0)
        break;
      if (t.paused())
        t.resume();
      m.poll(50ms);
      XFER_FUZZ_CHECK(std::chrono::steady_clock::now() < deadline); // a hang
    }
    while (m.info_read())
      ++messages;
    XFER_FUZZ_CHECK(messages == 1);
    XFER_FUZZ_CHECK(!t.paused() || result);

    // The result is success or an xfer::errc, and never a timeout: the server always closes.
    if (result)
      XFER_FUZZ_CHECK(result.category() == xfer::transfer_category());
    if (result == xfer::errc::operation_timedout)
      std::fprintf(stderr, "timeout: %s\n", t.error_detail().c_str());
    XFER_FUZZ_CHECK(result != xfer::errc::operation_timedout);

    if (aborted) {
      XFER_FUZZ_CHECK(result == xfer::errc::write_error);
    } else {
      if (result != want.result)
        std::fprintf(stderr, "transfer: %s (%s), parser: %s\n", result.message().c_str(),
                     t.error_detail().c_str(), want.result.message().c_str());
      XFER_FUZZ_CHECK(result == want.result);
      XFER_FUZZ_CHECK(t.status() == want.status);
      XFER_FUZZ_CHECK(t.info().response_code == want.status);
      const std::string& body = callback_mode == 0 ? t.body() : collected;
      XFER_FUZZ_CHECK(body == want.body);
      XFER_FUZZ_CHECK(t.info().bytes_downloaded == want.body.size());
      const xfer::headers& fields = t.response_headers();
      XFER_FUZZ_CHECK(fields.size() == want.fields.size());
      for (std::size_t i = 0; i < fields.size(); ++i)
        XFER_FUZZ_CHECK(fields.at(i).name == want.fields[i].first &&
                        fields.at(i).value == want.fields[i].second);
    }
    if (head)
      XFER_FUZZ_CHECK(t.body().empty() && collected.empty());
    m.remove(t);
  } // the multi closes the connection: the server's job ends
  XFER_FUZZ_CHECK(srv.wait(10s));
  return 0;
}
