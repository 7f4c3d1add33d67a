// xfer/detail/engine.hpp - a multi's machinery: members, connection pool, wait queue, messages.
#pragma once

#include <xfer/detail/connection.hpp>
#include <xfer/detail/cookie_link.hpp>
#include <xfer/detail/rate_window.hpp>
#include <xfer/detail/retry_budget.hpp>
#include <xfer/detail/retry_decision.hpp>
#include <xfer/detail/ref_counted.hpp>
#include <xfer/detail/tls_context.hpp>
#include <xfer/detail/tls_session_cache.hpp>
#include <xfer/detail/transfer_impl.hpp>
#include <xfer/error.hpp>
#include <xfer/fault_injection.hpp>
#include <xfer/multi_counters.hpp>
#include <xfer/multi_options.hpp>

#include <xfer/detail/asio.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace xfer::detail {

/// Told when a completion message is queued (async_info_read's waiters).
class message_listener {
public:
  virtual void message_queued() = 0;

protected:
  ~message_listener() = default;
};

/// The single-threaded core of a multi. It owns references to its member
/// transfers and open connections, files connections by origin, queues
/// transfers that wait for a connection slot and keeps the completion
/// messages in order.
///
/// Scheduling: a waiting transfer leaves the queue by priority (higher
/// first), then in the order it entered (FIFO), across origins; an origin
/// over its request-rate limit holds its waiters back without blocking other
/// origins. Queue-wait deadlines, rate-limit openings and retry delays share
/// one timer, armed only while something waits for it.
template <class Executor>
class engine final : public engine_link {
public:
  using connection_type = connection<Executor>;
  using clock = std::chrono::steady_clock;
  using timer_type = asio::basic_waitable_timer<clock, asio::wait_traits<clock>, Executor>;

  engine(const Executor& ex, const multi_options& options)
      : executor_(ex), options_(options), schedule_timer_(ex), random_(std::random_device{}()) {
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
    // Transfers added together start by priority (stable: FIFO among equals).
    if (std::any_of(pending_.begin(), pending_.end(), [](const ref<transfer_impl>& p) { return p->priority != 0; }))
      std::stable_sort(pending_.begin(), pending_.end(),
                       [](const ref<transfer_impl>& a, const ref<transfer_impl>& b) { return a->priority > b->priority; });
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
    release_run(t);
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
      pending_completion->complete(operation_aborted_error(), t.status);
  }

  /// Stops `t`'s run at once and completes it with asio::error::operation_aborted
  /// (a message, or its async_perform handler); nothing for a finished transfer.
  void cancel(transfer_impl& t) {
    if (t.engine != this || t.state == transfer_state::done || t.state == transfer_state::idle)
      return;
    ref<transfer_impl> keep(&t);
    release_run(t);
    t.error_detail = "Cancelled";
    transfer_finished(t, operation_aborted_error());
  }

  bool plan_status_retry(transfer_impl& t) override {
    if (!retryable_status(t.retry, t.status))
      return false;
    return plan_retry(t, "HTTP " + std::to_string(t.status));
  }

  // ---- thread-safe submission (multi_remote), on the engine's thread

  /// Adds `t` as a remote add does, under `id`; it starts on the executor.
  std::error_code add_remote(transfer_impl& t, std::uint64_t id) {
    const std::error_code ec = add(t, false);
    if (ec)
      return ec;
    t.remote_id = id;
    remote_ids_[id] = &t;
    post_start_pending();
    return {};
  }
  /// The member a remote add gave `id`; null once it left the multi.
  transfer_impl* find_remote(std::uint64_t id) const {
    const auto found = remote_ids_.find(id);
    return found == remote_ids_.end() ? nullptr : found->second;
  }

  // ---- counters

  /// The member transfers by stage (curl_multi_get_offt).
  multi_counters counters() const noexcept {
    multi_counters c;
    c.size = members_.size();
    c.running = running_;
    c.messages = messages_.size() - message_head_;
    for (const auto& t : members_) {
      switch (t->state) {
      case transfer_state::idle: break;
      case transfer_state::pending: ++c.pending; break;
      case transfer_state::queued: ++c.queued; break;
      case transfer_state::retry_waiting: ++c.retry_waiting; break;
      case transfer_state::resolving:
      case transfer_state::connecting:
      case transfer_state::tls_handshake: ++c.connecting; break;
      case transfer_state::sending:
      case transfer_state::awaiting_headers:
      case transfer_state::receiving_body: ++c.transferring; break;
      case transfer_state::done: ++c.done; break;
      }
    }
    return c;
  }
  /// Calls `f(transfer_impl&)` for each member, in no particular order.
  template <class F>
  void for_each_member(F f) const {
    for (const auto& t : members_)
      f(*t);
  }

  void set_message_listener(message_listener* listener) noexcept { message_listener_ = listener; }

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
    try {
      schedule_timer_.cancel();
    } catch (...) {
    }
    schedule_at_ = clock::time_point::max();
    retry_waiting_.clear();
    remote_ids_.clear();
    for (auto& conn : connections_)
      conn->orphan();
    for (auto& [fingerprint, context] : tls_contexts_)
      context->detach_sessions();
    tls_contexts_.clear();
    tls_sessions_.clear();
    connections_.clear();
    hosts_.clear();
    origin_open_.clear();
    origin_rates_.clear();
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
    if (!result && t.next == follow_up::retry) {
      schedule_retry(t, "HTTP " + std::to_string(t.status));
      return;
    }
    if (!result && t.next != follow_up::none) {
      continue_run(t);
      return;
    }
    if (result && t.retry.max_retries != 0 && plan_error_retry(t, result)) {
      schedule_retry(t, result.message());
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
    t.info.timing.total = std::chrono::duration_cast<std::chrono::microseconds>(t.info.total_time);
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
    if (message_listener_)
      message_listener_->message_queued();
  }

  /// `conn` finished a response and may carry another request.
  void connection_released(connection_type& conn) {
    host_slot& slot = *static_cast<host_slot*>(conn.pool_slot);
    if (options_.max_connection_lifetime.count() > 0 && conn.outlived(clock::now(), options_)) {
      // Too old for another request, a waiter's included: its slot goes to a new connection.
      ref<connection_type> keep(&conn);
      conn.close_socket();
      connection_closed(conn);
      return;
    }
    if (!slot.waiting.empty() && !waits_behind_other_origin(slot)) {
      const auto now = rate_limited() ? clock::now() : clock::time_point{};
      if (rate_allows(slot, now)) {
        ref<transfer_impl> next = pop_waiting(slot);
        note_request_start(*next, slot, now);
        conn.start_reuse(*next);
        return;
      }
      arm_schedule(slot.rate->opens_at(options_.max_requests_per_interval, options_.rate_interval));
    }
    if (waiting_count_ > slot.waiting.size() && total_limit_reached()) {
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
    std::deque<ref<transfer_impl>> waiting;   ///< by priority, then FIFO (queued_before)
    rate_window* rate = nullptr;              ///< the origin's request starts (rate limit)
  };

  /// The slot of `pool_key`, linked to its origin's connection count (the
  /// per-host limit counts every TLS configuration of an origin together).
  host_slot& slot_for(const std::string& pool_key) {
    host_slot& slot = hosts_[pool_key];
    if (!slot.origin_open) {
      const std::string origin = pool_key.substr(0, pool_key.find('#'));
      slot.origin_open = &origin_open_[origin];
      slot.rate = &origin_rates_[origin];
    }
    return slot;
  }

  void start(transfer_impl& t) {
    t.started_at = std::chrono::steady_clock::now();
    budget_.deposit(options_.retry_budget_ratio, options_.retry_budget_reserve);
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
    const auto now = clock::now();
    if (!slot.waiting.empty() || !rate_allows(slot, now)) {
      // Others of its origin wait already, or the origin is over its rate: take a place in line.
      enqueue(t, slot, now);
      start_waiting();
      return;
    }
    if (!fresh && reuse_idle(t, slot, now))
      return;
    if (!can_open(slot) && slot_free_for_host(slot) && idle_count_ > 0)
      close_oldest_idle(); // frees a slot, which goes to an older waiter first
    if (can_open(slot)) {
      note_request_start(t, slot, now);
      open(t, slot);
      return;
    }
    enqueue(t, slot, now);
  }

  /// Sends `t` over one of the slot's idle connections that is still usable;
  /// false when there is none (stale ones are closed on the way).
  bool reuse_idle(transfer_impl& t, host_slot& slot, clock::time_point now) {
    while (!slot.idle.empty()) {
      ref<connection_type> conn = std::move(slot.idle.back());
      slot.idle.pop_back();
      --idle_count_;
      if (!conn->reusable(now, options_)) {
        conn->close_socket();
        connection_closed(*conn);
        continue;
      }
      note_request_start(t, slot, now);
      conn->start_reuse(t);
      return true;
    }
    return false;
  }

  /// `t` leaves the queue (or never entered it) for a connection at `now`;
  /// the run's first such moment starts its total timeout.
  void note_request_start(transfer_impl& t, host_slot& slot, clock::time_point now) {
    if (now == clock::time_point{})
      now = clock::now();
    if (rate_limited())
      slot.rate->record(options_.max_requests_per_interval, now);
    if (t.left_queue_at == clock::time_point{})
      t.left_queue_at = now;
  }

  bool rate_limited() const noexcept { return options_.max_requests_per_interval != 0; }
  /// Whether the slot's origin may start a request at `now` (always, without a rate limit).
  bool rate_allows(const host_slot& slot, clock::time_point now) const noexcept {
    return !rate_limited() || slot.rate->allows(options_.max_requests_per_interval, options_.rate_interval, now);
  }

  /// Whether, with every connection slot taken, a waiter of another origin
  /// goes before `slot`'s first one: the slot's released connection is then
  /// closed so that the other origin can open one.
  bool waits_behind_other_origin(const host_slot& slot) const noexcept {
    if (waiting_count_ == slot.waiting.size() || !total_limit_reached())
      return false;
    for (const auto& [key, other] : hosts_)
      if (&other != &slot && !other.waiting.empty() && queued_before(*other.waiting.front(), *slot.waiting.front()))
        return true;
    return false;
  }

  /// Whether `a` leaves the queue before `b`: higher priority, then earlier arrival.
  static bool queued_before(const transfer_impl& a, const transfer_impl& b) noexcept {
    return a.priority != b.priority ? a.priority > b.priority : a.queue_sequence < b.queue_sequence;
  }

  /// Puts `t` in its slot's queue, behind every waiter that goes before it.
  /// `sequence` keeps the place of a transfer that returns to the queue.
  void enqueue(transfer_impl& t, host_slot& slot, clock::time_point now, std::uint64_t sequence = 0) {
    t.queue_sequence = sequence != 0 ? sequence : ++next_queue_sequence_;
    t.queued_at = now;
    auto position = slot.waiting.end();
    while (position != slot.waiting.begin() && queued_before(t, **std::prev(position)))
      --position;
    slot.waiting.insert(position, ref<transfer_impl>(&t));
    ++waiting_count_;
    t.set_state(transfer_state::queued);
    if (t.queue_timeout.count() > 0) {
      ++timed_waiters_;
      arm_schedule(t.queued_at + t.queue_timeout);
    }
    if (!rate_allows(slot, now))
      arm_schedule(slot.rate->opens_at(options_.max_requests_per_interval, options_.rate_interval));
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

  /// Gives waiting transfers connections while limits allow, in queue order
  /// across origins (priority, then arrival); an origin over its rate limit is
  /// skipped until the schedule timer opens it.
  void start_waiting() {
    if (waiting_count_ == 0 || dispatching_)
      return; // a nested call (a stale idle connection closed below) leaves the work to this loop
    dispatching_ = true;
    const auto now = clock::now();
    for (;;) {
      host_slot* best = nullptr;
      for (auto& [key, slot] : hosts_) {
        if (slot.waiting.empty() || (slot.idle.empty() && !can_open(slot)))
          continue;
        if (!rate_allows(slot, now)) {
          arm_schedule(slot.rate->opens_at(options_.max_requests_per_interval, options_.rate_interval));
          continue;
        }
        if (!best || queued_before(*slot.waiting.front(), *best->waiting.front()))
          best = &slot;
      }
      if (!best)
        break;
      ref<transfer_impl> t = pop_waiting(*best);
      if (reuse_idle(*t, *best, now))
        continue;
      if (!can_open(*best)) {
        // Its idle connections were stale and their slots went elsewhere: back to its place.
        enqueue(*t, *best, t->queued_at, t->queue_sequence);
        continue;
      }
      note_request_start(*t, *best, now);
      open(*t, *best);
    }
    dispatching_ = false;
  }

  ref<transfer_impl> pop_waiting(host_slot& slot) {
    ref<transfer_impl> t = std::move(slot.waiting.front());
    slot.waiting.pop_front();
    --waiting_count_;
    if (t->queue_timeout.count() > 0)
      --timed_waiters_;
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
      if (t.queue_timeout.count() > 0)
        --timed_waiters_;
    }
  }

  /// Undoes what `t`'s run holds in the engine: its connection (closed, as it
  /// is mid-request), its place in a queue or in the retry wait.
  void release_run(transfer_impl& t) noexcept {
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
    if (t.state == transfer_state::retry_waiting)
      std::erase_if(retry_waiting_, [&](const ref<transfer_impl>& p) { return p.get() == &t; });
  }

  // ---- the schedule timer: queue-wait deadlines, rate-limit openings, retry delays

  /// Makes the schedule timer fire at `at` at the latest.
  void arm_schedule(clock::time_point at) {
    if (at >= schedule_at_)
      return;
    schedule_at_ = at;
    schedule_timer_.expires_at(at);
    schedule_timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](const asio::error_code& error) {
      if (error || alive.expired())
        return; // re-armed for an earlier time, or the engine is gone
      on_schedule_timer();
    });
  }

  void on_schedule_timer() {
    schedule_at_ = clock::time_point::max();
    const auto now = clock::now();
    if (timed_waiters_ > 0)
      expire_queue_waits(now);
    start_due_retries(now);
    start_waiting();
    // Armed again for the next thing that waits on time.
    auto next = clock::time_point::max();
    for (auto& [key, slot] : hosts_) {
      if (slot.waiting.empty())
        continue;
      if (!rate_allows(slot, now))
        next = std::min(next, slot.rate->opens_at(options_.max_requests_per_interval, options_.rate_interval));
      if (timed_waiters_ > 0)
        for (const auto& w : slot.waiting)
          if (w->queue_timeout.count() > 0)
            next = std::min(next, w->queued_at + w->queue_timeout);
    }
    for (const auto& t : retry_waiting_)
      next = std::min(next, t->retry_due);
    if (next != clock::time_point::max())
      arm_schedule(next);
  }

  /// Ends every transfer whose queue wait passed its queue_timeout.
  void expire_queue_waits(clock::time_point now) {
    std::vector<ref<transfer_impl>> expired;
    for (auto& [key, slot] : hosts_)
      for (const auto& w : slot.waiting)
        if (w->queue_timeout.count() > 0 && w->queued_at + w->queue_timeout <= now)
          expired.push_back(w);
    for (auto& t : expired) {
      if (t->engine != this || t->state != transfer_state::queued)
        continue;
      const bool rate_held = !rate_allows(*static_cast<host_slot*>(t->pool_slot), now);
      erase_waiting(*t);
      t->info.timing.queue = t->since_start();
      const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - t->queued_at);
      t->error_detail = "Queue wait timed out after " + std::to_string(waited.count()) + " milliseconds (" +
                        (rate_held ? "held by the origin's request rate limit" : "no connection slot free") + ")";
      transfer_finished(*t, errc::operation_timedout);
    }
  }

  /// Sends the requests whose retry delay is over.
  void start_due_retries(clock::time_point now) {
    if (retry_waiting_.empty())
      return;
    std::vector<ref<transfer_impl>> due;
    std::erase_if(retry_waiting_, [&](ref<transfer_impl>& t) {
      if (t->retry_due > now)
        return false;
      due.push_back(std::move(t));
      return true;
    });
    for (auto& t : due)
      if (t->engine == this && t->state == transfer_state::retry_waiting)
        acquire(*t, /*fresh=*/false);
  }

  // ---- retries

  /// Whether the network error `result` that ended `t`'s attempt is retried.
  bool plan_error_retry(transfer_impl& t, std::error_code result) {
    const bool response_started =
        t.status != 0 || ((t.state == transfer_state::sending || t.state == transfer_state::awaiting_headers) &&
                          t.parser.started());
    if (t.abort_result || !retryable_error(t.retry, result, t.state, response_started))
      return false;
    t.info.retry_after.reset();
    return plan_retry(t, result.message());
  }

  /// Applies `t`'s retry policy and the multi's budget to a retryable failure
  /// (`why`); true with t.retry_delay set when it is retried.
  bool plan_retry(transfer_impl& t, const std::string& why) {
    const bool rewindable = !t.sends_body() || t.body_kind != body_source::callback || t.body_rewind;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - t.started_at);
    const double draw = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
    const retry_verdict verdict =
        decide_retry(t.retry, t.current_method(), rewindable, t.info.retries, elapsed, t.info.retry_after, draw);
    std::string_view refusal = verdict.refusal;
    if (verdict.retry && clock::now() + verdict.delay >= t.total_deadline())
      refusal = "the next attempt would start after the total timeout";
    if (refusal.empty() && verdict.retry && !budget_.withdraw(options_.retry_budget_reserve))
      refusal = "the multi's retry budget is spent";
    if (!refusal.empty()) {
      trace(t, "Not retrying after " + why + ": " + std::string(refusal));
      return false;
    }
    t.retry_delay = verdict.delay;
    return true;
  }

  /// Starts the wait before `t`'s next attempt (planned by plan_retry after `why`).
  void schedule_retry(transfer_impl& t, const std::string& why) {
    ++t.info.retries;
    trace(t, "Retry " + std::to_string(t.info.retries) + " of " + std::to_string(t.retry.max_retries) + " in " +
                 std::to_string(t.retry_delay.count()) + " ms after " + why);
    t.connection = nullptr;
    t.next = follow_up::none;
    t.status = 0;
    t.reason.clear();
    t.response_headers.clear();
    t.response_body.clear();
    t.error_detail.clear();
    t.info.bytes_downloaded = 0;
    t.info.bytes_uploaded = 0;
    t.info.content_type.clear();
    t.info.retry_after.reset();
    if (t.sends_body() && !t.rewind_body()) {
      t.error_detail = "The request must be sent again but its body cannot rewind";
      transfer_finished(t, errc::send_fail_rewind);
      return;
    }
    t.upload_offset = 0;
    t.retry_due = clock::now() + t.retry_delay;
    t.set_state(transfer_state::retry_waiting);
    retry_waiting_.push_back(ref<transfer_impl>(&t));
    arm_schedule(t.retry_due);
  }

  /// Shows `text` to `t`'s debug callback (as a callback: re-entry is refused).
  void trace(transfer_impl& t, const std::string& text) {
    if (!t.on_debug)
      return;
    enter_callback();
    try {
      t.debug_text(text);
    } catch (...) {
    }
    leave_callback();
  }

  void remove_member(transfer_impl& t) noexcept {
    if (t.remote_id != 0) {
      remote_ids_.erase(t.remote_id);
      t.remote_id = 0;
    }
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
  std::unordered_map<std::string, rate_window> origin_rates_; ///< request starts per origin
  timer_type schedule_timer_;           ///< queue deadlines, rate-limit openings, retry delays
  clock::time_point schedule_at_ = clock::time_point::max(); ///< when it fires; max = not armed
  std::size_t timed_waiters_ = 0;       ///< waiting transfers with a queue_timeout
  std::vector<ref<transfer_impl>> retry_waiting_;
  retry_budget budget_;
  std::minstd_rand random_;             ///< retry jitter
  std::unordered_map<std::uint64_t, transfer_impl*> remote_ids_;
  message_listener* message_listener_ = nullptr;
  bool dispatching_ = false;            ///< start_waiting() runs
  cookie_link cookies_;
  multi_connect_state connect_state_;
  int callback_depth_ = 0;
  bool start_posted_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true); ///< expires with the engine
  std::shared_ptr<fault_injector> faults_;
};

} // namespace xfer::detail
