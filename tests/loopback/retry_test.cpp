// Retry policy: transient failures sent again with backoff, Retry-After, idempotent methods only,
// never a byte twice, and the multi's retry budget.
#include <xfer/multi.hpp>

#include "support/drive.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <ctime>
#include <list>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using xfer::test::scripted_server;
using xfer::test::step;

namespace {

using clock_type = std::chrono::steady_clock;

/// Answers the first `failures` requests with `failure`, then 200 "good".
step fail_first(int failures, std::string failure, std::atomic<int>& served) {
  return step::respond_by([failures, failure = std::move(failure), &served](const std::string&) {
    return served++ < failures ? failure : xfer::test::http_response(200, "good");
  });
}

xfer::retry_policy quick_policy(std::uint32_t retries, std::chrono::milliseconds delay = 50ms) {
  xfer::retry_policy p;
  p.max_retries = retries;
  p.initial_delay = delay;
  p.jitter = 0;
  return p;
}

/// A transfer whose debug text lines are kept.
struct traced {
  xfer::transfer t;
  std::vector<std::string> lines;
  std::string received;
  explicit traced(const std::string& url) : t(url) {
    t.set_debug_callback([this](xfer::debug_kind kind, std::string_view text) {
      if (kind == xfer::debug_kind::text)
        lines.emplace_back(text);
    });
    t.set_write_callback([this](std::string_view data) {
      received.append(data);
      return xfer::write_action::proceed;
    });
  }
  bool traced_line(std::string_view part) const {
    for (const auto& l : lines)
      if (l.find(part) != std::string::npos)
        return true;
    return false;
  }
};

} // namespace

TEST_CASE("a GET answered 503 twice is retried with exponential backoff and delivers only the final body",
          "[loopback][retry]") {
  scripted_server server;
  std::atomic<int> served{0};
  server.set_default_script(
      {fail_first(2, xfer::test::http_response(503, "unavailable, do not deliver"), served)});
  xfer::multi m;
  traced r{server.url("/flaky")};
  r.t.set_retry_policy(quick_policy(3, 100ms));
  const auto start = clock_type::now();
  CHECK(xfer::test::run_one(m, r.t) == std::error_code());
  const auto took = clock_type::now() - start;
  CHECK(r.t.status() == 200);
  CHECK(r.received == "good");
  CHECK(r.t.info().retries == 2);
  CHECK(r.t.info().attempts == 3);
  CHECK(served == 3);
  CHECK(took >= 280ms); // 100 ms, then 200 ms
  CHECK(r.traced_line("Retry 1 of 3 in 100 ms after HTTP 503"));
  CHECK(r.traced_line("Retry 2 of 3 in 200 ms after HTTP 503"));
}

TEST_CASE("retries stop at max_retries and the last response is delivered as it is", "[loopback][retry]") {
  scripted_server server;
  std::atomic<int> served{0};
  server.set_default_script({fail_first(100, xfer::test::http_response(502, "bad gateway"), served)});
  xfer::multi m;
  traced r{server.url("/down")};
  r.t.set_retry_policy(quick_policy(2, 10ms));
  CHECK(xfer::test::run_one(m, r.t) == std::error_code());
  CHECK(r.t.status() == 502);
  CHECK(r.received == "bad gateway");
  CHECK(r.t.info().retries == 2);
  CHECK(served == 3);
  CHECK(r.traced_line("Not retrying after HTTP 502: no retries left"));
  SECTION("with fail_on_error the last one fails") {
    served = 0;
    traced f{server.url("/down")};
    f.t.set_retry_policy(quick_policy(1, 10ms)).set_fail_on_error(true);
    CHECK(xfer::test::run_one(m, f.t) == xfer::errc::http_returned_error);
    CHECK(f.t.info().retries == 1);
    CHECK(served == 2);
  }
}

TEST_CASE("Retry-After sets the least wait before the retry", "[loopback][retry]") {
  scripted_server server;
  std::atomic<int> served{0};
  SECTION("in seconds") {
    server.set_default_script(
        {fail_first(1, xfer::test::http_response(429, "slow down", {{"Retry-After", "1"}}), served)});
  }
  SECTION("as an HTTP-date") {
    // A date two seconds ahead has whole-second precision: the wait is one to two seconds.
    const auto when = std::chrono::system_clock::now() + 2s;
    const std::time_t tt = std::chrono::system_clock::to_time_t(when);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char date[64];
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    server.set_default_script(
        {fail_first(1, xfer::test::http_response(503, "later", {{"Retry-After", date}}), served)});
  }
  xfer::multi m;
  traced r{server.url("/limited")};
  r.t.set_retry_policy(quick_policy(3, 10ms));
  const auto start = clock_type::now();
  CHECK(xfer::test::run_one(m, r.t) == std::error_code());
  const auto took = clock_type::now() - start;
  CHECK(r.t.status() == 200);
  CHECK(r.t.info().retries == 1);
  CHECK(took >= 900ms);
  CHECK(took < 8s);
}

TEST_CASE("a Retry-After beyond max_delay ends the retries", "[loopback][retry]") {
  scripted_server server;
  std::atomic<int> served{0};
  server.set_default_script(
      {fail_first(1, xfer::test::http_response(503, "much later", {{"Retry-After", "3600"}}), served)});
  xfer::multi m;
  traced late{server.url("/later")};
  late.t.set_retry_policy(quick_policy(3, 10ms));
  CHECK(xfer::test::run_one(m, late.t) == std::error_code());
  CHECK(late.t.status() == 503);
  CHECK(late.received == "much later");
  CHECK(late.t.info().retries == 0);
  CHECK(late.traced_line("Retry-After asks for a longer wait than max_delay"));
}

TEST_CASE("a POST is never retried unless the policy allows non-idempotent methods", "[loopback][retry]") {
  scripted_server server;
  std::atomic<int> served{0};
  server.set_default_script({fail_first(1, xfer::test::http_response(503, "busy"), served)});
  xfer::multi m;
  traced r{server.url("/submit")};
  r.t.set_method("POST").set_body("order=1");
  auto policy = quick_policy(3, 10ms);
  SECTION("by default: one request, the 503 delivered") {
    r.t.set_retry_policy(policy);
    CHECK(xfer::test::run_one(m, r.t) == std::error_code());
    CHECK(r.t.status() == 503);
    CHECK(r.t.info().retries == 0);
    CHECK(served == 1);
    CHECK(r.traced_line("the method is not idempotent"));
  }
  SECTION("not on a connection reset either") {
    server.set_default_script({step::read_request(), step::reset()});
    r.t.set_retry_policy(policy);
    CHECK(xfer::test::run_one(m, r.t) != std::error_code());
    CHECK(server.requests().size() == 1);
  }
  SECTION("with retry_non_idempotent: sent again with its body") {
    policy.retry_non_idempotent = true;
    r.t.set_retry_policy(policy);
    CHECK(xfer::test::run_one(m, r.t) == std::error_code());
    CHECK(r.t.status() == 200);
    CHECK(r.t.info().retries == 1);
    auto requests = server.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[1].find("order=1") != std::string::npos);
  }
}

TEST_CASE("a reset before any response byte is retried on a new connection", "[loopback][retry]") {
  scripted_server server;
  server.add_script({step::read_request(), step::reset()});
  server.add_script({step::read_request(), step::close()});
  server.set_default_script({step::respond_forever(xfer::test::http_response(200, "good"))});
  xfer::multi m;
  traced r{server.url("/")};
  r.t.set_retry_policy(quick_policy(3, 20ms));
  CHECK(xfer::test::run_one(m, r.t) == std::error_code());
  CHECK(r.received == "good");
  CHECK(r.t.info().retries == 2);
  CHECK(server.connections_accepted() == 3);
}

TEST_CASE("connect failures are retried, then reported", "[loopback][retry]") {
  // A port with no listener: bound once to learn a free one, then closed.
  std::uint16_t port = 0;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor probe(io, {asio::ip::address_v4::loopback(), 0});
    port = probe.local_endpoint().port();
  }
  xfer::multi m;
  traced r{"http://127.0.0.1:" + std::to_string(port) + "/"};
  r.t.set_retry_policy(quick_policy(2, 20ms));
  CHECK(xfer::test::run_one(m, r.t) == xfer::errc::couldnt_connect);
  CHECK(r.t.info().retries == 2);
  CHECK(r.traced_line("Retry 2 of 2"));
}

TEST_CASE("once body bytes reached the user a failure is never retried", "[loopback][retry]") {
  scripted_server server;
  server.set_default_script({step::read_request(),
                             step::send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"),
                             step::delay(50ms), step::reset()});
  xfer::multi m;
  traced r{server.url("/cut")};
  auto policy = quick_policy(3, 10ms);
  policy.retry_all_errors = true;
  r.t.set_retry_policy(policy);
  CHECK(xfer::test::run_one(m, r.t) != std::error_code());
  CHECK(r.received == "partial");
  CHECK(r.t.info().retries == 0);
  CHECK(server.connections_accepted() == 1);
}

TEST_CASE("max_time bounds the time retries may take", "[loopback][retry]") {
  scripted_server server;
  std::atomic<int> served{0};
  server.set_default_script({fail_first(100, xfer::test::http_response(500, "error"), served)});
  xfer::multi m;
  traced r{server.url("/")};
  auto policy = quick_policy(10, 200ms);
  policy.max_time = 500ms;
  r.t.set_retry_policy(policy);
  CHECK(xfer::test::run_one(m, r.t) == std::error_code());
  CHECK(r.t.status() == 500);
  CHECK(r.t.info().retries == 1); // 200 ms fits, 200 + 400 ms does not
  CHECK(r.traced_line("max_time"));
}

TEST_CASE("the multi's retry budget caps retries across transfers", "[loopback][retry]") {
  scripted_server server;
  std::atomic<int> served{0};
  server.set_default_script({fail_first(1000, xfer::test::http_response(503, "sick"), served)});
  xfer::multi_options options;
  options.retry_budget_reserve = 3;
  options.retry_budget_ratio = 0;
  xfer::multi m{options};
  std::list<traced> transfers;
  for (int i = 0; i < 5; ++i) {
    transfers.emplace_back(server.url("/" + std::to_string(i)));
    transfers.back().t.set_retry_policy(quick_policy(4, 10ms));
    m.add(transfers.back().t);
  }
  auto messages = xfer::test::drive(m);
  CHECK(messages.size() == 5);
  std::uint32_t retries = 0;
  bool spent = false;
  for (auto& r : transfers) {
    CHECK(r.t.status() == 503);
    retries += r.t.info().retries;
    spent = spent || r.traced_line("retry budget is spent");
  }
  CHECK(retries == 3);
  CHECK(spent);
  CHECK(served == 5 + 3);
}
