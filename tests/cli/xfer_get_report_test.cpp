// What xfer-get reports: -w and its variables, -v's trace, -s and -S, and exit codes with curl's
// numbers.
#include "cli/xfer_get_run.hpp"
#include "support/nginx_server.hpp"
#include "support/scripted_server.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace {

using xfer::test::contains;
using xfer::test::lines_of;
using xfer::test::xfer_get;
using xfer::test::xfer_get_all;

/// A loopback port that nothing listens on (bound, read, released).
std::string closed_port_url() {
  std::uint16_t port = 0;
  {
    xfer::test::scripted_server gone;
    port = gone.port();
  }
  return "http://127.0.0.1:" + std::to_string(port) + "/";
}

} // namespace

TEST_CASE("xfer-get: -w prints the common variables after the transfer", "[cli][write-out]") {
  xfer::test::nginx_server server;
  server.write_file("/page.txt", "12345");
  const std::string format = "code=%{http_code} response=%{response_code} size=%{size_download} "
                             "type=%{content_type} url=%{url_effective} given=%{url} num=%{urlnum} "
                             "method=%{method} ip=%{remote_ip} port=%{remote_port} lip=%{local_ip} "
                             "redirects=%{num_redirects} connects=%{num_connects} "
                             "version=%{http_version} scheme=%{scheme} exit=%{exitcode} "
                             "header=%header{content-length} percent=%% tab=\\t.";
  const auto r = xfer_get({"-sS", "-o", "/dev/null", "-w", format, server.url("/page.txt")});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "code=200 response=200 size=5 type=text/plain url=" + server.url("/page.txt") +
                     " given=" + server.url("/page.txt") + " num=0 method=GET ip=127.0.0.1 port=" +
                     std::to_string(server.port()) +
                     " lip=127.0.0.1 redirects=0 connects=1 version=1.1 scheme=http exit=0 "
                     "header=5 percent=% tab=\t.");

  // Times are seconds with six decimals, each phase no later than the total.
  const auto times = xfer_get({"-sS", "-o", "/dev/null", "-w",
                               "%{time_namelookup} %{time_connect} %{time_pretransfer} "
                               "%{time_starttransfer} %{time_total} %{speed_download} %{size_header}",
                               server.url("/page.txt")});
  REQUIRE(times.exit_code == 0);
  std::vector<double> values;
  std::size_t at = 0;
  for (int i = 0; i < 7; ++i) {
    std::size_t used = 0;
    values.push_back(std::stod(times.out.substr(at), &used));
    at += used;
  }
  CHECK(values[1] <= values[4]);
  CHECK(values[2] <= values[4]);
  CHECK(values[3] <= values[4]);
  CHECK(values[4] > 0);
  CHECK(values[6] > 50); // the head nginx sent
  CHECK(contains(times.out, "."));

  // A failure: %{exitcode} and %{errormsg}; %{stderr} switches the stream.
  const auto failed = xfer_get({"-s", "-w", "%{exitcode} %{http_code}%{stderr}[%{errormsg}]", closed_port_url()});
  CHECK(failed.exit_code == 7);
  CHECK(failed.out == "7 000");
  CHECK(failed.err.starts_with("["));
  CHECK(failed.err.size() > 3);

  // Also for a job that fails before its transfer starts, as curl.
  const auto early = xfer_get_all({
      {"-s", "-w", "X%{exitcode} %{http_code}", "-T", "/nonexistent/file", server.url("/")},
      {"-s", "-w", "X%{exitcode}", "-O", server.url("/")},
  });
  CHECK(early[0].exit_code == 26);
  CHECK(early[0].out == "X26 000");
  CHECK(early[1].exit_code == 23);
  CHECK(early[1].out == "X23");
}

TEST_CASE("xfer-get: -w @FILE reads the format and an unreadable one is a usage error", "[cli][write-out]") {
  xfer::test::nginx_server server;
  server.write_file("/page.txt", "12345");
  xfer::test::temp_dir dir;
  xfer::test::write_text(dir / "format", "%{http_code} from a file\n");
  const auto r = xfer_get_all({
      {"-sS", "-o", "/dev/null", "-w", "@" + (dir / "format").string(), server.url("/page.txt")},
      {"-sS", "-o", "/dev/null", "-w", "@" + (dir / "missing").string(), server.url("/page.txt")},
  });
  CHECK(r[0].exit_code == 0);
  CHECK(r[0].out == "200 from a file\n");
  CHECK(r[1].exit_code == 2);
  CHECK(r[1].out.empty());
  CHECK(contains(r[1].err, "missing"));
}

TEST_CASE("xfer-get: with -Z each URL's -w output follows its own body in URL order", "[cli][write-out]") {
  xfer::test::nginx_server server;
  server.write_file("/a.txt", "AAA");
  server.write_file("/b.txt", "BBB");
  server.write_file("/c.txt", "CCC");
  const auto r = xfer_get({"-sS", "-Z", "-w", "[%{urlnum}:%{http_code}]\\n", server.url("/a.txt"),
                           server.url("/b.txt"), server.url("/c.txt")});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "AAA[0:200]\nBBB[1:200]\nCCC[2:200]\n");
}

TEST_CASE("xfer-get: -v prints notes, the request head and the response head as curl does", "[cli][verbose]") {
  xfer::test::nginx_server server;
  server.write_file("/page.txt", "the body\n");
  const auto r = xfer_get({"-v", server.url("/page.txt")});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "the body\n"); // the trace never goes to stdout
  const auto lines = lines_of(r.err);
  std::size_t notes = 0, sent = 0, received = 0;
  for (const auto& line : lines) {
    INFO(line);
    CHECK((line.starts_with("* ") || line.starts_with("> ") || line.starts_with("< ")));
    notes += line.starts_with("* ") ? 1 : 0;
    sent += line.starts_with("> ") ? 1 : 0;
    received += line.starts_with("< ") ? 1 : 0;
  }
  CHECK(notes >= 1);
  CHECK(contains(r.err, "\n> GET /page.txt HTTP/1.1\n"));
  CHECK(contains(r.err, "\n> Host: 127.0.0.1:" + std::to_string(server.port()) + "\n"));
  CHECK(contains(r.err, "\n> \n"));  // the empty line that ends the request head
  CHECK(contains(r.err, "\n< HTTP/1.1 200 OK\n"));
  CHECK(contains(r.err, "\n< Content-Length: 9\n"));
  CHECK(contains(r.err, "\n< \n"));
  CHECK_FALSE(contains(r.err, "\r"));
  // The request comes before the response.
  CHECK(r.err.find("> GET") < r.err.find("< HTTP/1.1"));
}

TEST_CASE("xfer-get: -s silences error messages and -S brings them back", "[cli][silent]") {
  const std::string url = closed_port_url();
  const auto r = xfer_get_all({{url}, {"-s", url}, {"-s", "-S", url}, {"-sS", url}});
  for (const auto& run : r)
    CHECK(run.exit_code == 7);
  CHECK(r[0].err.starts_with("xfer-get: (7) "));
  CHECK(r[1].err.empty());
  CHECK(r[2].err.starts_with("xfer-get: (7) "));
  CHECK(r[3].err.starts_with("xfer-get: (7) "));
}

TEST_CASE("xfer-get: exit codes are curl's", "[cli][exit-code]") {
  using xfer::test::step;
  using xfer::test::http_response;
  std::vector<std::unique_ptr<xfer::test::scripted_server>> servers;
  const auto serving = [&](xfer::test::script s) {
    servers.push_back(std::make_unique<xfer::test::scripted_server>());
    servers.back()->set_default_script(std::move(s));
    return servers.back()->url("/");
  };
  xfer::test::temp_dir dir;

  struct expectation {
    std::vector<std::string> args;
    int exit_code;
  };
  const std::vector<expectation> cases = {
      {{"ftp://127.0.0.1/"}, 1},                                                         // unsupported protocol
      {{"--no-such-option", "http://127.0.0.1/"}, 2},                                    // usage
      {{"http://[::1/"}, 3},                                                             // malformed URL
      {{closed_port_url()}, 7},                                                          // couldn't connect
      {{serving({step::read_request(), step::send("NOT HTTP AT ALL\r\n\r\n"), step::close()})}, 8},
      {{serving({step::read_request(), step::send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"),
                 step::close()})},
       18},                                                                              // partial file
      {{"-f", serving({step::respond_forever(http_response(500, "oops"))})}, 22},
      {{"-o", (dir / "no-dir" / "file").string(), serving({step::respond_forever(http_response(200, "x"))})}, 23},
      {{"-m", "0.3", serving({step::read_request(), step::hold()})}, 28},               // timeout
      {{"-L", serving({step::respond_forever(http_response(302, "", {{"Location", "file:///etc/passwd"}}))})},
       1},                                                                               // redirect to file:
      {{"-L", "--max-redirs", "3", serving({step::respond_forever(http_response(302, "", {{"Location", "/again"}}))})},
       47},
      {{serving({step::read_request(), step::close()})}, 52},                           // got nothing
      {{"--max-filesize", "3", serving({step::respond_forever(http_response(200, "four"))})}, 63},
  };
  std::vector<std::vector<std::string>> commands;
  for (const auto& c : cases) {
    commands.push_back(c.args);
    commands.back().insert(commands.back().begin(), "-sS");
  }
  const auto r = xfer_get_all(commands);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i << " stderr: " << r[i].err);
    CHECK(r[i].exit_code == cases[i].exit_code);
    CHECK(contains(r[i].err, cases[i].exit_code == 2 ? "xfer-get: " : "xfer-get: (" + std::to_string(cases[i].exit_code) + ") "));
    CHECK_FALSE(r[i].timed_out);
  }
}

TEST_CASE("xfer-get: command-line mistakes exit with 2 and say what is wrong", "[cli][exit-code]") {
  const auto r = xfer_get_all({
      {"-I", "-d", "x=1", "http://127.0.0.1/"},
      {"--max-redirs", "many", "http://127.0.0.1/"},
      {"http://127.0.0.1/", "-o"},
      {"-s"},
      {"-F", "no-equals-sign", "http://127.0.0.1/"},
      {"--help"},
  });
  for (std::size_t i = 0; i < 5; ++i) {
    INFO("run " << i);
    CHECK(r[i].exit_code == 2);
    CHECK(r[i].out.empty());
    CHECK(contains(r[i].err, "xfer-get: "));
    CHECK(contains(r[i].err, "--help"));
  }
  CHECK(contains(r[1].err, "many"));
  CHECK(contains(r[2].err, "-o"));
  CHECK(contains(r[3].err, "no URL"));
  CHECK(r[5].exit_code == 0);
  CHECK(r[5].out.starts_with("Usage: xfer-get"));
}

TEST_CASE("xfer-get: a URL without a scheme is fetched over http", "[cli]") {
  xfer::test::nginx_server server;
  server.write_file("/page.txt", "plain http\n");
  const auto r = xfer_get({"-sS", "-w", "%{url_effective}", "127.0.0.1:" + std::to_string(server.port()) + "/page.txt"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "plain http\n" + server.url("/page.txt"));
}
