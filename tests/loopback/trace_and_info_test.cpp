// Progress, debug traces and the transfer info (timing, addresses, connections, version,
// content type, Retry-After) against nginx and the scripted server.
#include <xfer/transfer.hpp>

#include <xfer/detail/http_date.hpp>
#include <xfer/multi.hpp>

#include "support/drive.hpp"
#include "support/nginx_server.hpp"
#include "support/pki.hpp"
#include "support/recorded_request.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using xfer::test::http_response;
using xfer::test::scripted_server;
using xfer::test::step;

TEST_CASE("progress reports totals and counts and stops the transfer on request", "[loopback][progress][nginx]") {
  xfer::test::nginx_server nginx;
  nginx.write_file("file.bin", std::string(300'000, 'p'));
  xfer::multi m;
  SECTION("download") {
    std::vector<xfer::progress> calls;
    xfer::transfer t{nginx.url("/file.bin")};
    t.set_progress_callback([&](const xfer::progress& p) {
      calls.push_back(p);
      return true;
    });
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    REQUIRE(calls.size() >= 2);
    std::uint64_t last = 0;
    for (const auto& p : calls) {
      CHECK(p.download_now >= last);
      last = p.download_now;
    }
    CHECK(calls.back().download_total == 300'000);
    CHECK(calls.back().download_now == 300'000);
    CHECK(calls.back().upload_total == 0);
  }
  SECTION("upload") {
    std::vector<xfer::progress> calls;
    scripted_server server;
    server.add_script({step::read_request(), step::send(http_response(200, "ok"))});
    xfer::transfer t{server.url("/")};
    t.set_method("POST").set_body(std::string(10'000, 'u'));
    t.set_progress_callback([&](const xfer::progress& p) {
      calls.push_back(p);
      return true;
    });
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    REQUIRE_FALSE(calls.empty());
    CHECK(calls.back().upload_total == 10'000);
    CHECK(calls.back().upload_now == 10'000);
  }
  SECTION("abort") {
    std::size_t delivered = 0;
    xfer::transfer t{nginx.url("/file.bin")};
    t.set_write_callback([&](std::string_view d) {
      delivered += d.size();
      return xfer::write_action::proceed;
    });
    t.set_progress_callback([](const xfer::progress& p) { return p.download_now == 0; });
    CHECK(xfer::test::run_one(m, t) == xfer::errc::aborted_by_callback);
    CHECK(xfer::make_error_code(xfer::errc::aborted_by_callback).value() == 42);
    CHECK(delivered < 300'000);
    CHECK(t.error_detail() == "Callback aborted");
  }
}

TEST_CASE("progress is reported for each request of a redirect chain", "[loopback][progress][redirect]") {
  scripted_server server;
  server.set_default_script({step::respond_by([](const std::string& raw) {
    const auto r = xfer::test::recorded_request::parse(raw);
    if (r.target == "/a")
      return http_response(302, "redirect body", {{"Location", "/b"}});
    return http_response(200, "final");
  })});
  xfer::multi m;
  std::vector<xfer::progress> calls;
  xfer::transfer t{server.url("/a")};
  t.set_follow_redirects(true).set_progress_callback([&](const xfer::progress& p) {
    calls.push_back(p);
    return true;
  });
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.body() == "final");
  std::size_t request_starts = 0;
  for (const auto& p : calls)
    request_starts += p.download_total == 0 && p.download_now == 0 ? 1 : 0;
  CHECK(request_starts == 2); // one per request sent
  CHECK(calls.back().download_total == 5);
  CHECK(calls.back().download_now == 5); // the redirect's body is not counted

  xfer::transfer aborted{server.url("/a")};
  int n = 0;
  aborted.set_follow_redirects(true).set_progress_callback([&](const xfer::progress&) { return ++n < 2; });
  CHECK(xfer::test::run_one(m, aborted) == xfer::errc::aborted_by_callback);
  CHECK(aborted.body().empty());
}

TEST_CASE("the debug callback shows info text, headers and data in both directions", "[loopback][debug]") {
  scripted_server server;
  server.set_default_script({step::respond_by([](const std::string& raw) {
    const auto r = xfer::test::recorded_request::parse(raw);
    if (r.target == "/a")
      return http_response(307, "", {{"Location", "/b"}});
    return http_response(200, "response body", {{"X-Reply", "yes"}});
  })});
  xfer::multi m;
  std::map<xfer::debug_kind, std::string> seen;
  xfer::transfer t{server.url("/a")};
  t.set_follow_redirects(true).set_method("POST").set_body("request body");
  t.set_debug_callback([&](xfer::debug_kind kind, std::string_view data) { seen[kind].append(data).append("|"); });
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK_THAT(seen[xfer::debug_kind::text], Catch::Contains("Connected to 127.0.0.1"));
  CHECK_THAT(seen[xfer::debug_kind::text], Catch::Contains("Following redirect to " + server.url("/b")));
  CHECK_THAT(seen[xfer::debug_kind::text], Catch::Contains("Re-using existing connection"));
  CHECK_THAT(seen[xfer::debug_kind::header_out], Catch::Contains("POST /a HTTP/1.1\r\n"));
  CHECK_THAT(seen[xfer::debug_kind::header_out], Catch::Contains("POST /b HTTP/1.1\r\n"));
  CHECK_THAT(seen[xfer::debug_kind::header_in], Catch::Contains("HTTP/1.1 307 Temporary Redirect\r\n"));
  CHECK_THAT(seen[xfer::debug_kind::header_in], Catch::Contains("X-Reply: yes\r\n"));
  CHECK_THAT(seen[xfer::debug_kind::header_in], Catch::Contains("|\r\n|"));
  CHECK(seen[xfer::debug_kind::data_out] == "request body|request body|");
  CHECK(seen[xfer::debug_kind::data_in] == "response body|");
}

TEST_CASE("timing phases are ordered and addresses and connections are reported", "[loopback][info][nginx]") {
  xfer::test::nginx_server nginx;
  nginx.write_file("a.txt", "aaa");
  xfer::multi m;
  xfer::transfer first{nginx.url_for_host("localhost", "/a.txt")};
  REQUIRE_FALSE(xfer::test::run_one(m, first));
  const auto& info = first.info();
  const auto& timing = info.timing;
  CHECK(timing.name_lookup.count() > 0);
  CHECK(timing.connect >= timing.name_lookup);
  CHECK(timing.connect.count() > 0);
  CHECK(timing.tls_handshake.count() == 0);
  CHECK(timing.pre_transfer >= timing.connect);
  CHECK(timing.start_transfer >= timing.pre_transfer);
  CHECK(timing.total >= timing.start_transfer);
  CHECK(timing.redirect.count() == 0);
  CHECK(std::chrono::duration_cast<std::chrono::microseconds>(info.total_time) == timing.total);
  CHECK((info.primary_ip == "127.0.0.1" || info.primary_ip == "::1"));
  CHECK(info.primary_port == nginx.port());
  CHECK(info.local_ip == info.primary_ip);
  CHECK(info.local_port != 0);
  CHECK(info.connection_id == 1);
  CHECK(info.new_connections == 1);
  CHECK_FALSE(info.connection_reused);
  CHECK(info.http_version_minor == 1);
  CHECK(info.content_type == "text/plain");
  CHECK(info.attempts == 1);

  xfer::transfer second{nginx.url_for_host("localhost", "/a.txt")};
  REQUIRE_FALSE(xfer::test::run_one(m, second));
  CHECK(second.info().connection_reused);
  CHECK(second.info().connection_id == 1);
  CHECK(second.info().new_connections == 0);
  CHECK(second.info().timing.name_lookup.count() == 0);
  CHECK(second.info().timing.connect.count() == 0);
  CHECK(second.info().timing.pre_transfer.count() > 0);
  CHECK(second.info().timing.start_transfer >= second.info().timing.pre_transfer);
  CHECK(second.info().local_port == info.local_port);

  xfer::transfer by_ip{nginx.url("/a.txt")};
  REQUIRE_FALSE(xfer::test::run_one(m, by_ip));
  CHECK(by_ip.info().timing.name_lookup.count() == 0); // an IP address is not looked up
}

TEST_CASE("a transfer waiting for a connection slot reports its queue time", "[loopback][info]") {
  scripted_server server;
  server.set_default_script({step::read_request(), step::delay(100ms), step::send(http_response(200, "x")),
                             step::respond_forever(http_response(200, "y"))});
  xfer::multi_options o;
  o.max_host_connections = 1;
  xfer::multi m(o);
  xfer::transfer a{server.url("/a")}, b{server.url("/b")};
  m.add(a);
  m.add(b);
  const auto messages = xfer::test::drive(m);
  REQUIRE(messages.size() == 2);
  CHECK_FALSE(a.result());
  CHECK_FALSE(b.result());
  CHECK(b.info().timing.queue >= 50ms);
  CHECK(b.info().timing.pre_transfer >= b.info().timing.queue);
  CHECK(b.info().connection_reused);
  CHECK(server.connections_accepted() == 1);
}

TEST_CASE("TLS timing and info against nginx over https", "[loopback][info][tls][nginx]") {
  const auto& cert = xfer::test::test_pki().server("good");
  xfer::test::nginx_options o;
  o.tls = true;
  o.certificate_file = cert.cert_chain_path;
  o.key_file = cert.key_path;
  xfer::test::nginx_server nginx(o);
  nginx.write_file("a.json", "{}");
  xfer::multi m;
  xfer::transfer t{nginx.url("/a.json")};
  xfer::tls_options tls;
  tls.ca_file = xfer::test::test_pki().ca_file();
  t.set_tls_options(tls);
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  const auto& timing = t.info().timing;
  CHECK(timing.tls_handshake >= timing.connect);
  CHECK(timing.tls_handshake.count() > 0);
  CHECK(timing.pre_transfer >= timing.tls_handshake);
  CHECK(timing.start_transfer >= timing.pre_transfer);
  CHECK(t.info().content_type == "application/json");
  CHECK_FALSE(t.info().tls_version.empty());
}

TEST_CASE("HTTP/1.0 answers report version 0", "[loopback][info]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send("HTTP/1.0 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\nold")});
  xfer::multi m;
  xfer::transfer t{server.url("/")};
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.body() == "old");
  CHECK(t.info().http_version_minor == 0);
  CHECK(t.info().content_type == "text/html; charset=utf-8");
}

TEST_CASE("Retry-After is reported in seconds from delta-seconds or an HTTP-date", "[loopback][info]") {
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  struct one {
    std::string value;
    std::optional<std::chrono::seconds> low, high;
  };
  const std::vector<one> cases{
      {"120", 120s, 120s},
      {" 7 ", 7s, 7s},
      {"99999999999999999999", 86400s, 86400s},
      {xfer::detail::format_http_date(now + 90s), 80s, 90s},
      {xfer::detail::format_http_date(now - 3600s), 0s, 0s},
      {"soon", std::nullopt, std::nullopt},
      {"-5", std::nullopt, std::nullopt},
  };
  scripted_server server;
  xfer::multi m;
  for (const auto& c : cases) {
    INFO(c.value);
    server.add_script({step::read_request(), step::send(http_response(503, "busy", {{"Retry-After", c.value}}))});
    xfer::transfer t{server.url("/")};
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    CHECK(t.status() == 503);
    if (!c.low) {
      CHECK_FALSE(t.info().retry_after.has_value());
      continue;
    }
    REQUIRE(t.info().retry_after.has_value());
    CHECK(*t.info().retry_after >= *c.low);
    CHECK(*t.info().retry_after <= *c.high);
  }
  server.add_script({step::read_request(), step::send(http_response(200, "fine"))});
  xfer::transfer none{server.url("/")};
  REQUIRE_FALSE(xfer::test::run_one(m, none));
  CHECK_FALSE(none.info().retry_after.has_value());
}
