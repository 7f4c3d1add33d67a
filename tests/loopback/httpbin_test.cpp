// The httpbin fixture against the library as it is: GET, POST with a body, echoed headers, status codes.
#include "support/httpbin_server.hpp"

#include "support/drive.hpp"
#include "support/json.hpp"

#include <xfer/multi.hpp>

#include <catch2/catch.hpp>

#include <list>
#include <string>

using xfer::test::httpbin;
using xfer::test::json;

TEST_CASE("httpbin answers GET /get with the URL and arguments it saw", "[loopback][httpbin]") {
  auto& server = httpbin();
  REQUIRE(server.port() != 0);
  xfer::multi m;
  xfer::transfer t{server.url("/get?a=1&b=two%20words")};
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  REQUIRE(t.status() == 200);
  CHECK(t.response_headers().find("content-type").value_or("") == "application/json");
  const json echo = json::parse(t.body());
  CHECK(echo["url"].str() == server.url("/get?a=1&b=two%20words"));
  CHECK(echo["args"]["a"].str() == "1");
  CHECK(echo["args"]["b"].str() == "two words");
  CHECK(echo["headers"]["Host"].str() == "127.0.0.1:" + std::to_string(server.port()));
}

TEST_CASE("httpbin echoes a POST body from memory and from a read callback", "[loopback][httpbin]") {
  auto& server = httpbin();
  xfer::multi m;

  xfer::transfer memory{server.url("/post")};
  memory.set_method("POST").add_header("Content-Type", "text/plain").set_body("hello, httpbin\n");
  REQUIRE_FALSE(xfer::test::run_one(m, memory));
  REQUIRE(memory.status() == 200);
  json echo = json::parse(memory.body());
  CHECK(echo["data"].str() == "hello, httpbin\n");
  CHECK(echo["headers"]["Content-Length"].str() == "15");
  CHECK(echo["headers"]["Content-Type"].str() == "text/plain");

  // Chunked: gunicorn decodes it and httpbin marks the input as terminated.
  std::string source(100'000, 'x');
  std::size_t offset = 0;
  xfer::transfer streamed{server.url("/post")};
  streamed.set_method("POST").add_header("Content-Type", "application/octet-stream");
  streamed.set_body([&](std::span<char> buffer) {
    const std::size_t n = std::min<std::size_t>({buffer.size(), source.size() - offset, 7000});
    std::copy_n(source.data() + offset, n, buffer.data());
    offset += n;
    return n;
  });
  REQUIRE_FALSE(xfer::test::run_one(m, streamed));
  REQUIRE(streamed.status() == 200);
  echo = json::parse(streamed.body());
  CHECK(echo["data"].str() == source);
  CHECK(echo["headers"]["Transfer-Encoding"].str() == "chunked");
}

TEST_CASE("httpbin echoes request headers", "[loopback][httpbin]") {
  xfer::multi m;
  xfer::transfer t{httpbin().url("/headers")};
  t.add_header("X-Xfer-Test", "one, two").add_header("Accept", "application/json").set_user_agent("xfer-test/1");
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  REQUIRE(t.status() == 200);
  const json headers = json::parse(t.body())["headers"];
  CHECK(headers["X-Xfer-Test"].str() == "one, two");
  CHECK(headers["Accept"].str() == "application/json");
  CHECK(headers["User-Agent"].str() == "xfer-test/1");
}

TEST_CASE("httpbin answers /status/N with that status", "[loopback][httpbin]") {
  xfer::multi m;
  xfer::transfer teapot{httpbin().url("/status/418")};
  REQUIRE_FALSE(xfer::test::run_one(m, teapot)); // a 418 is a response, not a transfer error
  CHECK(teapot.status() == 418);
  CHECK(teapot.body().find("teapot") != std::string::npos);

  xfer::transfer failing{httpbin().url("/status/418")};
  failing.set_fail_on_error(true);
  CHECK(xfer::test::run_one(m, failing) == xfer::errc::http_returned_error);

  xfer::transfer no_content{httpbin().url("/status/204")};
  REQUIRE_FALSE(xfer::test::run_one(m, no_content));
  CHECK(no_content.status() == 204);
  CHECK(no_content.body().empty());
}

TEST_CASE("httpbin keeps connections alive for many transfers at once", "[loopback][httpbin]") {
  xfer::multi_options options;
  options.max_host_connections = 4;
  xfer::multi m{options};
  std::list<xfer::transfer> transfers;
  for (int i = 0; i < 40; ++i) {
    transfers.emplace_back(httpbin().url("/anything/" + std::to_string(i)));
    m.add(transfers.back());
  }
  const auto messages = xfer::test::drive(m);
  REQUIRE(messages.size() == transfers.size());
  int reused = 0;
  int i = 0;
  for (auto& t : transfers) {
    CHECK_FALSE(t.result());
    CHECK(t.status() == 200);
    CHECK(json::parse(t.body())["url"].str() == httpbin().url("/anything/" + std::to_string(i++)));
    reused += t.info().connection_reused ? 1 : 0;
  }
  CHECK(reused >= 36); // 4 connections carry the 40 requests
}
