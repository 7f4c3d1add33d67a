// The one retry on a fresh connection after a reused one proved stale: only before any response byte.
#include <xfer/fault_injection.hpp>
#include <xfer/multi.hpp>
#include <xfer/transfer.hpp>

#include "support/drive.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <asio/error.hpp>

#include <memory>
#include <string>

using namespace std::chrono_literals;
using xfer::test::scripted_server;
using xfer::test::step;

namespace {

/// Fails the Nth write with a connection reset; other operations run as they are.
class fail_nth_write final : public xfer::fault_injector {
public:
  explicit fail_nth_write(std::size_t n) : n_(n) {}

  xfer::injected_fault next(xfer::io_operation op) override {
    xfer::injected_fault fault;
    if (op == xfer::io_operation::write && ++writes_ == n_) {
      fired_ = true;
      fault.error = asio::error::connection_reset;
    }
    return fault;
  }

  bool fired() const noexcept { return fired_; }

private:
  std::size_t n_;
  std::size_t writes_ = 0;
  bool fired_ = false;
};

} // namespace

TEST_CASE("a send failure on a reused connection after the response started is not retried",
          "[loopback][transfer][retry]") {
  scripted_server server;
  // The second request's answer starts before its body was read; the connection then stays open.
  server.add_script({step::read_request(), step::send(xfer::test::http_response(200, "first")),
                     step::read_head(), step::send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"),
                     step::hold()});
  server.set_default_script({step::read_head(), step::send(xfer::test::http_response(200, "0123456789")),
                             step::hold()});
  xfer::multi m;
  // Writes: the first request, the second one's head, its first body piece, its second one.
  auto injector = std::make_shared<fail_nth_write>(4);
  m.set_fault_injector(injector);

  xfer::transfer first{server.url("/1")};
  REQUIRE_FALSE(xfer::test::run_one(m, first));

  // A GET with a body, sent in pieces under a send cap: the second piece waits about half a
  // second, long after the response head and its first body bytes were delivered.
  std::string delivered;
  xfer::transfer second{server.url("/2")};
  second.set_body(std::string(16 * 1024, 'x')).set_method("GET").set_max_send_speed(4096);
  second.set_write_callback([&](std::string_view data) {
    delivered.append(data);
    return xfer::write_action::proceed;
  });
  const auto result = xfer::test::run_one(m, second);
  REQUIRE(injector->fired());
  CHECK(result == xfer::errc::send_error);
  CHECK(delivered == "0123456789"); // never the same bytes again from a second attempt
  CHECK(second.info().attempts == 1);
  CHECK(server.connections_accepted() == 1);
}
