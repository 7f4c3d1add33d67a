// xfer/detail/connect_route.hpp - where a transfer connects: connect_to rules, resolve overrides, the pool key's route part.
#pragma once

#include <xfer/connect_options.hpp>

#include <arpa/inet.h>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xfer::detail {

/// A host and port to connect to; the host is a name or an address without brackets.
struct host_port {
  std::string host;
  std::uint16_t port = 0;
};

namespace route {

inline bool iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i]))
      return false;
  }
  return true;
}

/// Splits `text` at ':' into `count` fields, the last taking the rest; a
/// field may be a bracketed IPv6 address (brackets removed). False when
/// there are fewer fields or a bracket is unclosed.
inline bool split(std::string_view text, std::size_t count, std::string_view* fields) {
  for (std::size_t i = 0; i + 1 < count; ++i) {
    if (!text.empty() && text.front() == '[') {
      const auto close = text.find(']');
      if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
        return false;
      fields[i] = text.substr(1, close - 1);
      text.remove_prefix(close + 2);
      continue;
    }
    const auto colon = text.find(':');
    if (colon == std::string_view::npos)
      return false;
    fields[i] = text.substr(0, colon);
    text.remove_prefix(colon + 1);
  }
  fields[count - 1] = text;
  return true;
}

/// A port field: empty gives `empty_value`; false when it is not a number in 1..65535.
inline bool parse_port(std::string_view text, std::uint16_t empty_value, std::uint16_t& port) {
  if (text.empty()) {
    port = empty_value;
    return true;
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
    return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

} // namespace route

/// Whether `text` is an IPv4 or IPv6 address literal (no brackets).
inline bool is_ip_literal(std::string_view text) {
  if (text.empty() || text.size() > 45)
    return false;
  char buffer[46];
  text.copy(buffer, text.size());
  buffer[text.size()] = '\0';
  unsigned char out[16];
  return ::inet_pton(AF_INET, buffer, out) == 1 || ::inet_pton(AF_INET6, buffer, out) == 1;
}

/// Applies the first connect_to rule that matches `host`:`port` (curl's
/// CURLOPT_CONNECT_TO); returns false with `error` set when a rule does not parse.
inline bool apply_connect_to(const std::vector<std::string>& rules, host_port& target, std::string& error) {
  for (const auto& rule : rules) {
    std::string_view fields[4];
    std::uint16_t from_port = 0, to_port = 0;
    if (!route::split(rule, 4, fields) || !route::parse_port(fields[1], 0, from_port) ||
        !route::parse_port(fields[3], target.port, to_port)) {
      error = "bad connect_to entry \"" + rule + "\" (want HOST1:PORT1:HOST2:PORT2)";
      return false;
    }
    if (!fields[0].empty() && !route::iequal(fields[0], target.host))
      continue;
    if (from_port != 0 && from_port != target.port)
      continue;
    if (!fields[2].empty())
      target.host.assign(fields[2]);
    target.port = to_port;
    return true;
  }
  return true;
}

/// Finds the resolve override for `target` ("HOST:PORT:ADDR[,ADDR...]", as
/// curl's CURLOPT_RESOLVE; a leading '+' is accepted, '-' entries are
/// ignored) and appends its addresses. Returns false with `error` set when an
/// entry does not parse; `found` tells whether one matched.
inline bool find_resolve_override(const std::vector<std::string>& entries, const host_port& target,
                                  std::vector<std::string>& addresses, bool& found, std::string& error) {
  found = false;
  for (const auto& entry : entries) {
    std::string_view text = entry;
    if (!text.empty() && text.front() == '-')
      continue;
    if (!text.empty() && text.front() == '+')
      text.remove_prefix(1);
    std::string_view fields[3];
    std::uint16_t port = 0;
    if (!route::split(text, 3, fields) || fields[0].empty() || fields[1].empty() ||
        !route::parse_port(fields[1], 0, port) || fields[2].empty()) {
      error = "bad resolve entry \"" + entry + "\" (want HOST:PORT:ADDR[,ADDR...])";
      return false;
    }
    if (found || port != target.port || !route::iequal(fields[0], target.host))
      continue;
    std::string_view list = fields[2];
    while (!list.empty()) {
      const auto comma = list.find(',');
      std::string_view address = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      if (address.size() >= 2 && address.front() == '[' && address.back() == ']')
        address = address.substr(1, address.size() - 2);
      if (!is_ip_literal(address)) {
        error = "bad address \"" + std::string(address) + "\" in resolve entry \"" + entry + "\"";
        return false;
      }
      addresses.emplace_back(address);
    }
    found = true;
  }
  return true;
}

/// Appends to a pool key what makes connections of `options` differ from
/// default ones, so that only transfers with the same route share them. It
/// goes after the key's first '#' (the origin comes before it, the
/// connection's configuration after). Nothing is appended for default
/// options (the common case costs one test per field).
inline void append_route_key(const connect_options& options, std::string& key) {
  if (options.resolve.empty() && options.connect_to.empty() && options.ip == ip_version::any &&
      options.unix_socket_path.empty() && options.interface_name.empty() && options.local_port == 0 &&
      !options.tcp_keepalive)
    return;
  key.append(key.find('#') == std::string::npos ? "#route" : "|route");
  for (const auto& r : options.resolve)
    key.append(";r=").append(r);
  for (const auto& c : options.connect_to)
    key.append(";c=").append(c);
  if (options.ip != ip_version::any)
    key.append(options.ip == ip_version::v4 ? ";ip4" : ";ip6");
  if (!options.unix_socket_path.empty())
    key.append(";unix=").append(options.unix_socket_path);
  if (!options.interface_name.empty())
    key.append(";if=").append(options.interface_name);
  if (options.local_port != 0)
    key.append(";lport=")
        .append(std::to_string(options.local_port))
        .append("+")
        .append(std::to_string(options.local_port_range));
  if (options.tcp_keepalive)
    key.append(";ka=")
        .append(std::to_string(options.keepalive_idle.count()))
        .append("/")
        .append(std::to_string(options.keepalive_interval.count()));
}

} // namespace xfer::detail
