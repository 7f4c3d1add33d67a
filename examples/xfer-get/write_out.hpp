// examples/xfer-get/write_out.hpp - -w FORMAT: curl's %{variable} report after each transfer.
#pragma once

#include <xfer/transfer.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>

namespace xfer_get {

/// What -w can report about one finished transfer besides the transfer itself.
struct write_out_facts {
  std::error_code result;
  std::string error_detail;
  std::string filename; ///< the output file, empty for stdout
};

namespace detail {

inline std::string seconds_text(std::chrono::microseconds t) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6f", static_cast<double>(t.count()) / 1e6);
  return text;
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
    const double seconds = std::chrono::duration<double>(info.total_time).count();
    out += std::to_string(seconds > 0 ? static_cast<std::uint64_t>(
                                            static_cast<double>(info.bytes_downloaded) / seconds)
                                      : 0);
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

/// Expands FORMAT as curl's -w does and writes the pieces to stdout, or to
/// stderr after %{stderr}. An unknown variable is left out with a warning, as curl does.
inline void write_out(std::string_view format, const xfer::transfer& t, const write_out_facts& facts) {
  std::FILE* stream = stdout;
  std::string out;
  auto flush = [&] {
    std::fwrite(out.data(), 1, out.size(), stream);
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
    if (format[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    if (format[i + 1] != '{') {
      out += c;
      continue;
    }
    const std::size_t close = format.find('}', i + 2);
    if (close == std::string_view::npos) {
      out += format.substr(i);
      break;
    }
    std::string_view name = format.substr(i + 2, close - i - 2);
    i = close;
    if (name == "stdout" || name == "stderr") {
      flush();
      stream = name == "stdout" ? stdout : stderr;
    } else if (name.starts_with("header{")) {
      // %{header{NAME}}: the first '}' ends NAME, the second the variable.
      if (auto value = t.response_headers().find(name.substr(7)))
        out += *value;
      if (close + 1 < format.size() && format[close + 1] == '}')
        i = close + 1;
    } else if (!detail::write_out_variable(name, t, facts, out)) {
      std::fprintf(stderr, "xfer-get: warning: unknown --write-out variable: '%.*s'\n",
                   static_cast<int>(name.size()), name.data());
    }
  }
  flush();
  std::fflush(stream);
}

} // namespace xfer_get
