// examples/xfer-get/main.cpp - xfer-get: a curl-like client on xfer, with a self-checking demo.
//
// Usage: xfer-get [options...] URL...      (xfer-get --help lists the options)
//        xfer-get --demo                   (serves, downloads and verifies files on 127.0.0.1)
//
// Every URL becomes a job; one xfer::multi runs them all, one at a time or up to
// --parallel-max at once, so connections to a host are reused across URLs.

// First, for xfer 0.1.0: seen after <xfer/http1/request_writer.hpp> (as <xfer.hpp> orders
// them), its enumerator `chunk_end` shadows http1::chunk_end and trips -Wshadow.
#include <xfer/http1/response_parser.hpp>

#include "demo_content.hpp"
#include "demo_server.hpp"
#include "form_parts.hpp"
#include "heads.hpp"
#include "options.hpp"
#include "output.hpp"
#include "pins.hpp"
#include "progress.hpp"
#include "units.hpp"
#include "urls.hpp"
#include "write_out.hpp"

#include <xfer.hpp>

#include <asio/version.hpp>
#include <openssl/crypto.h>

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xfer_get {
namespace {

constexpr std::string_view xfer_get_version = "0.1.0";
/// The library's default User-Agent, set explicitly so that -v shows what was sent.
constexpr std::string_view user_agent = "xfer/" XFER_VERSION_STRING;
/// Exit status for a --demo body that does not match its file (no curl code means that).
constexpr int exit_mismatch = 1;

using clock = std::chrono::steady_clock;

double seconds_between(clock::time_point from, clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

/// One URL to fetch, and everything its transfer produces.
struct job {
  // ---- what to do
  std::string url;                   ///< as requested: with a scheme, -T's file name, -G's data
  std::string given_url;             ///< as the command line gave it
  std::size_t number = 0;            ///< its position among the command line's URLs, from 0
  const url_group* group = nullptr;
  std::optional<output_slot> slot; ///< -o / -O
  const demo_file* expect = nullptr; ///< --demo: what the body must be
  std::string name;                  ///< for bars and messages: the URL's last path segment

  // ---- doing it
  xfer::transfer transfer;
  output stdout_part = output::discard(); ///< this job's share of stdout
  output file_out = output::discard();
  output* body = nullptr;               ///< where the body goes
  output* dump = nullptr;               ///< -D
  std::uint64_t resume_from = 0; ///< -C
  clock::time_point started{};
  std::optional<std::uint64_t> content_length;
  head_collector heads;     ///< -D, -I, %{size_header}
  std::string last_method;  ///< %{method}: that of the last request sent
  std::string write_failure;
  std::uint64_t received = 0;
  fnv1a sum;

  // ---- outcome
  bool done = false;
  bool verified = false;
  std::error_code result;
  int exit_code = 0;
};

/// Runs every job through one multi and records each outcome in its job.
class runner {
public:
  runner(const options& opts, std::vector<std::unique_ptr<job>>& jobs, bool parallel,
         std::size_t parallel_max)
      : opts_(opts), jobs_(jobs), parallel_(parallel),
        limit_(parallel ? parallel_max : 1), progress_(want_bars()) {
    set_up_cookies();
  }

  void run() {
    started_ = clock::now();
    std::size_t next = 0;
    for (;;) {
      while (active_.size() < limit_ && next < jobs_.size()) {
        job& j = *jobs_[next++];
        if (start(j))
          active_.push_back(&j);
      }
      if (active_.empty() && next == jobs_.size())
        break;
      const int running = multi_.perform();
      while (auto msg = multi_.info_read()) {
        job& j = job_of(msg->transfer());
        const std::error_code result = msg->result();
        multi_.remove(j.transfer);
        std::erase(active_, &j);
        finish(j, result);
      }
      if (progress_.due(clock::now()))
        draw_progress();
      if (active_.size() < limit_ && next < jobs_.size())
        continue;
      if (running > 0 || !active_.empty())
        multi_.poll(std::chrono::milliseconds(100));
    }
    finished_ = clock::now();
    for (auto& [path, file] : dump_files_)
      file.finish(false);
    save_cookies();
  }

  /// -c: writes the jar; false (and a message) when that failed.
  bool save_cookies() {
    if (!opts_.cookie_jar)
      return true;
    std::error_code ec;
    multi_.get_cookie_jar()->save(*opts_.cookie_jar, ec);
    if (ec && !(opts_.silent && !opts_.show_error))
      std::fprintf(stderr, "xfer-get: WARNING: failed to save cookies in %s: %s\n", opts_.cookie_jar->c_str(),
                   ec.message().c_str());
    return !ec;
  }

  /// Erases the bars and prints `summary` in their place (nothing when no bars were shown).
  void end_progress(std::string_view summary) { progress_.finish(summary); }
  bool showed_progress() const noexcept { return progress_.enabled(); }
  double elapsed() const { return seconds_between(started_, finished_); }

private:
  /// -b and -c: "NAME=VALUE" arguments become Cookie fields; a file name, or -c,
  /// turns on a cookie jar shared by every transfer (curl's cookie engine).
  void set_up_cookies() {
    std::shared_ptr<xfer::cookie_jar> jar;
    for (const std::string& in : opts_.cookies_in) {
      if (in.find('=') != std::string::npos) {
        cookie_strings_.push_back(in);
        continue;
      }
      if (!jar)
        jar = std::make_shared<xfer::cookie_jar>();
      std::error_code ec;
      jar->load(in, ec); // a missing file starts an empty jar, as with curl
    }
    if (opts_.cookie_jar && !jar)
      jar = std::make_shared<xfer::cookie_jar>();
    if (jar)
      multi_.set_cookie_jar(std::move(jar));
  }

  /// Bars only on a terminal's stderr, and never where they would mix with other output.
  bool want_bars() const {
    if (opts_.silent || opts_.verbose || !::isatty(STDERR_FILENO))
      return false;
    if (const char* term = std::getenv("TERM"); term && std::string_view(term) == "dumb")
      return false;
    if (::isatty(STDOUT_FILENO)) {
      for (const auto& j : jobs_) {
        const url_group& g = *j->group;
        if ((!j->slot && !j->expect) || (j->slot && j->slot->path == "-") || g.dump_header == "-")
          return false; // response bytes go to the same terminal
      }
    }
    return true;
  }

  job& job_of(const xfer::transfer& t) {
    for (job* j : active_)
      if (&j->transfer == &t)
        return *j;
    throw std::logic_error("xfer-get: a completion message for an unknown transfer");
  }

  /// Sets the transfer up and adds it; false when the job failed before it could start.
  bool start(job& j) {
    const url_group& g = *j.group;
    j.started = clock::now();
    j.stdout_part = parallel_ ? output::to_memory() : output::to_stdout();

    std::string path;
    if (j.slot) {
      path = j.slot->remote_name ? remote_file_name(j.url) : j.slot->path;
      if (path.empty()) {
        fail_early(j, xfer::errc::write_error, "Remote file name has no length");
        return false;
      }
    }
    // -C OFFSET asks for the body from OFFSET whatever the output; "-C -" takes an output
    // file's size (nothing for stdout, as curl).
    if (g.continue_at && *g.continue_at >= 0)
      j.resume_from = static_cast<std::uint64_t>(*g.continue_at);
    if (j.slot && path != "-") {
      std::filesystem::path file = path;
      if (!g.output_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(g.output_dir, ec);
        file = std::filesystem::path(g.output_dir) / file;
      }
      if (g.continue_at && *g.continue_at < 0) {
        std::error_code ec;
        const auto size = std::filesystem::file_size(file, ec);
        j.resume_from = ec ? 0 : size; // no file yet: the whole body
      }
      j.file_out = output::to_file(file, /*append=*/j.resume_from != 0);
      j.body = &j.file_out;
    } else {
      // A demo body without -o/-O goes nowhere: file_out is still the discarding output.
      j.body = j.expect && !j.slot ? &j.file_out : &j.stdout_part;
    }
    const std::string last_segment = remote_file_name(j.url);
    j.name = last_segment.empty() ? j.url : last_segment;
    if (g.dump_header) {
      if (*g.dump_header == "-")
        j.dump = &j.stdout_part;
      else
        j.dump = &dump_files_.try_emplace(*g.dump_header, output::to_file(*g.dump_header))
                      .first->second;
    }

    if (g.upload_file && *g.upload_file != "-" && !std::ifstream(*g.upload_file, std::ios::binary)) {
      fail_early(j, xfer::errc::read_error, "Can't open '" + *g.upload_file + "'");
      return false;
    }
    xfer::transfer& t = j.transfer;
    if (!g.form.empty()) {
      try {
        t.set_body(build_form(g.form));
      } catch (const unreadable_form_file& e) {
        fail_early(j, xfer::errc::read_error, e.what());
        return false;
      }
    }
    t.set_url(j.url);
    t.set_user_agent(g.user_agent ? *g.user_agent : user_agent);
    if (g.referer)
      t.add_header("Referer", *g.referer);
    const bool posts = (g.data && !g.get) || !g.form.empty();
    t.set_method(g.method        ? *g.method
                 : g.head        ? "HEAD"
                 : posts         ? "POST"
                 : g.upload_file ? "PUT"
                                 : "GET");
    bool has_content_type = false;
    for (const auto& [name, value] : g.headers) {
      t.add_header(name, value);
      has_content_type = has_content_type || xfer::iequals(name, "Content-Type");
    }
    if (g.data && !g.get) {
      if (!has_content_type)
        t.add_header("Content-Type", "application/x-www-form-urlencoded");
      t.set_body(*g.data);
    }
    if (g.connect_timeout.count() > 0)
      t.set_connect_timeout(g.connect_timeout);
    if (g.max_time.count() > 0)
      t.set_timeout(g.max_time);
    if (g.retry.max_retries > 0) {
      xfer::retry_policy retry = g.retry;
      if (g.retry_fixed_delay) {
        // As curl: each retry waits the same, without jitter (the doubling starts at the cap).
        retry.initial_delay = *g.retry_fixed_delay;
        retry.max_delay = *g.retry_fixed_delay;
        retry.jitter = 0;
      }
      t.set_retry_policy(retry);
    }
    if (g.speed_limit != 0 || g.speed_time.count() > 0) // curl: either one turns the check on
      t.set_low_speed_limit(g.speed_limit != 0 ? g.speed_limit : 1,
                            g.speed_time.count() > 0 ? g.speed_time : std::chrono::seconds(30));
    t.set_connect_options(g.connect);
    t.set_max_recv_speed(g.limit_rate).set_max_send_speed(g.limit_rate);
    t.set_fail_on_error(g.fail); // -f: status >= 400 ends it with 22, the body undelivered
    if (g.upload_file && *g.upload_file == "-")
      t.set_body(read_stdin); // size unknown: sent chunked, as curl does
    else if (g.upload_file)
      t.set_body_file(*g.upload_file);
    if (g.compressed)
      t.set_accept_encoding(true);
    for (const auto& cookie : cookie_strings_)
      t.add_header("Cookie", cookie);
    t.set_redirect_policy(g.redirects);
    t.set_credentials(g.auth);
    t.set_resume_from(j.resume_from);
    t.set_max_filesize(g.max_filesize);
    if (g.expect100_timeout)
      t.set_expect_continue(std::uint64_t{1} << 20, *g.expect100_timeout);
    if (opts_.verbose || j.dump || g.head || g.write_out)
      t.set_debug_callback([this, &j](xfer::debug_kind kind, std::string_view data) {
        on_trace(j, kind, data);
      });
    xfer::tls_options tls = g.tls;
    tls.pinned_public_key = pin_for_library(g.tls.pinned_public_key);
    t.set_tls_options(tls);
    t.set_write_callback([this, &j](std::string_view data) { return on_body(j, data); });
    multi_.add(t);
    return true;
  }

  /// -T -: the request body from stdin.
  static std::size_t read_stdin(std::span<char> buffer) {
    const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), stdin);
    return n == 0 && std::ferror(stdin) ? xfer::read_abort : n;
  }

  /// Body bytes, in order, inside perform()/poll().
  xfer::write_action on_body(job& j, std::string_view data) {
    if (!j.write_failure.empty())
      return xfer::write_action::abort; // -D or -I could not be written
    j.received += data.size();
    if (j.expect)
      j.sum.update(data);
    if (!j.body->write(data)) {
      j.write_failure = j.body->error();
      return xfer::write_action::abort;
    }
    return xfer::write_action::proceed;
  }

  /// The library's trace: printed with -v; response heads written with -D and -I, as they
  /// complete (those of redirects and challenges too, as curl); facts kept for -w.
  void on_trace(job& j, xfer::debug_kind kind, std::string_view data) {
    if (opts_.verbose)
      verbose_trace(kind, data);
    if (kind == xfer::debug_kind::header_out)
      j.last_method = request_method(data);
    if (kind != xfer::debug_kind::header_in || !j.heads.add(data))
      return;
    const std::string head = j.heads.take();
    if (j.dump && !j.dump->write(head) && j.write_failure.empty())
      j.write_failure = j.dump->error();
    // With -f too: curl writes the failing response's head, then ends with 22.
    if (j.group->head && !j.body->write(head) && j.write_failure.empty())
      j.write_failure = j.body->error();
  }

  /// -v: the library's trace, printed as curl prints it: notes with "* ", the
  /// request head with "> ", response heads with "< ".
  static void verbose_trace(xfer::debug_kind kind, std::string_view data) {
    switch (kind) {
    case xfer::debug_kind::text:
      std::fprintf(stderr, "* %.*s\n", static_cast<int>(data.size()), data.data());
      break;
    case xfer::debug_kind::header_out:
      std::fputs(prefix_lines(data, "> ").c_str(), stderr);
      break;
    case xfer::debug_kind::header_in:
      std::fputs(prefix_lines(data, "< ").c_str(), stderr);
      break;
    case xfer::debug_kind::data_in:
    case xfer::debug_kind::data_out:
      break;
    }
  }

  void fail_early(job& j, xfer::errc code, std::string detail) {
    j.done = true;
    j.result = code;
    j.exit_code = static_cast<int>(code);
    report(j, detail);
    print_write_out(j, detail);
    flush_stdout();
  }

  /// The transfer completed (or failed): close its outputs, check it, report it.
  void finish(job& j, std::error_code result) {
    xfer::transfer& t = j.transfer;
    std::string detail = t.error_detail();
    if (!j.write_failure.empty() && (!result || result == xfer::errc::write_error)) {
      result = xfer::errc::write_error;
      detail = j.write_failure;
    }
    if (!j.body->finish(/*create_empty=*/!result) && !result) {
      result = xfer::errc::write_error;
      detail = j.body->error();
    }

    j.done = true;
    j.result = result;
    j.exit_code = result.value();
    if (!result && j.expect) {
      j.verified = j.received == j.expect->size && j.sum.value() == j.expect->checksum;
      if (!j.verified) {
        j.exit_code = exit_mismatch;
        char text[160];
        std::snprintf(text, sizeof text,
                      "%s does not match: got %llu bytes (checksum %016llx), expected %llu "
                      "(checksum %016llx)",
                      j.name.c_str(), static_cast<unsigned long long>(j.received),
                      static_cast<unsigned long long>(j.sum.value()),
                      static_cast<unsigned long long>(j.expect->size),
                      static_cast<unsigned long long>(j.expect->checksum));
        report(j, text);
      }
    }
    if (result)
      report(j, detail);
    print_write_out(j, detail);
    flush_stdout();
  }

  /// -w, after the job's body in its share of stdout (also for a job that failed before its
  /// transfer started, as curl).
  void print_write_out(job& j, const std::string& detail) {
    if (!j.group->write_out)
      return;
    const write_out_facts facts{
        .result = j.result,
        .error_detail = detail,
        .filename = j.body && j.body->is_file() ? j.body->path().string() : std::string(),
        .url = j.given_url,
        .url_number = j.number,
        .method = j.last_method,
        .header_bytes = j.heads.bytes(),
    };
    if (!(write_out(*j.group->write_out, j.transfer, facts, j.stdout_part) &&
          j.stdout_part.finish(false)) &&
        !j.result) {
      j.result = xfer::errc::write_error;
      j.exit_code = j.result.value();
      report(j, j.stdout_part.error());
    }
  }

  /// Prints `xfer-get: (N) message: detail` (or the detail alone for a demo mismatch).
  void report(const job& j, const std::string& detail) {
    if (opts_.silent && !opts_.show_error)
      return;
    progress_.clear();
    std::string line = "xfer-get: ";
    if (j.result)
      line += "(" + std::to_string(j.result.value()) + ") " + j.result.message() +
              (detail.empty() ? "" : ": " + detail);
    else
      line += detail;
    std::fprintf(stderr, "%s\n", line.c_str());
  }

  /// Parallel runs: writes finished jobs' stdout shares in URL order.
  void flush_stdout() {
    while (next_flush_ < jobs_.size() && jobs_[next_flush_]->done) {
      job& j = *jobs_[next_flush_++];
      if (!parallel_)
        continue;
      const std::string& held = j.stdout_part.held();
      if (!held.empty() && !(stdout_.write(held) && stdout_.finish(false)) && !j.result) {
        j.result = xfer::errc::write_error;
        j.exit_code = j.result.value();
        report(j, stdout_.error());
      }
      j.stdout_part = output::discard(); // frees the memory
    }
  }

  void draw_progress() {
    const auto now = clock::now();
    bars_.clear();
    for (job* j : active_) {
      const xfer::transfer& t = j->transfer;
      if (!j->content_length && t.state() == xfer::transfer_state::receiving_body &&
          t.method() != "HEAD") {
        if (auto value = t.response_headers().find("Content-Length")) {
          std::uint64_t n = 0;
          const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
          if (ec == std::errc() && end == value->data() + value->size())
            j->content_length = n;
        }
      }
      bars_.push_back({j->name, t.info().bytes_downloaded, j->content_length,
                       seconds_between(j->started, now)});
    }
    std::string footer;
    if (jobs_.size() > 1) {
      std::uint64_t bytes = 0;
      std::size_t done = 0;
      for (const auto& j : jobs_) {
        bytes += j->done ? j->received : j->transfer.info().bytes_downloaded;
        done += j->done ? 1 : 0;
      }
      const double seconds = seconds_between(started_, now);
      footer = "total: " + std::to_string(done) + " of " + std::to_string(jobs_.size()) +
               " done, " + format_bytes(bytes) + ", " + format_rate(bytes, seconds);
    }
    progress_.draw(bars_, footer, now);
  }

  const options& opts_;
  std::vector<std::unique_ptr<job>>& jobs_;
  bool parallel_;
  std::size_t limit_;
  xfer::multi multi_;
  progress_display progress_;
  std::vector<job*> active_;
  std::vector<bar_state> bars_;
  std::map<std::string, output> dump_files_;
  std::vector<std::string> cookie_strings_;
  output stdout_ = output::to_stdout();
  std::size_t next_flush_ = 0;
  clock::time_point started_{};
  clock::time_point finished_{};
};

void print_version() {
  std::printf("xfer-get %.*s (xfer %s)\n", static_cast<int>(xfer_get_version.size()),
              xfer_get_version.data(), XFER_VERSION_STRING);
  std::printf("Libraries: Asio/%d.%d.%d OpenSSL/%u.%u.%u\n", ASIO_VERSION / 100000,
              ASIO_VERSION / 100 % 1000, ASIO_VERSION % 100, OPENSSL_version_major(),
              OPENSSL_version_minor(), OPENSSL_version_patch());
  std::printf("Protocols: http https\n");
  std::printf("Features: keep-alive parallel progress-bars demo-server TLS\n");
}

/// Turns the URL groups into jobs, pairing each URL with its -o/-O by position.
std::vector<std::unique_ptr<job>> make_jobs(const options& opts) {
  std::vector<std::unique_ptr<job>> jobs;
  for (const url_group& g : opts.groups) {
    for (std::size_t i = 0; i < g.urls.size(); ++i) {
      auto j = std::make_unique<job>();
      j->given_url = g.urls[i];
      j->url = with_default_scheme(g.urls[i]);
      if (g.upload_file)
        j->url = upload_url(j->url, *g.upload_file);
      if (g.get && g.data)
        j->url = with_query(j->url, *g.data);
      j->number = jobs.size();
      j->group = &g;
      if (i < g.outputs.size())
        j->slot = g.outputs[i];
      jobs.push_back(std::move(j));
    }
  }
  return jobs;
}

int first_failure(const std::vector<std::unique_ptr<job>>& jobs) {
  for (const auto& j : jobs)
    if (j->exit_code != 0)
      return j->exit_code;
  return 0;
}

/// --demo: serve, fetch with -Z semantics, verify, summarise.
int run_demo(options& opts) {
  url_group& group = opts.groups.front();
  if (opts.groups.size() > 1 || !group.urls.empty())
    throw usage_error("--demo takes no URL");
  std::vector<demo_file> files = plan_demo_files(opts.demo_files, opts.demo_size);
  std::uint64_t planned = 0;
  for (const auto& f : files)
    planned += f.size;
  demo_server server(files);
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port()) + "/";

  // -O or --output-dir saves every file under its own name; -o names files in order.
  bool save_all = !group.output_dir.empty();
  for (const auto& slot : group.outputs)
    save_all = save_all || slot.remote_name;
  std::vector<output_slot> outputs = group.outputs;
  std::erase_if(outputs, [](const output_slot& s) { return s.remote_name; });
  for (const auto& f : files)
    group.urls.push_back(base + f.name);
  std::vector<std::unique_ptr<job>> jobs = make_jobs(opts);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    jobs[i]->expect = &files[i];
    jobs[i]->slot.reset();
    if (i < outputs.size())
      jobs[i]->slot = outputs[i];
    else if (save_all)
      jobs[i]->slot = output_slot{{}, true};
  }

  const std::size_t parallel_max = opts.parallel_max.value_or(8);
  std::printf("xfer-get demo: %zu files, %s, from %s, %zu at a time\n", files.size(),
              format_bytes(planned).c_str(), base.c_str(), parallel_max);
  std::fflush(stdout);

  runner r(opts, jobs, /*parallel=*/true, parallel_max);
  r.run();
  r.end_progress({});

  std::uint64_t bytes = 0;
  std::size_t verified = 0, opened = 0, reused = 0;
  for (const auto& j : jobs) {
    bytes += j->received;
    verified += j->verified ? 1 : 0;
    if (j->transfer.info().attempts > 0)
      (j->transfer.info().connection_reused ? reused : opened) += 1;
  }
  const double seconds = r.elapsed();
  const std::string verdict =
      verified == jobs.size()
          ? "all " + std::to_string(verified) + " files verified"
          : std::to_string(verified) + " of " + std::to_string(jobs.size()) +
                " files verified, " + std::to_string(jobs.size() - verified) + " FAILED";
  std::printf("%zu files, %s (%llu bytes) in %s, %s; %zu connections opened, %zu reused; %s\n",
              jobs.size(), format_bytes(bytes).c_str(), static_cast<unsigned long long>(bytes),
              format_seconds(seconds).c_str(), format_rate(bytes, seconds).c_str(), opened, reused,
              verdict.c_str());
  if (opts.verbose)
    std::fprintf(stderr, "* demo server: %zu connections accepted, %zu requests served\n",
                 server.connections_accepted(), server.requests_served());
  return first_failure(jobs);
}

/// Everything else: the URLs of the command line.
int run_urls(const options& opts) {
  std::vector<std::unique_ptr<job>> jobs = make_jobs(opts);
  if (jobs.empty())
    throw usage_error("no URL specified!");
  runner r(opts, jobs, opts.parallel, opts.parallel_max.value_or(50));
  r.run();
  if (r.showed_progress()) {
    std::uint64_t bytes = 0;
    std::size_t failed = 0;
    for (const auto& j : jobs) {
      bytes += j->received;
      failed += j->exit_code != 0 ? 1 : 0;
    }
    const double seconds = r.elapsed();
    std::string summary = std::to_string(jobs.size()) +
                          (jobs.size() == 1 ? " transfer" : " transfers") +
                          (failed ? " (" + std::to_string(failed) + " failed)" : "") + ", " +
                          format_bytes(bytes) + " in " + format_seconds(seconds) + ", " +
                          format_rate(bytes, seconds);
    r.end_progress(summary);
  }
  return first_failure(jobs);
}

} // namespace
} // namespace xfer_get

int main(int argc, char** argv) {
  using namespace xfer_get;
  std::signal(SIGPIPE, SIG_IGN); // a closed stdout is a write error (23), not a kill
  try {
    options opts = parse_options(argc, argv);
    if (opts.help) {
      std::fputs(usage_text().c_str(), stdout);
      return 0;
    }
    if (opts.version) {
      print_version();
      return 0;
    }
    if (!opts.silent)
      for (const auto& w : opts.warnings)
        std::fprintf(stderr, "xfer-get: warning: %s\n", w.c_str());
    return opts.demo ? run_demo(opts) : run_urls(opts);
  } catch (const usage_error& e) {
    std::fprintf(stderr, "xfer-get: %s\nxfer-get: try 'xfer-get --help' for more information\n",
                 e.what());
    return 2;
  } catch (const xfer::multi_error& e) {
    std::fprintf(stderr, "xfer-get: %s\n", e.what());
    return static_cast<int>(xfer::errc::failed_init);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xfer-get: %s\n", e.what());
    return static_cast<int>(xfer::errc::failed_init);
  }
}
