// bench/common/options.hpp - the command line both benchmark clients share.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

/// What one client run is asked to do.
struct bench_options {
  std::string url;
  long requests = 1;       ///< GETs in total (in --hold mode: transfers held at once)
  long parallel = 1;       ///< at most this many in flight
  bool http2 = false;      ///< ask for HTTP/2 over TLS (curl only, for now)
  std::string cacert;      ///< PEM file of trusted CAs
  bool insecure = false;   ///< skip peer and host name verification
  bool hold = false;       ///< open `parallel` transfers, wait for their headers, sample RSS
  double hold_timeout = 120; ///< seconds --hold waits for every transfer's first bytes
};

[[noreturn]] inline void usage(const char* program) {
  std::fprintf(stderr,
               "usage: %s --url URL --requests N --parallel P [--http2] [--cacert FILE | --insecure]\n"
               "       %s --url URL --parallel P --hold [--hold-timeout SECONDS]\n",
               program, program);
  std::exit(2);
}

/// Parses argv; prints the usage and exits 2 on anything it does not understand.
inline bench_options parse_options(int argc, char** argv) {
  bench_options o;
  bool have_requests = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc)
        usage(argv[0]);
      return argv[++i];
    };
    if (arg == "--url")
      o.url = value();
    else if (arg == "--requests") {
      o.requests = std::atol(value());
      have_requests = true;
    } else if (arg == "--parallel")
      o.parallel = std::atol(value());
    else if (arg == "--http2")
      o.http2 = true;
    else if (arg == "--cacert")
      o.cacert = value();
    else if (arg == "--insecure")
      o.insecure = true;
    else if (arg == "--hold")
      o.hold = true;
    else if (arg == "--hold-timeout")
      o.hold_timeout = std::atof(value());
    else
      usage(argv[0]);
  }
  if (o.hold && !have_requests)
    o.requests = o.parallel;
  if (o.url.empty() || o.requests < 1 || o.parallel < 1 || (o.insecure && !o.cacert.empty()))
    usage(argv[0]);
  return o;
}
