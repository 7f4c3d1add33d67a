// xfer/transfer_state.hpp - the explicit states a transfer moves through.
#pragma once

#include <string_view>

namespace xfer {

/// Where a transfer is in its life. Every change goes through one function
/// of the engine (detail::transfer_impl::set_state), so transitions can be
/// traced and tested.
enum class transfer_state {
  idle,             ///< not in a multi
  pending,          ///< added; the next perform() (or the executor) starts it
  queued,           ///< waiting for a connection slot or the origin's rate limit (counts as running)
  retry_waiting,    ///< waiting out the delay before a retry (counts as running)
  resolving,        ///< looking up the host name
  connecting,       ///< TCP connect in progress
  tls_handshake,    ///< TLS handshake in progress (https)
  sending,          ///< writing the request head and body
  awaiting_headers, ///< request sent (or being sent); no final response header yet
  receiving_body,   ///< final response headers received; body streaming
  done,             ///< finished; its result is set and its completion delivered or queued
};

/// The state's name, for traces and messages.
constexpr std::string_view to_string(transfer_state s) noexcept {
  switch (s) {
  case transfer_state::idle: return "idle";
  case transfer_state::pending: return "pending";
  case transfer_state::queued: return "queued";
  case transfer_state::retry_waiting: return "retry_waiting";
  case transfer_state::resolving: return "resolving";
  case transfer_state::connecting: return "connecting";
  case transfer_state::tls_handshake: return "tls_handshake";
  case transfer_state::sending: return "sending";
  case transfer_state::awaiting_headers: return "awaiting_headers";
  case transfer_state::receiving_body: return "receiving_body";
  case transfer_state::done: return "done";
  }
  return "unknown";
}

} // namespace xfer
