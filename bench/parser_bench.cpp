// bench/parser_bench.cpp - parser-bench: http1::response_parser on a typical nginx response.
//
// Parses one small response N times, fed whole: nginx's head for a static
// file (status line and 8 fields) and a 13-byte body. Two handlers: a trivial
// one (the parser alone) and one that copies each field into an
// xfer::headers, as the engine does. Prints ns/response (best of 5 rounds).
// With --callgrind it runs itself under `valgrind --tool=callgrind`,
// collecting only inside the per-response function, and prints
// instructions/response (reset + put + handler; headers::clear too for the
// copying handler).
//
//   parser-bench [--iterations N] [--callgrind]
#include <xfer/headers.hpp>
#include <xfer/http1/response_parser.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

namespace {

constexpr std::string_view typical_response = "HTTP/1.1 200 OK\r\n"
                                              "Server: nginx/1.22.1\r\n"
                                              "Date: Mon, 23 Nov 2026 17:00:00 GMT\r\n"
                                              "Content-Type: application/octet-stream\r\n"
                                              "Content-Length: 13\r\n"
                                              "Last-Modified: Mon, 23 Nov 2026 16:59:00 GMT\r\n"
                                              "Connection: keep-alive\r\n"
                                              "ETag: \"6565c6f4-d\"\r\n"
                                              "Accept-Ranges: bytes\r\n"
                                              "\r\n"
                                              "Hello, world!";

// Counts what it is given, so that nothing is optimised away.
struct trivial_handler {
  std::size_t bytes = 0;
  void on_status(int status, int, std::string_view reason) {
    bytes += static_cast<std::size_t>(status) + reason.size();
  }
  void on_header(std::string_view name, std::string_view value) {
    bytes += name.size() + value.size();
  }
  void on_headers_complete() {}
  bool on_body(std::string_view data) {
    bytes += data.size();
    return true;
  }
  void on_trailer(std::string_view name, std::string_view value) {
    bytes += name.size() + value.size();
  }
  void on_complete() { ++bytes; }
};

// What xfer::detail::transfer_impl does with fields.
struct headers_handler : trivial_handler {
  xfer::headers fields;
  void on_header(std::string_view name, std::string_view value) { fields.add(name, value); }
  void on_trailer(std::string_view name, std::string_view value) { fields.add(name, value); }
};

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "parser-bench: %s\n", what);
  std::exit(1);
}

// One response, as the engine handles it: reset, then one put() of all
// bytes, read into a buffer (the compiler does not see them). Not inlined:
// --callgrind collects inside these two functions only.
[[gnu::noinline]] void bench_parse_trivial(xfer::http1::response_parser& p, trivial_handler& h,
                                           std::string_view input) {
  std::error_code ec;
  p.reset();
  const std::size_t n = p.put(input, h, ec);
  if (ec || n != input.size() || !p.done()) [[unlikely]]
    die("the typical response did not parse");
}

[[gnu::noinline]] void bench_parse_headers(xfer::http1::response_parser& p, headers_handler& h,
                                           std::string_view input) {
  std::error_code ec;
  h.fields.clear();
  p.reset();
  const std::size_t n = p.put(input, h, ec);
  if (ec || n != input.size() || !p.done()) [[unlikely]]
    die("the typical response did not parse");
}

// Best ns/response over a few rounds of n responses.
template <class Handler, class Parse>
double ns_per_response(long n, Parse parse, std::string_view input) {
  xfer::http1::response_parser p;
  Handler h;
  double best = 1e300;
  for (int round = 0; round < 5; ++round) {
    const auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < n; ++i)
      parse(p, h, input);
    const std::chrono::duration<double, std::nano> dt = std::chrono::steady_clock::now() - t0;
    best = std::min(best, dt.count() / static_cast<double>(n));
  }
  if (h.bytes == 0)
    die("handler saw nothing");
  return best;
}

// Runs this program as `--run which n` under callgrind, returns the instructions collected / n.
double instructions_per_response(const char* which, const char* function, long n) {
  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0)
    die("cannot find this program (/proc/self/exe)");
  self[len] = '\0';
  const std::string cmd = std::string("valgrind --tool=callgrind --callgrind-out-file=/dev/null "
                                      "--toggle-collect='*") +
                          function + "*' '" + self + "' --run " + which + " " + std::to_string(n) +
                          " 2>&1";
  std::FILE* out = popen(cmd.c_str(), "r");
  if (out == nullptr)
    die("cannot run valgrind");
  char line[512];
  double collected = -1;
  while (std::fgets(line, sizeof line, out) != nullptr) {
    if (const char* at = std::strstr(line, "Collected :"))
      collected = std::strtod(at + std::strlen("Collected :"), nullptr);
  }
  if (pclose(out) != 0 || collected < 0)
    die("valgrind failed (is it installed?)");
  return collected / static_cast<double>(n);
}

} // namespace

int main(int argc, char** argv) {
  const std::string buffer(typical_response);
  const std::string_view input = buffer;
  long n = 1'000'000;
  bool callgrind = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
      n = std::atol(argv[++i]);
    } else if (std::strcmp(argv[i], "--callgrind") == 0) {
      callgrind = true;
    } else if (std::strcmp(argv[i], "--run") == 0 && i + 2 < argc) {
      // Child of --callgrind: parse n responses once, print nothing.
      const std::string_view which = argv[i + 1];
      const long count = std::atol(argv[i + 2]);
      xfer::http1::response_parser p;
      trivial_handler t;
      headers_handler h;
      for (long k = 0; k < count; ++k) {
        if (which == "trivial")
          bench_parse_trivial(p, t, input);
        else
          bench_parse_headers(p, h, input);
      }
      return 0;
    } else {
      std::fprintf(stderr, "usage: parser-bench [--iterations N] [--callgrind]\n");
      return 2;
    }
  }
  if (n <= 0)
    die("--iterations must be positive");

  std::printf("response: %zu bytes (head + 13-byte body), fed whole\n", typical_response.size());
  std::printf("trivial handler: %7.1f ns/response\n",
              ns_per_response<trivial_handler>(n, bench_parse_trivial, input));
  std::printf("headers handler: %7.1f ns/response\n",
              ns_per_response<headers_handler>(n, bench_parse_headers, input));
  if (callgrind) {
    const long cg_n = n < 10'000 ? n : 10'000;
    std::printf("trivial handler: %7.0f instructions/response (callgrind)\n",
                instructions_per_response("trivial", "bench_parse_trivial", cg_n));
    std::printf("headers handler: %7.0f instructions/response (callgrind)\n",
                instructions_per_response("headers", "bench_parse_headers", cg_n));
  }
  return 0;
}
