// bench/common/measure.hpp - what a client measures about itself: wall time, CPU time, RSS.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

/// Wall-clock seconds since an arbitrary start.
inline double wall_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

/// CPU seconds used by this process so far, and its peak RSS.
struct cpu_sample {
  double user = 0;
  double sys = 0;
  long max_rss_kb = 0;
};

inline cpu_sample sample_cpu() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return {seconds(u.ru_utime), seconds(u.ru_stime), u.ru_maxrss};
}

/// The resident set size now (VmRSS of /proc/self/status), in KiB; -1 when unknown.
inline long current_rss_kb() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f)
    return -1;
  long kb = -1;
  char line[256];
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) {
      kb = std::atol(line + 6);
      break;
    }
  }
  std::fclose(f);
  return kb;
}

/// Raises the open-file limit to its hard limit, so thousands of sockets fit.
inline void raise_nofile_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}
