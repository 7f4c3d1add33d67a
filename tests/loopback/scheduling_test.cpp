// Scheduling in a multi: FIFO and priority order in the queue, queue-wait timeouts, per-origin
// request-rate limits, counters and the list of transfers.
#include <xfer/multi.hpp>

#include "support/drive.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <list>
#include <mutex>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using xfer::test::scripted_server;
using xfer::test::step;

namespace {

std::string ok_response(std::string_view body) { return xfer::test::http_response(200, body); }

std::string path_of(const std::string& request) {
  auto first_space = request.find(' ');
  return request.substr(first_space + 1, request.find(' ', first_space + 1) - first_space - 1);
}

std::vector<std::string> paths_of(const std::vector<std::string>& requests) {
  std::vector<std::string> paths;
  for (const auto& r : requests)
    paths.push_back(path_of(r));
  return paths;
}

/// A keep-alive script whose first answer waits `first_delay`, so that the transfers added with
/// the first one queue behind it.
xfer::test::script slow_first_then_forever(std::chrono::milliseconds first_delay) {
  return {step::read_request(), step::delay(first_delay), step::send(ok_response("first")),
          step::respond_forever(ok_response("next"))};
}

} // namespace

TEST_CASE("queued transfers start in FIFO order within a priority and higher priorities first",
          "[loopback][multi][scheduling]") {
  scripted_server server;
  server.set_default_script(slow_first_then_forever(300ms));
  xfer::multi_options options;
  options.max_host_connections = 1;
  xfer::multi m{options};
  std::list<xfer::transfer> transfers;
  auto add = [&](const std::string& path, int priority) {
    transfers.emplace_back(server.url(path));
    transfers.back().set_priority(priority);
    m.add(transfers.back());
  };
  SECTION("added while the first one runs") {
    add("/first", 0);
    m.perform(); // the first one takes the only connection
    REQUIRE(server.wait_for_requests(1, 5s));
    add("/low-a", 0);
    add("/high-a", 5);
    add("/low-b", 0);
    add("/mid", 1);
    add("/high-b", 5);
    add("/low-c", -3);
    CHECK(m.perform() == 7);
    CHECK(m.counters().queued == 6);
    auto messages = xfer::test::drive(m);
    CHECK(messages.size() == 7);
    CHECK(paths_of(server.requests()) ==
          std::vector<std::string>{"/first", "/high-a", "/high-b", "/mid", "/low-a", "/low-b", "/low-c"});
  }
  SECTION("added together before perform()") {
    add("/a0", 0);
    add("/b2", 2);
    add("/c0", 0);
    add("/d2", 2);
    add("/e1", 1);
    auto messages = xfer::test::drive(m);
    CHECK(messages.size() == 5);
    CHECK(paths_of(server.requests()) == std::vector<std::string>{"/b2", "/d2", "/e1", "/a0", "/c0"});
  }
  for (auto& t : transfers)
    CHECK(t.result() == std::error_code());
  CHECK(server.connections_accepted() == 1);
}

TEST_CASE("priority orders the queue across origins under max_total_connections",
          "[loopback][multi][scheduling]") {
  scripted_server a, b;
  a.set_default_script(slow_first_then_forever(300ms));
  b.set_default_script({step::respond_forever(ok_response("b"))});
  std::mutex order_mutex;
  std::vector<std::string> order;
  auto record = [&](const std::string& name) {
    return [&, name](xfer::debug_kind kind, std::string_view) {
      if (kind == xfer::debug_kind::header_out) {
        std::lock_guard lock(order_mutex);
        order.push_back(name);
      }
    };
  };
  xfer::multi_options options;
  options.max_total_connections = 1;
  xfer::multi m{options};
  xfer::transfer first{a.url("/first")};
  first.set_debug_callback(record("first"));
  m.add(first);
  m.perform();
  xfer::transfer to_a{a.url("/a")}, to_b{b.url("/b")}, urgent_b{b.url("/urgent")};
  to_a.set_debug_callback(record("a"));
  to_b.set_debug_callback(record("b"));
  urgent_b.set_debug_callback(record("urgent"));
  urgent_b.set_priority(10);
  m.add(to_a);
  m.add(to_b);
  m.add(urgent_b);
  auto messages = xfer::test::drive(m);
  CHECK(messages.size() == 4);
  CHECK(order == std::vector<std::string>{"first", "urgent", "a", "b"});
  for (auto* t : {&first, &to_a, &to_b, &urgent_b})
    CHECK(t->result() == std::error_code());
}

TEST_CASE("a queue wait longer than the queue timeout ends with operation_timedout naming the queue",
          "[loopback][multi][scheduling]") {
  scripted_server server;
  server.set_default_script(slow_first_then_forever(1500ms));
  xfer::multi_options options;
  options.max_host_connections = 1;
  xfer::multi m{options};
  xfer::transfer first{server.url("/first")}, impatient{server.url("/impatient")},
      patient{server.url("/patient")};
  impatient.set_queue_timeout(300ms);
  patient.set_queue_timeout(10s);
  m.add(first);
  m.add(impatient);
  m.add(patient);
  const auto start = std::chrono::steady_clock::now();
  auto messages = xfer::test::drive(m);
  REQUIRE(messages.size() == 3);
  // The impatient one fails first, long before the slow answer ends.
  CHECK(messages[0].transfer == &impatient);
  CHECK(impatient.result() == xfer::errc::operation_timedout);
  CHECK(impatient.error_detail().find("Queue wait timed out") != std::string::npos);
  CHECK(impatient.error_detail().find("no connection slot free") != std::string::npos);
  CHECK(impatient.info().timing.queue >= 250ms);
  CHECK(impatient.info().attempts == 0);
  CHECK(first.result() == std::error_code());
  CHECK(patient.result() == std::error_code());
  CHECK(std::chrono::steady_clock::now() - start >= 1400ms);
  CHECK(paths_of(server.requests()) == std::vector<std::string>{"/first", "/patient"});
}

TEST_CASE("time in the queue is recorded apart from the transfer's own phases", "[loopback][multi][scheduling]") {
  scripted_server server;
  server.set_default_script(slow_first_then_forever(600ms));
  xfer::multi_options options;
  options.max_host_connections = 1;
  xfer::multi m{options};
  xfer::transfer first{server.url("/first")}, waiting{server.url("/waiting")};
  waiting.set_queue_timeout(10s);
  m.add(first);
  m.add(waiting);
  auto messages = xfer::test::drive(m);
  REQUIRE(messages.size() == 2);
  CHECK(waiting.result() == std::error_code());
  CHECK(waiting.info().timing.queue >= 500ms);
  CHECK(waiting.info().timing.pre_transfer >= waiting.info().timing.queue);
  CHECK(waiting.info().connection_reused);
  CHECK(first.info().timing.queue == 0us);
}

TEST_CASE("time in the queue does not count against the total timeout", "[loopback][multi][scheduling]") {
  // The first answer takes 2 s; the second transfer waits that long for the only connection and
  // then needs a few milliseconds, well within its 1 s total timeout, which starts when it leaves
  // the queue. A transfer of the same server that is not queued times out as usual.
  scripted_server server;
  server.set_default_script(slow_first_then_forever(2000ms));
  xfer::multi_options options;
  options.max_host_connections = 1;
  xfer::multi m{options};
  xfer::transfer first{server.url("/first")}, queued{server.url("/queued")};
  first.set_timeout(10s);
  queued.set_timeout(1s);
  m.add(first);
  m.add(queued);
  auto messages = xfer::test::drive(m);
  REQUIRE(messages.size() == 2);
  CHECK(first.result() == std::error_code());
  CHECK(queued.result() == std::error_code());
  CHECK(queued.body() == "next");
  CHECK(queued.info().timing.queue >= 1800ms);

  scripted_server slow;
  slow.set_default_script(slow_first_then_forever(2000ms));
  xfer::transfer alone{slow.url("/alone")};
  alone.set_timeout(1s);
  CHECK(xfer::test::run_one(m, alone) == xfer::errc::operation_timedout);
}

TEST_CASE("the per-origin request rate limit holds over a sliding window", "[loopback][multi][scheduling]") {
  scripted_server limited, other;
  using clock = std::chrono::steady_clock;
  std::mutex arrivals_mutex;
  std::vector<clock::time_point> arrivals;
  limited.set_default_script({step::respond_by([&](const std::string&) {
    std::lock_guard lock(arrivals_mutex);
    arrivals.push_back(clock::now());
    return ok_response("r");
  })});
  other.set_default_script({step::respond_forever(ok_response("o"))});
  xfer::multi_options options;
  options.max_requests_per_interval = 4;
  options.rate_interval = 300ms;
  xfer::multi m{options};
  std::list<xfer::transfer> transfers;
  for (int i = 0; i < 12; ++i) {
    transfers.emplace_back(limited.url("/" + std::to_string(i)));
    m.add(transfers.back());
  }
  // Another origin has its own window: its transfers do not wait behind the limited one.
  std::list<xfer::transfer> others;
  for (int i = 0; i < 4; ++i) {
    others.emplace_back(other.url("/o" + std::to_string(i)));
    m.add(others.back());
  }
  const auto start = clock::now();
  m.perform();
  CHECK(m.counters().queued == 8);
  auto messages = xfer::test::drive(m);
  const auto took = clock::now() - start;
  CHECK(messages.size() == 16);
  for (auto& t : transfers)
    CHECK(t.result() == std::error_code());
  for (auto& t : others) {
    CHECK(t.result() == std::error_code());
    CHECK(t.info().timing.queue < 200ms);
  }
  // 12 requests at 4 per 300 ms: the last window opens after 2 intervals.
  CHECK(took >= 580ms);
  REQUIRE(arrivals.size() == 12);
  // Any 5 consecutive arrivals span at least one interval (less 20 % for the network's jitter).
  for (std::size_t i = 0; i + 4 < arrivals.size(); ++i)
    CHECK(arrivals[i + 4] - arrivals[i] >= 240ms);
  // The limit keeps FIFO order: each window carries the next four (the four may reach the
  // server in any order, over four connections).
  auto paths = paths_of(limited.requests());
  REQUIRE(paths.size() == 12);
  for (std::size_t window = 0; window < 3; ++window) {
    std::vector<std::string> got(paths.begin() + static_cast<std::ptrdiff_t>(4 * window),
                                 paths.begin() + static_cast<std::ptrdiff_t>(4 * window + 4));
    std::vector<std::string> expected;
    for (std::size_t i = 4 * window; i < 4 * window + 4; ++i)
      expected.push_back("/" + std::to_string(i));
    std::sort(got.begin(), got.end());
    std::sort(expected.begin(), expected.end());
    CHECK(got == expected);
  }
}

TEST_CASE("a transfer held by the rate limit times out in the queue", "[loopback][multi][scheduling]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(ok_response("r"))});
  xfer::multi_options options;
  options.max_requests_per_interval = 1;
  options.rate_interval = 5s;
  xfer::multi m{options};
  xfer::transfer first{server.url("/1")}, second{server.url("/2")};
  second.set_queue_timeout(200ms);
  m.add(first);
  m.add(second);
  auto messages = xfer::test::drive(m);
  REQUIRE(messages.size() == 2);
  CHECK(first.result() == std::error_code());
  CHECK(second.result() == xfer::errc::operation_timedout);
  CHECK(second.error_detail().find("rate limit") != std::string::npos);
}

TEST_CASE("counters follow each transfer through its stages", "[loopback][multi][scheduling]") {
  scripted_server server;
  server.set_default_script({step::read_request(), step::delay(400ms), step::send(ok_response("slow")),
                             step::respond_forever(ok_response("next"))});
  xfer::multi_options options;
  options.max_host_connections = 1;
  xfer::multi m{options};
  xfer::transfer a{server.url("/a")}, b{server.url("/b")};
  CHECK(m.counters().size == 0);
  m.add(a);
  m.add(b);
  auto c = m.counters();
  CHECK(c.size == 2);
  CHECK(c.pending == 2);
  CHECK(c.running == 2);
  m.perform();
  c = m.counters();
  CHECK(c.running == 2);
  CHECK(c.queued == 1);
  CHECK(c.connecting + c.transferring == 1);
  // Wait until the first request is on the wire: the server got it.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!server.wait_for_requests(1, 0ms) && std::chrono::steady_clock::now() < deadline) {
    m.poll(10ms);
    m.perform();
  }
  m.perform();
  c = m.counters();
  CHECK(c.transferring == 1);
  CHECK(c.queued == 1);
  // Both finish; their messages wait until read.
  while (m.perform() > 0 && std::chrono::steady_clock::now() < deadline + 5s)
    m.poll(50ms);
  c = m.counters();
  CHECK(c.running == 0);
  CHECK(c.done == 2);
  CHECK(c.messages == 2);
  auto list = m.transfers();
  std::sort(list.begin(), list.end());
  std::vector<xfer::transfer*> expected{&a, &b};
  std::sort(expected.begin(), expected.end());
  CHECK(list == expected);
  REQUIRE(m.info_read());
  CHECK(m.counters().messages == 1);
  REQUIRE(m.info_read());
  CHECK(m.counters().messages == 0);
  m.remove(a);
  CHECK(m.transfers() == std::vector<xfer::transfer*>{&b});
  CHECK(m.counters().size == 1);
}
