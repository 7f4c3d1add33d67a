// forbid_reuse: the connection a transfer used never returns to the pool, whatever way it ended.
#include <xfer/multi.hpp>
#include <xfer/transfer.hpp>

#include "support/drive.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <string>

using xfer::test::scripted_server;
using xfer::test::step;

TEST_CASE("a forbid_reuse transfer whose request could not be built leaves no pooled connection",
          "[loopback][transfer][connect]") {
  scripted_server server;
  server.set_default_script({step::read_request(), step::send(xfer::test::http_response(200, "ok")), step::hold()});
  xfer::multi m;

  // Its connection opens, then the request head is refused (a field value with CRLF): nothing is sent.
  xfer::transfer refused{server.url("/refused")};
  refused.set_forbid_reuse(true).add_header("X-Bad", "a\r\nInjected: 1");
  CHECK(xfer::test::run_one(m, refused) == xfer::errc::bad_function_argument);
  CHECK(m.idle_connections() == 0);

  xfer::transfer next{server.url("/next")};
  REQUIRE_FALSE(xfer::test::run_one(m, next));
  CHECK(next.body() == "ok");
  CHECK_FALSE(next.info().connection_reused);
}
