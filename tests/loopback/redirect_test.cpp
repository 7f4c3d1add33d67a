// Redirects against real peers: the scripted server for exact exchanges, nginx for TLS origins.
#include <xfer/transfer.hpp>

#include <xfer/multi.hpp>

#include "support/drive.hpp"
#include "support/nginx_server.hpp"
#include "support/pki.hpp"
#include "support/recorded_request.hpp"
#include "support/scripted_server.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <map>
#include <string>

using namespace std::chrono_literals;
using xfer::test::http_response;
using xfer::test::recorded_request;
using xfer::test::scripted_server;
using xfer::test::step;

namespace {

/// A keep-alive server answering each request by its target: `answers` maps a target to a
/// response; other targets get a 200 whose body names the method and target.
struct router {
  scripted_server server;
  std::map<std::string, std::string> answers;
  std::mutex mutex;

  router() {
    server.set_default_script({step::respond_by([this](const std::string& raw) {
      const auto r = recorded_request::parse(raw);
      std::lock_guard lock(mutex);
      const auto found = answers.find(r.target);
      if (found != answers.end())
        return found->second;
      return http_response(200, r.method + " " + r.target);
    })});
  }
  void on(const std::string& target, std::string response) {
    std::lock_guard lock(mutex);
    answers[target] = std::move(response);
  }
  std::string url(std::string_view path) const { return server.url(path); }
  std::string url_for_host(std::string_view host, std::string_view path) const {
    return "http://" + std::string(host) + ":" + std::to_string(server.port()) + std::string(path);
  }
  std::vector<recorded_request> requests() const {
    std::vector<recorded_request> out;
    for (const auto& raw : server.requests())
      out.push_back(recorded_request::parse(raw));
    return out;
  }
};

std::string redirect(int status, const std::string& location) {
  return http_response(status, "", {{"Location", location}});
}

/// The credentials a request carried, as one string for easy comparison.
std::string credentials_of(const recorded_request& r) {
  return "auth=" + r.field("Authorization").value_or("-") + " cookie=" + r.field("Cookie").value_or("-") +
         " proxy=" + r.field("Proxy-Authorization").value_or("-");
}

const xfer::test::pki& pki() { return xfer::test::test_pki(); }

xfer::tls_options trusting_test_ca() {
  xfer::tls_options o;
  o.ca_file = pki().ca_file();
  return o;
}

} // namespace

TEST_CASE("redirects are not followed by default and the target is reported", "[loopback][redirect]") {
  router r;
  r.on("/a", redirect(302, "/b?q=1"));
  xfer::multi m;
  xfer::transfer t{r.url("/a")};
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.status() == 302);
  CHECK(t.info().redirect_count == 0);
  CHECK(t.info().redirect_url == r.url("/b?q=1"));
  CHECK(t.info().effective_url == r.url("/a"));
  CHECK(r.requests().size() == 1);
}

TEST_CASE("a relative Location is resolved and the chain is reported", "[loopback][redirect]") {
  router r;
  r.on("/dir/a", http_response(301, "moved", {{"Location", "../b/c?x=1"}, {"X-Hop", "one"}}));
  r.on("/b/c?x=1", http_response(302, "", {{"Location", "//127.0.0.1:" + std::to_string(r.server.port()) + "/final"}, {"X-Hop", "two"}}));
  xfer::multi m;
  xfer::transfer t{r.url("/dir/a")};
  t.set_follow_redirects(true);
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.status() == 200);
  CHECK(t.body() == "GET /final");
  CHECK(t.info().redirect_count == 2);
  CHECK(t.info().effective_url == r.url("/final"));
  CHECK(t.info().redirect_url.empty());
  REQUIRE(t.info().chain.size() == 2);
  CHECK(t.info().chain[0].url == r.url("/dir/a"));
  CHECK(t.info().chain[0].status == 301);
  CHECK(t.info().chain[0].fields.find("X-Hop") == std::optional<std::string_view>("one"));
  CHECK(t.info().chain[1].url == r.url("/b/c?x=1"));
  CHECK(t.info().chain[1].status == 302);
  CHECK(t.info().chain[1].fields.find("X-Hop") == std::optional<std::string_view>("two"));
  CHECK_FALSE(t.response_headers().contains("X-Hop"));
  // One connection carried the whole chain.
  CHECK(r.server.connections_accepted() == 1);
  CHECK(t.info().new_connections == 1);
}

TEST_CASE("a redirect loop stops at max_redirects with too_many_redirects", "[loopback][redirect]") {
  router r;
  r.on("/loop", redirect(302, "/loop"));
  xfer::multi m;
  SECTION("an explicit cap") {
    xfer::transfer t{r.url("/loop")};
    t.set_follow_redirects(true).set_max_redirects(3);
    CHECK(xfer::test::run_one(m, t) == xfer::errc::too_many_redirects);
    CHECK(xfer::make_error_code(xfer::errc::too_many_redirects).value() == 47);
    CHECK(r.requests().size() == 4);
    CHECK(t.info().redirect_count == 3);
    CHECK_THAT(t.error_detail(), Catch::Contains("Maximum (3) redirects followed"));
  }
  SECTION("the default cap of 30") {
    xfer::transfer t{r.url("/loop")};
    t.set_follow_redirects(true);
    CHECK(t.get_redirect_policy().max_redirects == 30);
    CHECK(xfer::test::run_one(m, t) == xfer::errc::too_many_redirects);
    CHECK(r.requests().size() == 31);
  }
  SECTION("zero follows none") {
    xfer::transfer t{r.url("/loop")};
    t.set_follow_redirects(true).set_max_redirects(0);
    CHECK(xfer::test::run_one(m, t) == xfer::errc::too_many_redirects);
    CHECK(r.requests().size() == 1);
  }
}

TEST_CASE("301 302 and 303 turn a POST into a GET without its body", "[loopback][redirect]") {
  for (const int status : {301, 302, 303}) {
    INFO(status);
    router r;
    r.on("/form", redirect(status, "/result"));
    xfer::multi m;
    xfer::transfer t{r.url("/form")};
    t.set_follow_redirects(true).set_method("POST").set_body("a=1&b=2");
    t.add_header("Content-Type", "application/x-www-form-urlencoded");
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    CHECK(t.body() == "GET /result");
    const auto requests = r.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].method == "POST");
    CHECK(requests[0].body == "a=1&b=2");
    CHECK(requests[1].method == "GET");
    CHECK(requests[1].body.empty());
    CHECK_FALSE(requests[1].has("Content-Length"));
    CHECK_FALSE(requests[1].has("Content-Type"));
  }
}

TEST_CASE("303 turns a PUT into a GET and keeps a HEAD", "[loopback][redirect]") {
  router r;
  r.on("/put", redirect(303, "/seen"));
  r.on("/head", http_response(303, "", {{"Location", "/seen-head"}}));
  xfer::multi m;
  xfer::transfer put{r.url("/put")};
  put.set_follow_redirects(true).set_method("PUT").set_body("data");
  REQUIRE_FALSE(xfer::test::run_one(m, put));
  CHECK(put.body() == "GET /seen");
  xfer::transfer head{r.url("/head")};
  head.set_follow_redirects(true).set_method("HEAD");
  REQUIRE_FALSE(xfer::test::run_one(m, head));
  const auto requests = r.requests();
  REQUIRE(requests.size() == 4);
  CHECK(requests[3].method == "HEAD");
  CHECK(requests[3].target == "/seen-head");
}

TEST_CASE("the post30x options keep POST and its body after 301 302 and 303", "[loopback][redirect]") {
  for (const int status : {301, 302, 303}) {
    INFO(status);
    router r;
    r.on("/form", redirect(status, "/result"));
    xfer::multi m;
    xfer::transfer t{r.url("/form")};
    xfer::redirect_policy policy;
    policy.follow = true;
    policy.keep_post_on_301 = status == 301;
    policy.keep_post_on_302 = status == 302;
    policy.keep_post_on_303 = status == 303;
    t.set_redirect_policy(policy).set_method("POST").set_body("payload");
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    CHECK(t.body() == "POST /result");
    const auto requests = r.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[1].body == "payload");
  }
}

TEST_CASE("307 and 308 keep the method and the body from memory a file or a rewindable callback", "[loopback][redirect]") {
  xfer::test::temp_dir dir;
  const auto file = dir / "body.txt";
  std::ofstream(file) << "file body";
  for (const int status : {307, 308}) {
    INFO(status);
    router r;
    r.on("/up", redirect(status, "/there"));
    xfer::multi m;

    xfer::transfer memory{r.url("/up")};
    memory.set_follow_redirects(true).set_method("PUT").set_body("memory body");
    REQUIRE_FALSE(xfer::test::run_one(m, memory));
    CHECK(memory.body() == "PUT /there");

    xfer::transfer from_file{r.url("/up")};
    from_file.set_follow_redirects(true).set_method("POST").set_body_file(file);
    REQUIRE_FALSE(xfer::test::run_one(m, from_file));

    std::size_t offset = 0, rewinds = 0;
    const std::string source = "streamed body";
    xfer::transfer streamed{r.url("/up")};
    streamed.set_follow_redirects(true).set_method("PATCH");
    streamed.set_body(
        [&](std::span<char> buffer) {
          const std::size_t n = std::min(buffer.size(), source.size() - offset);
          source.copy(buffer.data(), n, offset);
          offset += n;
          return n;
        },
        source.size(), [&] {
          ++rewinds;
          offset = 0;
          return true;
        });
    REQUIRE_FALSE(xfer::test::run_one(m, streamed));
    CHECK(streamed.body() == "PATCH /there");
    CHECK(rewinds == 1);

    const auto requests = r.requests();
    REQUIRE(requests.size() == 6);
    CHECK(requests[1].method == "PUT");
    CHECK(requests[1].body == "memory body");
    CHECK(requests[3].method == "POST");
    CHECK(requests[3].body == "file body");
    CHECK(requests[5].method == "PATCH");
    CHECK(requests[5].body == "streamed body");
  }
}

TEST_CASE("307 after a streamed body without a rewind callback fails with send_fail_rewind", "[loopback][redirect]") {
  router r;
  r.on("/up", redirect(307, "/there"));
  xfer::multi m;
  bool sent = false;
  xfer::transfer t{r.url("/up")};
  t.set_follow_redirects(true).set_method("POST");
  t.set_body([&](std::span<char> buffer) -> std::size_t {
    if (sent)
      return 0;
    sent = true;
    buffer[0] = 'x';
    return 1;
  });
  CHECK(xfer::test::run_one(m, t) == xfer::errc::send_fail_rewind);
  CHECK_THAT(t.error_detail(), Catch::Contains("rewind"));
  CHECK(r.requests().size() == 1);
}

TEST_CASE("307 answered before the body was sent needs no rewind", "[loopback][redirect]") {
  // The server answers the head at once (as to Expect: 100-continue), so the body never left.
  scripted_server server;
  server.add_script({step::read_head(), step::send(redirect(307, "/there")), step::close()});
  server.add_script({step::read_request(), step::send(http_response(200, "done"))});
  xfer::multi m;
  std::size_t reads = 0;
  bool done = false;
  xfer::transfer t{server.url("/up")};
  t.set_follow_redirects(true).set_method("POST").set_expect_continue(0, 10s);
  t.set_body(
      [&](std::span<char> buffer) -> std::size_t {
        ++reads;
        if (done)
          return 0;
        done = true;
        buffer[0] = 'x';
        return 1;
      },
      1);
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.body() == "done");
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(recorded_request::parse(requests[1]).body == "x");
}

TEST_CASE("redirects to file data javascript and ftp are refused with unsupported_protocol", "[loopback][redirect]") {
  for (const std::string location :
       {"file:///etc/passwd", "data:text/plain,hello", "javascript:alert(1)", "ftp://127.0.0.1/x", "FILE:///etc/passwd"}) {
    INFO(location);
    router r;
    r.on("/a", redirect(302, location));
    xfer::multi m;
    xfer::transfer t{r.url("/a")};
    t.set_follow_redirects(true);
    CHECK(xfer::test::run_one(m, t) == xfer::errc::unsupported_protocol);
    CHECK(xfer::make_error_code(xfer::errc::unsupported_protocol).value() == 1);
    CHECK_FALSE(t.error_detail().empty());
    CHECK(r.requests().size() == 1);
  }
}

TEST_CASE("an empty Location is not followed", "[loopback][redirect]") {
  router r;
  r.on("/a", http_response(302, "here", {{"Location", ""}}));
  xfer::multi m;
  xfer::transfer t{r.url("/a")};
  t.set_follow_redirects(true);
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.status() == 302);
  CHECK(t.body() == "here");
  CHECK(t.info().redirect_count == 0);
  CHECK(r.requests().size() == 1);
}

TEST_CASE("credentials stay on same-origin redirects", "[loopback][redirect][auth]") {
  router r;
  r.on("/a", redirect(302, "/b"));
  xfer::multi m;
  xfer::transfer t{r.url("/a")};
  t.set_follow_redirects(true);
  t.add_header("Authorization", "Bearer secret").add_header("Cookie", "sid=1").add_header("Proxy-Authorization", "Basic cHJveHk=");
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  const auto requests = r.requests();
  REQUIRE(requests.size() == 2);
  CHECK(credentials_of(requests[1]) == "auth=Bearer secret cookie=sid=1 proxy=Basic cHJveHk=");
}

TEST_CASE("credentials are stripped when the host the port or the scheme changes", "[loopback][redirect][auth]") {
  router first, other_port;
  std::size_t expected_with_credentials = 3;
  SECTION("host") {
    first.on("/a", redirect(302, first.url_for_host("localhost", "/b")));
  }
  SECTION("port") {
    first.on("/a", redirect(302, other_port.url("/b")));
  }
  SECTION("port and back") {
    // Back on the first origin they are sent again, as curl does.
    first.on("/a", redirect(302, other_port.url("/b")));
    other_port.on("/b", redirect(302, first.url("/c")));
    expected_with_credentials = 6;
  }
  xfer::multi m;
  for (const int kind : {0, 1, 2}) {
    INFO(kind);
    xfer::transfer t{first.url("/a")};
    t.set_follow_redirects(true);
    if (kind == 0)
      t.add_header("Authorization", "Bearer secret").add_header("Cookie", "sid=1").add_header("Proxy-Authorization", "Basic cHJveHk=");
    if (kind == 1)
      t.set_basic_auth("user", "password");
    if (kind == 2)
      t.set_bearer_token("token");
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    CHECK(t.status() == 200);
  }
  std::vector<recorded_request> all = first.requests();
  for (auto& req : other_port.requests())
    all.push_back(req);
  std::size_t with_credentials = 0;
  for (const auto& req : all) {
    INFO(req.target);
    if (req.target == "/a" || req.target == "/c") {
      ++with_credentials;
      CHECK(req.has("Authorization"));
    } else {
      CHECK(credentials_of(req) == "auth=- cookie=- proxy=-");
    }
  }
  CHECK(with_credentials == expected_with_credentials);
}

TEST_CASE("credentials are stripped on a redirect from http to https and kept by the loud option", "[loopback][redirect][auth][tls]") {
  const auto& cert = pki().server("good");
  xfer::test::nginx_options o;
  o.tls = true;
  o.certificate_file = cert.cert_chain_path;
  o.key_file = cert.key_path;
  o.extra_server_config =
      "location = /echo { return 200 \"auth=[$http_authorization] cookie=[$http_cookie] proxy=[$http_proxy_authorization]\"; }";
  xfer::test::nginx_server nginx(o);
  router r;
  r.on("/a", redirect(302, nginx.url("/echo")));
  xfer::multi m;
  for (const bool keep : {false, true}) {
    INFO(keep);
    xfer::transfer t{r.url("/a")};
    xfer::redirect_policy policy;
    policy.follow = true;
    policy.insecure_send_credentials_to_other_origins = keep;
    t.set_redirect_policy(policy).set_tls_options(trusting_test_ca());
    t.add_header("Authorization", "Bearer secret").add_header("Cookie", "sid=1").add_header("Proxy-Authorization", "Basic cHJveHk=");
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    CHECK(t.status() == 200);
    CHECK(t.info().effective_url == nginx.url("/echo"));
    if (keep)
      CHECK(t.body() == "auth=[Bearer secret] cookie=[sid=1] proxy=[Basic cHJveHk=]");
    else
      CHECK(t.body() == "auth=[] cookie=[] proxy=[]");
  }
}

TEST_CASE("the loud option sends credentials to another port", "[loopback][redirect][auth]") {
  router first, other;
  first.on("/a", redirect(302, other.url("/b")));
  xfer::multi m;
  xfer::transfer t{first.url("/a")};
  xfer::redirect_policy policy;
  policy.follow = true;
  policy.insecure_send_credentials_to_other_origins = true;
  t.set_redirect_policy(policy).set_basic_auth("user", "pw");
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  const auto requests = other.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].field("Authorization") == "Basic dXNlcjpwdw==");
}

TEST_CASE("URL userinfo credentials follow same-origin redirects only", "[loopback][redirect][auth]") {
  router first, other;
  first.on("/a", redirect(302, "/b"));
  first.on("/b", redirect(302, other.url("/c")));
  xfer::multi m;
  const std::string url = "http://user:pw@127.0.0.1:" + std::to_string(first.server.port()) + "/a";
  xfer::transfer t{url};
  t.set_follow_redirects(true);
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.status() == 200);
  const auto requests = first.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].field("Authorization") == "Basic dXNlcjpwdw==");
  CHECK(requests[1].field("Authorization") == "Basic dXNlcjpwdw==");
  const auto elsewhere = other.requests();
  REQUIRE(elsewhere.size() == 1);
  CHECK_FALSE(elsewhere[0].has("Authorization"));
}

TEST_CASE("a Host field set by the user does not go to another origin", "[loopback][redirect]") {
  router first, other;
  first.on("/a", redirect(302, "/b"));
  first.on("/b", redirect(302, other.url("/c")));
  xfer::multi m;
  xfer::transfer t{first.url("/a")};
  t.set_follow_redirects(true).add_header("Host", "virtual.example");
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  const auto requests = first.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].field("Host") == "virtual.example");
  CHECK(requests[1].field("Host") == "virtual.example");
  const auto elsewhere = other.requests();
  REQUIRE(elsewhere.size() == 1);
  CHECK(elsewhere[0].field("Host") == "127.0.0.1:" + std::to_string(other.server.port()));
  CHECK(elsewhere[0].count("Host") == 1);
}

TEST_CASE("a redirect from https to http is refused unless allowed", "[loopback][redirect][tls]") {
  router plain;
  const auto& cert = pki().server("good");
  xfer::test::nginx_options o;
  o.tls = true;
  o.certificate_file = cert.cert_chain_path;
  o.key_file = cert.key_path;
  o.extra_server_config = "location = /down { return 302 " + plain.url("/clear") + "; }";
  xfer::test::nginx_server nginx(o);
  xfer::multi m;
  xfer::transfer refused{nginx.url("/down")};
  refused.set_follow_redirects(true).set_tls_options(trusting_test_ca());
  CHECK(xfer::test::run_one(m, refused) == xfer::errc::unsupported_protocol);
  CHECK_THAT(refused.error_detail(), Catch::Contains("https to http"));
  CHECK(plain.requests().empty());

  xfer::transfer allowed{nginx.url("/down")};
  xfer::redirect_policy policy;
  policy.follow = true;
  policy.insecure_allow_https_to_http = true;
  allowed.set_redirect_policy(policy).set_tls_options(trusting_test_ca());
  REQUIRE_FALSE(xfer::test::run_one(m, allowed));
  CHECK(allowed.body() == "GET /clear");
  CHECK(allowed.info().tls_version.empty());
}

TEST_CASE("nginx redirects are followed over kept-alive connections with timing of the last request", "[loopback][redirect][nginx]") {
  xfer::test::nginx_options o;
  o.extra_server_config = "location = /old { return 301 /new.txt; }";
  xfer::test::nginx_server nginx(o);
  nginx.write_file("new.txt", "new content");
  xfer::multi m;
  xfer::transfer t{nginx.url("/old")};
  t.set_follow_redirects(true);
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.status() == 200);
  CHECK(t.body() == "new content");
  CHECK(t.info().content_type == "text/plain");
  CHECK(t.info().effective_url == nginx.url("/new.txt"));
  REQUIRE(t.info().chain.size() == 1);
  CHECK(t.info().chain[0].status == 301);
  CHECK(t.info().chain[0].fields.find("Location").has_value());
  const auto& timing = t.info().timing;
  CHECK(timing.redirect.count() > 0);
  // The last request reused the connection: no lookup, no connect of its own.
  CHECK(t.info().connection_reused);
  CHECK(timing.name_lookup.count() == 0);
  CHECK(timing.connect.count() == 0);
  CHECK(timing.pre_transfer >= timing.redirect);
  CHECK(timing.start_transfer >= timing.pre_transfer);
  CHECK(timing.total >= timing.start_transfer);
}
