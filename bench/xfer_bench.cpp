// bench/xfer_bench.cpp - xfer-bench: N GETs with at most P in flight through one xfer::multi.
//
// The loop is curl's: perform(), read completion messages, re-add each
// finished transfer with the next URL (remove, set_url, add), poll().
// Bodies are discarded by a write callback that counts their bytes.
#include "common/measure.hpp"
#include "common/options.hpp"
#include "common/report.hpp"

#include <xfer.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace {

using namespace std::chrono_literals;

xfer::tls_options tls_for(const bench_options& o) {
  xfer::tls_options tls;
  tls.ca_file = o.cacert;
  tls.insecure_skip_peer_verification = o.insecure;
  tls.insecure_skip_hostname_verification = o.insecure;
  return tls;
}

void note_failure(int& code, std::string& text, const xfer::transfer& t, std::error_code ec) {
  if (code != 0)
    return;
  if (ec) {
    code = ec.value();
    text = ec.message() + ": " + t.error_detail();
  } else {
    code = -1;
    text = "HTTP status " + std::to_string(t.status());
  }
}

// The measured loop; bench/profile has callgrind collect inside it only.
[[gnu::noinline]] void run_transfers(xfer::multi& m, std::vector<xfer::transfer>& transfers,
                                     const bench_options& o, run_result& r) {
  long started = 0;
  long finished = 0;
  for (auto& t : transfers) {
    m.add(t);
    ++started;
  }
  while (finished < o.requests) {
    bool readded = false;
    m.perform();
    while (auto msg = m.info_read()) {
      xfer::transfer& t = msg->transfer();
      ++finished;
      if (!msg->result() && t.status() == 200)
        ++r.ok;
      else
        note_failure(r.first_error_code, r.first_error, t, msg->result());
      m.remove(t);
      if (started < o.requests) {
        t.set_url(o.url);
        m.add(t);
        ++started;
        readded = true;
      }
    }
    // poll() sleeps even when transfers were added since perform() (curl's
    // does not: add sets a 0 timeout), so poll only when none was re-added.
    if (!readded && finished < o.requests)
      m.poll(1000ms);
  }
}

run_result run(const bench_options& o) {
  run_result r;
  r.requests = o.requests;
  r.version = "xfer/" XFER_VERSION_STRING;
  if (o.http2)
    r.note = "--http2 ignored: xfer speaks HTTP/1.1 only for now";
  xfer::multi m; // default options: no per-host limit, as curl's defaults
  std::vector<xfer::transfer> transfers;
  const long in_flight = std::min(o.parallel, o.requests);
  transfers.reserve(static_cast<std::size_t>(in_flight));
  for (long i = 0; i < in_flight; ++i) {
    auto& t = transfers.emplace_back(o.url);
    t.set_tls_options(tls_for(o));
    t.set_write_callback([&bytes = r.bytes](std::string_view data) {
      bytes += data.size();
      return xfer::write_action::proceed;
    });
  }
  r.cpu_before = sample_cpu();
  const double start = wall_seconds();
  run_transfers(m, transfers, o, r);
  r.seconds = wall_seconds() - start;
  r.cpu_after = sample_cpu();
  return r;
}

/// Opens `parallel` transfers at once and samples RSS once each has received body bytes.
hold_result hold(const bench_options& o) {
  hold_result r;
  r.transfers = o.parallel;
  r.version = "xfer/" XFER_VERSION_STRING;
  xfer::multi m;
  r.rss_base_kb = current_rss_kb();
  r.cpu_before = sample_cpu();
  const double start = wall_seconds();
  std::vector<xfer::transfer> transfers;
  std::vector<char> seen(static_cast<std::size_t>(o.parallel), 0);
  transfers.reserve(seen.size());
  for (std::size_t i = 0; i < seen.size(); ++i) {
    auto& t = transfers.emplace_back(o.url);
    t.set_tls_options(tls_for(o));
    t.set_write_callback([flag = &seen[i], ready = &r.ready](std::string_view) {
      if (!*flag) {
        *flag = 1;
        ++*ready;
      }
      return xfer::write_action::proceed;
    });
    m.add(t);
  }
  while (r.ready < r.transfers && wall_seconds() - start < o.hold_timeout) {
    m.perform();
    while (auto msg = m.info_read()) // a held transfer never ends: this one failed
      note_failure(r.first_error_code, r.first_error, msg->transfer(), msg->result());
    if (r.ready < r.transfers)
      m.poll(100ms);
  }
  r.seconds = wall_seconds() - start;
  r.rss_kb = current_rss_kb();
  r.cpu_after = sample_cpu();
  const double cleanup_start = wall_seconds();
  for (auto& t : transfers)
    m.remove(t);
  transfers.clear();
  r.cleanup_seconds = wall_seconds() - cleanup_start;
  return r;
}

} // namespace

int main(int argc, char** argv) {
  const bench_options o = parse_options(argc, argv);
  raise_nofile_limit();
  if (o.http2)
    std::fprintf(stderr, "xfer-bench: --http2 ignored: xfer speaks HTTP/1.1 only for now\n");
  if (o.hold) {
    const hold_result r = hold(o);
    print_hold("xfer", r);
    return r.ready == r.transfers ? 0 : 1;
  }
  const run_result r = run(o);
  print_run("xfer", r);
  return r.ok == r.requests ? 0 : 1;
}
