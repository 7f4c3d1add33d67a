// The multi's contract: add/perform/poll/wakeup/info_read semantics, queueing, RAII, async front end.
#include <xfer/multi.hpp>

#include "support/drive.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <atomic>
#include <list>
#include <thread>

using namespace std::chrono_literals;
using xfer::test::scripted_server;
using xfer::test::step;

namespace {

std::string ok_response(std::string_view body) { return xfer::test::http_response(200, body); }

std::string path_of(const std::string& request) {
  auto first_space = request.find(' ');
  return request.substr(first_space + 1, request.find(' ', first_space + 1) - first_space - 1);
}

} // namespace

TEST_CASE("add() starts nothing; perform() does", "[loopback][multi]") {
  scripted_server server;
  // The answer waits, so that the first perform() cannot finish the transfer on a fast machine.
  server.set_default_script({step::read_request(), step::delay(200ms), step::send(ok_response("x"))});
  xfer::multi m;
  xfer::transfer t{server.url()};
  m.add(t);
  CHECK(t.state() == xfer::transfer_state::pending);
  m.poll(100ms); // waiting runs nothing that was only added
  CHECK(server.connections_accepted() == 0);
  CHECK(m.perform() == 1);
  auto messages = xfer::test::drive(m);
  REQUIRE(messages.size() == 1);
  CHECK(server.connections_accepted() == 1);
}

TEST_CASE("adding a transfer twice is added_already, even to another multi", "[loopback][multi]") {
  xfer::multi m1, m2;
  xfer::transfer t{"http://127.0.0.1:1/"};
  m1.add(t);
  std::error_code ec;
  m1.add(t, ec);
  CHECK(ec == xfer::multi_errc::added_already);
  m2.add(t, ec);
  CHECK(ec == xfer::multi_errc::added_already);
  CHECK_THROWS_AS(m1.add(t), xfer::multi_error);
  m2.remove(t, ec);
  CHECK(ec == xfer::multi_errc::bad_easy_handle);
  m1.remove(t);
  m2.add(t, ec);
  CHECK_FALSE(ec);
}

TEST_CASE("running counts and messages follow curl's rules", "[loopback][multi]") {
  scripted_server slow_server, fast_server;
  slow_server.add_script({step::read_request(), step::delay(400ms), step::send(ok_response("slow"))});
  fast_server.add_script({step::read_request(), step::delay(100ms), step::send(ok_response("fast"))});
  xfer::multi m;
  xfer::transfer slow{slow_server.url("/slow")};
  xfer::transfer fast{fast_server.url("/fast")};
  xfer::transfer broken{"http://[::1/"};
  m.add(slow);
  m.add(fast);
  m.add(broken);
  // The malformed URL fails inside the perform() that starts it: never counted as running.
  CHECK(m.perform() == 2);
  auto first = m.info_read();
  REQUIRE(first);
  CHECK(&first->transfer() == &broken);
  CHECK(first->result() == xfer::errc::url_malformat);
  CHECK(first->remaining() == 0);
  CHECK_FALSE(m.info_read()); // a message is delivered once

  auto messages = xfer::test::drive(m);
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].transfer == &fast); // oldest completion first
  CHECK(messages[1].transfer == &slow);
  CHECK(m.perform() == 0);
  CHECK(m.size() == 3); // finished transfers stay until removed
}

TEST_CASE("transfers beyond max_host_connections wait in FIFO order", "[loopback][multi]") {
  scripted_server server;
  // The first answer waits, so that the first perform() cannot finish all six.
  std::vector<step> script{step::read_request(), step::delay(200ms), step::send(ok_response("q"))};
  for (int i = 1; i < 6; ++i) {
    script.push_back(step::read_request());
    script.push_back(step::send(ok_response("q")));
  }
  script.push_back(step::hold());
  server.set_default_script(script);
  xfer::multi_options options;
  options.max_host_connections = 1;
  xfer::multi m{options};
  std::list<xfer::transfer> transfers;
  for (int i = 0; i < 6; ++i) {
    transfers.emplace_back(server.url("/" + std::to_string(i)));
    m.add(transfers.back());
  }
  CHECK(m.perform() == 6); // queued ones count as running
  CHECK(transfers.back().state() == xfer::transfer_state::queued);
  auto messages = xfer::test::drive(m);
  CHECK(messages.size() == 6);
  auto requests = server.requests();
  REQUIRE(requests.size() == 6);
  for (int i = 0; i < 6; ++i)
    CHECK(path_of(requests[i]) == "/" + std::to_string(i));
  CHECK(server.connections_accepted() == 1);
}

TEST_CASE("max_total_connections holds across origins", "[loopback][multi]") {
  scripted_server a, b;
  a.set_default_script({step::respond_forever(ok_response("a"))});
  b.set_default_script({step::respond_forever(ok_response("b"))});
  xfer::multi_options options;
  options.max_total_connections = 2;
  xfer::multi m{options};
  std::list<xfer::transfer> transfers;
  for (int i = 0; i < 10; ++i) {
    transfers.emplace_back((i % 2 ? a : b).url("/" + std::to_string(i)));
    m.add(transfers.back());
  }
  std::size_t most_open = 0;
  int running = 0;
  do {
    running = m.perform();
    most_open = std::max(most_open, m.open_connections());
    if (running)
      m.poll(100ms);
  } while (running);
  CHECK(most_open <= 2);
  int ok = 0;
  while (auto msg = m.info_read())
    ok += !msg->result();
  CHECK(ok == 10);
}

TEST_CASE("removing a transfer deletes its queued message", "[loopback][multi]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(ok_response("m"))});
  xfer::multi m;
  xfer::transfer a{server.url("/a")}, b{server.url("/b")};
  m.add(a);
  m.add(b);
  int running = 0;
  do {
    running = m.perform();
    if (running)
      m.poll(100ms);
  } while (running);
  m.remove(a);
  auto msg = m.info_read();
  REQUIRE(msg);
  CHECK(&msg->transfer() == &b);
  CHECK_FALSE(m.info_read());
}

TEST_CASE("destroying a transfer or the multi in any state is clean", "[loopback][multi]") {
  scripted_server server;
  server.set_default_script({step::read_request(),
                             step::send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial"),
                             step::hold()});
  SECTION("before perform") {
    xfer::multi m;
    auto t = std::make_unique<xfer::transfer>(server.url());
    m.add(*t);
    t.reset();
    CHECK(m.perform() == 0);
    CHECK_FALSE(m.info_read());
  }
  SECTION("mid-connect") {
    xfer::multi m;
    auto t = std::make_unique<xfer::transfer>(server.url());
    m.add(*t);
    CHECK(m.perform() == 1);
    t.reset();
    CHECK(m.perform() == 0);
    CHECK(m.open_connections() == 0);
  }
  SECTION("mid-body") {
    xfer::multi m;
    auto t = std::make_unique<xfer::transfer>(server.url());
    bool got_data = false;
    t->set_write_callback([&](std::string_view) {
      got_data = true;
      return xfer::write_action::proceed;
    });
    m.add(*t);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!got_data && std::chrono::steady_clock::now() < deadline) {
      m.perform();
      m.poll(50ms);
    }
    REQUIRE(got_data);
    CHECK(t->state() == xfer::transfer_state::receiving_body);
    t.reset();
    CHECK(m.perform() == 0);
    CHECK(m.open_connections() == 0);
  }
  SECTION("the multi with 1000 transfers running") {
    std::list<xfer::transfer> transfers;
    {
      xfer::multi m;
      for (int i = 0; i < 1000; ++i) {
        transfers.emplace_back(server.url("/" + std::to_string(i)));
        m.add(transfers.back());
      }
      for (int i = 0; i < 5; ++i) {
        m.perform();
        m.poll(10ms);
      }
    }
    for (auto& t : transfers) {
      CHECK_FALSE(t.in_multi());
      CHECK(t.state() == xfer::transfer_state::idle);
    }
  }
}

TEST_CASE("wakeup() ends a long poll from another thread", "[loopback][multi]") {
  xfer::multi m;
  SECTION("during the poll") {
    std::thread waker([&] {
      std::this_thread::sleep_for(100ms);
      m.wakeup();
    });
    const auto start = std::chrono::steady_clock::now();
    m.poll(10s);
    const auto waited = std::chrono::steady_clock::now() - start;
    waker.join();
    CHECK(waited < 5s);
    CHECK(waited >= 50ms);
  }
  SECTION("before the poll: the next poll returns at once, the one after sleeps") {
    m.wakeup();
    m.perform(); // does not consume the wake-up
    auto start = std::chrono::steady_clock::now();
    m.poll(10s);
    CHECK(std::chrono::steady_clock::now() - start < 1s);
    start = std::chrono::steady_clock::now();
    m.poll(200ms);
    CHECK(std::chrono::steady_clock::now() - start >= 150ms);
  }
  SECTION("wait() returns at once with nothing running") {
    const auto start = std::chrono::steady_clock::now();
    m.wait(10s);
    CHECK(std::chrono::steady_clock::now() - start < 1s);
  }
}

TEST_CASE("calls from inside a callback are refused", "[loopback][multi]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(ok_response("abc"))});
  xfer::multi m;
  xfer::transfer other{server.url("/other")};
  xfer::transfer t{server.url()};
  std::error_code add_error, perform_error, poll_error, remove_error;
  t.set_write_callback([&](std::string_view) {
    m.add(other, add_error);
    m.perform(perform_error);
    m.poll(1ms, poll_error);
    m.remove(t, remove_error);
    return xfer::write_action::proceed;
  });
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(add_error == xfer::multi_errc::recursive_api_call);
  CHECK(perform_error == xfer::multi_errc::recursive_api_call);
  CHECK(poll_error == xfer::multi_errc::recursive_api_call);
  CHECK(remove_error == xfer::multi_errc::recursive_api_call);
  CHECK_FALSE(other.in_multi());
}

TEST_CASE("async_perform works with callbacks, futures, coroutines and deferred",
          "[loopback][multi][async]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(ok_response("async"))});
  asio::io_context ctx;
  xfer::multi m{ctx.get_executor()};

  SECTION("callback") {
    xfer::transfer t{server.url()};
    std::error_code result = xfer::errc::failed_init;
    int status = 0;
    m.async_perform(t, [&](std::error_code ec, int s) {
      result = ec;
      status = s;
    });
    ctx.run();
    CHECK_FALSE(result);
    CHECK(status == 200);
    CHECK(t.body() == "async");
    CHECK_FALSE(t.in_multi());
  }
  SECTION("coroutine, several in a row") {
    std::vector<std::string> bodies;
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < 3; ++i) {
            xfer::transfer t{server.url("/" + std::to_string(i))};
            int status = co_await m.async_perform(t, asio::use_awaitable);
            CHECK(status == 200);
            bodies.push_back(t.body());
          }
        },
        asio::detached);
    ctx.run();
    CHECK(bodies == std::vector<std::string>{"async", "async", "async"});
    CHECK(server.connections_accepted() == 1);
  }
  SECTION("future") {
    xfer::transfer t{server.url()};
    auto work = asio::make_work_guard(ctx);
    std::thread runner([&] { ctx.run(); });
    std::future<int> status = asio::post(ctx, asio::use_future([&] {
                                            return m.async_perform(t, asio::use_future);
                                          })).get();
    CHECK(status.get() == 200);
    work.reset();
    runner.join();
  }
  SECTION("deferred") {
    xfer::transfer t{server.url()};
    auto op = m.async_perform(t, asio::experimental::deferred);
    CHECK(server.connections_accepted() == 0);
    int status = 0;
    std::move(op)([&](std::error_code, int s) { status = s; });
    ctx.run();
    CHECK(status == 200);
  }
  SECTION("cancellation aborts the transfer") {
    scripted_server stalled;
    stalled.set_default_script({step::read_request(), step::hold()});
    xfer::transfer t{stalled.url()};
    asio::cancellation_signal signal;
    std::error_code result;
    m.async_perform(t, asio::bind_cancellation_slot(signal.slot(), [&](std::error_code ec, int) {
                      result = ec;
                    }));
    asio::steady_timer timer(ctx, 100ms);
    timer.async_wait([&](std::error_code) { signal.emit(asio::cancellation_type::terminal); });
    ctx.run_for(5s);
    CHECK(result == asio::error::operation_aborted);
    CHECK_FALSE(t.in_multi());
  }
}

TEST_CASE("a multi on a user's io_context also runs the perform loop", "[loopback][multi]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(ok_response("borrowed"))});
  asio::io_context ctx;
  xfer::multi m{ctx.get_executor()};
  xfer::transfer t{server.url()};
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.body() == "borrowed");
}

TEST_CASE("after a multi-level error perform() refuses until every transfer is removed",
          "[loopback][multi]") {
  scripted_server server;
  server.set_default_script({step::read_request(), step::hold()});
  xfer::multi m;
  xfer::transfer t{server.url()};
  m.add(t);
  CHECK(m.perform() == 1);
  // Something in the engine's context fails: the whole multi is in an unknown state.
  asio::post(m.get_executor(), [] { throw std::runtime_error("broken invariant"); });
  std::error_code ec;
  m.perform(ec);
  CHECK(ec == xfer::multi_errc::internal_error);
  m.perform(ec);
  CHECK(ec == xfer::multi_errc::unrecoverable_poll);
  CHECK_THROWS_AS(m.poll(1ms), xfer::multi_error);
  m.remove(t);
  CHECK(m.perform(ec) == 0);
  CHECK_FALSE(ec);
}
