// xfer-get's request options against httpbin: the -d family, -G, -F, -T, -X, -H, -u with --basic,
// --digest and --anyauth, --oauth2-bearer, --compressed, and the cookie engine (-b, -c).
#include "cli/xfer_get_run.hpp"
#include "support/httpbin_server.hpp"
#include "support/json.hpp"
#include "support/scripted_server.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace {

using xfer::test::contains;
using xfer::test::json;
using xfer::test::read_text;
using xfer::test::write_text;
using xfer::test::xfer_get;
using xfer::test::xfer_get_all;

/// Each run's stdout as httpbin's JSON echo; the run must have succeeded.
std::vector<json> echoes(const std::vector<xfer::test::process_result>& runs) {
  std::vector<json> out;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    INFO("run " << i << " stderr: " << runs[i].err);
    REQUIRE(runs[i].exit_code == 0);
    out.push_back(json::parse(runs[i].out));
  }
  return out;
}

} // namespace

// Each httpbin test case runs its checks as sections of one process, so that httpbin (a gunicorn
// started per test process) starts once for them.

TEST_CASE("xfer-get: request bodies methods and header fields reach httpbin as curl sends them", "[cli][body]") {
  SECTION("-d --data-binary --data-raw and --data-urlencode build the POST body as curl") {
    auto& httpbin = xfer::test::httpbin();
    xfer::test::temp_dir dir;
    const auto lines = dir / "lines.txt";
    write_text(lines, "x=1\r\ny=2\n");
    const std::string post = httpbin.url("/post");
    const std::string text = "Content-Type: text/plain";
    const auto e = echoes(xfer_get_all({
        {"-sS", "-d", "a=1", "-d", "b=two", post},
        {"-sS", "-H", text, "-d", "@" + lines.string(), post},
        {"-sS", "-H", text, "--data-binary", "@" + lines.string(), post},
        {"-sS", "-H", text, "--data-raw", "@" + lines.string(), post},
        {"-sS", "-H", text, "--data-urlencode", "q=a b&c", "--data-urlencode", "=x y", "--data-urlencode",
         "@" + lines.string(), "--data-urlencode", "f@" + lines.string(), "--data-urlencode", "plain/text", post},
        {"-sS", "-G", "--data-urlencode", "q=a b", "-d", "n=1", httpbin.url("/get")},
    }));
    CHECK(e[0]["headers"]["Content-Type"].str() == "application/x-www-form-urlencoded");
    CHECK(e[0]["form"]["a"].str() == "1");
    CHECK(e[0]["form"]["b"].str() == "two");
    CHECK(e[1]["data"].str() == "x=1y=2");             // -d @FILE drops CR and LF
    CHECK(e[2]["data"].str() == "x=1\r\ny=2\n");        // --data-binary keeps them
    CHECK(e[3]["data"].str() == "@" + lines.string()); // --data-raw: no file
    // Spaces as '+', as curl 7.88 writes them.
    CHECK(e[4]["data"].str() == "q=a+b%26c&x+y&x%3D1%0D%0Ay%3D2%0A&f=x%3D1%0D%0Ay%3D2%0A&plain%2Ftext");
    CHECK(e[5]["url"].str() == httpbin.url("/get?q=a+b&n=1")); // -G: the data is the query
    CHECK(e[5]["args"]["q"].str() == "a b");

    // @- reads stdin.
    xfer::test::process_options from_stdin;
    from_stdin.input = "s=from stdin\n";
    const auto r = xfer_get({"-sS", "-d", "@-", post}, from_stdin);
    REQUIRE(r.exit_code == 0);
    CHECK(json::parse(r.out)["form"]["s"].str() == "from stdin");
  }

  SECTION("-F sends fields and files as multipart/form-data") {
    auto& httpbin = xfer::test::httpbin();
    xfer::test::temp_dir dir;
    const auto file = dir / "report.txt";
    write_text(file, "file content\nline 2\n");
    const auto e = echoes(xfer_get_all({
        {"-sS", "-F", "field=value", "-F", "upload=@" + file.string() + ";type=text/plain", "-F",
         "inline=<" + file.string(), httpbin.url("/post")},
    }));
    CHECK(e[0]["headers"]["Content-Type"].str().starts_with("multipart/form-data; boundary="));
    CHECK(e[0]["form"]["field"].str() == "value");
    CHECK(e[0]["form"]["inline"].str() == "file content\nline 2\n");
    CHECK(e[0]["files"]["upload"].str() == "file content\nline 2\n");

    // A file part that cannot be read: curl's 26, nothing sent.
    const auto missing = xfer_get({"-sS", "-F", "upload=@" + (dir / "missing").string(), httpbin.url("/post")});
    CHECK(missing.exit_code == 26);
    CHECK(contains(missing.err, "xfer-get: (26) "));
  }

  SECTION("-T uploads a file with PUT and names the target after it when the URL ends in a slash") {
    auto& httpbin = xfer::test::httpbin();
    xfer::test::temp_dir dir;
    const auto file = dir / "up load.txt";
    write_text(file, "uploaded\n");
    const auto r = xfer_get_all({
        {"-sS", "-T", file.string(), httpbin.url("/put")},
        {"-sS", "-T", file.string(), httpbin.url("/anything/dir/")},
        {"-sS", "-T", file.string(), "-X", "POST", httpbin.url("/post")},
        {"-sS", "-T", (dir / "missing").string(), httpbin.url("/put")},
    });
    const auto e = echoes({r[0], r[1], r[2]});
    CHECK(e[0]["data"].str() == "uploaded\n");
    CHECK(e[0]["headers"]["Content-Length"].str() == "9");
    CHECK(e[1]["method"].str() == "PUT");
    CHECK(e[1]["url"].str() == httpbin.url("/anything/dir/up%20load.txt"));
    CHECK(e[2]["data"].str() == "uploaded\n");
    CHECK(r[3].exit_code == 26); // curl's "Can't open" for -T
    CHECK(contains(r[3].err, "missing"));

    // "-T -" streams stdin, chunked (its size is unknown).
    xfer::test::process_options from_stdin;
    from_stdin.input = "piped\n";
    const auto piped = xfer_get({"-sS", "-T", "-", "-H", "Expect:", httpbin.url("/put")}, from_stdin);
    REQUIRE(piped.exit_code == 0);
    const json echo = json::parse(piped.out);
    CHECK(echo["data"].str() == "piped\n");
    CHECK(echo["headers"]["Transfer-Encoding"].str() == "chunked");
  }

  SECTION("-X picks the method and -H -A -e add, replace and remove header fields") {
    auto& httpbin = xfer::test::httpbin();
    const auto e = echoes(xfer_get_all({
        {"-sS", "-X", "DELETE", httpbin.url("/delete")},
        {"-sS", "-X", "PATCH", "-d", "p=1", httpbin.url("/patch")},
        {"-sS", "-H", "X-Custom: yes", "-H", "Accept: text/plain", "-H", "User-Agent:", httpbin.url("/headers")},
        {"-sS", "-A", "agent/1", "-e", "http://from.example/", httpbin.url("/headers")},
    }));
    CHECK(e[0]["url"].str() == httpbin.url("/delete"));
    CHECK(e[1]["form"]["p"].str() == "1");
    const json& headers = e[2]["headers"];
    CHECK(headers["X-Custom"].str() == "yes");
    CHECK(headers["Accept"].str() == "text/plain");
    CHECK_FALSE(headers.contains("User-Agent"));
    CHECK(e[3]["headers"]["User-Agent"].str() == "agent/1");
    CHECK(e[3]["headers"]["Referer"].str() == "http://from.example/");

    // A method of the user's own.
    xfer::test::scripted_server server;
    server.set_default_script({xfer::test::step::respond_forever(xfer::test::http_response(207, "multi"))});
    const auto custom = xfer_get({"-sS", "-X", "PROPFIND", server.url("/dav/")});
    CHECK(custom.exit_code == 0);
    CHECK(custom.out == "multi");
    REQUIRE(server.requests().size() == 1);
    CHECK(server.requests()[0].starts_with("PROPFIND /dav/ HTTP/1.1\r\n"));
  }
}

TEST_CASE("xfer-get: a large -T upload waits for 100 Continue no longer than --expect100-timeout", "[cli][body]") {
  xfer::test::scripted_server server; // never sends 100: the upload starts when the wait ends
  server.set_default_script({xfer::test::step::respond_forever(xfer::test::http_response(201, "stored"))});
  xfer::test::temp_dir dir;
  const auto file = dir / "large.bin";
  const std::string content(1'200'000, 'z');
  write_text(file, content);
  const auto r = xfer_get({"-sS", "--expect100-timeout", "0.2", "-T", file.string(), server.url("/large.bin")});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "stored");
  REQUIRE(server.requests().size() == 1);
  const std::string request = server.requests()[0];
  CHECK(request.starts_with("PUT /large.bin HTTP/1.1\r\n"));
  CHECK(contains(request, "\r\nExpect: 100-continue\r\n"));
  CHECK(contains(request, "\r\nContent-Length: 1200000\r\n"));
  CHECK(request.ends_with("\r\n\r\n" + content));
}

TEST_CASE("xfer-get: credentials reach httpbin as curl sends them", "[cli][auth]") {
  SECTION("-u sends Basic by default and Digest with --digest or --anyauth") {
    auto& httpbin = xfer::test::httpbin();
    const std::string basic = httpbin.url("/basic-auth/user/pw");
    const std::string digest = httpbin.url("/digest-auth/auth/user/pw");
    const std::string digest256 = httpbin.url("/digest-auth/auth/user/pw/SHA-256");
    const std::string w = "%{http_code}";
    const auto r = xfer_get_all({
        {"-sS", "-o", "/dev/null", "-w", w, "-u", "user:pw", basic},
        {"-sS", "-o", "/dev/null", "-w", w, "-u", "user:wrong", basic},
        {"-sS", "-o", "/dev/null", "-w", w, "-f", "-u", "user:wrong", basic},
        {"-sS", "-o", "/dev/null", "-w", w, "--digest", "-u", "user:pw", digest},
        {"-sS", "-o", "/dev/null", "-w", w, "--digest", "-u", "user:pw", digest256},
        {"-sS", "-o", "/dev/null", "-w", w, "--anyauth", "-u", "user:pw", digest},
        {"-sS", "-o", "/dev/null", "-w", w, "--anyauth", "-u", "user:pw", basic},
        {"-sS", "-o", "/dev/null", "-w", w, "--basic", "-u", "user:pw", digest},
        {"-sS", "-o", "/dev/null", "-w", w,
         "http://user:pw@127.0.0.1:" + std::to_string(httpbin.port()) + "/basic-auth/user/pw"},
    });
    const char* expected[] = {"200", "401", "401", "200", "200", "200", "200", "401", "200"};
    const int exit_codes[] = {0, 0, 22, 0, 0, 0, 0, 0, 0};
    for (std::size_t i = 0; i < r.size(); ++i) {
      INFO("run " << i << " stderr: " << r[i].err);
      CHECK(r[i].out == expected[i]);
      CHECK(r[i].exit_code == exit_codes[i]);
    }
  }

  SECTION("--oauth2-bearer sends the token as a Bearer credential") {
    auto& httpbin = xfer::test::httpbin();
    const auto r = xfer_get_all({
        {"-sS", "--oauth2-bearer", "t0ken", httpbin.url("/bearer")},
        {"-sS", "-f", httpbin.url("/bearer")},
    });
    REQUIRE(r[0].exit_code == 0);
    const json echo = json::parse(r[0].out);
    CHECK(echo["authenticated"].boolean());
    CHECK(echo["token"].str() == "t0ken");
    CHECK(r[1].exit_code == 22);
  }
}

TEST_CASE("xfer-get: --compressed asks for the codings it decodes and decodes the body", "[cli][compressed]") {
  auto& httpbin = xfer::test::httpbin();
  xfer::test::scripted_server corrupt;
  corrupt.set_default_script({xfer::test::step::respond_forever(
      xfer::test::http_response(200, "\x1f\x8b\x08\x00 this is not gzip", {{"Content-Encoding", "gzip"}}))});
  const auto r = xfer_get_all({
      {"-sS", "--compressed", httpbin.url("/gzip")},
      {"-sS", "--compressed", httpbin.url("/deflate")},
      {"-sS", "--compressed", httpbin.url("/brotli")},
      {"-sS", httpbin.url("/gzip")},
      {"-sS", "--compressed", corrupt.url("/")},
  });
#if defined(XFER_HAS_ZLIB)
  REQUIRE(r[0].exit_code == 0);
  CHECK(json::parse(r[0].out)["gzipped"].boolean());
  CHECK(contains(json::parse(r[0].out)["headers"]["Accept-Encoding"].str(), "gzip"));
  REQUIRE(r[1].exit_code == 0);
  CHECK(json::parse(r[1].out)["deflated"].boolean());
  CHECK(r[4].exit_code == 61);
  CHECK(contains(r[4].err, "xfer-get: (61) "));
#endif
#if defined(XFER_HAS_BROTLI)
  REQUIRE(r[2].exit_code == 0);
  CHECK(json::parse(r[2].out)["brotli"].boolean());
#endif
  // Without --compressed nothing is asked for; httpbin's /gzip sends gzip anyway, as it is.
  CHECK(r[3].exit_code == 0);
  CHECK(r[3].out.starts_with("\x1f\x8b"));
}

TEST_CASE("xfer-get: -c saves the cookies in curl's file format and -b sends them back", "[cli][cookies]") {
  auto& httpbin = xfer::test::httpbin();
  xfer::test::temp_dir dir;
  const auto jar = dir / "jar.txt";
  const auto handmade = dir / "handmade.txt";
  write_text(handmade, "# Netscape HTTP Cookie File\n"
                       "127.0.0.1\tFALSE\t/\tFALSE\t0\thand\tmade\n"
                       "#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tho\tyes\n"
                       "127.0.0.1\tFALSE\t/elsewhere\tFALSE\t0\tpath\tno\n"
                       "example.com\tTRUE\t/\tFALSE\t0\tother\tno\n");

  // /cookies/set answers with Set-Cookie and a redirect to /cookies.
  const auto set = xfer_get({"-sS", "-L", "-c", jar.string(), httpbin.url("/cookies/set?sid=abc&lang=en")});
  REQUIRE(set.exit_code == 0);
  CHECK(json::parse(set.out)["cookies"]["sid"].str() == "abc");
  const std::string saved = read_text(jar);
  CHECK(saved.starts_with("# Netscape HTTP Cookie File"));
  CHECK(contains(saved, "\n127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\tabc\n"));
  CHECK(contains(saved, "\n127.0.0.1\tFALSE\t/\tFALSE\t0\tlang\ten\n"));

  const auto e = echoes(xfer_get_all({
      {"-sS", "-b", jar.string(), httpbin.url("/cookies")},
      {"-sS", "-b", handmade.string(), httpbin.url("/cookies")},
      {"-sS", "-b", "x=y; z=w", httpbin.url("/cookies")},
      {"-sS", "-b", (dir / "no such file").string(), httpbin.url("/cookies")},
  }));
  CHECK(e[0]["cookies"]["sid"].str() == "abc");
  CHECK(e[0]["cookies"]["lang"].str() == "en");
  CHECK(e[1]["cookies"]["hand"].str() == "made");
  CHECK(e[1]["cookies"]["ho"].str() == "yes");
  CHECK_FALSE(e[1]["cookies"].contains("path"));  // another path
  CHECK_FALSE(e[1]["cookies"].contains("other")); // another domain
  CHECK(e[2]["cookies"]["x"].str() == "y");
  CHECK(e[2]["cookies"]["z"].str() == "w");
  CHECK(e[3]["cookies"].obj().empty()); // a missing cookie file starts an empty jar, as with curl
}
