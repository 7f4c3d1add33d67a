// bench/build_cost/asio_one.cpp - build-cost baseline: the same GET as xfer_one.cpp with bare Asio + asio/ssl.hpp.
//
// Non-blocking as xfer is: async resolve, connect, TLS handshake (https),
// write and read to EOF under one deadline timer. Only the Asio headers it
// needs are included, so this is the lean end of what a bare-Asio user pays.
#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/ssl.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using asio::ip::tcp;

struct url_parts {
  bool tls = false;
  std::string host, port, target;
};

bool split_url(std::string url, url_parts& u) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos)
    return false;
  u.tls = url.compare(0, scheme_end, "https") == 0;
  const auto rest = url.substr(scheme_end + 3);
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  u.host = authority.substr(0, colon);
  u.port = colon == std::string::npos ? (u.tls ? "443" : "80") : authority.substr(colon + 1);
  return true;
}

/// Writes the request on `stream`, then reads the response until the server closes.
template <class Stream>
void exchange(Stream& stream, const url_parts& u, std::string& request, std::string& response,
              asio::steady_timer& deadline) {
  request = "GET " + u.target + " HTTP/1.1\r\nHost: " + u.host + ":" + u.port +
            "\r\nUser-Agent: asio-one\r\nAccept: */*\r\nConnection: close\r\n\r\n";
  asio::async_write(stream, asio::buffer(request), [&](asio::error_code ec, std::size_t) {
    if (ec) {
      deadline.cancel();
      return;
    }
    asio::async_read(stream, asio::dynamic_buffer(response),
                     [&](asio::error_code, std::size_t) { deadline.cancel(); });
  });
}

} // namespace

int main(int argc, char** argv) {
  url_parts u;
  if (argc < 2 || !split_url(argv[1], u)) {
    std::fprintf(stderr, "usage: %s URL [CA_FILE]\n", argv[0]);
    return 2;
  }
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  if (argc > 2)
    ctx.load_verify_file(argv[2]);
  else
    ctx.set_default_verify_paths();
  ctx.set_verify_mode(asio::ssl::verify_peer);
  tcp::socket socket(io);
  asio::ssl::stream<tcp::socket&> tls(socket, ctx);
  tls.set_verify_callback(asio::ssl::host_name_verification(u.host));
  SSL_set_tlsext_host_name(tls.native_handle(), u.host.c_str());
  tcp::resolver resolver(io);
  asio::steady_timer deadline(io, std::chrono::seconds(300));
  deadline.async_wait([&](asio::error_code ec) {
    if (!ec)
      socket.close();
  });
  std::string request, response;
  resolver.async_resolve(u.host, u.port, [&](asio::error_code ec, tcp::resolver::results_type results) {
    if (ec)
      return (void)deadline.cancel();
    asio::async_connect(socket, results, [&](asio::error_code error, const tcp::endpoint&) {
      if (error)
        return (void)deadline.cancel();
      if (!u.tls)
        return exchange(socket, u, request, response, deadline);
      tls.async_handshake(asio::ssl::stream_base::client, [&](asio::error_code handshake_error) {
        if (handshake_error)
          return (void)deadline.cancel();
        exchange(tls, u, request, response, deadline);
      });
    });
  });
  io.run();
  const auto head_end = response.find("\r\n\r\n");
  if (response.size() < 12 || head_end == std::string::npos) {
    std::fprintf(stderr, "error: no response\n");
    return 1;
  }
  const int status = std::atoi(response.c_str() + 9);
  std::printf("%d %zu\n", status, response.size() - head_end - 4);
  return status == 200 ? 0 : 1;
}
