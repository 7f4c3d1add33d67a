// A multi's cookie jar against nginx and the scripted server: cookies set by one transfer and
// sent by the next, the domain, path, Secure and expiry rules, limits, and cookie files.
#include <xfer/transfer.hpp>

#include <xfer/cookie_jar.hpp>
#include <xfer/multi.hpp>

#include "support/drive.hpp"
#include "support/nginx_server.hpp"
#include "support/pki.hpp"
#include "support/recorded_request.hpp"
#include "support/scripted_server.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using xfer::test::http_response;
using xfer::test::recorded_request;
using xfer::test::scripted_server;
using xfer::test::step;

namespace {

/// nginx with a location per Set-Cookie value (/set-N answers with the Nth, default path /) and an echo of the
/// Cookie field everywhere else.
struct cookie_nginx {
  std::vector<std::string> cookies;
  xfer::test::nginx_server nginx;

  explicit cookie_nginx(std::vector<std::string> set_cookies, bool tls = false)
      : cookies(std::move(set_cookies)), nginx(options(cookies, tls)) {}

  static xfer::test::nginx_options options(const std::vector<std::string>& cookies, bool tls) {
    xfer::test::nginx_options o;
    for (std::size_t i = 0; i < cookies.size(); ++i)
      o.extra_server_config += "location = /set-" + std::to_string(i) + " { add_header Set-Cookie \"" + cookies[i] +
                               "\"; return 200 \"set\"; }\n";
    o.extra_server_config += "location / { return 200 \"cookie=[$http_cookie]\"; }\n";
    if (tls) {
      const auto& cert = xfer::test::test_pki().server("good");
      o.tls = true;
      o.certificate_file = cert.cert_chain_path;
      o.key_file = cert.key_path;
    }
    return o;
  }

  /// The URL answered with `set_cookie` (one of those given), on `host`.
  std::string set(std::string_view set_cookie, std::string_view host = "127.0.0.1") const {
    for (std::size_t i = 0; i < cookies.size(); ++i)
      if (cookies[i] == set_cookie)
        return nginx.url_for_host(host, "/set-" + std::to_string(i));
    throw std::logic_error("no location for this cookie");
  }
  std::string url(std::string_view path, std::string_view host = "127.0.0.1") const {
    return nginx.url_for_host(host, path);
  }
};

/// GET `url` in `m` and return the body (nginx echoes the Cookie it got).
std::string get(xfer::multi& m, const std::string& url, const xfer::tls_options& tls = {}) {
  xfer::transfer t{url};
  t.set_tls_options(tls);
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  REQUIRE(t.status() == 200);
  return t.body();
}

} // namespace

TEST_CASE("a cookie set by one transfer is sent by the next one of the multi", "[loopback][cookies][nginx]") {
  cookie_nginx nginx({"sid=abc; Path=/; HttpOnly", "lang=en", "other=1"});
  xfer::multi m;
  auto jar = std::make_shared<xfer::cookie_jar>();
  m.set_cookie_jar(jar);
  CHECK(get(m, nginx.url("/echo")) == "cookie=[]");
  get(m, nginx.set("sid=abc; Path=/; HttpOnly"));
  CHECK(jar->size() == 1);
  CHECK(get(m, nginx.url("/echo")) == "cookie=[sid=abc]");
  get(m, nginx.set("lang=en"));
  CHECK(get(m, nginx.url("/echo")) == "cookie=[sid=abc; lang=en]");

  // A transfer may stay out of the jar, and a user Cookie field joins the jar's.
  xfer::transfer off{nginx.url("/echo")};
  off.set_cookies_enabled(false);
  REQUIRE_FALSE(xfer::test::run_one(m, off));
  CHECK(off.body() == "cookie=[]");
  xfer::transfer mine{nginx.url("/echo")};
  mine.add_header("Cookie", "user=1");
  REQUIRE_FALSE(xfer::test::run_one(m, mine));
  CHECK(mine.body() == "cookie=[user=1; sid=abc; lang=en]");

  // Without a jar, nothing is kept or sent.
  xfer::multi plain;
  get(plain, nginx.set("other=1"));
  CHECK(get(plain, nginx.url("/echo")) == "cookie=[]");
  CHECK(jar->size() == 2);
}

TEST_CASE("cookies go only to matching paths and hosts", "[loopback][cookies][nginx]") {
  cookie_nginx nginx({"app=1; Path=/app", "host_only=1", "foreign=1; Domain=example.com", "ip_domain=1; Domain=0.0.1",
                      "local=1; Domain=localhost"});
  xfer::multi m;
  m.set_cookie_jar(std::make_shared<xfer::cookie_jar>());
  get(m, nginx.set("app=1; Path=/app"));
  get(m, nginx.set("host_only=1"));
  get(m, nginx.set("foreign=1; Domain=example.com"));
  get(m, nginx.set("ip_domain=1; Domain=0.0.1"));
  CHECK(get(m, nginx.url("/app")) == "cookie=[app=1; host_only=1]");
  CHECK(get(m, nginx.url("/app/deeper")) == "cookie=[app=1; host_only=1]");
  CHECK(get(m, nginx.url("/application")) == "cookie=[host_only=1]");
  CHECK(get(m, nginx.url("/")) == "cookie=[host_only=1]");
  // Another host on the same port and scheme gets none of them.
  CHECK(get(m, nginx.url("/app", "localhost")) == "cookie=[]");

  // localhost is a public suffix: a Domain=localhost cookie is host-only, never for subdomains.
  get(m, nginx.set("local=1; Domain=localhost", "localhost"));
  CHECK(get(m, nginx.url("/", "localhost")) == "cookie=[local=1]");
  const auto stored = m.get_cookie_jar()->cookies();
  for (const auto& c : stored)
    if (c.name == "local")
      CHECK(c.host_only);
}

TEST_CASE("Secure cookies are set and sent over https only", "[loopback][cookies][tls][nginx]") {
  cookie_nginx secure({"token=s3cret; Secure; Path=/", "visible=1; Path=/"}, true);
  cookie_nginx plain({"sneaky=1; Secure", "token=overlay"});
  xfer::tls_options trust;
  trust.ca_file = xfer::test::test_pki().ca_file();

  xfer::multi m;
  m.set_cookie_jar(std::make_shared<xfer::cookie_jar>());
  get(m, secure.set("token=s3cret; Secure; Path=/"), trust);
  get(m, secure.set("visible=1; Path=/"), trust);
  get(m, plain.set("sneaky=1; Secure"));          // refused: Secure over http
  get(m, plain.set("token=overlay"));             // refused: would shadow the Secure one
  CHECK(get(m, secure.url("/"), trust) == "cookie=[token=s3cret; visible=1]");
  // Cookies do not care about ports: the http server on the same host gets the non-Secure one.
  CHECK(get(m, plain.url("/")) == "cookie=[visible=1]");
}

TEST_CASE("Max-Age and Expires delete and keep cookies", "[loopback][cookies][nginx]") {
  cookie_nginx nginx({"a=1; Max-Age=3600", "b=2; Expires=Wed, 01 Jan 2100 00:00:00 GMT", "c=3", "a=gone; Max-Age=0",
                      "b=gone; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "short=1; Max-Age=1"});
  xfer::multi m;
  auto jar = std::make_shared<xfer::cookie_jar>();
  m.set_cookie_jar(jar);
  get(m, nginx.set("a=1; Max-Age=3600"));
  get(m, nginx.set("b=2; Expires=Wed, 01 Jan 2100 00:00:00 GMT"));
  get(m, nginx.set("c=3"));
  CHECK(get(m, nginx.url("/")) == "cookie=[a=1; b=2; c=3]");
  const auto now = std::chrono::system_clock::now();
  for (const auto& c : jar->cookies()) {
    INFO(c.name);
    if (c.name == "a") {
      REQUIRE(c.expires);
      CHECK(*c.expires > now + 3500s);
      CHECK(*c.expires < now + 3700s);
    }
    if (c.name == "b") // capped at 400 days
      CHECK(*c.expires < now + xfer::cookie_jar::max_lifetime + 10s);
    if (c.name == "c")
      CHECK_FALSE(c.expires);
  }
  get(m, nginx.set("a=gone; Max-Age=0"));
  get(m, nginx.set("b=gone; Expires=Thu, 01 Jan 1970 00:00:00 GMT"));
  CHECK(get(m, nginx.url("/")) == "cookie=[c=3]");

  get(m, nginx.set("short=1; Max-Age=1"));
  CHECK(get(m, nginx.url("/")) == "cookie=[c=3; short=1]");
  std::this_thread::sleep_for(2100ms);
  CHECK(get(m, nginx.url("/")) == "cookie=[c=3]");
}

TEST_CASE("a cookie set by a redirect is sent on the next request of the chain", "[loopback][cookies][redirect]") {
  scripted_server server;
  server.set_default_script({step::respond_by([](const std::string& raw) {
    const auto r = recorded_request::parse(raw);
    if (r.target == "/login")
      return http_response(302, "", {{"Location", "/home"}, {"Set-Cookie", "session=42; Path=/"}});
    return http_response(200, "cookie=[" + r.field("Cookie").value_or("") + "]");
  })});
  xfer::multi m;
  m.set_cookie_jar(std::make_shared<xfer::cookie_jar>());
  xfer::transfer t{server.url("/login")};
  t.set_follow_redirects(true);
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.body() == "cookie=[session=42]");
}

TEST_CASE("Set-Cookie fields per response and cookie sizes are bounded", "[loopback][cookies]") {
  scripted_server server;
  xfer::test::header_list many;
  for (int i = 0; i < 80; ++i)
    many.emplace_back("Set-Cookie", "c" + std::to_string(i) + "=" + std::to_string(i));
  xfer::test::header_list large{{"Set-Cookie", "big=" + std::string(5000, 'x')},
                                {"Set-Cookie", "huge=1; Path=/" + std::string(9000, 'p')},
                                {"Set-Cookie", "small=1"}};
  server.add_script({step::read_request(), step::send(http_response(200, "many", many)), step::read_request(),
                     step::send(http_response(200, "large", large))});
  xfer::multi m;
  auto jar = std::make_shared<xfer::cookie_jar>();
  m.set_cookie_jar(jar);
  xfer::transfer t{server.url("/many")};
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(jar->size() == xfer::cookie_jar::max_set_cookies_per_response);
  // The first ones were taken and the rest ignored (the jar's per-domain eviction would keep the last).
  std::set<std::string> names;
  for (const auto& c : jar->cookies())
    names.insert(c.name);
  CHECK(names.count("c0") == 1);
  CHECK(names.count("c49") == 1);
  CHECK(names.count("c50") == 0);
  CHECK(names.count("c79") == 0);
  CHECK(t.response_headers().find_all("Set-Cookie").size() == 80); // all still visible to the user
  jar->clear();
  xfer::transfer l{server.url("/large")};
  REQUIRE_FALSE(xfer::test::run_one(m, l));
  REQUIRE(jar->size() == 1);
  CHECK(jar->cookies()[0].name == "small");
}

TEST_CASE("cookie files are saved after transfers and loaded for the next multi", "[loopback][cookies][nginx]") {
  cookie_nginx nginx({"kept=yes; Max-Age=3600; HttpOnly", "session=1"});
  xfer::test::temp_dir dir;
  const auto file = dir / "cookies.txt";
  {
    xfer::multi m;
    auto jar = std::make_shared<xfer::cookie_jar>();
    m.set_cookie_jar(jar);
    get(m, nginx.set("kept=yes; Max-Age=3600; HttpOnly"));
    get(m, nginx.set("session=1"));
    jar->save(file);
  }
  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, Catch::StartsWith("# Netscape HTTP Cookie File"));
  CHECK_THAT(text, Catch::Contains("#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t"));
  CHECK_THAT(text, Catch::Contains("\tkept\tyes"));
  CHECK_THAT(text, Catch::Contains("127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\t1"));

  xfer::multi next;
  auto loaded = std::make_shared<xfer::cookie_jar>();
  CHECK(loaded->load(file) == 2);
  loaded->remove_session_cookies();
  next.set_cookie_jar(loaded);
  CHECK(get(next, nginx.url("/")) == "cookie=[kept=yes]");

  std::error_code ec;
  xfer::cookie_jar missing;
  missing.load(dir / "none.txt", ec);
  CHECK(ec);
}
