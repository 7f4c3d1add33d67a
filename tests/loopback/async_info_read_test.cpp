// async_info_read: completion messages awaited with completion tokens, next to info_read().
#include <xfer/multi.hpp>

#include "support/drive.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using xfer::test::scripted_server;
using xfer::test::step;

namespace {

std::string ok_response(std::string_view body) { return xfer::test::http_response(200, body); }

/// Runs perform() and poll() until `done()` holds (or 20 s pass).
template <class Done>
void pump(xfer::multi& m, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    m.perform();
    if (!done())
      m.poll(20ms);
  }
}

} // namespace

TEST_CASE("async_info_read delivers each completion to a callback", "[loopback][multi][async_info_read]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(ok_response("x"))});
  xfer::multi m;
  xfer::transfer t{server.url("/one")};
  m.add(t);
  int calls = 0;
  xfer::transfer* seen = nullptr;
  std::error_code seen_ec{asio::error::fault};
  std::error_code transfer_result{asio::error::fault};
  m.async_info_read([&](std::error_code ec, xfer::multi::message_type msg) {
    ++calls;
    seen_ec = ec;
    seen = &msg.transfer();
    transfer_result = msg.result();
  });
  CHECK(calls == 0); // never completes inside the initiating call
  pump(m, [&] { return calls > 0; });
  CHECK(calls == 1);
  CHECK(!seen_ec);
  CHECK(seen == &t);
  CHECK(!transfer_result);
  CHECK(!m.info_read()); // the message went to the handler, not to the queue
}

TEST_CASE("a message already queued completes async_info_read on the executor, not inline",
          "[loopback][multi][async_info_read]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(ok_response("x"))});
  xfer::multi m;
  xfer::transfer t{server.url("/queued")};
  m.add(t);
  pump(m, [&] { return m.counters().messages == 1; });
  bool called = false;
  m.async_info_read([&](std::error_code ec, xfer::multi::message_type msg) {
    called = true;
    CHECK(!ec);
    CHECK(&msg.transfer() == &t);
    CHECK(msg.remaining() == 0);
  });
  CHECK(!called);
  m.perform();
  CHECK(called);
  CHECK(m.counters().messages == 0);
}

TEST_CASE("async_info_read and info_read share the messages: each exactly once",
          "[loopback][multi][async_info_read]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(ok_response("x"))});
  xfer::multi_options options;
  options.max_host_connections = 2;
  xfer::multi m{options};
  constexpr int count = 40;
  std::list<xfer::transfer> transfers;
  for (int i = 0; i < count; ++i) {
    transfers.emplace_back(server.url("/" + std::to_string(i)));
    m.add(transfers.back());
  }
  std::map<xfer::transfer*, int> delivered;
  int by_handler = 0;
  int by_info_read = 0;
  // At most one handler waits; it re-arms itself, except after every third
  // message, which leaves the next ones to info_read() for a while.
  bool waiting = false;
  std::function<void()> arm = [&] {
    waiting = true;
    m.async_info_read([&](std::error_code ec, xfer::multi::message_type msg) {
      waiting = false;
      if (ec)
        return;
      ++delivered[&msg.transfer()];
      ++by_handler;
      if (by_handler % 3 != 0)
        arm();
    });
  };
  arm();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (by_handler + by_info_read < count && std::chrono::steady_clock::now() < deadline) {
    m.perform();
    m.poll(10ms);
    while (auto msg = m.info_read()) {
      ++delivered[&msg->transfer()];
      ++by_info_read;
    }
    if (!waiting && by_handler + by_info_read < count)
      arm();
  }
  CHECK(by_handler + by_info_read == count);
  CHECK(by_handler > 0);
  CHECK(delivered.size() == static_cast<std::size_t>(count));
  for (auto& [t, n] : delivered)
    CHECK(n == 1);
}

TEST_CASE("a coroutine co_awaits completions while another loop drives the multi",
          "[loopback][multi][async_info_read]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(ok_response("co"))});
  asio::io_context ctx;
  xfer::multi m{ctx.get_executor()};
  std::list<xfer::transfer> transfers;
  for (int i = 0; i < 5; ++i)
    transfers.emplace_back(server.url("/" + std::to_string(i)));
  std::vector<std::string> bodies;
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        for (auto& t : transfers)
          m.add(t);
        for (int i = 0; i < 5; ++i) {
          auto msg = co_await m.async_info_read(asio::use_awaitable);
          CHECK(!msg.result());
          bodies.push_back(msg.transfer().body());
          m.remove(msg.transfer());
        }
      },
      asio::detached);
  // The user's loop: perform() and poll() on the same context, no info_read().
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (bodies.size() < 5 && std::chrono::steady_clock::now() < deadline) {
    m.perform();
    m.poll(20ms);
  }
  CHECK(bodies == std::vector<std::string>(5, "co"));
  CHECK(m.size() == 0);
}

TEST_CASE("cancelling a waiting async_info_read loses no message", "[loopback][multi][async_info_read]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(ok_response("x"))});
  xfer::multi m;
  asio::cancellation_signal signal;
  std::error_code cancelled_ec;
  bool cancelled_called = false;
  m.async_info_read(asio::bind_cancellation_slot(signal.slot(), [&](std::error_code ec, xfer::multi::message_type) {
    cancelled_called = true;
    cancelled_ec = ec;
  }));
  signal.emit(asio::cancellation_type::terminal);
  m.perform();
  CHECK(cancelled_called);
  CHECK(cancelled_ec == asio::error::operation_aborted);
  xfer::transfer t{server.url("/after")};
  m.add(t);
  auto messages = xfer::test::drive(m);
  REQUIRE(messages.size() == 1); // the message went to info_read, not to the cancelled handler
  CHECK(messages[0].transfer == &t);
}

TEST_CASE("destroying the multi completes a waiting async_info_read with operation_aborted",
          "[loopback][multi][async_info_read]") {
  asio::io_context ctx;
  std::error_code seen;
  bool called = false;
  {
    xfer::multi m{ctx.get_executor()};
    m.async_info_read([&](std::error_code ec, xfer::multi::message_type) {
      called = true;
      seen = ec;
    });
  }
  ctx.run();
  CHECK(called);
  CHECK(seen == asio::error::operation_aborted);
}
