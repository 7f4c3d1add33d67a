// xfer/detail/engine.hpp - a multi's machinery: members, connection pool, wait queue, messages.
#pragma once

#include <xfer/detail/connection.hpp>
#include <xfer/detail/cookie_link.hpp>
#include <xfer/detail/ref_counted.hpp>
#include <xfer/detail/tls_context.hpp>
#include <xfer/detail/tls_session_cache.hpp>
#include <xfer/detail/transfer_impl.hpp>
#include <xfer/error.hpp>
#include <xfer/fault_injection.hpp>
#include <xfer/multi_options.hpp>

#include <asio/error.hpp>
#include <asio/post.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace xfer::detail {

/// The single-threaded core of a multi. It owns references to its member
/// transfers and open connections, files connections by origin, queues
/// transfers that wait for a connection slot (FIFO across origins) and keeps
/// the completion messages in order.
template <class Executor>
class engine final : public engine_link {
public:
  using connection_type = connection<Executor>;

  engine(const Executor& ex, const multi_options& options) : executor_(ex), options_(options) {
    connect_state_.configure(options_);
  }
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;
  ~engine() { shutdown(); }

  const Executor& get_executor() const noexcept { return executor_; }
  const multi_options& options() const noexcept { return options_; }
  void set_options(const multi_options& options) {
    options_ = options;
    connect_state_.configure(options_);
  }
  /// The DNS cache and global speed caps the connections share.
  multi_connect_state& connect_state() noexcept { return connect_state_; }

  /// Transfers added and not finished (queued ones included).
  std::size_t running() const noexcept { return running_; }
  /// Transfers in the multi, finished or not.
  std::size_t size() const noexcept { return members_.size(); }
  /// Open connections (connecting, busy or idle).
  std::size_t open_connections() const noexcept { return connections_.size(); }
  /// Idle connections in the pool.
  std::size_t idle_connections() const noexcept { return idle_count_; }

  /// The test hook, or null (the normal case).
  fault_injector* faults() const noexcept { return faults_.get(); }
  void set_fault_injector(std::shared_ptr<fault_injector> injector) { faults_ = std::move(injector); }

  bool in_callback() const noexcept { return callback_depth_ > 0; }
  void enter_callback() noexcept { ++callback_depth_; }
  void leave_callback() noexcept { --callback_depth_; }

  /// Makes `t` a member. With `start_now` false it waits for start_pending()
  /// (perform); with true it starts on the executor (async_perform).
  std::error_code add(transfer_impl& t, bool start_now) {
    if (t.engine != nullptr)
      return multi_errc::added_already;
    t.engine = this;
    t.member_index = members_.size();
    members_.push_back(ref<transfer_impl>(&t));
    t.reset_for_run();
    t.set_state(transfer_state::pending);
    ++running_;
    if (!start_now) {
      pending_.push_back(ref<transfer_impl>(&t));
      return {};
    }
    asio::post(executor_, [t = ref<transfer_impl>(&t)] {
      if (t->engine != nullptr && t->state == transfer_state::pending)
        static_cast<engine*>(t->engine)->start(*t);
    });
    return {};
  }

  /// Whether transfers were added that no perform() has started yet.
  bool has_pending() const noexcept { return !pending_.empty(); }

  /// Starts the pending transfers from a handler on the executor (once per
  /// batch), so their first operations are initiated inside the run loop.
  void post_start_pending() {
    if (pending_.empty() || start_posted_)
      return;
    start_posted_ = true;
    asio::post(executor_, [this, alive = std::weak_ptr<bool>(alive_)] {
      if (alive.expired())
        return;
      start_posted_ = false;
      start_pending();
    });
  }

  /// Starts every transfer added since the last call.
  void start_pending() {
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      transfer_impl& t = *pending_[i];
      if (t.engine == this && t.state == transfer_state::pending)
        start(t);
    }
    pending_.clear();
  }

  /// Pops the oldest completion message; null when none is left.
  transfer_impl* pop_message(std::size_t& remaining) noexcept {
    if (message_head_ == messages_.size()) {
      remaining = 0;
      return nullptr;
    }
    transfer_impl* t = messages_[message_head_++].get();
    t->message_queued = false;
    remaining = messages_.size() - message_head_;
    if (remaining == 0) {
      messages_.clear(); // members_ still holds t
      message_head_ = 0;
    }
    return t;
  }

  // ---- engine_link

  /// Removes `t` from the multi in whatever state it is; its connection, if
  /// mid-request, is closed (it cannot carry another request).
  void detach(transfer_impl& t) noexcept override {
    if (t.engine != this)
      return;
    ref<transfer_impl> keep(&t);
    if (t.connection != nullptr) {
      ref<connection_type> conn(static_cast<connection_type*>(t.connection));
      t.connection = nullptr;
      conn->drop_transfer();
      conn->close_socket();
      connection_closed(*conn);
    }
    if (t.state == transfer_state::queued)
      erase_waiting(t);
    if (t.state == transfer_state::pending)
      std::erase_if(pending_, [&](const ref<transfer_impl>& p) { return p.get() == &t; });
    if (t.message_queued) {
      auto first = messages_.begin() + static_cast<std::ptrdiff_t>(message_head_);
      messages_.erase(std::remove_if(first, messages_.end(),
                                     [&](const ref<transfer_impl>& m) { return m.get() == &t; }),
                      messages_.end());
      t.message_queued = false;
    }
    if (t.state != transfer_state::done)
      --running_;
    auto pending_completion = std::move(t.on_complete_async);
    remove_member(t);
    t.set_state(transfer_state::idle);
    if (pending_completion)
      pending_completion->complete(asio::error::operation_aborted, t.status);
  }

  void resume(transfer_impl& t) override {
    if (t.engine != this)
      return; // the caller cleared the pause flags; the connection continues what is no longer paused
    if (t.connection != nullptr)
      static_cast<connection_type*>(t.connection)->resume();
  }

  /// Closes every connection and detaches every transfer; the engine is going away.
  void shutdown() noexcept {
    while (!members_.empty())
      detach(*members_.back());
    for (auto& conn : connections_)
      conn->orphan();
    for (auto& [fingerprint, context] : tls_contexts_)
      context->detach_sessions();
    tls_contexts_.clear();
    tls_sessions_.clear();
    connections_.clear();
    hosts_.clear();
    origin_open_.clear();
    pending_.clear();
    messages_.clear();
    message_head_ = 0;
    idle_count_ = 0;
    waiting_count_ = 0;
  }

  // ---- called by connections

  /// `t`'s response is complete (empty `result`) or failed: send the request
  /// it leads to (a redirect, an authentication answer), or deliver its completion.
  void transfer_finished(transfer_impl& t, std::error_code result) {
    ref<transfer_impl> keep(&t);
    if (!result && t.next != follow_up::none) {
      continue_run(t);
      return;
    }
    if (!t.close_output() && !result) {
      result = errc::write_error;
      t.error_detail = "Failure writing output to " + t.output_file;
    }
    t.close_body_file();
    t.result = result;
    t.connection = nullptr;
    if (t.info.connection_id == 0 && t.addresses_from != 0) {
      // No connection carried this run: addresses of an earlier run must not show.
      t.addresses_from = 0;
      t.info.primary_ip.clear();
      t.info.primary_port = 0;
      t.info.local_ip.clear();
      t.info.local_port = 0;
    }
    t.info.total_time = std::chrono::steady_clock::now() - t.started_at;
    t.set_state(transfer_state::done);
    --running_;
    if (t.on_complete_async) {
      auto completion = std::move(t.on_complete_async);
      remove_member(t);
      completion->complete(result, t.status);
      return;
    }
    t.message_queued = true;
    messages_.push_back(std::move(keep));
  }

  /// `conn` finished a response and may carry another request.
  void connection_released(connection_type& conn) {
    host_slot& slot = *static_cast<host_slot*>(conn.pool_slot);
    if (!slot.waiting.empty()) {
      ref<transfer_impl> next = pop_waiting(slot);
      conn.start_reuse(*next);
      return;
    }
    if (waiting_count_ > 0 && total_limit_reached()) {
      // Another origin waits for a slot: give it this one.
      ref<connection_type> keep(&conn);
      conn.close_socket();
      connection_closed(conn);
      return;
    }
    conn.make_idle();
    slot.idle.push_back(ref<connection_type>(&conn));
    ++idle_count_;
    const std::size_t idle_limit =
        options_.max_connects != 0 ? options_.max_connects : std::max<std::size_t>(4 * members_.size(), 4);
    while (idle_count_ > idle_limit)
      close_oldest_idle();
  }

  /// `conn` was closed (by error, by the server, or by the engine).
  void connection_closed(connection_type& conn) {
    ref<connection_type> keep(&conn);
    if (conn.pool_slot != nullptr) {
      host_slot& slot = *static_cast<host_slot*>(std::exchange(conn.pool_slot, nullptr));
      --slot.open;
      --*slot.origin_open;
      auto idle = std::find(slot.idle.begin(), slot.idle.end(), keep);
      if (idle != slot.idle.end()) {
        slot.idle.erase(idle);
        --idle_count_;
      }
    }
    const std::size_t index = conn.open_index;
    if (index < connections_.size() && connections_[index].get() == &conn) {
      connections_[index] = std::move(connections_.back());
      connections_[index]->open_index = index;
      connections_.pop_back();
    }
    start_waiting();
  }

  /// A reused connection proved stale before answering: try `t` once more on a new one.
  void retry_on_fresh_connection(transfer_impl& t) {
    t.reset_for_retry();
    if (t.sends_body() && !t.rewind_body()) {
      t.error_detail = "The request must be sent again but its body cannot rewind";
      transfer_finished(t, errc::send_fail_rewind);
      return;
    }
    acquire(t, /*fresh=*/true);
  }

  /// The cookie jar transfers started from now on share; null: none.
  void set_cookie_jar(std::shared_ptr<cookie_jar> jar) noexcept { cookies_.set_jar(std::move(jar)); }
  const std::shared_ptr<cookie_jar>& get_cookie_jar() const noexcept { return cookies_.jar(); }

private:
  /// Connections and waiting transfers of one pool key (origin + TLS configuration).
  struct host_slot {
    std::size_t open = 0;                     ///< open connections (any phase)
    std::size_t* origin_open = nullptr;       ///< open connections to the origin, any TLS configuration
    std::vector<ref<connection_type>> idle;   ///< oldest first
    std::deque<ref<transfer_impl>> waiting;   ///< FIFO
  };

  /// The slot of `pool_key`, linked to its origin's connection count (the
  /// per-host limit counts every TLS configuration of an origin together).
  host_slot& slot_for(const std::string& pool_key) {
    host_slot& slot = hosts_[pool_key];
    if (!slot.origin_open)
      slot.origin_open = &origin_open_[pool_key.substr(0, pool_key.find('#'))];
    return slot;
  }

  void start(transfer_impl& t) {
    t.started_at = std::chrono::steady_clock::now();
    if (t.routing_engine != this && !route(t))
      return;
    t.info.effective_url.assign(t.target.str());
    t.cookies = cookies_.jar() && t.use_cookies ? &cookies_ : nullptr;
    std::error_code ec;
    if (!t.begin_run(ec)) {
      transfer_finished(t, ec);
      return;
    }
    acquire(t, /*fresh=*/t.connect.fresh_connect);
  }

  /// Sends the request `t`'s last response leads to, once its connection was
  /// released (so that it can carry it).
  void continue_run(transfer_impl& t) {
    t.connection = nullptr;
    std::error_code ec;
    if (!t.begin_follow_up(ec)) {
      transfer_finished(t, ec);
      return;
    }
    const std::uint64_t run = ++t.follow_up_sequence;
    asio::post(executor_, [this, t = ref<transfer_impl>(&t), run, alive = std::weak_ptr<bool>(alive_)] {
      if (alive.expired() || t->engine != this || t->follow_up_sequence != run ||
          t->state == transfer_state::done || t->connection != nullptr)
        return;
      if (!route_target(*t))
        return;
      t->routing_engine = nullptr; // routed for this request only: the next run starts from url_text
      acquire(*t, /*fresh=*/false);
    });
  }

  /// Parses `t`'s URL and finds its pool slot and TLS context, once: the
  /// result is kept until the transfer changes or leaves this engine.
  /// False when the transfer failed.
  bool route(transfer_impl& t) {
    std::error_code ec;
    t.target = url::parse(t.url_text, ec);
    if (ec) {
      t.error_detail = "URL rejected: \"" + t.url_text + "\"";
      transfer_finished(t, errc::url_malformat);
      return false;
    }
    return route_target(t);
  }

  /// Finds the pool slot and TLS context of t.target; false when the transfer failed.
  bool route_target(transfer_impl& t) {
    std::error_code ec;
    const bool https = t.target.scheme() == "https";
    if (!https && t.target.scheme() != "http") {
      t.error_detail = "Protocol \"" + std::string(t.target.scheme()) + "\" not supported";
      transfer_finished(t, errc::unsupported_protocol);
      return false;
    }
    t.pool_key.clear();
    t.pool_key.append(t.target.scheme()).append("://").append(t.target.host_header_view());
    if (!t.target.has_explicit_port())
      t.pool_key.append(":").append(std::to_string(t.target.port()));
    t.tls_context_for_run.reset();
    if (https) {
      t.tls_context_for_run = tls_context_for(t, ec);
      if (ec) {
        transfer_finished(t, ec);
        return false;
      }
      t.pool_key.append("#").append(t.tls_context_for_run->id());
    }
    append_route_key(t.connect, t.pool_key);
    t.pool_slot = &slot_for(t.pool_key);
    t.routing_engine = this;
    return true;
  }

  /// Gives `t` an idle connection, a new one, or a place in the queue.
  void acquire(transfer_impl& t, bool fresh) {
    host_slot& slot = *static_cast<host_slot*>(t.pool_slot);
    if (!fresh) {
      const auto now = std::chrono::steady_clock::now();
      while (!slot.idle.empty()) {
        ref<connection_type> conn = std::move(slot.idle.back());
        slot.idle.pop_back();
        --idle_count_;
        if (!conn->reusable(now, options_)) {
          conn->close_socket();
          connection_closed(*conn);
          continue;
        }
        conn->start_reuse(t);
        return;
      }
    }
    if (!can_open(slot) && slot_free_for_host(slot) && idle_count_ > 0)
      close_oldest_idle(); // frees a slot, which goes to an older waiter first
    if (can_open(slot)) {
      open(t, slot);
      return;
    }
    t.queue_sequence = next_queue_sequence_++;
    slot.waiting.push_back(ref<transfer_impl>(&t));
    ++waiting_count_;
    t.set_state(transfer_state::queued);
  }

  /// The shared context for `t`'s TLS options, built on first use.
  std::shared_ptr<tls_context> tls_context_for(transfer_impl& t, std::error_code& ec) {
    std::string fingerprint = tls_fingerprint(t.tls);
    auto found = tls_contexts_.find(fingerprint);
    if (found != tls_contexts_.end())
      return found->second;
    auto context = std::make_shared<tls_context>(t.tls, std::to_string(tls_contexts_.size() + 1),
                                                 tls_sessions_, ec, t.error_detail);
    if (ec)
      return nullptr;
    tls_contexts_.emplace(std::move(fingerprint), context);
    return context;
  }

  void open(transfer_impl& t, host_slot& slot) {
    auto conn = make_ref<connection_type>(*this, t.pool_key, executor_, t.tls_context_for_run);
    conn->id = ++connections_opened_;
    ++t.info.new_connections;
    conn->open_index = connections_.size();
    conn->pool_slot = &slot;
    connections_.push_back(conn);
    ++slot.open;
    ++*slot.origin_open;
    conn->start_connect(t);
  }

  bool total_limit_reached() const noexcept {
    return options_.max_total_connections != 0 &&
           connections_.size() >= options_.max_total_connections;
  }
  bool slot_free_for_host(const host_slot& slot) const noexcept {
    return options_.max_host_connections == 0 || *slot.origin_open < options_.max_host_connections;
  }
  bool can_open(const host_slot& slot) const noexcept {
    return !total_limit_reached() && slot_free_for_host(slot);
  }

  /// Closes the idle connection that has waited longest; false when there is none.
  bool close_oldest_idle() {
    host_slot* oldest = nullptr;
    for (auto& [key, slot] : hosts_) {
      if (!slot.idle.empty() &&
          (!oldest || slot.idle.front()->idle_since() < oldest->idle.front()->idle_since()))
        oldest = &slot;
    }
    if (!oldest)
      return false;
    ref<connection_type> conn = oldest->idle.front();
    conn->close_socket();
    connection_closed(*conn);
    return true;
  }

  /// Opens connections for waiting transfers while limits allow, oldest first.
  void start_waiting() {
    while (waiting_count_ > 0 && !total_limit_reached()) {
      host_slot* best = nullptr;
      for (auto& [key, slot] : hosts_) {
        if (!slot.waiting.empty() && slot_free_for_host(slot) &&
            (!best || slot.waiting.front()->queue_sequence < best->waiting.front()->queue_sequence))
          best = &slot;
      }
      if (!best)
        return;
      ref<transfer_impl> t = pop_waiting(*best);
      open(*t, *best);
    }
  }

  ref<transfer_impl> pop_waiting(host_slot& slot) {
    ref<transfer_impl> t = std::move(slot.waiting.front());
    slot.waiting.pop_front();
    --waiting_count_;
    t->info.timing.queue = t->since_start();
    return t;
  }

  void erase_waiting(transfer_impl& t) {
    auto& waiting = static_cast<host_slot*>(t.pool_slot)->waiting;
    auto it = std::find_if(waiting.begin(), waiting.end(),
                           [&](const ref<transfer_impl>& w) { return w.get() == &t; });
    if (it != waiting.end()) {
      waiting.erase(it);
      --waiting_count_;
    }
  }

  void remove_member(transfer_impl& t) noexcept {
    const std::size_t index = t.member_index;
    t.engine = nullptr;
    t.routing_engine = nullptr; // its pool slot and TLS context belong to this engine
    if (index < members_.size() && members_[index].get() == &t) {
      members_[index] = std::move(members_.back());
      members_[index]->member_index = index;
      members_.pop_back();
    }
  }

  Executor executor_;
  multi_options options_;
  std::vector<ref<transfer_impl>> members_;
  std::vector<ref<transfer_impl>> pending_;
  std::vector<ref<transfer_impl>> messages_;
  std::size_t message_head_ = 0;
  std::vector<ref<connection_type>> connections_;
  std::unordered_map<std::string, host_slot> hosts_;
  std::unordered_map<std::string, std::size_t> origin_open_;
  std::unordered_map<std::string, std::shared_ptr<tls_context>> tls_contexts_;
  tls_session_cache tls_sessions_;
  std::size_t running_ = 0;
  std::size_t idle_count_ = 0;
  std::size_t waiting_count_ = 0;
  std::uint64_t next_queue_sequence_ = 0;
  std::uint64_t connections_opened_ = 0;
  cookie_link cookies_;
  multi_connect_state connect_state_;
  int callback_depth_ = 0;
  bool start_posted_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true); ///< expires with the engine
  std::shared_ptr<fault_injector> faults_;
};

} // namespace xfer::detail
