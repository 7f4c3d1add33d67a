// One transfer at a time against the scripted server: framing, errors, reuse, bodies, callbacks.
#include <xfer/transfer.hpp>

#include <xfer/multi.hpp>

#include "support/drive.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <asio/ip/tcp.hpp>

#include <string>

using namespace std::chrono_literals;
using xfer::test::scripted_server;
using xfer::test::step;

namespace {

std::string ok_response(std::string_view body) { return xfer::test::http_response(200, body); }

/// A port on 127.0.0.1 where nothing listens.
std::uint16_t closed_port() {
  asio::io_context ctx;
  asio::ip::tcp::acceptor acceptor(ctx, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

} // namespace

TEST_CASE("GET sends an exact request and collects status, headers and body", "[loopback][transfer]") {
  scripted_server server;
  server.add_script({step::read_request(),
                     step::send(xfer::test::http_response(200, "hello world",
                                                          {{"X-One", "1"}, {"x-one", "2"}}))});
  xfer::multi m;
  xfer::transfer t{server.url("/path?q=1")};
  t.add_header("X-Custom", "yes");
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.status() == 200);
  CHECK(t.body() == "hello world");
  CHECK(t.response_headers().find("X-ONE") == std::optional<std::string_view>("1"));
  CHECK(t.response_headers().find_all("x-one").size() == 2);
  CHECK(t.info().response_code == 200);
  CHECK(t.info().bytes_downloaded == 11);
  CHECK(t.info().effective_url == server.url("/path?q=1"));
  CHECK_FALSE(t.info().connection_reused);
  CHECK(t.state() == xfer::transfer_state::idle);
  auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  const std::string host = "127.0.0.1:" + std::to_string(server.port());
  CHECK(requests[0] == "GET /path?q=1 HTTP/1.1\r\nHost: " + host +
                           "\r\nUser-Agent: xfer/" XFER_VERSION_STRING
                           "\r\nAccept: */*\r\nX-Custom: yes\r\n\r\n");
}

TEST_CASE("chunked and close-delimited bodies arrive whole", "[loopback][transfer]") {
  scripted_server server;
  server.add_script({step::read_request(),
                     step::send(xfer::test::chunked_response(200, {"abc", "defgh", "i"}))});
  server.add_script({step::read_request(),
                     step::send("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"),
                     step::close()});
  xfer::multi m;
  xfer::transfer chunked{server.url("/c")};
  REQUIRE_FALSE(xfer::test::run_one(m, chunked));
  CHECK(chunked.body() == "abcdefghi");
  xfer::transfer closed{server.url("/d")};
  // The first connection is idle and reusable; the second response closes its own.
  REQUIRE_FALSE(xfer::test::run_one(m, closed));
  CHECK(closed.body() == "until the end");
}

TEST_CASE("keep-alive connections are reused, closed ones are not", "[loopback][transfer]") {
  scripted_server server;
  server.add_script({step::respond_forever(ok_response("same"))});
  xfer::multi m;
  for (int i = 0; i < 5; ++i) {
    xfer::transfer t{server.url("/k")};
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    CHECK(t.body() == "same");
    CHECK(t.info().connection_reused == (i > 0));
  }
  CHECK(server.connections_accepted() == 1);
  CHECK(m.idle_connections() == 1);
}

TEST_CASE("Connection: close and bytes after a response prevent reuse", "[loopback][transfer]") {
  scripted_server server;
  server.add_script({step::read_request(),
                     step::send(xfer::test::http_response(200, "a", {{"Connection", "close"}})),
                     step::hold()});
  server.add_script({step::read_request(), step::send(ok_response("b") + "HTTP/1.1 200 OK\r\n"),
                     step::hold()});
  server.set_default_script({step::respond_forever(ok_response("c"))});
  xfer::multi m;
  xfer::transfer a{server.url("/a")}, b{server.url("/b")}, c{server.url("/c")};
  REQUIRE_FALSE(xfer::test::run_one(m, a));
  REQUIRE_FALSE(xfer::test::run_one(m, b));
  CHECK(b.body() == "b");
  REQUIRE_FALSE(xfer::test::run_one(m, c));
  CHECK(c.body() == "c");
  CHECK_FALSE(c.info().connection_reused);
  CHECK(server.connections_accepted() == 3);
}

TEST_CASE("a GET on a stale keep-alive connection is retried once, a POST is not",
          "[loopback][transfer]") {
  scripted_server server;
  // The server answers once, then reads the next request and closes without answering.
  server.add_script({step::read_request(), step::send(ok_response("first")), step::read_request(),
                     step::close()});
  server.add_script({step::read_request(), step::send(ok_response("second"))});
  xfer::multi m;
  xfer::transfer first{server.url("/1")};
  REQUIRE_FALSE(xfer::test::run_one(m, first));
  xfer::transfer second{server.url("/2")};
  REQUIRE_FALSE(xfer::test::run_one(m, second));
  CHECK(second.body() == "second");
  CHECK(second.info().attempts == 2);
  CHECK(server.connections_accepted() == 2);

  scripted_server post_server;
  post_server.add_script({step::read_request(), step::send(ok_response("first")),
                          step::read_request(), step::close()});
  post_server.set_default_script({step::respond_forever(ok_response("never"))});
  xfer::transfer warm{post_server.url("/1")};
  REQUIRE_FALSE(xfer::test::run_one(m, warm));
  xfer::transfer post{post_server.url("/2")};
  post.set_method("POST").set_body("data");
  CHECK(xfer::test::run_one(m, post) == xfer::errc::got_nothing);
  CHECK(post_server.connections_accepted() == 1);
}

TEST_CASE("server failures end in their curl error codes", "[loopback][transfer]") {
  scripted_server server;
  xfer::multi m;

  SECTION("nothing at all is got_nothing") {
    server.add_script({step::read_request(), step::close()});
    xfer::transfer t{server.url()};
    CHECK(xfer::test::run_one(m, t) == xfer::errc::got_nothing);
  }
  SECTION("a body cut short is partial_file") {
    server.add_script({step::read_request(),
                       step::send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"),
                       step::close()});
    xfer::transfer t{server.url()};
    CHECK(xfer::test::run_one(m, t) == xfer::errc::partial_file);
    CHECK(t.body() == "0123456789");
  }
  SECTION("a reset mid-body is recv_error") {
    server.add_script({step::read_request(),
                       step::send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"),
                       step::delay(50ms), step::reset()});
    xfer::transfer t{server.url()};
    CHECK(xfer::test::run_one(m, t) == xfer::errc::recv_error);
  }
  SECTION("a garbage status line is weird_server_reply") {
    server.add_script({step::read_request(), step::send("HTTP/1.1 2OO OK\r\n\r\n"), step::hold()});
    xfer::transfer t{server.url()};
    CHECK(xfer::test::run_one(m, t) == xfer::errc::weird_server_reply);
    CHECK_FALSE(t.error_detail().empty());
  }
  SECTION("a header beyond the limit is too_large") {
    server.add_script({step::read_request(),
                       step::send("HTTP/1.1 200 OK\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n"),
                       step::hold()});
    xfer::transfer t{server.url()};
    xfer::http1::response_limits limits;
    limits.max_header_line = 1024;
    t.set_response_limits(limits);
    CHECK(xfer::test::run_one(m, t) == xfer::errc::too_large);
  }
  SECTION("a stalled server hits the total timeout") {
    server.add_script({step::read_request(), step::send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"),
                       step::hold()});
    xfer::transfer t{server.url()};
    t.set_timeout(200ms);
    const auto start = std::chrono::steady_clock::now();
    CHECK(xfer::test::run_one(m, t) == xfer::errc::operation_timedout);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK(t.error_detail().find("2 bytes received") != std::string::npos);
  }
  CHECK(m.open_connections() == 0);
}

TEST_CASE("client-side failures end in their curl error codes", "[loopback][transfer]") {
  xfer::multi m;
  SECTION("nobody listening is couldnt_connect") {
    xfer::transfer t{"http://127.0.0.1:" + std::to_string(closed_port()) + "/"};
    CHECK(xfer::test::run_one(m, t) == xfer::errc::couldnt_connect);
    CHECK(t.error_detail().find("Failed to connect to 127.0.0.1") != std::string::npos);
  }
  SECTION("a malformed URL is url_malformat") {
    xfer::transfer t{"http://exa mple.org/"};
    CHECK(xfer::test::run_one(m, t) == xfer::errc::url_malformat);
  }
  SECTION("another scheme is unsupported_protocol") {
    xfer::transfer t{"ftp://127.0.0.1/file"};
    CHECK(xfer::test::run_one(m, t) == xfer::errc::unsupported_protocol);
  }
  SECTION("header injection is refused before anything is sent") {
    scripted_server server;
    xfer::transfer t{server.url()};
    t.add_header("X-Evil", "a\r\nInjected: 1");
    CHECK(xfer::test::run_one(m, t) == xfer::errc::bad_function_argument);
    CHECK(server.requests().empty());
  }
}

TEST_CASE("request bodies go out with Content-Length or chunked", "[loopback][transfer]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(ok_response("ok"))});
  xfer::multi m;

  xfer::transfer post{server.url("/post")};
  post.set_method("POST").set_body("name=value");
  REQUIRE_FALSE(xfer::test::run_one(m, post));
  CHECK(post.info().bytes_uploaded == 10);

  std::string source(100'000, 'x');
  for (std::size_t i = 0; i < source.size(); ++i)
    source[i] = static_cast<char>('a' + i % 26);
  std::size_t offset = 0;
  xfer::transfer streamed{server.url("/put")};
  streamed.set_method("PUT").set_body([&](std::span<char> buffer) {
    std::size_t n = std::min(buffer.size(), source.size() - offset);
    std::copy_n(source.data() + offset, n, buffer.data());
    offset += n;
    return n;
  });
  REQUIRE_FALSE(xfer::test::run_one(m, streamed));
  CHECK(streamed.info().bytes_uploaded == source.size());

  auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].find("POST /post HTTP/1.1\r\n") == 0);
  CHECK(requests[0].find("\r\nContent-Length: 10\r\n") != std::string::npos);
  CHECK(requests[0].substr(requests[0].size() - 10) == "name=value");
  CHECK(requests[1].find("PUT /put HTTP/1.1\r\n") == 0);
  CHECK(requests[1].find("\r\nTransfer-Encoding: chunked\r\n") != std::string::npos);
  // De-chunk what the server received and compare.
  std::string received;
  std::size_t pos = requests[1].find("\r\n\r\n") + 4;
  for (;;) {
    std::size_t eol = requests[1].find("\r\n", pos);
    std::size_t size = std::stoul(requests[1].substr(pos, eol - pos), nullptr, 16);
    if (size == 0)
      break;
    received += requests[1].substr(eol + 2, size);
    pos = eol + 2 + size + 2;
  }
  CHECK(received == source);
}

TEST_CASE("the write callback gets every byte in order and can pause or abort",
          "[loopback][transfer]") {
  scripted_server server;
  std::string body(300'000, '\0');
  for (std::size_t i = 0; i < body.size(); ++i)
    body[i] = static_cast<char>(i * 7 % 251);
  server.set_default_script({step::respond_forever(ok_response(body))});
  xfer::multi m;

  SECTION("proceed") {
    std::string received;
    xfer::transfer t{server.url()};
    t.set_write_callback([&](std::string_view data) {
      received.append(data);
      return xfer::write_action::proceed;
    });
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    CHECK(received == body);
    CHECK(t.body().empty());
  }
  SECTION("pause and resume from outside") {
    std::string received;
    int pauses = 0;
    xfer::transfer t{server.url()};
    bool refuse_next = true;
    t.set_write_callback([&](std::string_view data) {
      if (refuse_next) {
        refuse_next = false;
        ++pauses;
        return xfer::write_action::pause;
      }
      refuse_next = true;
      received.append(data);
      return xfer::write_action::proceed;
    });
    m.add(t);
    int running = 1;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (running && std::chrono::steady_clock::now() < deadline) {
      running = m.perform();
      if (t.paused())
        t.resume();
      else if (running)
        m.poll(100ms);
    }
    auto msg = m.info_read();
    REQUIRE(msg);
    CHECK_FALSE(msg->result());
    CHECK(received == body);
    CHECK(pauses > 1);
  }
  SECTION("abort") {
    xfer::transfer t{server.url()};
    t.set_write_callback([](std::string_view) { return xfer::write_action::abort; });
    CHECK(xfer::test::run_one(m, t) == xfer::errc::write_error);
  }
  SECTION("an exception aborts with write_error") {
    xfer::transfer t{server.url()};
    t.set_write_callback([](std::string_view) -> xfer::write_action { throw std::runtime_error("disk full"); });
    CHECK(xfer::test::run_one(m, t) == xfer::errc::write_error);
    CHECK(t.error_detail().find("disk full") != std::string::npos);
  }
}

TEST_CASE("HEAD reads no body even with a Content-Length, and keeps the connection",
          "[loopback][transfer]") {
  scripted_server server;
  server.add_script({step::read_request(),
                     step::send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"),
                     step::read_request(), step::send(ok_response("after head"))});
  xfer::multi m;
  xfer::transfer head{server.url()};
  head.set_method("HEAD");
  REQUIRE_FALSE(xfer::test::run_one(m, head));
  CHECK(head.body().empty());
  CHECK(head.response_headers().find("content-length") == std::optional<std::string_view>("1000"));
  xfer::transfer get{server.url()};
  REQUIRE_FALSE(xfer::test::run_one(m, get));
  CHECK(get.body() == "after head");
  CHECK(get.info().connection_reused);
}

TEST_CASE("fail_on_error turns a 4xx into http_returned_error without delivering the body",
          "[loopback][transfer]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(xfer::test::http_response(404, "not here"))});
  xfer::multi m;
  xfer::transfer plain{server.url("/missing")};
  REQUIRE_FALSE(xfer::test::run_one(m, plain));
  CHECK(plain.status() == 404);
  CHECK(plain.reason() == "Not Found");
  CHECK(plain.body() == "not here");

  xfer::transfer failing{server.url("/missing")};
  failing.set_fail_on_error(true);
  std::size_t delivered = 0;
  failing.set_write_callback([&](std::string_view data) {
    delivered += data.size();
    return xfer::write_action::proceed;
  });
  CHECK(xfer::test::run_one(m, failing) == xfer::errc::http_returned_error);
  CHECK(delivered == 0);
  CHECK(failing.error_detail() == "The requested URL returned error: 404");
}
