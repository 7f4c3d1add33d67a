// Request bodies against real peers: memory, files, read callbacks, forms, Expect: 100-continue, methods.
#include <xfer/transfer.hpp>

#include <xfer/form.hpp>
#include <xfer/multi.hpp>
#include <xfer/multipart.hpp>

#include "support/content.hpp"
#include "support/drive.hpp"
#include "support/httpbin_server.hpp"
#include "support/json.hpp"
#include "support/recorded_request.hpp"
#include "support/scripted_server.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

using namespace std::chrono_literals;
using xfer::test::http_response;
using xfer::test::recorded_request;
using xfer::test::scripted_server;
using xfer::test::step;

namespace {

void write_file(const std::filesystem::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
}

/// A read callback that hands out `source` in pieces of at most `piece` bytes.
struct string_reader {
  std::string source;
  std::size_t offset = 0;
  std::size_t piece = 1000;
  std::size_t calls = 0;

  xfer::read_callback callback() {
    return [this](std::span<char> buffer) {
      ++calls;
      const std::size_t n = std::min({buffer.size(), piece, source.size() - offset});
      source.copy(buffer.data(), n, offset);
      offset += n;
      return n;
    };
  }
};

recorded_request only_request(const scripted_server& server) {
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  return recorded_request::parse(requests[0]);
}

long long elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since).count();
}

} // namespace

TEST_CASE("a memory body goes out with its Content-Length", "[loopback][request_body]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send(http_response(201, "made"))});
  xfer::multi m;
  xfer::transfer t{server.url("/items")};
  t.set_method("POST").set_body("name=value");
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.status() == 201);
  CHECK(t.info().bytes_uploaded == 10);
  const auto r = only_request(server);
  CHECK(r.method == "POST");
  CHECK(r.field("Content-Length") == "10");
  CHECK_FALSE(r.has("Expect"));
  CHECK_FALSE(r.has("Transfer-Encoding"));
  CHECK(r.body == "name=value");
}

TEST_CASE("a file body streams with the file size as Content-Length", "[loopback][request_body]") {
  xfer::test::temp_dir dir;
  const std::string content = xfer::test::make_content(300'000, 7);
  write_file(dir / "upload.bin", content);
  scripted_server server;
  server.add_script({step::read_request(), step::send(http_response(200, "stored"))});
  xfer::multi m;
  xfer::transfer t{server.url("/upload")};
  t.set_method("PUT").set_body_file(dir / "upload.bin");
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.info().bytes_uploaded == content.size());
  const auto r = only_request(server);
  CHECK(r.field("Content-Length") == std::to_string(content.size()));
  CHECK(r.body == content);

  xfer::transfer missing{server.url("/upload")};
  missing.set_method("PUT").set_body_file(dir / "missing.bin");
  CHECK(xfer::test::run_one(m, missing) == xfer::errc::file_couldnt_read_file);
  CHECK_THAT(missing.error_detail(), Catch::Contains("missing.bin"));
}

TEST_CASE("a read callback body goes out with Content-Length when sized and chunked when not", "[loopback][request_body]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send(http_response(200, "a")), step::read_request(),
                     step::send(http_response(200, "b"))});
  xfer::multi m;
  string_reader sized{xfer::test::make_content(5000, 1)};
  xfer::transfer a{server.url("/sized")};
  a.set_method("POST").set_body(sized.callback(), sized.source.size());
  REQUIRE_FALSE(xfer::test::run_one(m, a));

  string_reader unsized{xfer::test::make_content(5000, 2)};
  xfer::transfer b{server.url("/chunked")};
  b.set_method("POST").set_expect_continue(1 << 20, 1s).add_header("Expect", "");
  b.set_body(unsized.callback());
  REQUIRE_FALSE(xfer::test::run_one(m, b));
  CHECK(b.info().bytes_uploaded == 5000);

  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  const auto first = recorded_request::parse(requests[0]);
  CHECK(first.field("Content-Length") == "5000");
  CHECK(first.body == sized.source);
  const auto second = recorded_request::parse(requests[1]);
  CHECK(second.chunked);
  CHECK_FALSE(second.has("Content-Length"));
  CHECK(second.body == unsized.source);
  CHECK(server.connections_accepted() == 1);
}

TEST_CASE("read callback failures end in read_error", "[loopback][request_body]") {
  scripted_server server;
  server.set_default_script({step::read_head(), step::hold()});
  xfer::multi m;
  SECTION("read_abort") {
    xfer::transfer t{server.url("/")};
    t.set_method("POST").set_body([](std::span<char>) { return xfer::read_abort; }, 10).add_header("Expect", "");
    CHECK(xfer::test::run_one(m, t) == xfer::errc::read_error);
    CHECK_THAT(t.error_detail(), Catch::Contains("aborted"));
  }
  SECTION("an exception") {
    xfer::transfer t{server.url("/")};
    t.set_method("POST").set_body([](std::span<char>) -> std::size_t { throw std::runtime_error("disk gone"); });
    t.add_header("Expect", "");
    CHECK(xfer::test::run_one(m, t) == xfer::errc::read_error);
    CHECK_THAT(t.error_detail(), Catch::Contains("disk gone"));
  }
  SECTION("more than declared") {
    string_reader r{"0123456789"};
    xfer::transfer t{server.url("/")};
    t.set_method("POST").set_body(r.callback(), 5).add_header("Expect", "");
    CHECK(xfer::test::run_one(m, t) == xfer::errc::read_error);
  }
  SECTION("less than declared") {
    string_reader r{"01234"};
    xfer::transfer t{server.url("/")};
    t.set_method("POST").set_body(r.callback(), 10).add_header("Expect", "");
    CHECK(xfer::test::run_one(m, t) == xfer::errc::read_error);
    CHECK_THAT(t.error_detail(), Catch::Contains("before its declared size"));
  }
}

TEST_CASE("a body file whose size changes during the upload fails with read_error", "[loopback][request_body]") {
  xfer::test::temp_dir dir;
  const auto path = dir / "changing.bin";
  for (const bool grow : {true, false}) {
    INFO(grow);
    write_file(path, xfer::test::make_content(1 << 20, 3));
    scripted_server server;
    server.add_script({step::read_head(), step::hold()});
    xfer::multi m;
    xfer::transfer t{server.url("/")};
    bool changed = false;
    t.set_method("PUT").set_body_file(path).add_header("Expect", "");
    t.set_progress_callback([&](const xfer::progress& p) {
      if (!changed && p.upload_now > 0) {
        changed = true;
        if (grow)
          std::ofstream(path, std::ios::binary | std::ios::app) << std::string(1 << 20, 'x');
        else
          std::filesystem::resize_file(path, 1000);
      }
      return true;
    });
    CHECK(xfer::test::run_one(m, t) == xfer::errc::read_error);
    CHECK(changed);
    CHECK_THAT(t.error_detail(), Catch::Contains("changed size"));
  }
}

TEST_CASE("an url-encoded form sets its Content-Type and encodes its fields", "[loopback][request_body][form]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send(http_response(200, "ok"))});
  xfer::multi m;
  xfer::url_encoded_form form;
  form.add("name", "J\xC3\xB6rg & co").add("q", "a=b c");
  xfer::transfer t{server.url("/form")};
  t.set_method("POST").set_body(form);
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  const auto r = only_request(server);
  CHECK(r.field("Content-Type") == "application/x-www-form-urlencoded");
  CHECK(r.body == form.str());
  CHECK(r.body.find(' ') == std::string::npos);
  CHECK(r.body.find("&q=") != std::string::npos);
}

TEST_CASE("a multipart form streams fields and files from disk to httpbin", "[loopback][request_body][multipart][httpbin]") {
  xfer::test::temp_dir dir;
  write_file(dir / "a.txt", "first file\n");
  write_file(dir / "b.txt", std::string(200'000, 'b'));
  xfer::multipart_form form;
  form.add_field("title", "two files");
  form.add_file("first", dir / "a.txt", std::nullopt, "text/plain");
  form.add_file("second", dir / "b.txt");
  xfer::multi m;
  xfer::transfer t{xfer::test::httpbin().url("/post")};
  t.set_method("POST").set_body(std::move(form));
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  REQUIRE(t.status() == 200);
  const auto reply = xfer::test::json::parse(t.body());
  CHECK(reply["form"]["title"].str() == "two files");
  CHECK(reply["files"]["first"].str() == "first file\n");
  CHECK(reply["files"]["second"].str() == std::string(200'000, 'b'));
  CHECK_THAT(reply["headers"]["Content-Type"].str(), Catch::StartsWith("multipart/form-data; boundary="));
}

TEST_CASE("Expect: 100-continue sends the body after the server's 100", "[loopback][request_body][expect]") {
  scripted_server server;
  server.add_script({step::read_head(), step::send("HTTP/1.1 100 Continue\r\n\r\n"), step::read_body(),
                     step::send(http_response(200, "thanks"))});
  xfer::multi m;
  string_reader body{xfer::test::make_content(100'000, 4)};
  xfer::transfer t{server.url("/big")};
  t.set_method("PUT").set_body(body.callback(), body.source.size()).set_expect_continue(1000, 20s);
  const auto start = std::chrono::steady_clock::now();
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(elapsed_ms(start) < 10'000); // not the 20 s wait: the 100 came first
  CHECK(t.status() == 200);
  CHECK(t.body() == "thanks");
  const auto r = only_request(server);
  CHECK(r.field("Expect") == "100-continue");
  CHECK(r.body == body.source);
}

TEST_CASE("Expect: 100-continue sends the body after its timeout when no 100 comes", "[loopback][request_body][expect]") {
  scripted_server server;
  server.set_default_script({step::read_head(), step::read_body(), step::send(http_response(200, "late"))});
  xfer::multi m;
  SECTION("the 1 s default") {
    xfer::transfer t{server.url("/big")};
    string_reader body{std::string(2 << 20, 'z')};
    t.set_method("PUT").set_body(body.callback(), body.source.size());
    const auto start = std::chrono::steady_clock::now();
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    CHECK(elapsed_ms(start) >= 900);
    CHECK(t.body() == "late");
    CHECK(only_request(server).body.size() == body.source.size());
  }
  SECTION("a shorter one") {
    xfer::transfer t{server.url("/big")};
    string_reader body{"small but expected"};
    t.set_method("POST").set_body(body.callback(), body.source.size()).set_expect_continue(0, 200ms);
    const auto start = std::chrono::steady_clock::now();
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    CHECK(elapsed_ms(start) >= 180);
    CHECK(only_request(server).body == "small but expected");
  }
  SECTION("unknown sizes expect too; an empty Expect field turns it off") {
    xfer::transfer t{server.url("/big")};
    string_reader body{"chunks"};
    t.set_method("POST").set_body(body.callback());
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    CHECK(only_request(server).field("Expect") == "100-continue");

    scripted_server quick;
    quick.add_script({step::read_request(), step::send(http_response(200, "ok"))});
    xfer::transfer off{quick.url("/")};
    string_reader other{"chunks"};
    off.set_method("POST").set_body(other.callback()).add_header("Expect", "");
    REQUIRE_FALSE(xfer::test::run_one(m, off));
    CHECK_FALSE(only_request(quick).has("Expect"));
  }
  SECTION("memory bodies never expect") {
    xfer::transfer t{server.url("/big")};
    t.set_method("POST").set_body(std::string(2 << 20, 'm'));
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    CHECK_FALSE(only_request(server).has("Expect"));
  }
}

TEST_CASE("a final answer instead of 100 Continue skips the body and retires the connection", "[loopback][request_body][expect]") {
  scripted_server server;
  // The server refuses at once and keeps the connection open: reusing it would be out of step.
  server.add_script({step::read_head(), step::send(http_response(417, "no thanks")), step::hold()});
  server.add_script({step::read_request(), step::send(http_response(200, "fresh"))});
  xfer::multi m;
  string_reader body{std::string(100'000, 'q')};
  xfer::transfer t{server.url("/big")};
  t.set_method("PUT").set_body(body.callback(), body.source.size()).set_expect_continue(0, 20s);
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.status() == 417);
  CHECK(body.calls == 0);
  CHECK(t.info().bytes_uploaded == 0);

  xfer::transfer next{server.url("/next")};
  next.set_timeout(5s);
  REQUIRE_FALSE(xfer::test::run_one(m, next));
  CHECK(next.body() == "fresh");
  CHECK(server.connections_accepted() == 2);
}

TEST_CASE("an early final answer while a memory body is sent ends the transfer and retires the connection", "[loopback][request_body]") {
  scripted_server server;
  // 413 after the head; the server then reads (and drops) whatever still comes.
  server.add_script({step::read_head(), step::send(http_response(413, "too big")), step::hold()});
  server.add_script({step::read_request(), step::send(http_response(200, "fresh"))});
  xfer::multi m;
  {
    xfer::transfer t{server.url("/big")};
    t.set_method("POST").set_body(std::string(32 << 20, 'e')).set_timeout(20s);
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    CHECK(t.status() == 413);
    CHECK(t.body() == "too big");
    t.set_body("changed after the answer"); // the old body must no longer be in use
  } // and the transfer is gone
  for (int i = 0; i < 5; ++i)
    m.perform();
  xfer::transfer next{server.url("/next")};
  next.set_timeout(5s);
  REQUIRE_FALSE(xfer::test::run_one(m, next));
  CHECK(next.body() == "fresh");
  CHECK(server.connections_accepted() == 2);
}

TEST_CASE("PUT PATCH DELETE and custom methods go out as set", "[loopback][request_body]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(http_response(204, ""))});
  xfer::multi m;
  struct one {
    std::string method;
    std::string body;
  };
  const std::vector<one> cases{{"PUT", "put body"}, {"PATCH", "{\"x\":1}"}, {"DELETE", ""},
                               {"DELETE", "with body"}, {"PROPFIND", "<xml/>"}, {"PURGE", ""}};
  for (const auto& c : cases) {
    xfer::transfer t{server.url("/r")};
    t.set_method(c.method);
    if (!c.body.empty())
      t.set_body(c.body);
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    CHECK(t.status() == 204);
  }
  xfer::transfer empty_put{server.url("/r")};
  empty_put.set_method("PUT");
  REQUIRE_FALSE(xfer::test::run_one(m, empty_put));

  const auto requests = server.requests();
  REQUIRE(requests.size() == cases.size() + 1);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto r = recorded_request::parse(requests[i]);
    INFO(cases[i].method << " " << cases[i].body);
    CHECK(r.method == cases[i].method);
    CHECK(r.body == cases[i].body);
    if (cases[i].body.empty())
      CHECK_FALSE(r.has("Content-Length"));
    else
      CHECK(r.field("Content-Length") == std::to_string(cases[i].body.size()));
  }
  CHECK(recorded_request::parse(requests.back()).field("Content-Length") == "0");

  xfer::transfer bad{server.url("/r")};
  bad.set_method("GE T");
  CHECK(xfer::test::run_one(m, bad) == xfer::errc::bad_function_argument);
  CHECK(server.requests().size() == cases.size() + 1);
}

TEST_CASE("httpbin echoes PUT PATCH and DELETE bodies", "[loopback][request_body][httpbin]") {
  xfer::multi m;
  for (const std::string method : {"PUT", "PATCH", "DELETE"}) {
    INFO(method);
    std::string lower = method;
    for (auto& c : lower)
      c = static_cast<char>(c - 'A' + 'a');
    xfer::transfer t{xfer::test::httpbin().url("/" + lower)};
    t.set_method(method).set_body("payload of " + method).add_header("Content-Type", "text/plain");
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    REQUIRE(t.status() == 200);
    CHECK(xfer::test::json::parse(t.body())["data"].str() == "payload of " + method);
  }
}
