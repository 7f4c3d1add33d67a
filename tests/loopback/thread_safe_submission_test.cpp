// multi::remote(): add, cancel and resume from other threads while one thread drives the multi.
// Run under ThreadSanitizer by the tsan preset (label "threads").
#include <xfer/multi.hpp>

#include "support/drive.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

using namespace std::chrono_literals;
using xfer::test::scripted_server;
using xfer::test::step;

namespace {

std::string ok_response(std::string_view body) { return xfer::test::http_response(200, body); }

} // namespace

TEST_CASE("4 threads add 1000 transfers each while the multi loop drains them: each completes once",
          "[loopback][threads]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(ok_response("t"))});
  xfer::multi_options options;
  options.max_host_connections = 8;
  xfer::multi m{options};
  constexpr int thread_count = 4;
  constexpr int per_thread = 1000;
  constexpr int total = thread_count * per_thread;
  // Each thread creates and owns its transfers; they stay untouched there after add().
  std::vector<std::vector<std::unique_ptr<xfer::transfer>>> owned(thread_count);
  std::atomic<int> add_failures{0};
  std::vector<std::thread> submitters;
  for (int k = 0; k < thread_count; ++k) {
    submitters.emplace_back([&, k, remote = m.remote()]() mutable {
      owned[static_cast<std::size_t>(k)].reserve(per_thread);
      for (int i = 0; i < per_thread; ++i) {
        auto& list = owned[static_cast<std::size_t>(k)];
        list.push_back(std::make_unique<xfer::transfer>(server.url("/" + std::to_string(k) + "-" + std::to_string(i))));
        std::error_code ec;
        if (remote.add(*list.back(), ec) == 0 || ec)
          ++add_failures;
      }
    });
  }
  std::unordered_map<xfer::transfer*, int> completions;
  int completed = 0;
  int failed = 0;
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  while (completed < total && std::chrono::steady_clock::now() < deadline) {
    m.perform();
    m.poll(50ms);
    while (auto msg = m.info_read()) {
      ++completions[&msg->transfer()];
      if (msg->result() || msg->transfer().body() != "t")
        ++failed;
      m.remove(msg->transfer());
      ++completed;
    }
  }
  for (auto& t : submitters)
    t.join();
  CHECK(add_failures == 0);
  CHECK(completed == total);
  CHECK(failed == 0);
  CHECK(completions.size() == static_cast<std::size_t>(total));
  std::size_t exactly_once = 0;
  for (auto& list : owned)
    for (auto& t : list)
      exactly_once += completions.count(t.get()) == 1 && completions[t.get()] == 1;
  CHECK(exactly_once == static_cast<std::size_t>(total));
  CHECK(m.size() == 0);
  CHECK(m.perform() == 0);
}

TEST_CASE("remote cancel from another thread completes each running transfer once with operation_aborted",
          "[loopback][threads]") {
  scripted_server server;
  server.set_default_script({step::read_request(), step::hold()}); // never answers
  xfer::multi m;
  constexpr int count = 50;
  std::vector<std::unique_ptr<xfer::transfer>> transfers;
  for (int i = 0; i < count; ++i)
    transfers.push_back(std::make_unique<xfer::transfer>(server.url("/" + std::to_string(i))));
  std::vector<std::uint64_t> ids;
  std::atomic<bool> added{false};
  std::thread adder([&, remote = m.remote()]() mutable {
    for (auto& t : transfers)
      ids.push_back(remote.add(*t));
    added = true;
  });
  adder.join();
  REQUIRE(ids.size() == static_cast<std::size_t>(count));
  // Let them all reach the server, then cancel them from another thread.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!server.wait_for_requests(count, 0ms) && std::chrono::steady_clock::now() < deadline) {
    m.perform();
    m.poll(20ms);
  }
  REQUIRE(server.requests().size() == static_cast<std::size_t>(count));
  std::thread canceller([&, remote = m.remote()]() mutable {
    for (auto id : ids)
      remote.cancel(id);
    remote.cancel(ids.front()); // twice: nothing more happens
  });
  std::unordered_map<xfer::transfer*, int> completions;
  int aborted = 0;
  while (completions.size() < static_cast<std::size_t>(count) && std::chrono::steady_clock::now() < deadline + 20s) {
    m.perform();
    m.poll(20ms);
    while (auto msg = m.info_read()) {
      ++completions[&msg->transfer()];
      aborted += msg->result() == asio::error::operation_aborted;
    }
  }
  canceller.join();
  m.perform();
  CHECK(!m.info_read());
  CHECK(aborted == count);
  CHECK(completions.size() == static_cast<std::size_t>(count));
  for (auto& [t, n] : completions)
    CHECK(n == 1);
  CHECK(m.running() == 0);
}

TEST_CASE("remote resume from another thread continues a paused transfer", "[loopback][threads]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(ok_response("paused body"))});
  xfer::multi m;
  xfer::transfer t{server.url("/p")};
  std::string received;
  std::atomic<bool> paused_once{false};
  t.set_write_callback([&](std::string_view data) {
    if (!paused_once.exchange(true))
      return xfer::write_action::pause;
    received.append(data);
    return xfer::write_action::proceed;
  });
  auto remote = m.remote();
  const auto id = remote.add(t);
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!paused_once && std::chrono::steady_clock::now() < deadline) {
    m.perform();
    m.poll(20ms);
  }
  REQUIRE(paused_once);
  std::thread resumer([remote, id]() mutable { remote.resume(id); });
  resumer.join();
  std::vector<xfer::test::completion_record> messages;
  while (messages.empty() && std::chrono::steady_clock::now() < deadline) {
    m.perform();
    m.poll(20ms);
    while (auto msg = m.info_read())
      messages.push_back({&msg->transfer(), msg->result()});
  }
  REQUIRE(messages.size() == 1);
  CHECK(!messages[0].result);
  CHECK(received == "paused body");
}

TEST_CASE("a remote wakes a poll in progress and fails once its multi is gone", "[loopback][threads]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(ok_response("w"))});
  auto m = std::make_unique<xfer::multi>();
  auto remote = m->remote();
  xfer::transfer t{server.url("/w")};
  std::thread adder([&, remote]() mutable {
    std::this_thread::sleep_for(100ms);
    remote.add(t);
  });
  const auto start = std::chrono::steady_clock::now();
  m->poll(10s); // returns when the add arrives
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  adder.join();
  auto messages = xfer::test::drive(*m);
  REQUIRE(messages.size() == 1);
  CHECK(!messages[0].result);
  m->remove(t);
  m.reset();
  std::error_code ec;
  xfer::transfer late{server.url("/late")};
  CHECK(remote.add(late, ec) == 0);
  CHECK(ec == xfer::multi_errc::bad_handle);
  remote.cancel(1, ec);
  CHECK(ec == xfer::multi_errc::bad_handle);
}
