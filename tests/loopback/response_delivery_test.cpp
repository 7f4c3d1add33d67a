// Response delivery against nginx and the scripted server: sinks, resume, size limits,
// fail_on_error, header callbacks and lookup, and callbacks that touch their transfer.
#include <xfer/transfer.hpp>

#include <xfer/multi.hpp>

#include "support/content.hpp"
#include "support/drive.hpp"
#include "support/nginx_server.hpp"
#include "support/recorded_request.hpp"
#include "support/scripted_server.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <tuple>
#include <vector>

using namespace std::chrono_literals;
using xfer::test::http_response;
using xfer::test::recorded_request;
using xfer::test::scripted_server;
using xfer::test::step;

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::filesystem::path& p, std::string_view content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

} // namespace

TEST_CASE("the body collects in body() and take_body() moves it out", "[loopback][delivery][nginx]") {
  xfer::test::nginx_server nginx;
  const std::string content = xfer::test::make_content(700'000, 11);
  nginx.write_file("file.bin", content);
  xfer::multi m;
  xfer::transfer t{nginx.url("/file.bin")};
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.body() == content);
  CHECK(t.info().bytes_downloaded == content.size());
  const std::string taken = t.take_body();
  CHECK(taken == content);
  CHECK(t.body().empty());
}

TEST_CASE("an output file receives the body and a resume appends the rest", "[loopback][delivery][resume][nginx]") {
  xfer::test::nginx_server nginx;
  xfer::test::temp_dir dir;
  const std::string content = xfer::test::make_content(250'000, 12);
  nginx.write_file("file.bin", content);
  const auto out = dir / "file.bin";
  xfer::multi m;

  xfer::transfer whole{nginx.url("/file.bin")};
  whole.set_output_file(out);
  REQUIRE_FALSE(xfer::test::run_one(m, whole));
  CHECK(whole.body().empty());
  CHECK(read_file(out) == content);

  write_file(out, content.substr(0, 100'000));
  xfer::transfer rest{nginx.url("/file.bin")};
  rest.set_output_file(out).set_resume_from(100'000);
  REQUIRE_FALSE(xfer::test::run_one(m, rest));
  CHECK(rest.status() == 206);
  CHECK(rest.info().bytes_downloaded == 150'000);
  CHECK(read_file(out) == content);
}

TEST_CASE("resuming a complete file gets 416 and leaves the file alone", "[loopback][delivery][resume][nginx]") {
  xfer::test::nginx_server nginx;
  xfer::test::temp_dir dir;
  const std::string content = xfer::test::make_content(50'000, 13);
  nginx.write_file("file.bin", content);
  const auto out = dir / "file.bin";
  write_file(out, content);
  xfer::multi m;
  xfer::transfer t{nginx.url("/file.bin")};
  t.set_output_file(out).set_resume_from(content.size());
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.status() == 416);
  CHECK(t.info().bytes_downloaded == 0);
  CHECK(read_file(out) == content);
}

TEST_CASE("a server that ignores the Range gets range_error and the partial file stays", "[loopback][delivery][resume]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send(http_response(200, "the whole thing"))});
  xfer::test::temp_dir dir;
  const auto out = dir / "partial";
  write_file(out, "the who");
  xfer::multi m;
  xfer::transfer t{server.url("/f")};
  t.set_output_file(out).set_resume_from(7);
  CHECK(xfer::test::run_one(m, t) == xfer::errc::range_error);
  CHECK(recorded_request::parse(server.requests().at(0)).field("Range") == "bytes=7-");
  CHECK(read_file(out) == "the who");
}

TEST_CASE("a write callback takes precedence over an output file", "[loopback][delivery]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send(http_response(200, "to the callback"))});
  xfer::test::temp_dir dir;
  xfer::multi m;
  std::string received;
  xfer::transfer t{server.url("/")};
  t.set_output_file(dir / "unused").set_write_callback([&](std::string_view data) {
    received.append(data);
    return xfer::write_action::proceed;
  });
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(received == "to the callback");
  CHECK_FALSE(std::filesystem::exists(dir / "unused"));
}

TEST_CASE("an output file that cannot be opened ends in write_error", "[loopback][delivery]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send(http_response(200, "data"))});
  xfer::test::temp_dir dir;
  xfer::multi m;
  xfer::transfer t{server.url("/")};
  t.set_output_file(dir / "no" / "such" / "dir" / "file");
  CHECK(xfer::test::run_one(m, t) == xfer::errc::write_error);
  CHECK_THAT(t.error_detail(), Catch::Contains("output file"));
}

TEST_CASE("max_filesize refuses a large Content-Length up front and a long body on the way", "[loopback][delivery][nginx]") {
  xfer::test::nginx_server nginx;
  nginx.write_file("big.bin", std::string(100'000, 'b'));
  xfer::multi m;
  SECTION("announced") {
    std::size_t delivered = 0;
    xfer::transfer t{nginx.url("/big.bin")};
    t.set_max_filesize(50'000).set_write_callback([&](std::string_view d) {
      delivered += d.size();
      return xfer::write_action::proceed;
    });
    CHECK(xfer::test::run_one(m, t) == xfer::errc::filesize_exceeded);
    CHECK(xfer::make_error_code(xfer::errc::filesize_exceeded).value() == 63);
    CHECK(delivered == 0);
    CHECK_THAT(t.error_detail(), Catch::Contains("100000"));
  }
  SECTION("exactly at the limit") {
    xfer::transfer t{nginx.url("/big.bin")};
    t.set_max_filesize(100'000);
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    CHECK(t.body().size() == 100'000);
  }
  SECTION("counted while chunks arrive") {
    scripted_server server;
    server.add_script({step::read_request(),
                       step::send(xfer::test::chunked_response(200, {std::string(30'000, 'c'), std::string(30'000, 'd')}))});
    xfer::transfer t{server.url("/")};
    t.set_max_filesize(40'000);
    CHECK(xfer::test::run_one(m, t) == xfer::errc::filesize_exceeded);
    CHECK(t.body().size() <= 40'000);
  }
}

TEST_CASE("fail_on_error ends a 4xx with http_returned_error and no body", "[loopback][delivery][nginx]") {
  xfer::test::nginx_server nginx;
  xfer::multi m;
  xfer::transfer t{nginx.url("/status/404")};
  t.set_fail_on_error(true);
  CHECK(xfer::test::run_one(m, t) == xfer::errc::http_returned_error);
  CHECK(xfer::make_error_code(xfer::errc::http_returned_error).value() == 22);
  CHECK(t.status() == 404);
  CHECK(t.body().empty());
  CHECK(t.error_detail() == "The requested URL returned error: 404");

  xfer::transfer off{nginx.url("/status/404")};
  REQUIRE_FALSE(xfer::test::run_one(m, off));
  CHECK(off.body() == "nope");
}

TEST_CASE("the header callback sees every field of every response and can abort", "[loopback][delivery][headers]") {
  scripted_server server;
  server.set_default_script({step::respond_by([](const std::string& raw) {
    const auto r = recorded_request::parse(raw);
    if (r.target == "/first")
      return http_response(302, "", {{"Location", "/second"}, {"X-Step", "1"}});
    return std::string("HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n") +
           http_response(200, "body", {{"X-Step", "2"}, {"Set-Cookie", "a=1"}, {"set-cookie", "b=2"}});
  })});
  xfer::multi m;
  std::vector<std::tuple<int, std::string, std::string>> seen;
  xfer::transfer t{server.url("/first")};
  t.set_follow_redirects(true).set_header_callback([&](int status, std::string_view name, std::string_view value) {
    seen.emplace_back(status, std::string(name), std::string(value));
    return true;
  });
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  std::vector<std::tuple<int, std::string, std::string>> of_302, of_200;
  std::size_t ends = 0;
  for (const auto& s : seen) {
    if (std::get<1>(s).empty()) {
      ++ends;
      continue;
    }
    (std::get<0>(s) == 302 ? of_302 : of_200).push_back(s);
  }
  CHECK(ends == 2); // the 100 Continue is not shown
  for (const auto& s : seen)
    CHECK(std::get<0>(s) != 100);
  CHECK(of_302.size() == 3);
  CHECK(std::find(of_200.begin(), of_200.end(), std::make_tuple(200, std::string("X-Step"), std::string("2"))) != of_200.end());
  // The final response's list: case-insensitive lookup, repeated fields in order.
  CHECK(t.response_headers().find("x-step") == std::optional<std::string_view>("2"));
  const auto cookies = t.response_headers().find_all("SET-COOKIE");
  REQUIRE(cookies.size() == 2);
  CHECK(cookies[0] == "a=1");
  CHECK(cookies[1] == "b=2");
  CHECK_FALSE(t.response_headers().contains("Location"));
  CHECK_FALSE(t.response_headers().contains("X-Interim"));

  xfer::transfer refused{server.url("/second")};
  refused.set_header_callback([](int, std::string_view name, std::string_view) { return name != "X-Step"; });
  CHECK(xfer::test::run_one(m, refused) == xfer::errc::write_error);
  CHECK(refused.body().empty());
}

TEST_CASE("trailer fields join the header list", "[loopback][delivery][headers]") {
  scripted_server server;
  server.add_script({step::read_request(),
                     step::send(xfer::test::chunked_response(200, {"abc"}, {{"Trailer", "X-Sum"}}, {{"X-Sum", "42"}}))});
  xfer::multi m;
  xfer::transfer t{server.url("/")};
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.body() == "abc");
  CHECK(t.response_headers().find("x-sum") == std::optional<std::string_view>("42"));
}

TEST_CASE("changing a running transfer from its own callbacks is refused without harm", "[loopback][delivery][callbacks]") {
  scripted_server server;
  server.set_default_script({step::respond_forever(http_response(200, "payload"))});
  xfer::multi m;
  SECTION("from the write callback") {
    xfer::transfer t{server.url("/")};
    t.set_write_callback([&](std::string_view) {
      t.set_url("http://127.0.0.1:1/elsewhere");
      return xfer::write_action::proceed;
    });
    CHECK(xfer::test::run_one(m, t) == xfer::errc::write_error);
    CHECK_THAT(t.error_detail(), Catch::Contains("running transfer cannot be changed"));
    CHECK(t.url() == server.url("/"));
  }
  SECTION("from the header callback") {
    xfer::transfer t{server.url("/")};
    t.set_header_callback([&](int, std::string_view, std::string_view) {
      t.set_timeout(1ms);
      return true;
    });
    CHECK(xfer::test::run_one(m, t) == xfer::errc::write_error);
  }
  SECTION("from the progress callback") {
    xfer::transfer t{server.url("/")};
    t.set_progress_callback([&](const xfer::progress&) {
      t.set_method("DELETE");
      return true;
    });
    CHECK(xfer::test::run_one(m, t) == xfer::errc::aborted_by_callback);
    CHECK(t.method() == "GET");
  }
  SECTION("from the debug callback") {
    xfer::transfer t{server.url("/")};
    t.set_debug_callback([&](xfer::debug_kind, std::string_view) { t.add_header("X-Late", "1"); });
    CHECK(xfer::test::run_one(m, t) == xfer::errc::aborted_by_callback);
    CHECK_THAT(t.error_detail(), Catch::Contains("debug callback threw"));
  }
  // The multi is unharmed: the next transfer runs normally.
  xfer::transfer after{server.url("/")};
  REQUIRE_FALSE(xfer::test::run_one(m, after));
  CHECK(after.body() == "payload");
  // Once done, the transfer may be changed again.
  after.set_url(server.url("/again"));
  REQUIRE_FALSE(xfer::test::run_one(m, after));
}
