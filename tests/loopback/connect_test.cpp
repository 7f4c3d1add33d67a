// Finding and opening connections: DNS cache, resolve and connect_to, Happy Eyeballs, Unix sockets, binding, reuse rules.
#include <xfer/multi.hpp>

#include "support/black_hole.hpp"
#include "support/drive.hpp"
#include "support/nginx_server.hpp"
#include "support/scripted_server.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <asio/ip/tcp.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using xfer::test::scripted_server;
using xfer::test::step;

namespace {

std::string ok(std::string_view body) { return xfer::test::http_response(200, body); }

/// Counts the debug lines of a transfer that contain a phrase.
struct trace_counter {
  std::vector<std::string> lines;
  void attach(xfer::transfer& t) {
    t.set_debug_callback([this](xfer::debug_kind kind, std::string_view text) {
      if (kind == xfer::debug_kind::text)
        lines.emplace_back(text);
    });
  }
  std::size_t count(std::string_view phrase) const {
    std::size_t n = 0;
    for (const auto& line : lines)
      n += line.find(phrase) != std::string::npos;
    return n;
  }
};

/// Whether ::1 can be bound on this machine.
bool ipv6_loopback_available() {
  try {
    asio::io_context ctx;
    asio::ip::tcp::acceptor acceptor(ctx, {asio::ip::make_address("::1"), 0});
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

} // namespace

TEST_CASE("the DNS cache answers a second lookup and forgets it after its time to live", "[loopback][connect]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(ok("x"))});
  xfer::multi_options options;
  options.dns_cache_timeout = 1s;
  xfer::multi m{options};
  const std::string url = "http://localhost:" + std::to_string(server.port()) + "/";
  trace_counter trace;
  const auto run = [&] {
    xfer::transfer t{url};
    t.set_fresh_connect(true); // every transfer connects, so every one needs the address
    trace.attach(t);
    CHECK_FALSE(xfer::test::run_one(m, t));
  };
  run();
  run();
  CHECK(trace.count("Added localhost:") == 1);
  CHECK(trace.count("was found in DNS cache") == 1);
  std::this_thread::sleep_for(1100ms);
  run();
  CHECK(trace.count("Added localhost:") == 2); // expired: resolved again
  CHECK(trace.count("was found in DNS cache") == 1);

  options.dns_cache_timeout = 0ms; // no caching at all
  m.set_options(options);
  run();
  run();
  CHECK(trace.count("Added localhost:") == 2);
  CHECK(trace.count("was found in DNS cache") == 1);
}

TEST_CASE("resolve overrides send a made-up host name to a loopback address", "[loopback][connect]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send(ok("resolved"))});
  xfer::multi m;
  const std::string port = std::to_string(server.port());
  xfer::transfer t{"http://made-up.test:" + port + "/r"};
  t.add_resolve("made-up.test:" + port + ":127.0.0.1");
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.body() == "resolved");
  CHECK(t.info().primary_ip == "127.0.0.1");
  REQUIRE(server.requests().size() == 1);
  CHECK(server.requests()[0].find("Host: made-up.test:" + port + "\r\n") != std::string::npos);
}

TEST_CASE("connect_to connects elsewhere and keeps the URL's Host", "[loopback][connect]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send(ok("moved"))});
  xfer::multi m;
  xfer::transfer t{"http://front.test/c"};
  t.add_connect_to("front.test:80:127.0.0.1:" + std::to_string(server.port()));
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.body() == "moved");
  CHECK(t.info().primary_port == server.port());
  REQUIRE(server.requests().size() == 1);
  CHECK(server.requests()[0].find("Host: front.test\r\n") != std::string::npos);
}

TEST_CASE("bad route options and impossible families fail with clear errors", "[loopback][connect]") {
  xfer::multi m;
  SECTION("a resolve entry that does not parse") {
    xfer::transfer t{"http://a.test:1/"};
    t.add_resolve("a.test:1");
    CHECK(xfer::test::run_one(m, t) == xfer::errc::bad_function_argument);
    CHECK(t.error_detail().find("resolve entry") != std::string::npos);
  }
  SECTION("a connect_to rule that does not parse") {
    xfer::transfer t{"http://a.test:1/"};
    t.add_connect_to("nonsense");
    CHECK(xfer::test::run_one(m, t) == xfer::errc::bad_function_argument);
  }
  SECTION("IPv6 only with IPv4 addresses") {
    xfer::transfer t{"http://a.test:1/"};
    t.add_resolve("a.test:1:127.0.0.1");
    t.set_ip_version(xfer::ip_version::v6);
    CHECK(xfer::test::run_one(m, t) == xfer::errc::couldnt_resolve_host);
    CHECK(t.error_detail().find("no IPv6 address") != std::string::npos);
  }
  SECTION("an interface that does not exist") {
    scripted_server server;
    xfer::transfer t{server.url()};
    t.set_interface("no-such-if0");
    CHECK(xfer::test::run_one(m, t) == xfer::errc::interface_failed);
    CHECK(t.error_detail().find("no-such-if0") != std::string::npos);
  }
}

TEST_CASE("Happy Eyeballs falls back to IPv4 when IPv6 black-holes", "[loopback][connect]") {
  if (!ipv6_loopback_available()) {
    WARN("::1 is not available: skipped");
    return;
  }
  scripted_server server;
  server.add_script({step::read_request(), step::send(ok("v4"))});
  xfer::test::black_hole hole("::1", server.port()); // IPv6 on the same port never answers
  if (!hole.available()) {
    WARN("could not set up a black hole on [::1]:" << server.port() << ": skipped");
    return;
  }
  xfer::multi m;
  const std::string port = std::to_string(server.port());
  xfer::transfer t{"http://dual.test:" + port + "/"};
  t.add_resolve("dual.test:" + port + ":[::1],127.0.0.1");
  t.set_connect_options([&] {
    auto o = t.get_connect_options();
    o.happy_eyeballs_delay = 150ms;
    return o;
  }());
  t.set_connect_timeout(5s);
  trace_counter trace;
  trace.attach(t);
  const auto start = std::chrono::steady_clock::now();
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  const auto wall = std::chrono::steady_clock::now() - start;
  CHECK(t.body() == "v4");
  CHECK(t.info().primary_ip == "127.0.0.1");
  CHECK(wall >= 140ms); // IPv6 had its head start
  CHECK(wall < 3s);
  CHECK(trace.count("Trying [::1]:" + port + ", 127.0.0.1:" + port) == 1);

  SECTION("and goes straight to IPv4 with ip_version::v4") {
    scripted_server second;
    second.add_script({step::read_request(), step::send(ok("only v4"))});
    xfer::test::black_hole hole2("::1", second.port());
    xfer::transfer t4{"http://dual.test:" + std::to_string(second.port()) + "/"};
    t4.add_resolve("dual.test:" + std::to_string(second.port()) + ":[::1],127.0.0.1");
    t4.set_ip_version(xfer::ip_version::v4);
    const auto start4 = std::chrono::steady_clock::now();
    REQUIRE_FALSE(xfer::test::run_one(m, t4));
    CHECK(t4.body() == "only v4");
    CHECK(std::chrono::steady_clock::now() - start4 < 1s);
  }
}

TEST_CASE("a refused address makes the next one start at once", "[loopback][connect]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send(ok("second address"))});
  // 127.0.0.2 has no listener on the port (loopback answers with a reset).
  xfer::multi m;
  const std::string port = std::to_string(server.port());
  xfer::transfer t{"http://two.test:" + port + "/"};
  t.add_resolve("two.test:" + port + ":127.0.0.2,127.0.0.1");
  auto o = t.get_connect_options();
  o.happy_eyeballs_delay = 3s; // the failure, not the delay, starts the second attempt
  t.set_connect_options(o);
  const auto start = std::chrono::steady_clock::now();
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.body() == "second address");
  CHECK(std::chrono::steady_clock::now() - start < 2s);
}

TEST_CASE("fresh_connect, forbid_reuse and the connection lifetime decide reuse", "[loopback][connect]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(ok("r"))});
  xfer::multi_options options;
  options.max_connection_lifetime = 1s;
  xfer::multi m{options};
  const auto run = [&](auto&& configure) {
    xfer::transfer t{server.url()};
    configure(t);
    CHECK_FALSE(xfer::test::run_one(m, t));
    return t.info().connection_id;
  };
  const auto none = [](xfer::transfer&) {};
  const auto first = run(none);
  CHECK(run(none) == first); // reused
  const auto fresh = run([](xfer::transfer& t) { t.set_fresh_connect(true); });
  CHECK(fresh != first);
  const auto closing = run([](xfer::transfer& t) { t.set_forbid_reuse(true); }); // reuses, then closes
  const auto after = run(none);
  CHECK(after != closing);
  std::this_thread::sleep_for(1100ms);
  CHECK(run(none) != after); // too old to reuse
}

TEST_CASE("the local end binds to an interface and a port", "[loopback][connect]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(ok("b"))});
  xfer::multi m;
  xfer::transfer t{server.url()};
  t.set_interface("lo");
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.info().local_ip == "127.0.0.1");

  std::uint16_t free_port = 0;
  {
    asio::io_context ctx;
    asio::ip::tcp::acceptor probe(ctx, {asio::ip::make_address("127.0.0.1"), 0});
    free_port = probe.local_endpoint().port();
  }
  xfer::transfer p{server.url()};
  p.set_interface("127.0.0.1").set_local_port(free_port, 20);
  REQUIRE_FALSE(xfer::test::run_one(m, p));
  CHECK(p.info().local_port >= free_port);
  CHECK(p.info().local_port < free_port + 20);
  CHECK_FALSE(p.info().connection_reused); // other local settings: not the first transfer's connection
}

TEST_CASE("a transfer goes through a Unix domain socket to nginx", "[loopback][connect][nginx]") {
  if (!xfer::test::nginx_server::available()) {
    WARN("nginx not found: skipped");
    return;
  }
  xfer::test::temp_dir dir("xfer-unix-");
  const std::string socket_path = (dir.path() / "nginx.sock").string();
  xfer::test::nginx_server::options o;
  o.extra_server_config = "    listen unix:" + socket_path + ";\n";
  xfer::test::nginx_server nginx(o);
  nginx.write_file("unix.txt", "over a unix socket\n");
  xfer::multi m;
  xfer::transfer t{"http://localhost/unix.txt"};
  t.set_unix_socket_path(socket_path);
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.status() == 200);
  CHECK(t.body() == "over a unix socket\n");
  CHECK(t.info().primary_ip.empty());

  xfer::transfer again{"http://localhost/unix.txt"};
  again.set_unix_socket_path(socket_path);
  REQUIRE_FALSE(xfer::test::run_one(m, again));
  CHECK(again.info().connection_reused);

  xfer::transfer tcp{nginx.url("/unix.txt")}; // same file over TCP: never the Unix socket's connection
  REQUIRE_FALSE(xfer::test::run_one(m, tcp));
  CHECK_FALSE(tcp.info().connection_reused);

  xfer::transfer missing{"http://localhost/unix.txt"};
  missing.set_unix_socket_path((dir.path() / "nothing.sock").string());
  CHECK(xfer::test::run_one(m, missing) == xfer::errc::couldnt_connect);
}
