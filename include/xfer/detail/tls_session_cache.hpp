// xfer/detail/tls_session_cache.hpp - TLS sessions kept per host, port and TLS configuration.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <unordered_map>

namespace xfer::detail {

/// The newest resumable TLS session of each (host, port, TLS configuration),
/// so a new connection resumes instead of doing a full handshake. The key
/// always names the configuration: a session is never resumed under other
/// settings (another CA, client certificate, version range, ...).
class tls_session_cache {
public:
  tls_session_cache() = default;
  tls_session_cache(const tls_session_cache&) = delete;
  tls_session_cache& operator=(const tls_session_cache&) = delete;
  ~tls_session_cache() { clear(); }

  /// Keeps `session` (taking over one reference) for `key`, replacing an older one.
  void store(const std::string& key, SSL_SESSION* session) {
    auto [it, inserted] = sessions_.try_emplace(key, session);
    if (!inserted) {
      SSL_SESSION_free(it->second);
      it->second = session;
    }
  }

  /// Sets the cached session of `key` on `ssl` for resumption, if there is one.
  void apply(const std::string& key, SSL* ssl) const {
    auto found = sessions_.find(key);
    if (found == sessions_.end())
      return;
    // A copy: a resumed TLS 1.2 connection keeps the session it was given, and
    // OpenSSL marks it unresumable when that connection ends without close_notify.
    if (SSL_SESSION* copy = SSL_SESSION_dup(found->second)) {
      SSL_set_session(ssl, copy);
      SSL_SESSION_free(copy);
    }
  }

  /// Forgets the session of `key` (after a failed handshake, say).
  void erase(const std::string& key) {
    auto found = sessions_.find(key);
    if (found != sessions_.end()) {
      SSL_SESSION_free(found->second);
      sessions_.erase(found);
    }
  }

  void clear() noexcept {
    for (auto& [key, session] : sessions_)
      SSL_SESSION_free(session);
    sessions_.clear();
  }

  std::size_t size() const noexcept { return sessions_.size(); }

private:
  std::unordered_map<std::string, SSL_SESSION*> sessions_;
};

} // namespace xfer::detail
