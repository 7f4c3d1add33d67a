// xfer/detail/dns_cache.hpp - a multi's cache of resolved addresses, each entry kept for a time to live.
#pragma once

#include <xfer/connect_options.hpp>

#include <xfer/detail/asio.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace xfer::detail {

/// Addresses of host:port lookups, per address-family selection, each kept
/// for the multi's dns_cache_timeout (curl's CURLOPT_DNS_CACHE_TIMEOUT). The
/// cache holds at most `max_entries`; expired entries are dropped when it is full.
class dns_cache {
public:
  using clock = std::chrono::steady_clock;
  using addresses = std::vector<asio::ip::address>;
  static constexpr std::size_t max_entries = 4096;

  /// The cached addresses of `host`:`port` for `family`, or null when absent or expired.
  const addresses* find(std::string_view host, std::uint16_t port, ip_version family, clock::time_point now) {
    make_key(host, port, family);
    const auto found = entries_.find(key_);
    if (found == entries_.end())
      return nullptr;
    if (found->second.expires_at <= now) {
      entries_.erase(found);
      return nullptr;
    }
    ++hits_;
    return &found->second.list;
  }

  /// Keeps `list` for `ttl` (nothing when ttl is zero or negative).
  void store(std::string_view host, std::uint16_t port, ip_version family, addresses list,
             clock::time_point now, std::chrono::milliseconds ttl) {
    if (ttl.count() <= 0)
      return;
    if (entries_.size() >= max_entries)
      prune(now);
    make_key(host, port, family);
    const auto expires_at = ttl >= std::chrono::hours(24 * 365) ? clock::time_point::max() : now + ttl;
    entries_.insert_or_assign(key_, entry{std::move(list), expires_at});
    ++stores_;
  }

  /// Forgets every entry.
  void clear() noexcept { entries_.clear(); }
  std::size_t size() const noexcept { return entries_.size(); }
  /// Lookups answered from the cache.
  std::uint64_t hits() const noexcept { return hits_; }
  /// Answers of the resolver stored.
  std::uint64_t stores() const noexcept { return stores_; }

private:
  struct entry {
    addresses list;
    clock::time_point expires_at;
  };

  void make_key(std::string_view host, std::uint16_t port, ip_version family) {
    key_.assign(host);
    key_.push_back(':');
    key_.append(std::to_string(port));
    key_.push_back(family == ip_version::any ? 'a' : family == ip_version::v4 ? '4' : '6');
  }

  /// Drops expired entries; when none was, the whole cache (it only holds hints).
  void prune(clock::time_point now) {
    std::erase_if(entries_, [&](const auto& e) { return e.second.expires_at <= now; });
    if (entries_.size() >= max_entries)
      entries_.clear();
  }

  std::unordered_map<std::string, entry> entries_;
  std::string key_; ///< reused for lookups
  std::uint64_t hits_ = 0;
  std::uint64_t stores_ = 0;
};

} // namespace xfer::detail
