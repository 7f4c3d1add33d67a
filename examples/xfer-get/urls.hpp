// examples/xfer-get/urls.hpp - a command-line URL made into the URL requested, as curl does it.
#pragma once

#include "escape.hpp"

#include <xfer/url.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace xfer_get {

/// A URL without "scheme://" gets "http://" in front, as curl guesses for a host name that
/// names no other protocol ("example.com/x", "127.0.0.1:8080/").
inline std::string with_default_scheme(std::string_view url) {
  const auto separator = url.find("://");
  if (separator != std::string_view::npos) {
    const std::string_view scheme = url.substr(0, separator);
    bool is_scheme = !scheme.empty();
    for (const char c : scheme)
      is_scheme = is_scheme && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
    if (is_scheme)
      return std::string(url);
  }
  return "http://" + std::string(url);
}

/// The last segment of the URL's path, as -O names files; empty when there is none.
inline std::string remote_file_name(const std::string& url_text) {
  std::error_code ec;
  const xfer::url u = xfer::url::parse(url_text, ec);
  if (ec)
    return {};
  const std::string_view path = u.path();
  std::string name(path.substr(path.rfind('/') + 1));
  return name == "." || name == ".." ? std::string() : name;
}

/// -T FILE: a URL whose path ends in '/' (or has no path) gets FILE's name appended,
/// percent-encoded, as curl does; other URLs, and any URL for stdin ("-"), are used as they are.
inline std::string upload_url(const std::string& url_text, const std::string& file) {
  std::error_code ec;
  const xfer::url u = xfer::url::parse(url_text, ec);
  if (ec || file == "-" || !(u.path().empty() || u.path().ends_with('/')))
    return url_text;
  const std::string name = std::filesystem::path(file).filename().string();
  const std::string encoded = percent_encode(name);
  // The name goes at the end of the path, before any query or fragment.
  std::string out = u.str();
  const auto path_end = std::min(out.find_first_of("?#", out.find("://") + 3), out.size());
  out.insert(path_end, u.path().empty() ? "/" + encoded : encoded);
  return out;
}

/// -G: `data` appended to the URL's query ('?' or '&' before it), ahead of any fragment.
inline std::string with_query(const std::string& url_text, std::string_view data) {
  const auto fragment = std::min(url_text.find('#'), url_text.size());
  const bool has_query = url_text.substr(0, fragment).find('?') != std::string::npos;
  std::string out = url_text.substr(0, fragment);
  out += has_query ? '&' : '?';
  out += data;
  out += url_text.substr(fragment);
  return out;
}

} // namespace xfer_get
