// tests/unit/http1_parser_test.cpp - the HTTP/1.1 response parser, fed whole, byte by byte and at
// random splits.
#include <xfer/http1/response_parser.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::string_view_literals;
using xfer::http1::error;
using xfer::http1::response_limits;
using xfer::http1::response_parser;

// Records events as text; consecutive body pieces are merged so that the
// record does not depend on how the input was split.
struct recorder {
  std::string log;
  bool in_body = false;
  int refuse_every = 0; // when > 0, on_body refuses every n-th call
  int body_calls = 0;
  int refusals = 0;

  void end_body() {
    if (in_body)
      log += "]\n";
    in_body = false;
  }
  void on_status(int status, int version_minor, std::string_view reason) {
    end_body();
    log += "status " + std::to_string(status) + " 1." + std::to_string(version_minor) + " [" +
           std::string(reason) + "]\n";
  }
  void on_header(std::string_view name, std::string_view value) {
    end_body();
    log += "header [" + std::string(name) + "] [" + std::string(value) + "]\n";
  }
  void on_headers_complete() {
    end_body();
    log += "headers complete\n";
  }
  bool on_body(std::string_view data) {
    REQUIRE_FALSE(data.empty());
    ++body_calls;
    if (refuse_every > 0 && body_calls % refuse_every == 0) {
      ++refusals;
      return false;
    }
    if (!in_body)
      log += "body [";
    in_body = true;
    log.append(data);
    return true;
  }
  void on_trailer(std::string_view name, std::string_view value) {
    end_body();
    log += "trailer [" + std::string(name) + "] [" + std::string(value) + "]\n";
  }
  void on_complete() {
    end_body();
    log += "complete\n";
  }
};

struct options {
  response_limits limits{};
  bool no_body = false; // HEAD
  bool eof = false;     // the peer closes after the input
};

struct outcome {
  std::string events;
  std::error_code ec;
  std::string leftover; // bytes after the message, when done
  bool started = false;
  bool headers_done = false;
  bool done = false;
  bool keep_alive = false;
  bool chunked = false;
  bool close_delimited = false;
  int status = 0;
  int version_minor = 0;
  std::optional<std::uint64_t> content_length;
};

std::string describe(const outcome& o) {
  std::string s = o.events;
  s += "error: " +
       (o.ec ? std::string(o.ec.category().name()) + ":" + o.ec.message() : std::string("none"));
  s += "\nleftover: [" + o.leftover + "]";
  s += "\nstarted " + std::to_string(o.started) + " headers_done " +
       std::to_string(o.headers_done) + " done " + std::to_string(o.done) + " keep_alive " +
       std::to_string(o.keep_alive) + " chunked " + std::to_string(o.chunked) +
       " close_delimited " + std::to_string(o.close_delimited) + " status " +
       std::to_string(o.status) + " minor " + std::to_string(o.version_minor) + " length " +
       (o.content_length ? std::to_string(*o.content_length) : std::string("none"));
  return s;
}

// Feeds `input` cut into `pieces`, as an engine would: unconsumed bytes are
// kept and presented again with the next piece appended; a paused parser is
// resumed with the same bytes.
outcome run(response_parser& p, std::string_view input, const std::vector<std::size_t>& pieces,
            const options& opt, int refuse_every) {
  p.reset(opt.no_body);
  recorder r;
  r.refuse_every = refuse_every;
  std::string pending;
  std::size_t fed = 0;
  std::error_code ec;
  const auto pump = [&] {
    for (;;) {
      const std::size_t n = p.put(pending, r, ec);
      REQUIRE(n <= pending.size());
      pending.erase(0, n);
      if (ec || p.done() || !p.paused())
        return;
      REQUIRE(refuse_every > 0);
    }
  };
  for (std::size_t piece : pieces) {
    pending.append(input.substr(fed, piece));
    fed += piece;
    pump();
    if (ec || p.done())
      break;
  }
  if (!ec && !p.done() && opt.eof)
    p.put_eof(r, ec);
  if (!ec && !p.done() && opt.eof)
    FAIL("put_eof neither completed nor failed");
  r.end_body();
  outcome o;
  o.events = r.log;
  o.ec = ec;
  if (p.done())
    o.leftover = pending + std::string(input.substr(fed));
  o.started = p.started();
  o.headers_done = p.headers_done();
  o.done = p.done();
  o.keep_alive = p.keep_alive();
  o.chunked = p.chunked();
  o.close_delimited = p.close_delimited();
  o.status = p.status();
  o.version_minor = p.version_minor();
  o.content_length = p.content_length();
  if (refuse_every > 0 && r.body_calls > 1)
    CHECK(r.refusals > 0);
  return o;
}

// Parses `input` whole, one byte at a time and at random split points, each
// with and without on_body pausing, on one reused parser; all must agree.
outcome check(std::string_view input, const options& opt = {}) {
  response_parser p(opt.limits);
  const outcome whole = run(p, input, {input.size()}, opt, 0);
  const std::string expected = describe(whole);
  std::vector<std::vector<std::size_t>> splits;
  splits.push_back(std::vector<std::size_t>(input.size(), 1));
  std::mt19937 rng(20240611);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::size_t> pieces;
    for (std::size_t left = input.size(); left > 0;) {
      const std::size_t n = std::min<std::size_t>(left, 1 + rng() % (round < 10 ? 4 : 24));
      pieces.push_back(n);
      left -= n;
    }
    splits.push_back(pieces);
  }
  for (int refuse : {0, 2}) {
    INFO("on_body refuses every " << refuse << " calls");
    CHECK(describe(run(p, input, {input.size()}, opt, refuse)) == expected);
    for (std::size_t i = 0; i < splits.size(); ++i) {
      INFO("split " << i << (i == 0 ? " (byte by byte)" : " (random)"));
      CHECK(describe(run(p, input, splits[i], opt, refuse)) == expected);
    }
  }
  return whole;
}

std::error_code code(error e) {
  return xfer::http1::make_error_code(e);
}

void check_error(std::string_view input, error e, const options& opt = {}) {
  INFO(std::string(input));
  const outcome o = check(input, opt);
  CHECK(o.ec == code(e));
  CHECK_FALSE(o.done);
  CHECK_FALSE(o.keep_alive);
}

options with_limits(response_limits limits) {
  options o;
  o.limits = limits;
  return o;
}

options head_request() {
  options o;
  o.no_body = true;
  return o;
}

options closed() {
  options o;
  o.eof = true;
  return o;
}

} // namespace

TEST_CASE("http1 parser: a Content-Length response, events in order", "[unit][http1]") {
  const outcome o =
      check("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
  CHECK(o.events == "status 200 1.1 [OK]\n"
                    "header [Content-Type] [text/plain]\n"
                    "header [Content-Length] [5]\n"
                    "headers complete\n"
                    "body [hello]\n"
                    "complete\n");
  CHECK_FALSE(o.ec);
  CHECK(o.started);
  CHECK(o.headers_done);
  CHECK(o.done);
  CHECK(o.keep_alive);
  CHECK(o.status == 200);
  CHECK(o.version_minor == 1);
  CHECK(o.content_length == std::optional<std::uint64_t>(5));
  CHECK_FALSE(o.chunked);
  CHECK_FALSE(o.close_delimited);
  CHECK(o.leftover.empty());
}

TEST_CASE("http1 parser: bytes after the message are not consumed", "[unit][http1]") {
  const outcome o =
      check("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 204 No Content\r\n\r\n");
  CHECK(o.done);
  CHECK(o.leftover == "HTTP/1.1 204 No Content\r\n\r\n");

  const outcome z = check("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\njunk");
  CHECK(z.events ==
        "status 200 1.1 [OK]\nheader [Content-Length] [0]\nheaders complete\ncomplete\n");
  CHECK(z.leftover == "junk");

  const outcome c =
      check("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n\r\n");
  CHECK(c.done);
  CHECK(c.leftover == "\r\n");

  // put() itself reports exactly the message's length.
  response_parser p;
  recorder r;
  std::error_code ec;
  const std::string_view two = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\n";
  CHECK(p.put(two, r, ec) == two.find("hi") + 2);
  CHECK_FALSE(ec);
  CHECK(p.done());
  CHECK(p.put(two.substr(two.find("hi") + 2), r, ec) == 0); // done: nothing more is consumed
  CHECK_FALSE(ec);
}

TEST_CASE("http1 parser: one parser reused over pipelined responses", "[unit][http1]") {
  response_parser p;
  recorder r;
  std::error_code ec;
  std::string in =
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab"
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\ncd\r\n0\r\nT: v\r\n\r\n"
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"
      "HTTP/1.0 200 OK\r\n\r\nrest";
  for (int i = 0; i < 4; ++i) {
    p.reset();
    const std::size_t n = p.put(in, r, ec);
    REQUIRE_FALSE(ec);
    in.erase(0, n);
  }
  CHECK_FALSE(p.done()); // close-delimited: needs the end of the connection
  CHECK(in.empty());
  p.put_eof(r, ec);
  CHECK_FALSE(ec);
  CHECK(p.done());
  CHECK_FALSE(p.keep_alive());
  CHECK(r.log ==
        "status 200 1.1 [OK]\nheader [Content-Length] [2]\nheaders complete\nbody [ab]\ncomplete\n"
        "status 200 1.1 [OK]\nheader [Transfer-Encoding] [chunked]\nheaders complete\nbody [cd]\n"
        "trailer [T] [v]\ncomplete\n"
        "status 304 1.1 [Not Modified]\nheader [Content-Length] [9]\nheaders complete\ncomplete\n"
        "status 200 1.0 [OK]\nheaders complete\nbody [rest]\ncomplete\n");
}

TEST_CASE("http1 parser: status line forms", "[unit][http1]") {
  CHECK(check("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n").events ==
        "status 200 1.1 []\nheader [Content-Length] [0]\nheaders complete\ncomplete\n");
  CHECK(check("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n").events ==
        "status 200 1.1 []\nheader [Content-Length] [0]\nheaders complete\ncomplete\n");
  CHECK(check("HTTP/1.1 404 Not\tFound \xc3\xa9 \r\nContent-Length: 0\r\n\r\n").events ==
        "status 404 1.1 [Not\tFound \xc3\xa9 ]\nheader [Content-Length] [0]\nheaders "
        "complete\ncomplete\n");
  const outcome o = check("HTTP/1.0 999 Whatever\r\nContent-Length: 0\r\n\r\n");
  CHECK(o.status == 999);
  CHECK(o.version_minor == 0);
  CHECK(o.done);
  CHECK(check("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 199 X\r\n\r\nHTTP/1.1 200 "
              "OK\r\nContent-Length: 0\r\n\r\n")
            .status == 200);
}

TEST_CASE("http1 parser: bad status lines", "[unit][http1]") {
  check_error("<html>hello</html>\r\n", error::bad_status_line);  // HTTP/0.9
  check_error("http/1.1 200 OK\r\n\r\n", error::bad_status_line); // the name is case-sensitive
  check_error("\r\nHTTP/1.1 200 OK\r\n\r\n",
              error::bad_status_line); // nothing before the status line
  check_error("HTTP/1.1\r\n\r\n", error::bad_status_line);
  check_error("HTTP/1.1 200 O\x01K\r\n\r\n", error::bad_status_line);
  check_error("HTTP/1.1 200 O\rK\r\n\r\n", error::bad_status_line);
  check_error("HTTP/1.1 200 O\x7fK\r\n\r\n", error::bad_status_line);
  check_error("HTTP/1.1 200 OK\0\r\n\r\n"sv, error::bad_status_line);
  check_error("HTTP/2 200 OK\r\n\r\n", error::bad_version);
  check_error("HTTP/2.0 200 OK\r\n\r\n", error::bad_version);
  check_error("HTTP/1.2 200 OK\r\n\r\n", error::bad_version);
  check_error("HTTP/0.9 200 OK\r\n\r\n", error::bad_version);
  check_error("HTTP/1.10 200 OK\r\n\r\n", error::bad_version);
  check_error("HTTP/1.1\t200 OK\r\n\r\n", error::bad_version);
  check_error("HTTP/ 200 OK\r\n\r\n", error::bad_version);
  check_error("HTTP/1.1 2x0 OK\r\n\r\n", error::bad_status_code);
  check_error("HTTP/1.1 099 OK\r\n\r\n", error::bad_status_code);
  check_error("HTTP/1.1 000 OK\r\n\r\n", error::bad_status_code);
  check_error("HTTP/1.1 2000 OK\r\n\r\n", error::bad_status_code);
  check_error("HTTP/1.1 20 OK\r\n\r\n", error::bad_status_code);
  check_error("HTTP/1.1 20\r\n\r\n", error::bad_status_code);
  check_error("HTTP/1.1  200 OK\r\n\r\n", error::bad_status_code);
  check_error("HTTP/1.1 -20 OK\r\n\r\n", error::bad_status_code);
  check_error("HTTP/1.1 200\tOK\r\n\r\n", error::bad_status_code);

  // An HTTP/0.9 reply fails at once, without waiting for a line end.
  response_parser p;
  recorder r;
  std::error_code ec;
  p.put("<!DOC", r, ec);
  CHECK(ec == code(error::bad_status_line));
  p.reset();
  p.put("HTTP", r, ec);
  CHECK_FALSE(ec);
  CHECK(p.started());
  p.put("HTTPS", r, ec);
  CHECK(ec == code(error::bad_status_line));
}

TEST_CASE("http1 parser: header field syntax", "[unit][http1]") {
  CHECK(check("HTTP/1.1 200 OK\r\nA:   spaced value \t \r\nB:\r\nC:\t\r\nD: x\ty \xff\r\nE:v\r\n"
              "Content-Length: 0\r\n\r\n")
            .events == "status 200 1.1 [OK]\n"
                       "header [A] [spaced value]\n"
                       "header [B] []\n"
                       "header [C] []\n"
                       "header [D] [x\ty \xff]\n"
                       "header [E] [v]\n"
                       "header [Content-Length] [0]\n"
                       "headers complete\ncomplete\n");
  CHECK(check("HTTP/1.1 200 OK\r\n!#$%&'*+-.^_`|~09az: t\r\nContent-Length: 0\r\n\r\n").events ==
        "status 200 1.1 [OK]\nheader [!#$%&'*+-.^_`|~09az] [t]\nheader [Content-Length] [0]\n"
        "headers complete\ncomplete\n");

  check_error("HTTP/1.1 200 OK\r\nName : v\r\n\r\n", error::bad_header_name);
  check_error("HTTP/1.1 200 OK\r\nName\t: v\r\n\r\n", error::bad_header_name);
  check_error("HTTP/1.1 200 OK\r\n: v\r\n\r\n", error::bad_header_name);
  check_error("HTTP/1.1 200 OK\r\nNa@me: v\r\n\r\n", error::bad_header_name);
  check_error("HTTP/1.1 200 OK\r\nNa\"me: v\r\n\r\n", error::bad_header_name);
  check_error("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", error::bad_header_name);
  check_error("HTTP/1.1 200 OK\r\n\rX: v\r\n\r\n", error::bad_header_name);
  check_error("HTTP/1.1 200 OK\r\nX\r: v\r\n\r\n", error::bad_header_name);
  check_error("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n"sv, error::bad_header_value);
  check_error("HTTP/1.1 200 OK\r\nX\0: a\r\n\r\n"sv, error::bad_header_name);
  check_error("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", error::bad_header_value);
  check_error("HTTP/1.1 200 OK\r\nX: a\r\r\n\r\n", error::bad_header_value);
  check_error("HTTP/1.1 200 OK\r\nX: a\x01\r\n\r\n", error::bad_header_value);
  check_error("HTTP/1.1 200 OK\r\nX: a\x1b[0m\r\n\r\n", error::bad_header_value);
  check_error("HTTP/1.1 200 OK\r\nX: a\x7f\r\n\r\n", error::bad_header_value);
  // The events before the bad field are delivered.
  const outcome o = check("HTTP/1.1 200 OK\r\nGood: 1\r\nBad : 2\r\n\r\n");
  CHECK(o.events == "status 200 1.1 [OK]\nheader [Good] [1]\n");
  CHECK(o.ec == code(error::bad_header_name));
}

TEST_CASE("http1 parser: bare LF line endings are accepted", "[unit][http1]") {
  const std::string crlf =
      "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n long\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n";
  const std::string lf = "HTTP/1.1 200 OK\nA: 1\nB: 2\n long\nTransfer-Encoding: chunked\n\n"
                         "3;x=y\nabc\r\n0\nT: 1\n\n";
  const outcome a = check(crlf);
  const outcome b = check(lf);
  CHECK(a.events == b.events);
  CHECK(b.done);
  CHECK_FALSE(b.ec);
  CHECK(b.events.find("header [B] [2 long]") != std::string::npos);
  CHECK(check("HTTP/1.1 200 OK\r\nA: 1\nContent-Length: 1\r\n\nx").events ==
        "status 200 1.1 [OK]\nheader [A] [1]\nheader [Content-Length] [1]\nheaders complete\nbody "
        "[x]\ncomplete\n");
}

TEST_CASE("http1 parser: obs-fold is replaced by one space", "[unit][http1]") {
  const outcome o =
      check("HTTP/1.1 200 OK\r\nX: a  \r\n  b\r\n\t c \r\nY: \r\n   \r\n z\r\nZ: 1\r\n \r\n"
            "Content-Length:\r\n 2\r\n\r\nhi");
  CHECK(o.events == "status 200 1.1 [OK]\n"
                    "header [X] [a b c]\n"
                    "header [Y] [z]\n"
                    "header [Z] [1]\n"
                    "header [Content-Length] [2]\n"
                    "headers complete\nbody [hi]\ncomplete\n");
  CHECK(o.content_length == std::optional<std::uint64_t>(2));
  // Folds inside 1xx responses and trailers too.
  CHECK(check("HTTP/1.1 103 Hints\r\nLink: a\r\n b\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: "
              "chunked\r\n\r\n"
              "0\r\nT: 1\r\n 2\r\n\r\n")
            .events ==
        "status 200 1.1 [OK]\nheader [Transfer-Encoding] [chunked]\nheaders complete\n"
        "trailer [T] [1 2]\ncomplete\n");

  check_error("HTTP/1.1 200 OK\r\n X: a\r\n\r\n", error::bad_obs_fold);
  check_error("HTTP/1.1 200 OK\r\n\tX: a\r\n\r\n", error::bad_obs_fold);
  check_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n T: 1\r\n\r\n",
              error::bad_obs_fold);
  check_error("HTTP/1.1 200 OK\r\nX: a\r\n b\x01\r\n\r\n", error::bad_header_value);
  check_error("HTTP/1.1 200 OK\r\nX: a\r\n b\rc\r\n\r\n", error::bad_header_value);
}

TEST_CASE("http1 parser: 1xx interim responses are skipped", "[unit][http1]") {
  const outcome o = check(
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\nContent-Length: 10\r\n\r\n"
      "HTTP/1.1 102\r\n\r\n"
      "HTTP/1.0 201 Created\r\nContent-Length: 1\r\n\r\nx");
  CHECK(o.events == "status 201 1.0 [Created]\nheader [Content-Length] [1]\nheaders complete\nbody "
                    "[x]\ncomplete\n");
  CHECK(o.version_minor == 0);
  CHECK_FALSE(o.keep_alive);

  check_error("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
              error::unexpected_upgrade);
  check_error("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\n\r\n",
              error::unexpected_upgrade);
  check_error("HTTP/1.1 100 Continue\r\nBad Name: x\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
              error::bad_header_name);

  response_limits limits;
  limits.max_interim_responses = 2;
  const std::string two = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n";
  CHECK(check(two + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", with_limits(limits)).done);
  check_error(two + "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
              error::too_many_interim_responses, with_limits(limits));
  limits.max_interim_responses = 0;
  check_error("HTTP/1.1 100 Continue\r\n\r\n", error::too_many_interim_responses,
              with_limits(limits));

  // A 1xx response's fields do not count against the final response's budget.
  response_limits small;
  small.max_header_count = 2;
  small.max_header_bytes = 20;
  CHECK(check("HTTP/1.1 103 Hints\r\nA: 1234\r\nB: 5678\r\n\r\nHTTP/1.1 204 No Content\r\nC: "
              "1234\r\nD: 5678\r\n\r\n",
              with_limits(small))
            .done);
  check_error("HTTP/1.1 103 Hints\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", error::too_many_headers,
              with_limits(small));
  check_error("HTTP/1.1 103 Hints\r\nA: 12345678901234\r\n\r\n", error::header_block_too_large,
              with_limits(small));

  // The peer closing after a 1xx response: a partial message.
  const outcome eof = check("HTTP/1.1 100 Continue\r\n\r\n", closed());
  CHECK(eof.ec == code(error::partial_message));
  CHECK(eof.started);
  CHECK_FALSE(eof.headers_done);
}

TEST_CASE("http1 parser: responses without a body", "[unit][http1]") {
  const outcome head = check("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", head_request());
  CHECK(head.events ==
        "status 200 1.1 [OK]\nheader [Content-Length] [100]\nheaders complete\ncomplete\n");
  CHECK(head.done);
  CHECK(head.keep_alive);
  CHECK(head.content_length == std::optional<std::uint64_t>(100));
  CHECK_FALSE(head.close_delimited);

  const outcome head_chunked =
      check("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", head_request());
  CHECK(head_chunked.done);
  CHECK(head_chunked.chunked);
  CHECK(head_chunked.leftover == "0\r\n\r\n");

  const outcome head_close = check("HTTP/1.1 200 OK\r\n\r\n", head_request());
  CHECK(head_close.done);
  CHECK(head_close.keep_alive);
  CHECK_FALSE(head_close.close_delimited);

  const outcome no_content = check("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello");
  CHECK(no_content.events ==
        "status 204 1.1 [No Content]\nheader [Content-Length] [5]\nheaders complete\ncomplete\n");
  CHECK(no_content.leftover == "hello");
  CHECK(no_content.keep_alive);

  const outcome not_modified =
      check("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n");
  CHECK(not_modified.done);
  CHECK(not_modified.keep_alive);

  const outcome no_content_close = check("HTTP/1.1 204 No Content\r\n\r\n");
  CHECK(no_content_close.done);
  CHECK(no_content_close.keep_alive);
  CHECK_FALSE(no_content_close.close_delimited);

  // A HEAD response's Content-Length is still validated.
  check_error("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", error::bad_content_length,
              head_request());
}

TEST_CASE("http1 parser: Content-Length", "[unit][http1]") {
  CHECK(check("HTTP/1.1 200 OK\r\nContent-Length: 3, 3,3\r\n\r\nabc").events ==
        "status 200 1.1 [OK]\nheader [Content-Length] [3, 3,3]\nheaders complete\nbody "
        "[abc]\ncomplete\n");
  CHECK(check("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX: y\r\ncontent-length:  003 \r\n\r\nabc")
            .done);
  const outcome max =
      check("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n", head_request());
  CHECK(max.content_length == std::optional<std::uint64_t>(UINT64_MAX));
  {
    // A huge body: only its first bytes arrive.
    response_parser p;
    recorder r;
    std::error_code ec;
    const std::string_view in =
        "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\nabc";
    CHECK(p.put(in, r, ec) == in.size());
    CHECK_FALSE(ec);
    CHECK_FALSE(p.done());
  }
  check_error("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
              error::bad_content_length);
  check_error("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
              error::bad_content_length);
  check_error("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello", error::bad_content_length);
  check_error("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nhello", error::bad_content_length);
  check_error("HTTP/1.1 200 OK\r\nContent-Length: 5 5\r\n\r\nhello", error::bad_content_length);
  check_error("HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\nhello", error::bad_content_length);
  check_error("HTTP/1.1 200 OK\r\nContent-Length: 5a\r\n\r\nhello", error::bad_content_length);
  check_error("HTTP/1.1 200 OK\r\nContent-Length: 5.0\r\n\r\nhello", error::bad_content_length);
  check_error("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\nhello", error::bad_content_length);
  check_error("HTTP/1.1 200 OK\r\nContent-Length: 5,,5\r\n\r\nhello", error::bad_content_length);
  check_error("HTTP/1.1 200 OK\r\nContent-Length: 5,\r\n\r\nhello", error::bad_content_length);
  check_error("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello",
              error::conflicting_content_length);
  check_error("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
              error::conflicting_content_length);
  // A bad Content-Length is refused even when Transfer-Encoding makes it moot.
  check_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: x\r\n\r\n0\r\n\r\n",
              error::bad_content_length);
}

TEST_CASE("http1 parser: Transfer-Encoding", "[unit][http1]") {
  const outcome o = check("HTTP/1.1 200 OK\r\nTransfer-Encoding: ChUnKeD\r\n\r\n0\r\n\r\n");
  CHECK(o.done);
  CHECK(o.chunked);
  CHECK(o.keep_alive);
  CHECK_FALSE(o.content_length);
  CHECK(check("HTTP/1.1 200 OK\r\nTransfer-Encoding: , chunked ,\r\n\r\n0\r\n\r\n").done);

  // chunked wins over Content-Length, which is ignored; the connection is not reused.
  for (const char* in : {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: "
                         "chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: "
                         "100\r\n\r\n3\r\nabc\r\n0\r\n\r\n"}) {
    const outcome both = check(in);
    CHECK(both.done);
    CHECK(both.events.find("body [abc]") != std::string::npos);
    CHECK_FALSE(both.content_length);
    CHECK(both.chunked);
    CHECK_FALSE(both.keep_alive);
  }
  // HTTP/1.0 with Transfer-Encoding: the framing is suspect (RFC 9112 §6.1), no reuse.
  const outcome old = check(
      "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  CHECK(old.done);
  CHECK_FALSE(old.keep_alive);

  check_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", error::bad_transfer_encoding);
  check_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
              error::bad_transfer_encoding);
  check_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
              error::bad_transfer_encoding);
  check_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
              error::bad_transfer_encoding);
  check_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
              error::bad_transfer_encoding);
  check_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n",
              error::bad_transfer_encoding);
  check_error("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n", error::bad_transfer_encoding);
  check_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n\r\n",
              error::bad_transfer_encoding);
  check_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunkedx\r\n\r\n",
              error::bad_transfer_encoding);
}

TEST_CASE("http1 parser: close-delimited bodies", "[unit][http1]") {
  const outcome o = check("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\nhello world", closed());
  CHECK(o.events == "status 200 1.1 [OK]\nheader [Connection] [keep-alive]\nheaders complete\n"
                    "body [hello world]\ncomplete\n");
  CHECK_FALSE(o.ec);
  CHECK(o.done);
  CHECK(o.close_delimited);
  CHECK_FALSE(o.keep_alive);
  CHECK_FALSE(o.content_length);

  const outcome empty = check("HTTP/1.0 200 OK\r\n\r\n", closed());
  CHECK(empty.events == "status 200 1.0 [OK]\nheaders complete\ncomplete\n");
  CHECK(empty.done);

  // Without the close, the body is still going.
  const outcome open = check("HTTP/1.1 200 OK\r\n\r\nabc");
  CHECK_FALSE(open.done);
  CHECK(open.headers_done);
  CHECK(open.close_delimited);
  CHECK_FALSE(open.keep_alive);
  CHECK(open.events == "status 200 1.1 [OK]\nheaders complete\nbody [abc]\n");
}

TEST_CASE("http1 parser: chunked bodies", "[unit][http1]") {
  const outcome o = check("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5\r\nhello\r\n"
                          "1A\r\nabcdefghijklmnopqrstuvwxyz\r\n"
                          "a;name=value; flag ;q=\"quoted \\\" ; string\"\r\n0123456789\r\n"
                          "0000000000000003 ;ext\r\nxyz\r\n"
                          "00;last=1\r\n"
                          "Expires: never\r\nX-Sum:  42 \r\n\r\n");
  CHECK(o.events == "status 200 1.1 [OK]\nheader [Transfer-Encoding] [chunked]\nheaders complete\n"
                    "body [helloabcdefghijklmnopqrstuvwxyz0123456789xyz]\n"
                    "trailer [Expires] [never]\ntrailer [X-Sum] [42]\ncomplete\n");
  CHECK_FALSE(o.ec);
  CHECK(o.keep_alive);
  CHECK(o.leftover.empty());
  CHECK(check("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a = b ; c= "
              "\"\"\r\nx\r\n0\r\n\r\n")
            .done);

  {
    // 16 digits is the most; the size is accepted even when huge.
    response_parser p;
    recorder r;
    std::error_code ec;
    const std::string_view in =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nabc";
    CHECK(p.put(in, r, ec) == in.size());
    CHECK_FALSE(ec);
  }
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  check_error(head + "00000000000000005\r\nhello\r\n0\r\n\r\n", error::chunk_size_too_large);
  check_error(head + "10000000000000000\r\n", error::chunk_size_too_large);
  check_error(head + "-5\r\nhello\r\n0\r\n\r\n", error::bad_chunk_size);
  check_error(head + "+5\r\nhello\r\n0\r\n\r\n", error::bad_chunk_size);
  check_error(head + " 5\r\nhello\r\n0\r\n\r\n", error::bad_chunk_size);
  check_error(head + "5 \r\nhello\r\n0\r\n\r\n", error::bad_chunk_size);
  check_error(head + "0x5\r\nhello\r\n0\r\n\r\n", error::bad_chunk_size);
  check_error(head + "5g\r\nhello\r\n0\r\n\r\n", error::bad_chunk_size);
  check_error(head + "\r\nhello\r\n0\r\n\r\n", error::bad_chunk_size);
  check_error(head + "5\rx\nhello\r\n0\r\n\r\n", error::bad_chunk_size);
  check_error(head + "5;\r\nhello\r\n0\r\n\r\n", error::bad_chunk_extension);
  check_error(head + "5;=x\r\nhello\r\n0\r\n\r\n", error::bad_chunk_extension);
  check_error(head + "5;a=\r\nhello\r\n0\r\n\r\n", error::bad_chunk_extension);
  check_error(head + "5;a=b c\r\nhello\r\n0\r\n\r\n", error::bad_chunk_extension);
  check_error(head + "5;a=b \r\nhello\r\n0\r\n\r\n", error::bad_chunk_extension);
  check_error(head + "5;a=\"open\r\nhello\r\n0\r\n\r\n", error::bad_chunk_extension);
  check_error(head + "5;a=\"x\x01\"\r\nhello\r\n0\r\n\r\n", error::bad_chunk_extension);
  check_error(head + "5;a=\"x\"y\r\nhello\r\n0\r\n\r\n", error::bad_chunk_extension);
  check_error(head + "5;a@b\r\nhello\r\n0\r\n\r\n", error::bad_chunk_extension);
  check_error(head + "5\r\nhelloX\r\n0\r\n\r\n", error::bad_chunk_terminator);
  check_error(head + "5\r\nhello\n0\r\n\r\n", error::bad_chunk_terminator);
  check_error(head + "5\r\nhello\rX0\r\n\r\n", error::bad_chunk_terminator);
  check_error(head + "5\r\nhello\r\n0\r\nBad Trailer: x\r\n\r\n", error::bad_header_name);
  check_error(head + "5\r\nhello\r\n0\r\nT: \x01\r\n\r\n", error::bad_header_value);
  // The chunk data arrives before the failure.
  const outcome bad = check(head + "3\r\nabc\r\nzz\r\n");
  CHECK(
      bad.events ==
      "status 200 1.1 [OK]\nheader [Transfer-Encoding] [chunked]\nheaders complete\nbody [abc]\n");
  CHECK(bad.ec == code(error::bad_chunk_size));
}

TEST_CASE("http1 parser: Connection and keep-alive", "[unit][http1]") {
  const auto keep = [](std::string_view version, std::string_view fields) {
    const std::string in = "HTTP/" + std::string(version) + " 200 OK\r\n" + std::string(fields) +
                           "Content-Length: 0\r\n\r\n";
    const outcome o = check(in);
    REQUIRE(o.done);
    return o.keep_alive;
  };
  CHECK(keep("1.1", ""));
  CHECK_FALSE(keep("1.1", "Connection: close\r\n"));
  CHECK_FALSE(keep("1.1", "Connection: CLOSE\r\n"));
  CHECK_FALSE(keep("1.1", "Connection: keep-alive, Close\r\n"));
  CHECK_FALSE(keep("1.1", "Connection: upgrade\r\nConnection: close\r\n"));
  CHECK_FALSE(keep("1.1", "Connection:\r\n close\r\n"));
  CHECK(keep("1.1", "Connection: closed\r\n"));
  CHECK(keep("1.1", "Connection: keep-alive\r\n"));
  CHECK(keep("1.1", "X-Connection: close\r\n"));
  CHECK_FALSE(keep("1.0", ""));
  CHECK(keep("1.0", "Connection: Keep-Alive\r\n"));
  CHECK(keep("1.0", "Connection: foo , keep-alive\r\n"));
  CHECK_FALSE(keep("1.0", "Connection: keep-alive, close\r\n"));
  CHECK_FALSE(keep("1.0", "Connection: keep-alived\r\n"));

  // Not valid before done().
  response_parser p;
  recorder r;
  std::error_code ec;
  p.put("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", r, ec);
  CHECK(p.headers_done());
  CHECK_FALSE(p.done());
  CHECK_FALSE(p.keep_alive());
}

TEST_CASE("http1 parser: status line limit", "[unit][http1]") {
  response_limits limits;
  limits.max_status_line = 20;
  // "HTTP/1.1 200 " is 13 bytes: a reason of 7 fills the limit exactly.
  CHECK(check("HTTP/1.1 200 abcdefg\r\nContent-Length: 0\r\n\r\n", with_limits(limits)).done);
  CHECK(check("HTTP/1.1 200 abcdefg\nContent-Length: 0\r\n\r\n", with_limits(limits)).done);
  check_error("HTTP/1.1 200 abcdefgh\r\nContent-Length: 0\r\n\r\n", error::status_line_too_long,
              with_limits(limits));
  check_error("HTTP/1.1 200 abcdefg\r\r\nContent-Length: 0\r\n\r\n", error::status_line_too_long,
              with_limits(limits));

  // An incomplete line already over the limit fails without waiting for its end.
  response_parser p(limits);
  recorder r;
  std::error_code ec;
  CHECK(p.put("HTTP/1.1 200 abcdefg\r", r, ec) == 0);
  CHECK_FALSE(ec);
  p.reset();
  CHECK(p.put("HTTP/1.1 200 abcdefgh", r, ec) == 0);
  CHECK(ec == code(error::status_line_too_long));
  CHECK(r.log.empty());
}

TEST_CASE("http1 parser: header line limit", "[unit][http1]") {
  response_limits limits;
  limits.max_header_line = 10;
  CHECK(check("HTTP/1.1 200 OK\r\nName: 1234\r\nContent-Length: 0\r\n\r\n", with_limits(limits))
            .events.find("header [Name] [1234]") != std::string::npos);
  CHECK(check("HTTP/1.1 200 OK\r\nA: 1\r\n 23\r\n\r\n", with_limits(limits))
            .events.find("header [A] [1 23]") != std::string::npos);
  check_error("HTTP/1.1 200 OK\r\nName: 12345\r\n\r\n", error::header_line_too_long,
              with_limits(limits));
  // A fold counts with its field line.
  check_error("HTTP/1.1 200 OK\r\nA: 1\r\n 2345\r\n\r\n", error::header_line_too_long,
              with_limits(limits));
  check_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTrailer: 12\r\n\r\n",
              error::header_line_too_long, with_limits(limits));
  check_error("HTTP/1.1 103 Hints\r\nLink: 123456\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
              error::header_line_too_long, with_limits(limits));

  response_parser p(limits);
  recorder r;
  std::error_code ec;
  const std::string status = "HTTP/1.1 200 OK\r\n";
  CHECK(p.put(status + "Name: 1234\r", r, ec) == status.size());
  CHECK_FALSE(ec);
  p.reset();
  CHECK(p.put(status + "Name: 12345", r, ec) == status.size());
  CHECK(ec == code(error::header_line_too_long));
}

TEST_CASE("http1 parser: header count limit", "[unit][http1]") {
  response_limits limits;
  limits.max_header_count = 3;
  CHECK(check("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nContent-Length: 0\r\n\r\n", with_limits(limits))
            .done);
  check_error("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nContent-Length: 0\r\n\r\n",
              error::too_many_headers, with_limits(limits));
  // Trailers count with the fields.
  const std::string chunked =
      "HTTP/1.1 200 OK\r\nA: 1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n";
  CHECK(check(chunked + "T: 1\r\n\r\n", with_limits(limits)).done);
  check_error(chunked + "T: 1\r\nU: 2\r\n\r\n", error::too_many_headers, with_limits(limits));
  // A folded field is one field.
  CHECK(check("HTTP/1.1 200 OK\r\nA: 1\r\n 2\r\n 3\r\nB: 2\r\nContent-Length: 0\r\n\r\n",
              with_limits(limits))
            .done);
  limits.max_header_count = 0;
  CHECK(check("HTTP/1.1 204 No Content\r\n\r\n", with_limits(limits)).done);
  check_error("HTTP/1.1 204 No Content\r\nA: 1\r\n\r\n", error::too_many_headers,
              with_limits(limits));
}

TEST_CASE("http1 parser: header block byte limit", "[unit][http1]") {
  // "A: 1\r\n" is 6 bytes, the empty line 2: the block is 14 bytes.
  const std::string in = "HTTP/1.1 204 No Content\r\nA: 1\r\nB: 2\r\n\r\n";
  response_limits limits;
  limits.max_header_bytes = 14;
  CHECK(check(in, with_limits(limits)).done);
  limits.max_header_bytes = 13;
  check_error(in, error::header_block_too_large, with_limits(limits));
  limits.max_header_bytes = 12; // the fields fit, the empty line does not
  check_error(in, error::header_block_too_large, with_limits(limits));
  limits.max_header_bytes = 11;
  check_error(in, error::header_block_too_large, with_limits(limits));
  // Bare LF terminators count as received.
  limits.max_header_bytes = 11;
  CHECK(check("HTTP/1.1 204 No Content\nA: 1\nB: 2\n\n", with_limits(limits)).done);
  limits.max_header_bytes = 10;
  check_error("HTTP/1.1 204 No Content\nA: 1\nB: 2\n\n", error::header_block_too_large,
              with_limits(limits));

  // Trailers share the budget: 6 + 2 for the fields' end, 6 + 2 for the trailers.
  const std::string chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\r\n\r\n";
  limits.max_header_bytes = 28 + 2 + 6 + 2;
  CHECK(check(chunked, with_limits(limits)).done);
  limits.max_header_bytes = 28 + 2 + 6 + 1;
  check_error(chunked, error::header_block_too_large, with_limits(limits));

  // A line breaking both limits reports the one it crosses first, however it is split.
  limits = {};
  limits.max_header_line = 12;
  limits.max_header_bytes = 20;
  check_error("HTTP/1.1 200 OK\r\nA: 1234567890123\r\n\r\n", error::header_line_too_long,
              with_limits(limits));
  // 10 bytes used: the budget ends at byte 11 of the line, the line limit at byte 13.
  check_error("HTTP/1.1 200 OK\r\nA: 12345\r\nB: 1234567890123\r\n\r\n",
              error::header_block_too_large, with_limits(limits));
  limits.max_header_line = 8; // now the line limit comes first, at byte 9
  check_error("HTTP/1.1 200 OK\r\nA: 12345\r\nB: 1234567890123\r\n\r\n",
              error::header_line_too_long, with_limits(limits));
  limits.max_header_line = 12;
  check_error("HTTP/1.1 200 OK\r\nA: 12345\r\nB: 12345\r\n\r\n", error::header_block_too_large,
              with_limits(limits));
  check_error("HTTP/1.1 200 OK\r\nA: 12345\r\nB: 12345\n\r\n", error::header_block_too_large,
              with_limits(limits));

  // An incomplete block already over the limit fails at once.
  limits = {};
  limits.max_header_bytes = 10;
  response_parser p(limits);
  recorder r;
  std::error_code ec;
  p.put("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2", r, ec);
  CHECK_FALSE(ec);
  p.reset();
  p.put("HTTP/1.1 200 OK\r\nA: 1\r\nB: 23", r, ec);
  CHECK(ec == code(error::header_block_too_large));
}

TEST_CASE("http1 parser: chunk line limit", "[unit][http1]") {
  response_limits limits;
  limits.max_chunk_line = 8;
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  CHECK(check(head + "1;abc=de\r\nx\r\n0\r\n\r\n", with_limits(limits)).done);
  check_error(head + "1;abc=def\r\nx\r\n0\r\n\r\n", error::chunk_line_too_long,
              with_limits(limits));
  check_error(head + "000000001\r\nx\r\n0\r\n\r\n", error::chunk_line_too_long,
              with_limits(limits));

  response_parser p(limits);
  recorder r;
  std::error_code ec;
  CHECK(p.put(head + "1;abc=de", r, ec) == head.size());
  CHECK_FALSE(ec);
  p.reset();
  CHECK(p.put(head + "1;abc=def", r, ec) == head.size());
  CHECK(ec == code(error::chunk_line_too_long));
}

TEST_CASE("http1 parser: on_body pauses and resumes", "[unit][http1]") {
  struct pauser : recorder {
    bool refuse = true;
    bool on_body(std::string_view data) {
      if (refuse)
        return false;
      return recorder::on_body(data);
    }
  };
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n";
  response_parser p;
  pauser r;
  std::error_code ec;
  std::string in = head + "abc";
  CHECK(p.put(in, r, ec) == head.size());
  CHECK_FALSE(ec);
  CHECK(p.paused());
  CHECK(p.headers_done());
  CHECK_FALSE(p.done());
  in.erase(0, head.size());
  CHECK(p.put(in, r, ec) == 0); // still refused
  CHECK(p.paused());
  r.refuse = false;
  in += "defXYZ";
  CHECK(p.put(in, r, ec) == 6);
  CHECK_FALSE(p.paused());
  CHECK(p.done());
  CHECK(r.log == "status 200 1.1 [OK]\nheader [Content-Length] [6]\nheaders complete\nbody "
                 "[abcdef]\ncomplete\n");

  // Chunked: the pause holds the chunk data, framing resumes after it.
  const std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n";
  p.reset();
  pauser c;
  CHECK(p.put(chunked, c, ec) == chunked.size() - 5);
  CHECK(p.paused());
  c.refuse = false;
  CHECK(p.put("abc\r\n0\r\n\r\n", c, ec) == 10);
  CHECK(p.done());
  CHECK(c.log.find("body [abc]\ncomplete\n") != std::string::npos);

  // Close-delimited too.
  p.reset();
  pauser d;
  CHECK(p.put("HTTP/1.1 200 OK\r\n\r\nxyz", d, ec) == 19);
  CHECK(p.paused());
  d.refuse = false;
  CHECK(p.put("xyz", d, ec) == 3);
  CHECK_FALSE(p.paused());
  p.put_eof(d, ec);
  CHECK_FALSE(ec);
  CHECK(d.log.find("body [xyz]\ncomplete\n") != std::string::npos);

  // Pausing in every mode of feeding gives the same events (check() refuses every other call).
  CHECK(check(chunked + "0\r\n\r\n").done);
}

TEST_CASE("http1 parser: end of connection", "[unit][http1]") {
  {
    response_parser p;
    recorder r;
    std::error_code ec;
    CHECK_FALSE(p.started());
    p.put("", r, ec);
    CHECK_FALSE(p.started());
    p.put_eof(r, ec);
    CHECK(ec == code(error::no_response));
    CHECK(xfer::http1::to_errc(error::no_response) == xfer::errc::got_nothing);
    p.put_eof(r, ec);
    CHECK(ec == code(error::no_response)); // stays failed
    p.reset();
    CHECK_FALSE(p.started());
    p.put("HTTP/1.1 2", r, ec);
    CHECK(p.started());
    p.put_eof(r, ec);
    CHECK(ec == code(error::partial_message));
  }
  const auto at_eof = [](std::string_view in) { return check(in, closed()).ec; };
  CHECK(at_eof("") == code(error::no_response));
  CHECK(at_eof("H") == code(error::partial_message));
  CHECK(at_eof("HTTP/1.1 200 OK\r\n") == code(error::partial_message));
  CHECK(at_eof("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n") == code(error::partial_message));
  CHECK(at_eof("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc") == code(error::partial_message));
  CHECK(at_eof("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") ==
        code(error::partial_message));
  CHECK(at_eof("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab") ==
        code(error::partial_message));
  CHECK(at_eof("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n") ==
        code(error::partial_message));
  CHECK(at_eof("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n") ==
        code(error::partial_message));
  CHECK(at_eof("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\r\n") ==
        code(error::partial_message));
  CHECK_FALSE(at_eof("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"));
  CHECK_FALSE(at_eof("HTTP/1.1 200 OK\r\n\r\nabc"));
  const outcome body = check("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", closed());
  CHECK(body.events ==
        "status 200 1.1 [OK]\nheader [Content-Length] [5]\nheaders complete\nbody [abc]\n");
}

TEST_CASE("http1 parser: a failed parser stays failed until reset", "[unit][http1]") {
  response_parser p;
  recorder r;
  std::error_code ec;
  CHECK(p.put("HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n", r, ec) == 17);
  CHECK(ec == code(error::bad_header_name));
  CHECK(p.put("HTTP/1.1 200 OK\r\n\r\n", r, ec) == 0);
  CHECK(ec == code(error::bad_header_name));
  p.put_eof(r, ec);
  CHECK(ec == code(error::bad_header_name));
  CHECK_FALSE(p.done());
  CHECK_FALSE(p.keep_alive());
  p.reset();
  r.log.clear();
  const std::string_view ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  CHECK(p.put(ok, r, ec) == ok.size());
  CHECK_FALSE(ec);
  CHECK(p.done());
  CHECK(p.keep_alive());
}

TEST_CASE("http1 error codes: category, messages and transfer mapping", "[unit][http1]") {
  using xfer::errc;
  using xfer::http1::to_errc;
  std::error_code ec = error::bad_chunk_size;
  CHECK(ec.category().name() == std::string("xfer.http1"));
  CHECK(ec.category() == xfer::http1::category());
  CHECK(ec != std::error_code(xfer::errc::weird_server_reply));
  std::vector<std::string> messages;
  for (int v = static_cast<int>(error::bad_status_line);
       v <= static_cast<int>(error::invalid_target); ++v) {
    const std::string m = std::error_code(v, xfer::http1::category()).message();
    CHECK_FALSE(m.empty());
    CHECK(m.find("Unknown") == std::string::npos);
    for (const std::string& other : messages)
      CHECK(m != other);
    messages.push_back(m);
  }
  CHECK(messages.size() == 26);
  CHECK(std::error_code(999, xfer::http1::category()).message().find("Unknown") !=
        std::string::npos);

  for (error e : {error::status_line_too_long, error::header_line_too_long, error::too_many_headers,
                  error::header_block_too_large, error::chunk_line_too_long,
                  error::too_many_interim_responses})
    CHECK(to_errc(e) == errc::too_large);
  CHECK(to_errc(error::no_response) == errc::got_nothing);
  CHECK(to_errc(error::partial_message) == errc::partial_file);
  for (error e : {error::invalid_method, error::invalid_header_name, error::invalid_header_value,
                  error::invalid_target})
    CHECK(to_errc(e) == errc::bad_function_argument);
  for (error e :
       {error::bad_status_line, error::bad_version, error::bad_status_code, error::bad_header_name,
        error::bad_header_value, error::bad_obs_fold, error::bad_content_length,
        error::conflicting_content_length, error::bad_transfer_encoding, error::bad_chunk_size,
        error::chunk_size_too_large, error::bad_chunk_extension, error::bad_chunk_terminator,
        error::unexpected_upgrade})
    CHECK(to_errc(e) == errc::weird_server_reply);
}
