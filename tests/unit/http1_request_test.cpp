// tests/unit/http1_request_test.cpp - exact bytes of HTTP/1.1 request heads, default fields and
// injection checks.
#include <xfer/http1/request_writer.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace std::string_view_literals;
using xfer::http1::body_framing;
using xfer::http1::error;
using xfer::http1::request_head;

request_head get(const xfer::headers* fields = nullptr) {
  request_head h;
  h.method = "GET";
  h.target = "/path/to?q=1&r=%20";
  h.host = "example.com:8080";
  h.user_agent = "xfer/0.1.0";
  h.fields = fields;
  return h;
}

std::string write(const request_head& h) {
  std::string out;
  std::error_code ec;
  xfer::http1::write_request_head(out, h, ec);
  REQUIRE_FALSE(ec);
  return out;
}

std::error_code refuse(const request_head& h) {
  std::string out = "kept";
  std::error_code ec;
  xfer::http1::write_request_head(out, h, ec);
  CHECK(out == "kept");
  return ec;
}

std::error_code code(error e) {
  return xfer::http1::make_error_code(e);
}

} // namespace

TEST_CASE("http1 request: GET and HEAD heads", "[unit][http1]") {
  CHECK(write(get()) == "GET /path/to?q=1&r=%20 HTTP/1.1\r\n"
                        "Host: example.com:8080\r\n"
                        "User-Agent: xfer/0.1.0\r\n"
                        "Accept: */*\r\n"
                        "\r\n");
  request_head head = get();
  head.method = "HEAD";
  head.target = "/";
  head.host = "[::1]";
  head.user_agent = {};
  CHECK(write(head) == "HEAD / HTTP/1.1\r\nHost: [::1]\r\nAccept: */*\r\n\r\n");

  // Appends, never clears; a failed ec is cleared on success.
  std::string out = "previous request bytes|";
  std::error_code ec = code(error::invalid_method);
  xfer::http1::write_request_head(out, get(), ec);
  CHECK_FALSE(ec);
  CHECK(out == "previous request bytes|" + write(get()));
}

TEST_CASE("http1 request: POST with Content-Length and chunked", "[unit][http1]") {
  xfer::headers fields;
  fields.add("Content-Type", "application/json");
  request_head post = get(&fields);
  post.method = "POST";
  post.target = "/api";
  post.framing = body_framing::content_length;
  post.content_length = 11;
  CHECK(write(post) == "POST /api HTTP/1.1\r\n"
                       "Host: example.com:8080\r\n"
                       "User-Agent: xfer/0.1.0\r\n"
                       "Accept: */*\r\n"
                       "Content-Type: application/json\r\n"
                       "Content-Length: 11\r\n"
                       "\r\n");
  post.content_length = 0;
  CHECK(write(post).find("\r\nContent-Length: 0\r\n\r\n") != std::string::npos);
  post.content_length = UINT64_MAX;
  CHECK(write(post).find("\r\nContent-Length: 18446744073709551615\r\n\r\n") != std::string::npos);

  post.framing = body_framing::chunked;
  post.close_connection = true;
  CHECK(write(post) == "POST /api HTTP/1.1\r\n"
                       "Host: example.com:8080\r\n"
                       "User-Agent: xfer/0.1.0\r\n"
                       "Accept: */*\r\n"
                       "Content-Type: application/json\r\n"
                       "Transfer-Encoding: chunked\r\n"
                       "Connection: close\r\n"
                       "\r\n");
  post.framing = body_framing::none;
  CHECK(write(post).find("Content-Type: application/json\r\nConnection: close\r\n\r\n") !=
        std::string::npos);
}

TEST_CASE("http1 request: user fields replace defaults in place", "[unit][http1]") {
  xfer::headers fields;
  fields.add("X-First", "1");
  fields.add("accept", "application/json");
  fields.add("HOST", "virtual.example");
  fields.add("User-Agent", "custom/2");
  fields.add("X-Last", "2");
  fields.add("Accept", "text/html");
  CHECK(write(get(&fields)) == "GET /path/to?q=1&r=%20 HTTP/1.1\r\n"
                               "HOST: virtual.example\r\n"
                               "User-Agent: custom/2\r\n"
                               "accept: application/json\r\n"
                               "Accept: text/html\r\n"
                               "X-First: 1\r\n"
                               "X-Last: 2\r\n"
                               "\r\n");
  // Replacing works without a default User-Agent too.
  request_head h = get(&fields);
  h.user_agent = {};
  CHECK(write(h).find("User-Agent: custom/2\r\n") != std::string::npos);
}

TEST_CASE("http1 request: empty user fields remove defaults and are never sent", "[unit][http1]") {
  xfer::headers fields;
  fields.add("Accept", "");
  fields.add("User-Agent", " \t");
  fields.add("X-Empty", "");
  fields.add("X-Kept", "v");
  CHECK(write(get(&fields)) == "GET /path/to?q=1&r=%20 HTTP/1.1\r\n"
                               "Host: example.com:8080\r\n"
                               "X-Kept: v\r\n"
                               "\r\n");
  fields.clear();
  fields.add("Host", "");
  fields.add("Accept", "");
  fields.add("Accept", "*/*;q=0.5");
  CHECK(write(get(&fields)) == "GET /path/to?q=1&r=%20 HTTP/1.1\r\n"
                               "User-Agent: xfer/0.1.0\r\n"
                               "Accept: */*;q=0.5\r\n"
                               "\r\n");
  // An empty host with no user Host still sends the field (RFC 9112 §3.2).
  request_head h = get();
  h.host = {};
  CHECK(write(h).find("HTTP/1.1\r\nHost:\r\nUser-Agent") != std::string::npos);
}

TEST_CASE("http1 request: framing and Connection fields belong to the library", "[unit][http1]") {
  xfer::headers fields;
  fields.add("Content-Length", "999");
  fields.add("transfer-encoding", "gzip");
  fields.add("Connection", "keep-alive");
  fields.add("Keep-Alive", "timeout=5");
  request_head h = get(&fields);
  CHECK(write(h) == "GET /path/to?q=1&r=%20 HTTP/1.1\r\n"
                    "Host: example.com:8080\r\n"
                    "User-Agent: xfer/0.1.0\r\n"
                    "Accept: */*\r\n"
                    "Keep-Alive: timeout=5\r\n"
                    "\r\n");
  h.method = "PUT";
  h.framing = body_framing::content_length;
  h.content_length = 3;
  h.close_connection = true;
  CHECK(write(h) == "PUT /path/to?q=1&r=%20 HTTP/1.1\r\n"
                    "Host: example.com:8080\r\n"
                    "User-Agent: xfer/0.1.0\r\n"
                    "Accept: */*\r\n"
                    "Keep-Alive: timeout=5\r\n"
                    "Content-Length: 3\r\n"
                    "Connection: close\r\n"
                    "\r\n");
}

TEST_CASE("http1 request: header injection and bad tokens are refused", "[unit][http1]") {
  const auto with_field = [](std::string_view name, std::string_view value) {
    xfer::headers fields;
    fields.add("X-Ok", "1");
    fields.add(name, value);
    return refuse(get(&fields));
  };
  CHECK(with_field("X-Evil", "a\r\nInjected: 1") == code(error::invalid_header_value));
  CHECK(with_field("X-Evil", "a\rb") == code(error::invalid_header_value));
  CHECK(with_field("X-Evil", "a\nb") == code(error::invalid_header_value));
  CHECK(with_field("X-Evil", "a\0b"sv) == code(error::invalid_header_value));
  CHECK(with_field("X-Evil", "\r\n") == code(error::invalid_header_value));
  CHECK(with_field("Content-Length", "1\r\nX: y") ==
        code(error::invalid_header_value)); // dropped, still checked
  CHECK(with_field("Accept", "\n") == code(error::invalid_header_value));
  CHECK(with_field("X Evil", "v") == code(error::invalid_header_name));
  CHECK(with_field("X-Evil:", "v") == code(error::invalid_header_name));
  CHECK(with_field("", "v") == code(error::invalid_header_name));
  CHECK(with_field("X\r\nY", "v") == code(error::invalid_header_name));
  CHECK(with_field("X(y)", "v") == code(error::invalid_header_name));
  CHECK(with_field("X\xc3\xa9", "v") == code(error::invalid_header_name));
  // Tabs, obs-text and other bytes pass: only CR, LF and NUL are refused in values.
  {
    xfer::headers fields;
    fields.add("X-Ok", "a\tb \xc3\xa9");
    CHECK(write(get(&fields)).find("X-Ok: a\tb \xc3\xa9\r\n") != std::string::npos);
  }

  request_head h = get();
  h.method = "GET /x HTTP/1.1\r\nX:";
  CHECK(refuse(h) == code(error::invalid_method));
  h.method = "";
  CHECK(refuse(h) == code(error::invalid_method));
  h.method = "GE T";
  CHECK(refuse(h) == code(error::invalid_method));
  h.method = "GET\r\n";
  CHECK(refuse(h) == code(error::invalid_method));
  h.method = "M-SEARCH";
  CHECK(write(h).rfind("M-SEARCH /path", 0) == 0);

  h = get();
  for (std::string_view target :
       {""sv, "/a b"sv, "/a\r\nX: y"sv, "/a\nb"sv, "/a\rb"sv, "/a\0b"sv, "/a\tb"sv, "/a\x7f"sv}) {
    h.target = target;
    CHECK(refuse(h) == code(error::invalid_target));
  }
  h.target = "*";
  CHECK(write(h).rfind("GET * HTTP/1.1\r\n", 0) == 0);

  h = get();
  h.host = "example.com\r\nX-Injected: 1";
  CHECK(refuse(h) == code(error::invalid_header_value));
  h = get();
  h.user_agent = "ua\n";
  CHECK(refuse(h) == code(error::invalid_header_value));
  h.user_agent = "ua\0"sv;
  CHECK(refuse(h) == code(error::invalid_header_value));
}

TEST_CASE("http1 request: chunk framing", "[unit][http1]") {
  std::string out = "x";
  xfer::http1::write_chunk_header(out, 1);
  CHECK(out == "x1\r\n");
  out.clear();
  xfer::http1::write_chunk_header(out, 255);
  xfer::http1::write_chunk_header(out, 4096);
  xfer::http1::write_chunk_header(out, 0xabcdef);
  CHECK(out == "ff\r\n1000\r\nabcdef\r\n");
  out.clear();
  xfer::http1::write_chunk_header(out, static_cast<std::size_t>(-1));
  CHECK(out == std::string(2 * sizeof(std::size_t), 'f') + "\r\n");
  CHECK(xfer::http1::chunk_end == "\r\n");
  CHECK(xfer::http1::last_chunk == "0\r\n\r\n");
}
