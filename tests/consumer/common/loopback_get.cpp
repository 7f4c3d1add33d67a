// The program every consumer project of tests/consumer builds: it starts a one-shot HTTP server
// on 127.0.0.1 (an ephemeral port), downloads from it with xfer through the multi loop and
// through async_perform, and exits 0 only when both transfers got the expected body. It names
// Asio as xfer::asio, so the same source builds with standalone Asio and with Boost.Asio.
#include <xfer.hpp>

#if defined(XFER_CONSUMER_EXPECT_BOOST_ASIO) && !defined(XFER_USE_BOOST_ASIO)
#error "this consumer expects xfer on Boost.Asio (XFER_USE_BOOST_ASIO)"
#endif
#if defined(XFER_USE_BOOST_ASIO) && defined(ASIO_VERSION)
#error "xfer on Boost.Asio included standalone Asio"
#endif

#include <cstdio>
#include <string>
#include <string_view>
#include <thread>

namespace {

constexpr std::string_view expected_body = "hello from the consumer's loopback server\n";

/// Answers `requests` HTTP/1.1 requests, one connection each, then returns.
class loopback_server {
public:
  explicit loopback_server(int requests)
      : acceptor_(context_, {xfer::asio::ip::make_address("127.0.0.1"), 0}),
        thread_([this, requests] { serve(requests); }) {}
  ~loopback_server() { thread_.join(); }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }

private:
  void serve(int requests) {
    for (int i = 0; i < requests; ++i) {
      xfer::asio::ip::tcp::socket socket(context_);
      acceptor_.accept(socket);
      std::string request;
      char buffer[4096];
      xfer::asio::error_code ec;
      while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
        const std::size_t n = socket.read_some(xfer::asio::buffer(buffer), ec);
        if (ec)
          break;
        request.append(buffer, n);
      }
      const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: " +
                                   std::to_string(expected_body.size()) +
                                   "\r\nConnection: close\r\n\r\n" + std::string(expected_body);
      xfer::asio::write(socket, xfer::asio::buffer(response), ec);
    }
  }

  xfer::asio::io_context context_;
  xfer::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

bool check(const char* route, std::error_code result, int status, const std::string& body) {
  if (result || status != 200 || body != expected_body) {
    std::fprintf(stderr, "%s: result \"%s\", status %d, %zu bytes of body\n", route,
                 result.message().c_str(), status, body.size());
    return false;
  }
  return true;
}

} // namespace

int main() {
  loopback_server server(2);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/consumer";

  // The multi loop.
  xfer::multi m;
  xfer::transfer a{url};
  m.add(a);
  std::error_code loop_result = xfer::errc::got_nothing;
  int running = 0;
  do {
    running = m.perform();
    if (running)
      m.poll(std::chrono::milliseconds(1000));
    while (auto msg = m.info_read())
      loop_result = msg->result();
  } while (running);
  if (!check("multi loop", loop_result, a.status(), a.body()))
    return 1;

  // A completion handler on the caller's io_context.
  xfer::asio::io_context context;
  xfer::multi on_context{context.get_executor()};
  xfer::transfer b{url};
  std::error_code async_result = xfer::errc::got_nothing;
  int async_status = 0;
  on_context.async_perform(b, [&](std::error_code ec, int status) {
    async_result = ec;
    async_status = status;
  });
  context.run();
  if (!check("async_perform", async_result, async_status, b.body()))
    return 1;

  std::printf("xfer %s (%s): 2 transfers from %s\n", XFER_VERSION_STRING,
#if defined(XFER_USE_BOOST_ASIO)
              "Boost.Asio",
#else
              "standalone Asio",
#endif
              url.c_str());
  return 0;
}
