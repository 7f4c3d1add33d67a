// xfer-get's redirect options: -L, --max-redirs, --post301/302/303, --location-trusted, and the
// heads of a redirect chain with -I and -D.
#include "cli/xfer_get_run.hpp"
#include "support/httpbin_server.hpp"
#include "support/json.hpp"
#include "support/nginx_server.hpp"
#include "support/scripted_server.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace {

using xfer::test::contains;
using xfer::test::json;
using xfer::test::read_text;
using xfer::test::xfer_get;
using xfer::test::xfer_get_all;

xfer::test::nginx_options redirecting_nginx() {
  xfer::test::nginx_options o;
  o.extra_server_config = "    location = /chain2 { return 301 /chain1; }\n"
                          "    location = /chain1 { return 302 /page.txt; }\n"
                          "    location = /loop { return 302 /loop; }\n";
  return o;
}

std::size_t count_of(std::string_view text, std::string_view part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string_view::npos; at = text.find(part, at + part.size()))
    ++n;
  return n;
}

} // namespace

TEST_CASE("xfer-get: a redirect is the answer without -L and is followed with it", "[cli][redirect]") {
  xfer::test::nginx_server server(redirecting_nginx());
  server.write_file("/page.txt", "landed\n");
  const std::string w = "%{http_code} %{num_redirects} %{url_effective} [%{redirect_url}]";
  const auto r = xfer_get_all({
      {"-sS", "-o", "/dev/null", "-w", w, server.url("/chain1")},
      {"-sS", "-L", "-w", "\\n" + w, server.url("/chain2")},
  });
  CHECK(r[0].exit_code == 0);
  CHECK(r[0].out == "302 0 " + server.url("/chain1") + " [" + server.url("/page.txt") + "]");
  CHECK(r[1].exit_code == 0);
  CHECK(r[1].out == "landed\n\n200 2 " + server.url("/page.txt") + " []");
}

TEST_CASE("xfer-get: --max-redirs caps the redirects followed with 47", "[cli][redirect]") {
  xfer::test::nginx_server server(redirecting_nginx());
  server.write_file("/page.txt", "landed\n");
  const auto r = xfer_get_all({
      {"-sS", "-L", server.url("/loop")},
      {"-sS", "-L", "--max-redirs", "1", server.url("/chain2")},
      {"-sS", "-L", "--max-redirs", "2", server.url("/chain2")},
      {"-sS", "-L", "--max-redirs", "0", server.url("/chain1")},
  });
  CHECK(r[0].exit_code == 47); // the default cap, 30
  CHECK(contains(r[0].err, "xfer-get: (47) "));
  CHECK(r[1].exit_code == 47);
  CHECK(r[1].out.empty());
  CHECK(r[2].exit_code == 0);
  CHECK(r[2].out == "landed\n");
  CHECK(r[3].exit_code == 47);
}

TEST_CASE("xfer-get: -I and -D with -L write the head of every response in the chain", "[cli][redirect]") {
  xfer::test::nginx_server server(redirecting_nginx());
  server.write_file("/page.txt", "landed\n");
  xfer::test::temp_dir dir;
  const auto r = xfer_get_all({
      {"-sS", "-I", "-L", server.url("/chain2")},
      {"-sS", "-L", "-D", (dir / "heads").string(), "-o", (dir / "body").string(), server.url("/chain2")},
  });
  CHECK(r[0].exit_code == 0);
  CHECK(r[0].out.starts_with("HTTP/1.1 301 Moved Permanently\r\n"));
  CHECK(count_of(r[0].out, "\r\n\r\n") == 3);
  const auto second = r[0].out.find("\r\n\r\nHTTP/1.1 302 Moved Temporarily\r\n");
  const auto third = r[0].out.find("\r\n\r\nHTTP/1.1 200 OK\r\n");
  CHECK(second != std::string::npos);
  CHECK(third != std::string::npos);
  CHECK(second < third);
  CHECK(contains(r[0].out, "\r\nLocation: " + server.url("/chain1") + "\r\n"));

  CHECK(r[1].exit_code == 0);
  const std::string heads = read_text(dir / "heads");
  CHECK(heads.starts_with("HTTP/1.1 301 Moved Permanently\r\n"));
  CHECK(count_of(heads, "\r\n\r\n") == 3);
  CHECK(contains(heads, "\r\n\r\nHTTP/1.1 200 OK\r\n"));
  CHECK(read_text(dir / "body") == "landed\n");
}

TEST_CASE("xfer-get: a POST becomes a GET after 301 302 303 unless --post30x says otherwise", "[cli][redirect]") {
  auto& httpbin = xfer::test::httpbin();
  const auto via = [&](int status) {
    return httpbin.url("/redirect-to?url=/anything&status_code=" + std::to_string(status));
  };
  const auto r = xfer_get_all({
      {"-sS", "-L", "-d", "a=1", via(301)},
      {"-sS", "-L", "-d", "a=1", "--post301", via(301)},
      {"-sS", "-L", "-d", "a=1", via(302)},
      {"-sS", "-L", "-d", "a=1", "--post302", via(302)},
      {"-sS", "-L", "-d", "a=1", via(303)},
      {"-sS", "-L", "-d", "a=1", "--post303", via(303)},
      {"-sS", "-L", "-d", "a=1", via(307)},
      {"-sS", "-L", "-d", "a=1", via(308)},
  });
  const char* expected[] = {"GET", "POST", "GET", "POST", "GET", "POST", "POST", "POST"};
  for (std::size_t i = 0; i < r.size(); ++i) {
    INFO("run " << i << ": " << r[i].err);
    REQUIRE(r[i].exit_code == 0);
    const json echo = json::parse(r[i].out);
    CHECK(echo["method"].str() == expected[i]);
    if (std::string_view(expected[i]) == "POST") {
      CHECK(echo["form"]["a"].str() == "1");
    } else {
      CHECK(echo["form"].obj().empty());
      CHECK_FALSE(echo["headers"].contains("Content-Length"));
    }
  }
}

TEST_CASE("xfer-get: credentials and cookies reach another origin only with --location-trusted", "[cli][redirect]") {
  const auto run = [](bool trusted) {
    xfer::test::scripted_server first, second;
    first.set_default_script({xfer::test::step::respond_forever(
        xfer::test::http_response(302, "", {{"Location", second.url("/landing")}}))});
    second.set_default_script({xfer::test::step::respond_forever(xfer::test::http_response(200, "landed"))});
    std::vector<std::string> args{"-sS", "-L", "-u", "user:pw", "-b", "k=v", first.url("/start")};
    if (trusted)
      args.insert(args.begin(), "--location-trusted");
    const auto r = xfer_get(args);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "landed");
    REQUIRE(first.requests().size() == 1);
    REQUIRE(second.requests().size() == 1);
    CHECK(contains(first.requests()[0], "\r\nAuthorization: Basic dXNlcjpwdw==\r\n"));
    CHECK(contains(first.requests()[0], "\r\nCookie: k=v\r\n"));
    return second.requests()[0];
  };
  const std::string kept_to_itself = run(false);
  CHECK_FALSE(contains(kept_to_itself, "Authorization:"));
  CHECK_FALSE(contains(kept_to_itself, "Cookie:"));
  const std::string trusted = run(true);
  CHECK(contains(trusted, "\r\nAuthorization: Basic dXNlcjpwdw==\r\n"));
  CHECK(contains(trusted, "\r\nCookie: k=v\r\n"));
}
