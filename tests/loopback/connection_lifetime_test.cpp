// max_connection_lifetime: a connection older than the limit carries no further request, even one
// that waited in the queue for it.
#include <xfer/multi.hpp>
#include <xfer/transfer.hpp>

#include "support/drive.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using xfer::test::scripted_server;
using xfer::test::step;

TEST_CASE("a queued transfer does not take over a connection past its lifetime", "[loopback][connect][multi]") {
  scripted_server server;
  // The first connection answers after 1.3 s, past the 1 s lifetime; it would answer a second request too.
  server.add_script({step::read_request(), step::delay(1300ms), step::send(xfer::test::http_response(200, "a")),
                     step::read_request(), step::send(xfer::test::http_response(200, "reused")), step::hold()});
  server.set_default_script({step::respond_forever(xfer::test::http_response(200, "b"))});
  xfer::multi_options options;
  options.max_connection_lifetime = 1s;
  options.max_host_connections = 1; // the second transfer waits for the first one's connection
  xfer::multi m{options};
  xfer::transfer a{server.url("/a")};
  xfer::transfer b{server.url("/b")};
  m.add(a);
  m.add(b);
  const auto messages = xfer::test::drive(m, 20s);
  REQUIRE(messages.size() == 2);
  for (const auto& message : messages)
    CHECK_FALSE(message.result);
  CHECK(a.body() == "a");
  CHECK(b.body() == "b");
  CHECK_FALSE(b.info().connection_reused);
  CHECK(server.connections_accepted() == 2);
}
