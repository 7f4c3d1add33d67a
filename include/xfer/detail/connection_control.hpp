// xfer/detail/connection_control.hpp - socket settings of a new connection: local binding, TCP keep-alive, address text.
#pragma once

#include <xfer/connect_options.hpp>
#include <xfer/detail/connect_route.hpp>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace xfer::detail {

/// Turns on TCP keep-alive probes on `fd` after `idle` without traffic, then every `interval`.
inline bool set_tcp_keepalive(int fd, std::chrono::seconds idle, std::chrono::seconds interval) noexcept {
  const int on = 1;
  const int idle_s = static_cast<int>(std::max<std::chrono::seconds::rep>(1, idle.count()));
  const int interval_s = static_cast<int>(std::max<std::chrono::seconds::rep>(1, interval.count()));
  return ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == 0 &&
         ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle_s, sizeof idle_s) == 0 &&
         ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval_s, sizeof interval_s) == 0;
}

/// The address and port of a socket address, as text; false for a non-IP one (a Unix socket).
inline bool socket_address_text(const sockaddr* address, std::string& ip, std::uint16_t& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    port = ntohs(v4->sin_port);
  } else if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    port = ntohs(v6->sin6_port);
  } else {
    return false;
  }
  ip.assign(text);
  return true;
}

/// Finds the address of `family` on the local interface `name`; false when it has none.
inline bool interface_address(std::string_view name, int family, sockaddr_storage& out) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0)
    return false;
  bool found = false;
  for (ifaddrs* i = list; i && !found; i = i->ifa_next) {
    if (i->ifa_addr && i->ifa_addr->sa_family == family && name == i->ifa_name) {
      std::memcpy(&out, i->ifa_addr, family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
      found = true;
    }
  }
  ::freeifaddrs(list);
  return found;
}

/// Binds the open socket `fd` of `family` to the local address and port
/// `options` ask for (interface_name, local_port and local_port_range).
/// Nothing happens when they ask for none. False with `error` set on failure.
inline bool bind_local_end(int fd, int family, const connect_options& options, std::string& error) {
  if (options.interface_name.empty() && options.local_port == 0)
    return true;
  sockaddr_storage local{};
  local.ss_family = static_cast<sa_family_t>(family);
  if (!options.interface_name.empty()) {
    std::string_view name = options.interface_name;
    bool by_interface = false;
    if (name.starts_with("if!")) {
      name.remove_prefix(3);
      by_interface = true;
    } else if (name.starts_with("host!")) {
      name.remove_prefix(5);
    } else {
      by_interface = !is_ip_literal(name);
    }
    if (by_interface) {
      if (!interface_address(name, family, local)) {
        error = "Couldn't bind to interface '" + std::string(name) + "': it has no " +
                (family == AF_INET ? "IPv4" : "IPv6") + " address";
        return false;
      }
    } else {
      const std::string text(name);
      void* target = family == AF_INET ? static_cast<void*>(&reinterpret_cast<sockaddr_in&>(local).sin_addr)
                                       : static_cast<void*>(&reinterpret_cast<sockaddr_in6&>(local).sin6_addr);
      if (::inet_pton(family, text.c_str(), target) != 1) {
        error = "Couldn't bind to '" + text + "': not an " + (family == AF_INET ? "IPv4" : "IPv6") + " address";
        return false;
      }
    }
  }
  const unsigned first = options.local_port;
  const unsigned count = options.local_port == 0 ? 1u : std::max<unsigned>(1, options.local_port_range);
  const socklen_t size = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  int last_errno = 0;
  for (unsigned i = 0; i < count && first + i <= 65535; ++i) {
    const auto port = htons(static_cast<std::uint16_t>(first + i));
    if (family == AF_INET)
      reinterpret_cast<sockaddr_in&>(local).sin_port = port;
    else
      reinterpret_cast<sockaddr_in6&>(local).sin6_port = port;
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), size) == 0)
      return true;
    last_errno = errno;
  }
  error = "Couldn't bind the local end" +
          (options.interface_name.empty() ? std::string() : " to '" + options.interface_name + "'") +
          (first != 0 ? " port " + std::to_string(first) + (count > 1 ? "-" + std::to_string(first + count - 1) : "")
                      : std::string()) +
          ": " + std::strerror(last_errno);
  return false;
}

} // namespace xfer::detail
