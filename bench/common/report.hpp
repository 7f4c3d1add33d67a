// bench/common/report.hpp - the results both clients gather, and the JSON line that reports them.
#pragma once

#include "json_line.hpp"
#include "measure.hpp"

#include <cstdint>
#include <cstdio>
#include <string>

/// The outcome of a run of N requests.
struct run_result {
  long requests = 0;
  long ok = 0;                ///< completed without error and with status 200
  std::uint64_t bytes = 0;    ///< body bytes received, all requests
  double seconds = 0;         ///< wall time of the request loop
  cpu_sample cpu_before, cpu_after;
  int first_error_code = 0;   ///< the library's code of the first failure (0: none)
  std::string first_error;    ///< what it said
  std::string note;
  std::string version;        ///< the library's version text
};

/// The outcome of --hold: `transfers` opened at once, `ready` of them received their first bytes.
struct hold_result {
  long transfers = 0;
  long ready = 0;
  long rss_base_kb = 0;       ///< before any transfer was made
  long rss_kb = 0;            ///< with every transfer open and receiving
  double seconds = 0;         ///< until all were ready (or the timeout)
  double cleanup_seconds = 0; ///< removing and destroying them afterwards
  cpu_sample cpu_before, cpu_after;
  int first_error_code = 0;
  std::string first_error;
  std::string version;
};

inline void add_cpu(json_line& j, const cpu_sample& before, const cpu_sample& after, long units,
                    const char* per_unit_key) {
  const double user = after.user - before.user;
  const double sys = after.sys - before.sys;
  j.add("cpu_user_s", user).add("cpu_sys_s", sys);
  j.add(per_unit_key, units > 0 ? (user + sys) * 1e6 / static_cast<double>(units) : 0.0, 2);
  j.add("max_rss_kb", static_cast<long long>(after.max_rss_kb));
}

inline void print_run(const char* client, const run_result& r) {
  json_line j;
  const double s = r.seconds > 0 ? r.seconds : 1e-9;
  j.add("client", client)
      .add("requests", static_cast<long long>(r.requests))
      .add("ok", static_cast<long long>(r.ok))
      .add("bytes", static_cast<long long>(r.bytes))
      .add("seconds", r.seconds, 6)
      .add("rps", static_cast<double>(r.ok) / s, 1)
      .add("MBps", static_cast<double>(r.bytes) / s / 1e6, 2);
  add_cpu(j, r.cpu_before, r.cpu_after, r.requests, "us_per_req");
  if (r.first_error_code != 0)
    j.add("error_code", static_cast<long long>(r.first_error_code)).add("error", r.first_error);
  if (!r.note.empty())
    j.add("note", r.note);
  j.add("version", r.version);
  std::printf("%s\n", j.str().c_str());
  std::fflush(stdout);
}

inline void print_hold(const char* client, const hold_result& r) {
  json_line j;
  const long grown = r.rss_kb - r.rss_base_kb;
  j.add("client", client)
      .add("mode", "hold")
      .add("requests", static_cast<long long>(r.transfers))
      .add("ok", static_cast<long long>(r.ready))
      .add("seconds", r.seconds, 3)
      .add("rss_base_kb", static_cast<long long>(r.rss_base_kb))
      .add("rss_kb", static_cast<long long>(r.rss_kb))
      .add("rss_per_transfer_kb", r.transfers > 0 ? static_cast<double>(grown) / static_cast<double>(r.transfers) : 0.0, 2)
      .add("cleanup_s", r.cleanup_seconds, 3);
  add_cpu(j, r.cpu_before, r.cpu_after, r.transfers, "us_per_transfer");
  if (r.first_error_code != 0)
    j.add("error_code", static_cast<long long>(r.first_error_code)).add("error", r.first_error);
  j.add("version", r.version);
  std::printf("%s\n", j.str().c_str());
  std::fflush(stdout);
}
