// The multi's cookie jar on the wire: what responses set is stored, what requests send is chosen
// by the jar, and one response cannot flood it.
#include <xfer/cookie_jar.hpp>
#include <xfer/multi.hpp>
#include <xfer/transfer.hpp>

#include "support/drive.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

using xfer::test::scripted_server;
using xfer::test::step;

namespace {

/// The value of the Cookie field of a recorded request, or "" when it has none.
std::string cookie_field(const std::string& request) {
  const std::string name = "\r\nCookie: ";
  const auto at = request.find(name);
  if (at == std::string::npos)
    return {};
  const auto start = at + name.size();
  return request.substr(start, request.find("\r\n", start) - start);
}

} // namespace

TEST_CASE("cookies set by one transfer go with the next request to the same origin",
          "[loopback][cookies]") {
  scripted_server server;
  server.add_script({step::read_request(),
                     step::send(xfer::test::http_response(200, "", {{"Set-Cookie", "a=1; Path=/"},
                                                                    {"Set-Cookie", "b=2; Path=/other"},
                                                                    {"Set-Cookie", "s=3; Secure"}})),
                     step::read_request(), step::send(xfer::test::http_response(200, "")),
                     step::read_request(), step::send(xfer::test::http_response(200, ""))});
  xfer::multi m;
  auto jar = std::make_shared<xfer::cookie_jar>();
  m.set_cookie_jar(jar);
  xfer::transfer first{server.url("/")};
  REQUIRE_FALSE(xfer::test::run_one(m, first));
  // The Secure cookie set over http is refused (RFC 6265bis); the others are kept.
  CHECK(jar->size() == 2);

  xfer::transfer second{server.url("/page")};
  REQUIRE_FALSE(xfer::test::run_one(m, second));
  xfer::transfer opted_out{server.url("/other")};
  opted_out.set_cookies_enabled(false);
  REQUIRE_FALSE(xfer::test::run_one(m, opted_out));

  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(cookie_field(requests[0]).empty());
  CHECK(cookie_field(requests[1]) == "a=1");
  CHECK(cookie_field(requests[2]).empty());
}

TEST_CASE("one response sets at most 50 cookies", "[loopback][cookies]") {
  std::vector<std::pair<std::string, std::string>> fields;
  for (int i = 0; i < 60; ++i)
    fields.emplace_back("Set-Cookie", "c" + std::to_string(i) + "=v");
  scripted_server server;
  server.add_script({step::read_request(), step::send(xfer::test::http_response(200, "", fields)),
                     step::read_request(), step::send(xfer::test::http_response(200, ""))});
  xfer::multi m;
  auto jar = std::make_shared<xfer::cookie_jar>();
  m.set_cookie_jar(jar);
  xfer::transfer t{server.url("/")};
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.response_headers().find_all("Set-Cookie").size() == 60);
  CHECK(jar->size() == 50);
  // The first 50 were taken and the rest ignored (a full jar would instead have evicted the first).
  xfer::transfer next{server.url("/")};
  REQUIRE_FALSE(xfer::test::run_one(m, next));
  const std::string sent = cookie_field(server.requests().at(1));
  CHECK(sent.find("c0=v") != std::string::npos);
  CHECK(sent.find("c49=v") != std::string::npos);
  CHECK(sent.find("c50=v") == std::string::npos);
}
