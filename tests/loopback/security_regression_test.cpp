// Security regressions: one test per class of curl vulnerability that applies to xfer today,
// named after the CVEs of that class. Each test attacks xfer the way the CVE attacked curl and
// asserts the safe outcome. (Redirect, cookie and credential CVEs wait for those features.)
//
// Peers: the scripted server, nginx with TLS and the test PKI, and an in-file "endless" server
// that streams the same bytes for as long as the client reads them.
#include <xfer/multi.hpp>

#include "support/collected.hpp"
#include "support/tls_fixtures.hpp"
#include "support/drive.hpp"
#include "support/nginx_server.hpp"
#include "support/pki.hpp"
#include "support/scripted_server.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using namespace std::string_literals;
namespace xt = xfer::test;
using xt::step;

namespace {

using clock_type = std::chrono::steady_clock;

constexpr auto fast_bound = 4s; // generous: the machine may be loaded

std::string ok(std::string_view body) { return xt::http_response(200, body); }

using xfer::test::collected;

#define XFER_REPORT(c)                                                                             \
  INFO("result: " << (c).ec.value() << " (" << (c).ec.message() << "); detail: \""                \
                  << (c).t.error_detail() << "\"; status " << (c).t.status() << "; wall "       \
                  << (c).wall_ms() << " ms; received " << (c).received.size()                   \
                  << " bytes; reused " << (c).t.info().connection_reused << "; resumed "        \
                  << (c).t.info().tls_session_resumed)

/// Whether any line of `request` starts with `prefix` (i.e. an injected field line exists).
bool has_line_starting_with(std::string_view request, std::string_view prefix) {
  std::size_t pos = 0;
  while (pos < request.size()) {
    if (request.substr(pos, prefix.size()) == prefix)
      return true;
    const std::size_t lf = request.find('\n', pos);
    if (lf == std::string_view::npos)
      break;
    pos = lf + 1;
  }
  return false;
}

/// Serves one connection: reads a request head, writes `head`, then writes `piece` again and
/// again until the client goes away (or `cap` bytes were written). Runs its own io_context on
/// its own thread; bytes_written() and done() are safe from any thread.
class endless_server {
 public:
  using tcp = asio::ip::tcp;

  endless_server(std::string head, std::string piece, std::uint64_t cap = 256ull << 30)
      : head_(std::move(head)), piece_(std::move(piece)), cap_(cap),
        acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)), socket_(io_),
        port_(acceptor_.local_endpoint().port()) {
    acceptor_.async_accept(socket_, [this](const std::error_code& ec) {
      if (ec)
        return finish();
      std::error_code ignored;
      socket_.set_option(tcp::no_delay(true), ignored);
      asio::async_read_until(socket_, request_, "\r\n\r\n",
                             [this](const std::error_code& read_ec, std::size_t) {
                               if (read_ec)
                                 return finish();
                               asio::async_write(socket_, asio::buffer(head_),
                                                 [this](const std::error_code& e, std::size_t n) {
                                                   written(e, n);
                                                 });
                             });
    });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~endless_server() {
    io_.stop();
    thread_.join();
  }
  endless_server(const endless_server&) = delete;
  endless_server& operator=(const endless_server&) = delete;

  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  std::uint64_t bytes_written() const noexcept { return written_.load(); }
  bool done() const noexcept { return done_.load(); }
  /// Waits until the connection ended (the client went away); false on timeout.
  bool wait_done(std::chrono::milliseconds timeout) const {
    const auto deadline = clock_type::now() + timeout;
    while (!done() && clock_type::now() < deadline)
      std::this_thread::sleep_for(5ms);
    return done();
  }

 private:
  void written(const std::error_code& ec, std::size_t n) {
    written_ += n;
    if (ec || written_.load() >= cap_)
      return finish();
    asio::async_write(socket_, asio::buffer(piece_),
                      [this](const std::error_code& e, std::size_t m) { written(e, m); });
  }
  void finish() {
    std::error_code ignored;
    socket_.close(ignored);
    done_ = true;
  }

  std::string head_, piece_;
  std::uint64_t cap_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  tcp::socket socket_;
  std::uint16_t port_;
  asio::streambuf request_;
  std::atomic<std::uint64_t> written_{0};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

const xt::pki& pki() { return xt::test_pki(); }
using xt::tls_nginx;
using xt::trust_root;

xfer::tls_options insecure_peer() {
  xfer::tls_options o;
  o.insecure_skip_peer_verification = true;
  return o;
}

/// Runs a fresh transfer of `url` with `tls` in `m` (5 s timeout).
struct tls_fetch : collected {
  tls_fetch(xfer::multi& m, const std::string& url, const xfer::tls_options& tls) : collected(url) {
    t.set_tls_options(tls);
    run(m);
  }
};

} // namespace

// =============================================================================================
// Request injection through user input. curl sends user-supplied header fields verbatim and has
// no CVE for it; the class is CWE-93 (CRLF injection) / request splitting. xfer refuses any CR,
// LF or NUL in what it writes on the request line and in field lines, before a byte is sent.

TEST_CASE("CWE-93 CRLF injection: CR, LF or NUL in a request header value never reaches the "
          "server",
          "[loopback][security]") {
  struct value_case {
    const char* name;
    std::string field;
    std::string value;
  };
  const auto c = GENERATE(values<value_case>({
      {"CRLF in a custom field", "X-Evil", "a\r\nInjected: 1"},
      {"bare LF in a custom field", "X-Evil", "a\nInjected: 1"},
      {"bare CR in a custom field", "X-Evil", "a\rInjected: 1"},
      {"NUL in a custom field", "X-Evil", "a\0Injected: 1"s},
      {"a whole smuggled request", "X-Evil", "a\r\n\r\nGET /smuggled HTTP/1.1\r\nInjected: 1"},
      {"CRLF in a Host override", "Host", "example.org\r\nInjected: 1"},
      {"CRLF in an Accept override", "Accept", "*/*\r\nInjected: 1"},
      {"CRLF in a User-Agent field", "User-Agent", "ua\r\nInjected: 1"},
      {"CRLF in a field that is never sent (Content-Length)", "Content-Length", "0\r\nInjected: 1"},
  }));
  INFO("scenario: " << c.name);
  xt::scripted_server server;
  server.set_default_script({step::respond_forever(ok("clean"))});
  xfer::multi m;
  collected evil(server.url("/evil"));
  evil.t.add_header(c.field, c.value);
  evil.run(m);
  XFER_REPORT(evil);
  CHECK(evil.ec == xfer::errc::bad_function_argument);
  CHECK(evil.ec.value() == 43);
  CHECK(evil.t.error_detail().find("CR, LF or NUL in a request header field value") !=
        std::string::npos);
  CHECK(evil.received.empty());
  CHECK(evil.wall < fast_bound);
  CHECK(server.requests().empty());
  // The next, clean request goes out alone and unaltered.
  collected clean(server.url("/clean"));
  REQUIRE_FALSE(clean.run(m));
  CHECK(clean.received == "clean");
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].rfind("GET /clean HTTP/1.1\r\n", 0) == 0);
  CHECK_FALSE(has_line_starting_with(requests[0], "Injected"));
  CHECK(requests[0].find("smuggled") == std::string::npos);
}

TEST_CASE("CWE-93 CRLF injection: the User-Agent option", "[loopback][security]") {
  xt::scripted_server server;
  server.set_default_script({step::respond_forever(ok("clean"))});
  xfer::multi m;
  collected evil(server.url("/evil"));
  evil.t.set_user_agent("xfer\r\nInjected: 1");
  evil.run(m);
  XFER_REPORT(evil);
  CHECK(evil.ec == xfer::errc::bad_function_argument);
  CHECK(evil.t.error_detail().find("CR, LF or NUL") != std::string::npos);
  CHECK(server.requests().empty());
}

TEST_CASE("CWE-93 CRLF injection: CR, LF, NUL, space or colon in a request header name",
          "[loopback][security]") {
  const auto name = GENERATE(values<std::string>({
      "X-A\r\nInjected",
      "X-A: v\r\nInjected",
      "X-A\nInjected",
      "X A",
      "X-A:",
      "",
      "X-\0A"s,
      "X-A\t",
  }));
  INFO("name: " << name);
  xt::scripted_server server;
  server.set_default_script({step::respond_forever(ok("clean"))});
  xfer::multi m;
  collected evil(server.url("/evil"));
  evil.t.add_header(name, "v");
  evil.run(m);
  XFER_REPORT(evil);
  CHECK(evil.ec == xfer::errc::bad_function_argument);
  CHECK(evil.t.error_detail().find("Invalid request header field name") != std::string::npos);
  CHECK(evil.wall < fast_bound);
  CHECK(server.requests().empty());
}

TEST_CASE("CWE-93 request splitting through the method", "[loopback][security]") {
  const auto method = GENERATE(values<std::string>({
      "GET /x HTTP/1.1\r\nX: y",
      "GET / HTTP/1.1\r\nHost: evil\r\n\r\nGET",
      "GET /x",
      "GET\r\n",
      "GET\n",
      "GE\0T"s,
      "",
      "G(E)T",
  }));
  INFO("method: " << method);
  xt::scripted_server server;
  server.set_default_script({step::respond_forever(ok("clean"))});
  xfer::multi m;
  collected evil(server.url("/evil"));
  evil.t.set_method(method);
  evil.run(m);
  XFER_REPORT(evil);
  CHECK(evil.ec == xfer::errc::bad_function_argument);
  CHECK(evil.t.error_detail().find("Invalid request method") != std::string::npos);
  CHECK(evil.wall < fast_bound);
  CHECK(server.requests().empty());
}

TEST_CASE("CWE-93 request splitting through the URL: raw CR, LF, NUL, space or tab is "
          "url_malformat",
          "[loopback][security]") {
  xt::scripted_server server;
  server.set_default_script({step::respond_forever(ok("clean"))});
  const std::string port = std::to_string(server.port());
  const auto url = GENERATE_COPY(values<std::string>({
      "http://127.0.0.1:" + port + "/x HTTP/1.1\r\nX: y",
      "http://127.0.0.1:" + port + "/a\r\nInjected: 1",
      "http://127.0.0.1:" + port + "/a\nInjected: 1",
      "http://127.0.0.1:" + port + "/a\rInjected: 1",
      "http://127.0.0.1:" + port + "/a b",
      "http://127.0.0.1:" + port + "/a\tb",
      "http://127.0.0.1:" + port + "/?q=1\r\nInjected: 1",
      "http://127.0.0.1:" + port + "/#f\r\nInjected: 1",
      "http://127.0.0.1:" + port + "/a\0b"s,
      "http://127.0.0.1\r\nInjected: 1:" + port + "/",
      "http://127.0.0.1:" + port + "\r\n/",
      "http://127.0.0.1:" + port + "/\x7f",
  }));
  CAPTURE(url);
  xfer::multi m;
  collected evil(url);
  evil.run(m);
  XFER_REPORT(evil);
  CHECK(evil.ec == xfer::errc::url_malformat);
  CHECK(evil.ec.value() == 3);
  CHECK(evil.t.error_detail().find("URL rejected") != std::string::npos);
  CHECK(evil.wall < fast_bound);
  CHECK(server.connections_accepted() == 0);
  CHECK(server.requests().empty());
}

TEST_CASE("CWE-93: a percent-encoded CRLF in the URL stays encoded on the request line",
          "[loopback][security]") {
  xt::scripted_server server;
  server.set_default_script({step::respond_forever(ok("clean"))});
  xfer::multi m;
  collected t(server.url("/a%0D%0AInjected:%20x?q=%0d%0aInjected:%201"));
  REQUIRE_FALSE(t.run(m));
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].rfind("GET /a%0D%0AInjected:%20x?q=%0D%0AInjected:%201 HTTP/1.1\r\n", 0) == 0);
  CHECK_FALSE(has_line_starting_with(requests[0], "Injected"));
}

// =============================================================================================
// URL parser confusion: the host a URL names is the host the request goes to.

TEST_CASE("CVE-2016-8624: a '#' ends the authority, so '#@host' does not change the host",
          "[loopback][security]") {
  xt::scripted_server server;
  server.set_default_script({step::respond_forever(ok("right host"))});
  const std::string authority = "127.0.0.1:" + std::to_string(server.port());
  xfer::multi m;
  collected t("http://" + authority + "#@evil.invalid/x");
  t.run(m);
  XFER_REPORT(t);
  REQUIRE_FALSE(t.ec);
  CHECK(t.received == "right host");
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].rfind("GET / HTTP/1.1\r\nHost: " + authority + "\r\n", 0) == 0);
  CHECK(requests[0].find("evil") == std::string::npos); // the fragment is never sent
}

TEST_CASE("CVE-2022-27780: a percent-encoded path separator in the host is not decoded into "
          "the host",
          "[loopback][security]") {
  xt::scripted_server server;
  server.set_default_script({step::respond_forever(ok("must not be reached"))});
  const std::string port = std::to_string(server.port());
  const auto url = GENERATE_COPY(values<std::string>({
      "http://127.0.0.1%2F.evil.invalid:" + port + "/",
      "http://127.0.0.1%2f@evil.invalid:" + port + "/",
      "http://127.0.0.1%3F.evil.invalid:" + port + "/",
      "http://127.0.0.1%23.evil.invalid:" + port + "/",
  }));
  CAPTURE(url);
  xfer::multi m;
  collected t(url, 3s);
  t.run(m);
  XFER_REPORT(t);
  // Refused as malformed, or looked up as the (unresolvable) name it is; never 127.0.0.1.
  CHECK((t.ec == xfer::errc::url_malformat || t.ec == xfer::errc::couldnt_resolve_host));
  CHECK(server.connections_accepted() == 0);
}

// =============================================================================================
// Connection reuse across TLS settings.

TEST_CASE("CVE-2021-22924, CVE-2022-27782, CVE-2023-27538: a TLS connection is never reused by "
          "a transfer with other TLS settings",
          "[loopback][security][tls]") {
  xt::nginx_server nginx(tls_nginx("good")); // keep-alive on
  nginx.write_file("f.txt", "pooled");
  const std::string url = nginx.url_for_host("localhost", "/f.txt");
  xfer::multi m;

  SECTION("made without peer verification, then a verifying transfer (system store): "
          "peer_failed_verification") {
    tls_fetch a(m, url, insecure_peer());
    REQUIRE_FALSE(a.ec);
    REQUIRE(m.idle_connections() == 1);
    tls_fetch b(m, url, xfer::tls_options{});
    XFER_REPORT(b);
    CHECK(b.ec == xfer::errc::peer_failed_verification);
    CHECK(b.ec.value() == 60);
    CHECK_FALSE(b.t.error_detail().empty());
    CHECK_FALSE(b.t.info().connection_reused);
    CHECK(b.received.empty());
    CHECK(b.wall < fast_bound);
  }
  SECTION("made without peer verification, then a verifying transfer that trusts the root: a "
          "new, verified connection") {
    tls_fetch a(m, url, insecure_peer());
    REQUIRE_FALSE(a.ec);
    tls_fetch b(m, url, trust_root());
    XFER_REPORT(b);
    CHECK_FALSE(b.ec);
    CHECK(b.received == "pooled");
    CHECK_FALSE(b.t.info().connection_reused);
    CHECK(m.idle_connections() == 2);
    // ...and each configuration keeps reusing its own connection.
    tls_fetch c(m, url, trust_root());
    CHECK_FALSE(c.ec);
    CHECK(c.t.info().connection_reused);
    tls_fetch d(m, url, insecure_peer());
    CHECK_FALSE(d.ec);
    CHECK(d.t.info().connection_reused);
    CHECK(m.idle_connections() == 2);
  }
  SECTION("CVE-2021-22924: CA files whose paths differ only in case are different settings") {
    tls_fetch a(m, url, trust_root());
    REQUIRE_FALSE(a.ec);
    REQUIRE(m.idle_connections() == 1);
    xfer::tls_options other_case = trust_root();
    const std::filesystem::path p(other_case.ca_file);
    std::string upper = p.filename().string();
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    other_case.ca_file = (p.parent_path() / upper).string(); // no such file
    REQUIRE_FALSE(std::filesystem::exists(other_case.ca_file));
    tls_fetch b(m, url, other_case);
    XFER_REPORT(b);
    CHECK(b.ec == xfer::errc::ssl_cacert_badfile);
    CHECK(b.ec.value() == 77);
    CHECK_FALSE(b.t.info().connection_reused);
    CHECK(b.received.empty());
  }
  SECTION("CVE-2022-27782: a TLS 1.2 connection is not reused by a transfer that requires TLS 1.3") {
    xfer::tls_options v12 = trust_root();
    v12.max_version = xfer::tls_version::v1_2;
    tls_fetch a(m, url, v12);
    REQUIRE_FALSE(a.ec);
    CHECK(a.t.info().tls_version == "TLSv1.2");
    xfer::tls_options v13 = trust_root();
    v13.min_version = xfer::tls_version::v1_3;
    tls_fetch b(m, url, v13);
    XFER_REPORT(b);
    CHECK_FALSE(b.ec);
    CHECK_FALSE(b.t.info().connection_reused);
    CHECK(b.t.info().tls_version == "TLSv1.3");
  }
  SECTION("CVE-2016-5420, CVE-2023-27538: a connection without a client certificate is not "
          "reused by a transfer with one") {
    tls_fetch a(m, url, trust_root());
    REQUIRE_FALSE(a.ec);
    xfer::tls_options with_cert = trust_root();
    with_cert.client_certificate_file = pki().client_cert();
    with_cert.client_key_file = pki().client_key();
    tls_fetch b(m, url, with_cert);
    XFER_REPORT(b);
    CHECK_FALSE(b.ec);
    CHECK_FALSE(b.t.info().connection_reused);
  }
  SECTION("a connection without a pin is not reused by a transfer whose pin does not match") {
    tls_fetch a(m, url, insecure_peer());
    REQUIRE_FALSE(a.ec);
    xfer::tls_options pinned = insecure_peer();
    pinned.pinned_public_key = pki().pin("wrong_host");
    tls_fetch b(m, url, pinned);
    XFER_REPORT(b);
    CHECK(b.ec == xfer::errc::ssl_pinnedpubkeynotmatch);
    CHECK_FALSE(b.t.info().connection_reused);
    CHECK(b.received.empty());
  }
}

TEST_CASE("CVE-2022-27782: a connection made without host name verification is not reused by "
          "a transfer that verifies the name",
          "[loopback][security][tls]") {
  xt::nginx_server nginx(tls_nginx("wrong_host"));
  nginx.write_file("f.txt", "wrong host");
  const std::string url = nginx.url_for_host("localhost", "/f.txt");
  xfer::multi m;
  xfer::tls_options lax = trust_root();
  lax.insecure_skip_hostname_verification = true;
  tls_fetch a(m, url, lax);
  XFER_REPORT(a);
  REQUIRE_FALSE(a.ec);
  REQUIRE(m.idle_connections() == 1);
  tls_fetch b(m, url, trust_root());
  XFER_REPORT(b);
  CHECK(b.ec == xfer::errc::peer_failed_verification);
  CHECK_FALSE(b.t.info().connection_reused);
  CHECK(b.received.empty());
}

TEST_CASE("CVE-2016-5420: a connection authenticated with a client certificate is not reused "
          "by a transfer without one",
          "[loopback][security][tls]") {
  auto options = tls_nginx("good");
  options.client_ca_file = pki().ca_bundle_file(); // client certificates required
  xt::nginx_server nginx(options);
  nginx.write_file("f.txt", "for authenticated clients");
  const std::string url = nginx.url_for_host("localhost", "/f.txt");
  xfer::multi m;
  xfer::tls_options with_cert = trust_root();
  with_cert.client_certificate_file = pki().client_cert();
  with_cert.client_key_file = pki().client_key();
  tls_fetch a(m, url, with_cert);
  XFER_REPORT(a);
  REQUIRE_FALSE(a.ec);
  REQUIRE(a.t.status() == 200);
  REQUIRE(m.idle_connections() == 1);
  tls_fetch b(m, url, trust_root());
  XFER_REPORT(b);
  CHECK_FALSE(b.ec);
  CHECK(b.t.status() == 400); // nginx: "No required SSL certificate was sent"
  CHECK_FALSE(b.t.info().connection_reused);
  CHECK(b.received.find("for authenticated clients") == std::string::npos);
}

// =============================================================================================
// TLS session resumption across settings.

TEST_CASE("CVE-2016-5419: a TLS session made with a client certificate is not resumed by a "
          "transfer without one",
          "[loopback][security][tls]") {
  auto options = tls_nginx("good", "keepalive_requests 1;");
  options.client_ca_file = pki().ca_bundle_file();
  xt::nginx_server nginx(options);
  nginx.write_file("f.txt", "for authenticated clients");
  const std::string url = nginx.url_for_host("localhost", "/f.txt");
  xfer::multi m;
  xfer::tls_options with_cert = trust_root();
  with_cert.client_certificate_file = pki().client_cert();
  with_cert.client_key_file = pki().client_key();
  tls_fetch a(m, url, with_cert);
  XFER_REPORT(a);
  REQUIRE_FALSE(a.ec);
  REQUIRE(a.t.status() == 200);
  tls_fetch b(m, url, trust_root());
  XFER_REPORT(b);
  CHECK_FALSE(b.ec);
  CHECK_FALSE(b.t.info().tls_session_resumed);
  CHECK(b.t.status() == 400);
  CHECK(b.received.find("for authenticated clients") == std::string::npos);
  // Control: the authenticated configuration does resume its own session.
  tls_fetch c(m, url, with_cert);
  XFER_REPORT(c);
  CHECK_FALSE(c.ec);
  CHECK(c.t.info().tls_session_resumed);
  CHECK(c.t.status() == 200);
}

TEST_CASE("CVE-2021-22890, CVE-2022-27782: a TLS session is never resumed under other settings "
          "or for another host",
          "[loopback][security][tls]") {
  // keepalive_requests 1: every connection closes, so every transfer handshakes.
  xt::nginx_server nginx(tls_nginx("good", "keepalive_requests 1;"));
  nginx.write_file("f.txt", "resumable");
  const std::string by_name = nginx.url_for_host("localhost", "/f.txt");
  xfer::multi m;

  SECTION("a session from a handshake without verification is not resumed by a verifying "
          "configuration") {
    tls_fetch a(m, by_name, insecure_peer());
    REQUIRE_FALSE(a.ec);
    CHECK_FALSE(a.t.info().tls_session_resumed);
    tls_fetch b(m, by_name, trust_root());
    XFER_REPORT(b);
    CHECK_FALSE(b.ec);
    CHECK_FALSE(b.t.info().tls_session_resumed);
    CHECK_FALSE(b.t.info().connection_reused);
    // Control: resumption does work within one configuration.
    tls_fetch c(m, by_name, trust_root());
    XFER_REPORT(c);
    CHECK_FALSE(c.ec);
    CHECK(c.t.info().tls_session_resumed);
    tls_fetch d(m, by_name, insecure_peer());
    XFER_REPORT(d);
    CHECK_FALSE(d.ec);
    CHECK(d.t.info().tls_session_resumed);
  }
  SECTION("a session for one host name is not resumed for another name of the same server") {
    tls_fetch a(m, by_name, trust_root());
    REQUIRE_FALSE(a.ec);
    tls_fetch b(m, nginx.url_for_host("127.0.0.1", "/f.txt"), trust_root());
    XFER_REPORT(b);
    CHECK_FALSE(b.ec);
    CHECK_FALSE(b.t.info().tls_session_resumed);
    tls_fetch c(m, by_name, trust_root());
    XFER_REPORT(c);
    CHECK_FALSE(c.ec);
    CHECK(c.t.info().tls_session_resumed);
  }
}

TEST_CASE("CVE-2021-22890 class: an unverified session never lets a verifying transfer skip "
          "the certificate check",
          "[loopback][security][tls]") {
  // A self-signed server: a verifying transfer can only succeed by resuming a session made
  // without verification (a resumed TLS 1.3 handshake carries no certificate to check).
  xt::nginx_server nginx(tls_nginx("self_signed", "keepalive_requests 1;"));
  nginx.write_file("f.txt", "must not be delivered to a verifying transfer");
  const std::string url = nginx.url_for_host("localhost", "/f.txt");
  xfer::multi m;
  tls_fetch a(m, url, insecure_peer());
  XFER_REPORT(a);
  REQUIRE_FALSE(a.ec);
  tls_fetch again(m, url, insecure_peer());
  XFER_REPORT(again);
  REQUIRE_FALSE(again.ec);
  CHECK(again.t.info().tls_session_resumed); // a session exists and is resumable
  const auto verifying = GENERATE(0, 1);
  tls_fetch b(m, url, verifying == 0 ? xfer::tls_options{} : trust_root());
  XFER_REPORT(b);
  CHECK(b.ec == xfer::errc::peer_failed_verification);
  CHECK_FALSE(b.t.info().tls_session_resumed);
  CHECK_FALSE(b.t.info().connection_reused);
  CHECK(b.received.empty());
}

// =============================================================================================
// Certificate name checks.

TEST_CASE("CVE-2014-0139: wildcards and DNS names never match an IP address; no top-level or "
          "partial wildcards",
          "[loopback][security][tls]") {
  struct name_case {
    const char* sans;
    const char* host;
    bool accepted;
  };
  const auto c = GENERATE(values<name_case>({
      {"DNS:*.0.0.1", "127.0.0.1", false},
      {"DNS:127.0.0.1", "127.0.0.1", false},
      {"DNS:*", "localhost", false},
      {"DNS:*.localhost", "localhost", false},
      {"DNS:l*host", "localhost", false},
      {"IP:127.0.0.1", "127.0.0.1", true},   // control
      {"DNS:localhost", "localhost", true},  // control
  }));
  INFO("certificate " << c.sans << ", host " << c.host);
  namespace pk = xt::detail::pki;
  xt::temp_dir dir("xfer-names-");
  auto key = pk::make_key();
  auto cert = pk::make_cert({"xfer name test", false, c.sans, "serverAuth", -3600, 86400}, key.get(),
                            nullptr, nullptr);
  pk::write_text(dir / "cert.pem", pk::cert_pem(cert.get()));
  pk::write_text(dir / "cert.key", pk::key_pem(key.get()));
  xt::nginx_server::options o;
  o.tls = true;
  o.certificate_file = (dir / "cert.pem").string();
  o.key_file = (dir / "cert.key").string();
  xt::nginx_server nginx(o);
  nginx.write_file("f.txt", "named");
  xfer::multi m;
  xfer::tls_options trust_self; // the self-signed certificate is its own trust anchor
  trust_self.ca_file = (dir / "cert.pem").string();
  tls_fetch t(m, nginx.url_for_host(c.host, "/f.txt"), trust_self);
  XFER_REPORT(t);
  if (c.accepted) {
    CHECK_FALSE(t.ec);
    CHECK(t.received == "named");
  } else {
    CHECK(t.ec == xfer::errc::peer_failed_verification);
    CHECK(t.received.empty());
  }
}

// =============================================================================================
// Unbounded header memory.

TEST_CASE("CVE-2023-38039: endless response headers end in too_large, with bounded memory",
          "[loopback][security]") {
  xfer::multi m;

  SECTION("2 MB of 4 KiB header lines: too_large once the 256 KiB header budget is spent") {
    xt::scripted_server server;
    std::string response = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 512; ++i)
      response += "X-Flood-" + std::to_string(i) + ": " + std::string(4000, 'h') + "\r\n";
    response += "Content-Length: 0\r\n\r\n";
    REQUIRE(response.size() > 2'000'000);
    server.add_script({step::read_request(), step::send(response), step::hold()});
    collected t(server.url("/flood"));
    t.run(m);
    XFER_REPORT(t);
    CHECK(t.ec == xfer::errc::too_large);
    CHECK(t.ec.value() == 100);
    CHECK(t.t.error_detail().find("Header section too large") != std::string::npos);
    CHECK(t.t.response_headers().size() <= 65); // at most 256 KiB worth of 4 KiB fields
    CHECK(t.wall < fast_bound);
  }
  SECTION("2 MB of short header lines: too_large at field 257") {
    xt::scripted_server server;
    std::string response = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; response.size() < 2'000'000; ++i)
      response += "X-F" + std::to_string(i) + ": v\r\n";
    response += "Content-Length: 0\r\n\r\n";
    server.add_script({step::read_request(), step::send(response), step::hold()});
    collected t(server.url("/flood"));
    t.run(m);
    XFER_REPORT(t);
    CHECK(t.ec == xfer::errc::too_large);
    CHECK(t.t.error_detail().find("Too many header fields") != std::string::npos);
    CHECK(t.t.response_headers().size() == 256);
    CHECK(t.wall < fast_bound);
  }
}

TEST_CASE("CVE-2023-38039: a server that never ends its header section gets too_large, and the "
          "client stops reading",
          "[loopback][security]") {
  struct endless_case {
    const char* name;
    std::string head;
    std::string piece;
    std::string detail;
  };
  const auto c = GENERATE(values<endless_case>({
      {"endless header lines", "HTTP/1.1 200 OK\r\n", "X-Endless: " + std::string(1000, 'e') + "\r\n",
       "Too many header fields"},
      {"endless big header lines", "HTTP/1.1 200 OK\r\n",
       "X-Endless: " + std::string(16000, 'e') + "\r\n", "Header section too large"},
      {"one endless header line", "HTTP/1.1 200 OK\r\nX-Endless: ", std::string(4096, 'e'),
       "Header field line too long"},
      {"one endless obs-folded header", "HTTP/1.1 200 OK\r\nX-Fold: start\r\n",
       " " + std::string(100, 'f') + "\r\n", "Header field line too long"},
      {"endless 1xx responses", "", "HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n",
       "Too many 1xx interim responses"},
      {"one endless status line", "HTTP/1.1 200 ", std::string(4096, 'r'), "HTTP status line too long"},
      {"endless trailer fields",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n",
       "X-Trailer: " + std::string(100, 't') + "\r\n", "Too many header fields"},
      {"one endless chunk extension",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=", std::string(4096, 'x'),
       "Chunk size line too long"},
  }));
  INFO("scenario: " << c.name);
  endless_server server(c.head, c.piece);
  xfer::multi m;
  collected t(server.url("/endless"));
  t.run(m);
  XFER_REPORT(t);
  CHECK(t.ec == xfer::errc::too_large);
  CHECK(t.t.error_detail().find(c.detail) != std::string::npos);
  CHECK(t.wall < fast_bound);
  CHECK(t.t.response_headers().size() <= 256);
  // The client stopped reading and closed: the server's writes failed. What it managed to
  // write is the header budget plus what the kernel buffers on both sides hold.
  CHECK(server.wait_done(5s));
  INFO("server wrote " << server.bytes_written() << " bytes");
  CHECK(server.bytes_written() < 64u * 1024 * 1024);
  CHECK(m.open_connections() == 0);
}

// =============================================================================================
// Unbounded decoding and unbounded bodies.

TEST_CASE("CVE-2022-32206, CVE-2023-23916: no unbounded decoding chain", "[loopback][security]") {
  xt::scripted_server server;
  server.set_default_script({step::respond_forever(ok("good"))});
  xfer::multi m;

  SECTION("a Transfer-Encoding chain of 1000 codings is refused at once") {
    std::string chain;
    for (int i = 0; i < 1000; ++i)
      chain += "gzip, ";
    chain += "chunked";
    server.add_script({step::read_request(),
                       step::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: " + chain +
                                  "\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
                       step::hold()});
    collected t(server.url("/te-chain"));
    t.run(m);
    XFER_REPORT(t);
    CHECK(t.ec == xfer::errc::weird_server_reply);
    CHECK(t.t.error_detail().find("Transfer-Encoding") != std::string::npos);
    CHECK(t.received.empty());
    CHECK(t.wall < fast_bound);
  }
  SECTION("200 Transfer-Encoding fields are refused at once") {
    std::string fields;
    for (int i = 0; i < 200; ++i)
      fields += "Transfer-Encoding: gzip\r\n";
    server.add_script({step::read_request(),
                       step::send("HTTP/1.1 200 OK\r\n" + fields + "Content-Length: 5\r\n\r\nhello"),
                       step::hold()});
    collected t(server.url("/te-fields"));
    t.run(m);
    XFER_REPORT(t);
    CHECK(t.ec == xfer::errc::weird_server_reply);
    CHECK(t.received.empty());
  }
  SECTION("a Content-Encoding chain of 1000 codings is passed through undecoded") {
    std::string chain;
    for (int i = 0; i < 999; ++i)
      chain += "gzip, ";
    chain += "gzip";
    const std::string body = "not really gzip";
    server.add_script({step::read_request(),
                       step::send(xt::http_response(200, body, {{"Content-Encoding", chain}})),
                       step::hold()});
    collected t(server.url("/ce-chain"));
    t.run(m);
    XFER_REPORT(t);
    CHECK_FALSE(t.ec);
    CHECK(t.received == body); // the bytes as sent: xfer decodes no content coding
    CHECK(t.t.response_headers().find("Content-Encoding") == std::optional<std::string_view>(chain));
    CHECK(t.wall < fast_bound);
  }
}

TEST_CASE("unbounded bodies: endless data ends with the timeout, buffering stays bounded",
          "[loopback][security]") {
  struct body_case {
    const char* name;
    std::string head;
    std::string piece;
  };
  const auto c = GENERATE(values<body_case>({
      {"endless chunked body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
       "4000\r\n" + std::string(0x4000, 'c') + "\r\n"},
      {"endless chunked body of 1-byte chunks", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
       "1;ext=1\r\nc\r\n"},
      {"endless close-delimited body", "HTTP/1.1 200 OK\r\n\r\n", std::string(0x10000, 'b')},
      {"Content-Length 2^64-1", "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n",
       std::string(0x10000, 'l')},
  }));
  INFO("scenario: " << c.name);
  endless_server server(c.head, c.piece);
  xfer::multi m;
  xfer::transfer t(server.url("/endless"));
  t.set_timeout(1s);
  std::uint64_t received = 0;
  std::size_t largest_piece = 0;
  t.set_write_callback([&](std::string_view data) {
    received += data.size(); // discarded
    largest_piece = std::max(largest_piece, data.size());
    return xfer::write_action::proceed;
  });
  const auto start = clock_type::now();
  const auto ec = xt::run_one(m, t, 30s);
  const auto wall = clock_type::now() - start;
  INFO("result " << ec.message() << "; detail " << t.error_detail() << "; received " << received);
  CHECK(ec == xfer::errc::operation_timedout);
  CHECK(ec.value() == 28);
  CHECK(t.error_detail().find("Operation timed out after") != std::string::npos);
  CHECK(received > 0);
  CHECK(t.info().bytes_downloaded == received);
  CHECK(t.body().empty());
  CHECK(largest_piece <= 1024u * 1024u); // never more than the read buffer's largest size
  CHECK(wall >= 900ms);
  CHECK(wall < fast_bound);
  CHECK(server.wait_done(5s));
  CHECK(m.open_connections() == 0);
}
