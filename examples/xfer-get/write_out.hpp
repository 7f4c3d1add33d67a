// examples/xfer-get/write_out.hpp - -w FORMAT: curl's %{variable} report after each transfer.
#pragma once

#include "output.hpp"

#include <xfer/transfer.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>

namespace xfer_get {

/// What -w can report about one finished transfer besides the transfer itself.
struct write_out_facts {
  std::error_code result;
  std::string error_detail;
  std::string filename;          ///< the output file, empty for stdout
  std::string url;               ///< the URL as the command line gave it
  std::size_t url_number = 0;    ///< its position among the command line's URLs, from 0
  std::string method;            ///< the method of the last request sent
  std::uint64_t header_bytes = 0; ///< bytes of every response head received
};

namespace detail {

inline std::string seconds_text(std::chrono::microseconds t) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6f", static_cast<double>(t.count()) / 1e6);
  return text;
}

inline std::string bytes_per_second(std::uint64_t bytes, std::chrono::nanoseconds elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  return std::to_string(seconds > 0 ? static_cast<std::uint64_t>(static_cast<double>(bytes) / seconds) : 0);
}

/// The value of `%{name}`; false when the name is unknown.
inline bool write_out_variable(std::string_view name, const xfer::transfer& t,
                               const write_out_facts& facts, std::string& out) {
  const xfer::transfer_info& info = t.info();
  const auto& timing = info.timing;
  if (name == "http_code" || name == "response_code") {
    char code[8];
    std::snprintf(code, sizeof code, "%03d", info.response_code);
    out += code;
  } else if (name == "url_effective") {
    out += info.effective_url;
  } else if (name == "time_total") {
    out += seconds_text(std::chrono::duration_cast<std::chrono::microseconds>(info.total_time));
  } else if (name == "time_namelookup") {
    out += seconds_text(timing.name_lookup);
  } else if (name == "time_connect") {
    out += seconds_text(timing.connect);
  } else if (name == "time_appconnect") {
    out += seconds_text(timing.tls_handshake);
  } else if (name == "time_pretransfer") {
    out += seconds_text(timing.pre_transfer);
  } else if (name == "time_starttransfer") {
    out += seconds_text(timing.start_transfer);
  } else if (name == "time_redirect") {
    out += seconds_text(timing.redirect);
  } else if (name == "time_queue") {
    out += seconds_text(timing.queue);
  } else if (name == "size_download") {
    out += std::to_string(info.bytes_downloaded);
  } else if (name == "size_upload") {
    out += std::to_string(info.bytes_uploaded);
  } else if (name == "speed_download") {
    out += bytes_per_second(info.bytes_downloaded, info.total_time);
  } else if (name == "speed_upload") {
    out += bytes_per_second(info.bytes_uploaded, info.total_time);
  } else if (name == "size_header") {
    out += std::to_string(facts.header_bytes);
  } else if (name == "num_headers") {
    out += std::to_string(t.response_headers().size());
  } else if (name == "method") {
    out += facts.method;
  } else if (name == "url") {
    out += facts.url;
  } else if (name == "urlnum") {
    out += std::to_string(facts.url_number);
  } else if (name == "num_redirects") {
    out += std::to_string(info.redirect_count);
  } else if (name == "redirect_url") {
    out += info.redirect_url;
  } else if (name == "num_connects") {
    out += std::to_string(info.new_connections);
  } else if (name == "remote_ip") {
    out += info.primary_ip;
  } else if (name == "remote_port") {
    out += std::to_string(info.primary_port);
  } else if (name == "local_ip") {
    out += info.local_ip;
  } else if (name == "local_port") {
    out += std::to_string(info.local_port);
  } else if (name == "content_type") {
    out += info.content_type;
  } else if (name == "http_version") {
    out += info.response_code == 0 ? "0" : info.http_version_minor == 1 ? "1.1" : "1.0";
  } else if (name == "scheme") {
    const std::string& url = info.effective_url;
    out += url.substr(0, url.find(':'));
  } else if (name == "exitcode") {
    out += std::to_string(facts.result.value());
  } else if (name == "errormsg") {
    out += facts.error_detail.empty() && facts.result ? facts.result.message() : facts.error_detail;
  } else if (name == "filename_effective") {
    out += facts.filename;
  } else {
    return false;
  }
  return true;
}

} // namespace detail

/// Expands FORMAT as curl's -w does: its stdout pieces go to `to_stdout` (so that they follow
/// the transfer's body there), those after %{stderr} to stderr. An unknown variable is left out
/// with a warning, as curl does. False when writing to `to_stdout` failed.
inline bool write_out(std::string_view format, const xfer::transfer& t, const write_out_facts& facts,
                      output& to_stdout) {
  bool on_stdout = true;
  bool written = true;
  std::string out;
  auto flush = [&] {
    if (on_stdout)
      written = to_stdout.write(out) && written;
    else
      std::fwrite(out.data(), 1, out.size(), stderr);
    out.clear();
  };
  for (std::size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c == '\\' && i + 1 < format.size()) {
      const char e = format[++i];
      out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
      continue;
    }
    if (c != '%' || i + 1 >= format.size()) {
      out += c;
      continue;
    }
    const std::string_view rest = format.substr(i + 1);
    if (rest.starts_with('%')) {
      out += '%';
      ++i;
      continue;
    }
    if (rest.starts_with("header{")) {
      // %header{NAME}: the value of the final response's NAME field (curl 7.84's syntax).
      const std::size_t close = rest.find('}');
      if (close == std::string_view::npos) {
        out += format.substr(i);
        break;
      }
      if (auto value = t.response_headers().find(rest.substr(7, close - 7)))
        out += *value;
      i += close + 1;
      continue;
    }
    if (!rest.starts_with('{')) {
      out += c;
      continue;
    }
    const std::size_t close = rest.find('}');
    if (close == std::string_view::npos) {
      out += format.substr(i);
      break;
    }
    const std::string_view name = rest.substr(1, close - 1);
    i += close + 1;
    if (name == "stdout" || name == "stderr") {
      flush();
      on_stdout = name == "stdout";
    } else if (!detail::write_out_variable(name, t, facts, out)) {
      std::fprintf(stderr, "xfer-get: warning: unknown --write-out variable: '%.*s'\n",
                   static_cast<int>(name.size()), name.data());
    }
  }
  flush();
  std::fflush(stderr);
  return written;
}

} // namespace xfer_get
