// Each timeout fires in its own phase, names it, and leaves the other phases alone.
#include <xfer/multi.hpp>

#include "support/black_hole.hpp"
#include "support/drive.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>

using namespace std::chrono_literals;
using xfer::test::scripted_server;
using xfer::test::step;

namespace {

/// Name resolution that starts only after a delay: a slow DNS server, on loopback.
class slow_dns final : public xfer::fault_injector {
public:
  explicit slow_dns(std::chrono::milliseconds delay) : delay_(delay) {}
  xfer::injected_fault next(xfer::io_operation op) override {
    xfer::injected_fault fault;
    if (op == xfer::io_operation::resolve)
      fault.delay = delay_;
    return fault;
  }

private:
  std::chrono::milliseconds delay_;
};

struct outcome {
  std::error_code ec;
  std::string detail;
  std::chrono::milliseconds wall{};
};

outcome run(xfer::multi& m, xfer::transfer& t) {
  const auto start = std::chrono::steady_clock::now();
  outcome o;
  o.ec = xfer::test::run_one(m, t, 20s);
  o.detail = t.error_detail();
  o.wall = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return o;
}

bool names(const outcome& o, const std::string& phase) {
  return o.ec == xfer::errc::operation_timedout && o.detail.find("(" + phase + " timeout)") != std::string::npos;
}

std::string slow_head_then_body() { return "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"; }

} // namespace

TEST_CASE("the DNS timeout ends a slow name resolution", "[loopback][timeouts]") {
  scripted_server server;
  xfer::multi m;
  m.set_fault_injector(std::make_shared<slow_dns>(3s));
  xfer::transfer t{"http://localhost:" + std::to_string(server.port()) + "/"};
  t.set_dns_timeout(150ms);
  const auto o = run(m, t);
  INFO(o.detail);
  CHECK(names(o, "dns"));
  CHECK(o.wall < 2s);
  CHECK(t.info().timing.name_lookup.count() == 0);
}

TEST_CASE("the connect timeout covers resolving when no DNS timeout is set", "[loopback][timeouts]") {
  scripted_server server;
  xfer::multi m;
  m.set_fault_injector(std::make_shared<slow_dns>(3s));
  xfer::transfer t{"http://localhost:" + std::to_string(server.port()) + "/"};
  t.set_connect_timeout(150ms);
  const auto o = run(m, t);
  INFO(o.detail);
  CHECK(names(o, "connect"));
  CHECK(o.wall < 2s);
}

TEST_CASE("a DNS timeout does not limit a fast resolution", "[loopback][timeouts]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send(xfer::test::http_response(200, "ok"))});
  xfer::multi m;
  m.set_fault_injector(std::make_shared<slow_dns>(100ms));
  xfer::transfer t{"http://localhost:" + std::to_string(server.port()) + "/"};
  t.set_dns_timeout(2s);
  const auto o = run(m, t);
  INFO(o.detail);
  CHECK_FALSE(o.ec);
  CHECK(t.body() == "ok");
}

TEST_CASE("the connect timeout ends a connect to a black hole", "[loopback][timeouts]") {
  xfer::test::black_hole hole;
  REQUIRE(hole.available());
  xfer::multi m;
  xfer::transfer t{"http://127.0.0.1:" + std::to_string(hole.port()) + "/"};
  t.set_connect_timeout(200ms);
  t.set_timeout(10s);
  const auto o = run(m, t);
  INFO(o.detail);
  CHECK(names(o, "connect"));
  CHECK(o.wall >= 150ms);
  CHECK(o.wall < 3s);
}

TEST_CASE("the connect attempt timeout gives up on one address at a time", "[loopback][timeouts]") {
  xfer::test::black_hole hole;
  REQUIRE(hole.available());
  xfer::multi m;
  xfer::transfer t{"http://hole.test:" + std::to_string(hole.port()) + "/"};
  t.add_resolve("hole.test:" + std::to_string(hole.port()) + ":127.0.0.1");
  t.set_connect_attempt_timeout(200ms);
  const auto o = run(m, t);
  INFO(o.detail);
  CHECK(names(o, "connect attempt"));
  CHECK(o.detail.find("127.0.0.1") != std::string::npos);
  CHECK(o.wall < 3s);
}

TEST_CASE("the TLS handshake timeout ends a handshake the server never answers", "[loopback][timeouts]") {
  scripted_server server;
  server.add_script({step::hold()});
  xfer::multi m;
  xfer::transfer t{"https://127.0.0.1:" + std::to_string(server.port()) + "/"};
  t.set_tls_handshake_timeout(200ms);
  t.set_connect_timeout(10s);
  const auto o = run(m, t);
  INFO(o.detail);
  CHECK(names(o, "tls handshake"));
  CHECK(o.wall < 3s);
}

TEST_CASE("the first byte timeout ends a wait for a response that does not come", "[loopback][timeouts]") {
  scripted_server server;
  server.add_script({step::read_request(), step::delay(3s), step::send(xfer::test::http_response(200, "late"))});
  xfer::multi m;
  xfer::transfer t{server.url()};
  t.set_first_byte_timeout(200ms);
  t.set_idle_timeout(10s);
  const auto o = run(m, t);
  INFO(o.detail);
  CHECK(names(o, "first byte"));
  CHECK(o.wall < 2500ms);
}

TEST_CASE("phase timeouts do not reach into later phases", "[loopback][timeouts]") {
  // The response starts at once, then the body takes a second: longer than the
  // connect, TLS, DNS and first-byte limits, which are over by then.
  scripted_server server;
  server.add_script({step::read_request(), step::send(slow_head_then_body()),
                     step::send_slowly("0123456789", 100ms)});
  xfer::multi m;
  xfer::transfer t{server.url()};
  t.set_connect_timeout(400ms);
  t.set_dns_timeout(400ms);
  t.set_tls_handshake_timeout(400ms);
  t.set_first_byte_timeout(400ms);
  t.set_idle_timeout(2s);
  const auto o = run(m, t);
  INFO(o.detail);
  CHECK_FALSE(o.ec);
  CHECK(t.body() == "0123456789");
  CHECK(o.wall >= 800ms);
}

TEST_CASE("a server that stalls after the headers hits the idle timeout", "[loopback][timeouts]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send(slow_head_then_body() + "0123"), step::hold()});
  xfer::multi m;
  xfer::transfer t{server.url()};
  t.set_idle_timeout(300ms);
  t.set_timeout(10s);
  const auto o = run(m, t);
  INFO(o.detail);
  CHECK(names(o, "idle"));
  CHECK(o.wall >= 250ms);
  CHECK(o.wall < 3s);
  CHECK(t.info().bytes_downloaded == 4);
}

TEST_CASE("a server that trickles hits the low speed timeout and not the idle one", "[loopback][timeouts]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"),
                     step::send_slowly(std::string(1000, 'x'), 40ms)});
  xfer::multi m;
  xfer::transfer t{server.url()};
  t.set_low_speed_limit(1000, 600ms); // the server sends 25 bytes/s
  t.set_idle_timeout(400ms);          // a byte every 40 ms: never idle that long
  t.set_timeout(10s);
  const auto o = run(m, t);
  INFO(o.detail);
  CHECK(names(o, "low speed"));
  CHECK(o.wall >= 500ms);
  CHECK(o.wall < 4s);
}

TEST_CASE("a stalled body hits the total timeout with the bytes received named", "[loopback][timeouts]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send(slow_head_then_body() + "ab"), step::hold()});
  xfer::multi m;
  xfer::transfer t{server.url()};
  t.set_timeout(300ms);
  const auto o = run(m, t);
  INFO(o.detail);
  CHECK(names(o, "total"));
  CHECK(o.detail.find("2 bytes received") != std::string::npos);
}

TEST_CASE("time waiting in the queue does not count against the total timeout", "[loopback][timeouts]") {
  scripted_server server;
  server.set_default_script({step::read_request(), step::delay(1200ms),
                             step::send(xfer::test::http_response(200, "slow")), step::close()});
  xfer::multi_options options;
  options.max_total_connections = 1;
  xfer::multi m{options};
  xfer::transfer first{server.url("/first")};
  first.set_timeout(10s);
  first.set_forbid_reuse(true); // the second transfer opens its own connection
  xfer::transfer second{server.url("/second")};
  // It waits ~1.2 s for the slot, then ~1.2 s for its answer: 2.4 s in all, 1.2 s from leaving the queue.
  second.set_timeout(1800ms);
  m.add(first);
  m.add(second);
  const auto messages = xfer::test::drive(m, 20s);
  REQUIRE(messages.size() == 2);
  for (const auto& msg : messages) {
    INFO(msg.transfer->url() << ": " << msg.transfer->error_detail());
    CHECK_FALSE(msg.result);
  }
  CHECK(second.info().timing.queue >= 1s);
  CHECK(second.info().total_time >= 2s);
}

TEST_CASE("the idle timeout does not run while a transfer is paused", "[loopback][timeouts]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send(xfer::test::http_response(200, std::string(100, 'p')))});
  xfer::multi m;
  xfer::transfer t{server.url()};
  t.set_idle_timeout(200ms);
  std::string got;
  t.set_write_callback([&](std::string_view data) {
    got.append(data);
    return xfer::write_action::proceed;
  });
  t.pause(); // not running: nothing happens
  CHECK_FALSE(t.is_paused());
  m.add(t);
  t.pause(xfer::pause_direction::recv); // before the first perform(), which could finish it
  CHECK(t.is_paused());
  const auto until = std::chrono::steady_clock::now() + 600ms;
  while (std::chrono::steady_clock::now() < until) {
    m.perform();
    m.poll(20ms);
  }
  CHECK(got.empty());
  CHECK(m.running() == 1);
  t.resume();
  const auto messages = xfer::test::drive(m, 10s);
  REQUIRE(messages.size() == 1);
  CHECK_FALSE(messages[0].result);
  CHECK(got == std::string(100, 'p'));
}
