// bench/curl_bench.cpp - curl-bench: N GETs with at most P in flight through one libcurl multi handle.
//
// The proper multi loop: curl_multi_perform, curl_multi_info_read (re-adding
// each finished easy handle with the next URL), curl_multi_poll. Bodies are
// discarded by a CURLOPT_WRITEFUNCTION that counts their bytes. Everything
// else is libcurl's default, but the HTTP version: 1.1, or 2 over TLS with --http2.
#include "common/measure.hpp"
#include "common/options.hpp"
#include "common/report.hpp"

#include <curl/curl.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace {

/// What the write callback of one easy handle updates.
struct sink {
  std::uint64_t* bytes = nullptr;
  long* ready = nullptr;  ///< --hold: counts handles that received body bytes
  bool seen = false;
};

std::size_t on_write(char*, std::size_t size, std::size_t count, void* user) {
  auto* s = static_cast<sink*>(user);
  const std::size_t n = size * count;
  *s->bytes += n;
  if (!s->seen && s->ready) {
    s->seen = true;
    ++*s->ready;
  }
  return n;
}

CURL* make_easy(const bench_options& o, sink& s) {
  CURL* h = curl_easy_init();
  curl_easy_setopt(h, CURLOPT_URL, o.url.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
                   static_cast<long>(o.http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1));
  if (!o.cacert.empty())
    curl_easy_setopt(h, CURLOPT_CAINFO, o.cacert.c_str());
  if (o.insecure) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  return h;
}

void note_failure(int& code, std::string& text, CURLcode result, long status) {
  if (code != 0)
    return;
  if (result != CURLE_OK) {
    code = static_cast<int>(result);
    text = curl_easy_strerror(result);
  } else {
    code = -1;
    text = "HTTP status " + std::to_string(status);
  }
}

// The measured loop; bench/profile has callgrind collect inside it only.
[[gnu::noinline]] void run_transfers(CURLM* m, std::vector<CURL*>& handles, const bench_options& o,
                                     run_result& r) {
  long started = 0;
  long finished = 0;
  for (CURL* h : handles) {
    curl_multi_add_handle(m, h);
    ++started;
  }
  while (finished < o.requests) {
    bool readded = false;
    int running = 0;
    curl_multi_perform(m, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(m, &left)) {
      if (msg->msg != CURLMSG_DONE)
        continue;
      CURL* h = msg->easy_handle;
      const CURLcode result = msg->data.result;
      long status = 0;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      ++finished;
      if (result == CURLE_OK && status == 200)
        ++r.ok;
      else
        note_failure(r.first_error_code, r.first_error, result, status);
      curl_multi_remove_handle(m, h);
      if (started < o.requests) {
        curl_easy_setopt(h, CURLOPT_URL, o.url.c_str());
        curl_multi_add_handle(m, h);
        ++started;
        readded = true;
      }
    }
    // The same loop shape as xfer-bench: poll only when no handle was re-added
    // (curl_multi_poll would return at once then anyway).
    if (!readded && finished < o.requests)
      curl_multi_poll(m, nullptr, 0, 1000, nullptr);
  }
}

run_result run(const bench_options& o) {
  run_result r;
  r.requests = o.requests;
  r.version = curl_version();
  CURLM* m = curl_multi_init();
  const long in_flight = std::min(o.parallel, o.requests);
  std::vector<sink> sinks(static_cast<std::size_t>(in_flight), sink{&r.bytes, nullptr, false});
  std::vector<CURL*> handles;
  for (auto& s : sinks)
    handles.push_back(make_easy(o, s));
  r.cpu_before = sample_cpu();
  const double start = wall_seconds();
  run_transfers(m, handles, o, r);
  r.seconds = wall_seconds() - start;
  r.cpu_after = sample_cpu();
  for (CURL* h : handles)
    curl_easy_cleanup(h);
  curl_multi_cleanup(m);
  return r;
}

/// Opens `parallel` transfers at once and samples RSS once each has received body bytes.
hold_result hold(const bench_options& o) {
  hold_result r;
  r.transfers = o.parallel;
  r.version = curl_version();
  std::uint64_t bytes = 0;
  CURLM* m = curl_multi_init();
  r.rss_base_kb = current_rss_kb();
  r.cpu_before = sample_cpu();
  const double start = wall_seconds();
  std::vector<sink> sinks(static_cast<std::size_t>(o.parallel), sink{&bytes, &r.ready, false});
  std::vector<CURL*> handles;
  for (auto& s : sinks) {
    handles.push_back(make_easy(o, s));
    curl_multi_add_handle(m, handles.back());
  }
  while (r.ready < r.transfers && wall_seconds() - start < o.hold_timeout) {
    int running = 0;
    curl_multi_perform(m, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(m, &left)) // a held transfer never ends: this one failed
      if (msg->msg == CURLMSG_DONE)
        note_failure(r.first_error_code, r.first_error, msg->data.result, 0);
    if (r.ready < r.transfers)
      curl_multi_poll(m, nullptr, 0, 100, nullptr);
  }
  r.seconds = wall_seconds() - start;
  r.rss_kb = current_rss_kb();
  r.cpu_after = sample_cpu();
  const double cleanup_start = wall_seconds();
  for (CURL* h : handles) {
    curl_multi_remove_handle(m, h);
    curl_easy_cleanup(h);
  }
  curl_multi_cleanup(m);
  r.cleanup_seconds = wall_seconds() - cleanup_start;
  return r;
}

} // namespace

int main(int argc, char** argv) {
  const bench_options o = parse_options(argc, argv);
  raise_nofile_limit();
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int status = 0;
  if (o.hold) {
    const hold_result r = hold(o);
    print_hold("curl", r);
    status = r.ready == r.transfers ? 0 : 1;
  } else {
    const run_result r = run(o);
    print_run("curl", r);
    status = r.ok == r.requests ? 0 : 1;
  }
  curl_global_cleanup();
  return status;
}
