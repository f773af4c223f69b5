// The NATS bridge's thread, connection and subscriptions (see nats_bridge.h).
#include "cluster/nats_bridge.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "cluster/remote_delivery.h"
#include "cluster/subject_codec.h"
#include "core/clock.h"
#include "pubsub/glob.h"

namespace ringcast::cluster {
namespace {

using pubsub::Kind;

// nats-server refuses a protocol line longer than its max_control_line
// (4 KiB by default) and closes the connection: never send a subject close
// to it. Such a channel stays local to its node.
constexpr size_t kMaxSubjectBytes = 3800;
// A SUBSCRIBE waits for the flush at most this long; NATS is then slow or
// gone, and the subscription still reaches it when it answers.
constexpr int64_t kFlushTimeoutMs = 2000;
// How often a node cut off from NATS says so again in the log.
constexpr int64_t kUnconnectedReminderMs = 30000;

const char* status_name(natsConnStatus status) {
  switch (status) {
    case NATS_CONN_STATUS_CONNECTING: return "connecting";
    case NATS_CONN_STATUS_CONNECTED: return "connected";
    case NATS_CONN_STATUS_RECONNECTING: return "reconnecting";
    case NATS_CONN_STATUS_CLOSED: return "closed";
    case NATS_CONN_STATUS_DRAINING_SUBS:
    case NATS_CONN_STATUS_DRAINING_PUBS: return "draining";
    default: return "disconnected";
  }
}

std::string connected_url(natsConnection* nc) {
  char url[512] = {};
  if (nc == nullptr || natsConnection_GetConnectedUrl(nc, url, sizeof url) != NATS_OK) return {};
  return config::redact_urls(url);
}

// Why the connection is not up, as libnats last saw it ("Authorization
// Violation", "connection refused", a TLS failure...).
std::string last_error(natsConnection* nc) {
  const char* text = nullptr;
  const natsStatus s = natsConnection_GetLastError(nc, &text);
  if (text != nullptr && text[0] != '\0') return config::redact_urls(text);
  return s != NATS_OK ? natsStatus_GetText(s) : "no server answered";
}

// libnats's error text for this thread's last failed call, if it kept one.
std::string library_error() {
  const char* text = nats_GetLastError(nullptr);
  return text != nullptr && text[0] != '\0' ? " (" + config::redact_urls(text) + ")" : std::string();
}

}  // namespace

NatsBridge::NatsBridge(LocalDelivery& node, config::NatsConfig config) : node_(node), config_(std::move(config)) {}

NatsBridge::~NatsBridge() { stop(); }

std::string NatsBridge::configure(natsOptions* opts) {
  std::vector<const char*> urls;
  for (const std::string& url : config_.servers) urls.push_back(url.c_str());
  auto check = [](natsStatus s, const char* what) -> std::string {
    if (s == NATS_OK) return {};
    return std::string("cluster.nats: ") + what + ": " + natsStatus_GetText(s) + library_error();
  };
  std::string err;
  auto step = [&](natsStatus s, const char* what) {
    if (err.empty()) err = check(s, what);
  };
  step(natsOptions_SetServers(opts, urls.data(), int(urls.size())), "servers");
  // The operator lists this node's own NATS server first: keep that order.
  step(natsOptions_SetNoRandomize(opts, true), "servers");
  step(natsOptions_SetName(opts, config_.name.c_str()), "name");
  // A node's own publishes were delivered locally already.
  step(natsOptions_SetNoEcho(opts, true), "no_echo");
  if (!config_.user.empty())
    step(natsOptions_SetUserInfo(opts, config_.user.c_str(), config_.password.c_str()), "user");
  if (!config_.token.empty()) step(natsOptions_SetToken(opts, config_.token.c_str()), "token");
  if (config_.tls) {
    step(natsOptions_SetSecure(opts, true), "tls");
    if (!config_.tls_ca.empty()) step(natsOptions_LoadCATrustedCertificates(opts, config_.tls_ca.c_str()), "tls.ca");
    if (!config_.tls_cert.empty())
      step(natsOptions_LoadCertificatesChain(opts, config_.tls_cert.c_str(), config_.tls_key.c_str()), "tls.cert");
  }
  step(natsOptions_SetMaxReconnect(opts, -1), "reconnect");
  step(natsOptions_SetReconnectWait(opts, config_.reconnect_wait_ms), "reconnect_wait");
  step(natsOptions_SetRetryOnFailedConnect(opts, true, &NatsBridge::on_connected, this), "retry");
  step(natsOptions_SetDisconnectedCB(opts, &NatsBridge::on_disconnected, this), "callbacks");
  step(natsOptions_SetReconnectedCB(opts, &NatsBridge::on_reconnected, this), "callbacks");
  step(natsOptions_SetErrorHandler(opts, &NatsBridge::on_error, this), "callbacks");
  step(natsOptions_SetClosedCB(opts, &NatsBridge::on_closed, this), "callbacks");
  // One delivery thread for every subscription instead of a thread each:
  // a node may hold thousands of subjects.
  step(natsOptions_UseGlobalMessageDelivery(opts, true), "delivery");
  return err;
}

std::string NatsBridge::start() {
  if (natsOptions_Create(&options_) != NATS_OK) return "cluster.nats: cannot create NATS options";
  if (std::string err = configure(options_); !err.empty()) return err;
  const natsStatus s = natsConnection_Connect(&connection_, options_);
  if (s == NATS_NOT_YET_CONNECTED) {
    spdlog::warn("cluster: cannot connect to NATS yet ({}); serving locally and retrying every {} ms",
                 last_error(connection_), config_.reconnect_wait_ms);
    last_unconnected_log_ms_ = monotonic_ms();
  } else if (s != NATS_OK) {
    return std::string("cluster.nats: cannot connect: ") + natsStatus_GetText(s) + library_error();
  } else {
    ever_connected_.store(true);
    spdlog::info("cluster: connected to NATS at {}", connected_url(connection_));
  }
  thread_ = std::thread([this] { run(); });
  return {};
}

void NatsBridge::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  {
    // After this no incoming message enters a shard, which may be gone.
    std::unique_lock lock(delivering_);
    closed_.store(true);
  }
  for (auto& [subject, s] : subscriptions_) unsubscribe(s);
  subscriptions_.clear();
  if (connection_ != nullptr) {
    if (natsConnection_Status(connection_) == NATS_CONN_STATUS_CONNECTED)
      natsConnection_FlushTimeout(connection_, kFlushTimeoutMs);
    natsConnection_Close(connection_);
    std::unique_lock lock(lifecycle_mutex_);
    if (!lifecycle_changed_.wait_for(lock, std::chrono::seconds(5),
                                     [&] { return connection_closed_ && open_subscriptions_ == 0; }))
      spdlog::warn("cluster: libnats did not finish closing within 5 s");
    lock.unlock();
    natsConnection_Destroy(connection_);
    connection_ = nullptr;
  }
  natsOptions_Destroy(options_);
  options_ = nullptr;
}

void NatsBridge::push(Work&& w, size_t publish_bytes) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    queued_publish_bytes_ += publish_bytes;
    pending_bytes_.store(queued_publish_bytes_, std::memory_order_relaxed);
    queue_.push_back(std::move(w));
  }
  wake_.notify_one();
}

void NatsBridge::forward(Kind kind, std::string_view channel, std::string_view payload) {
  const size_t bytes = channel.size() + payload.size();
  {
    std::lock_guard lock(mutex_);
    if (queued_publish_bytes_ + bytes > config_.max_pending) {
      forward_dropped_.fetch_add(1, std::memory_order_relaxed);
      const int64_t now = monotonic_ms();
      if (now - last_drop_log_ms_.load(std::memory_order_relaxed) >= 1000) {
        last_drop_log_ms_.store(now, std::memory_order_relaxed);
        spdlog::warn("cluster: bridge queue full ({} bytes queued, max_pending {}): dropping publishes to NATS ({} so far)",
                     queued_publish_bytes_, config_.max_pending, forward_dropped_.load(std::memory_order_relaxed));
      }
      return;
    }
  }
  Work w{Work::Type::publish, kind, false, uint32_t(channel.size()), {}, {}};
  w.data.reserve(bytes);
  w.data.append(channel).append(payload);
  push(std::move(w), bytes);
}

void NatsBridge::after_flush(std::function<void()> done) {
  push(Work{Work::Type::flush, Kind::Channel, false, 0, {}, std::move(done)}, 0);
}

void NatsBridge::interest_changed(Kind kind, std::string_view name, bool present) {
  push(Work{Work::Type::interest, kind, present, 0, std::string(name), {}}, 0);
}

void NatsBridge::run() {
  std::deque<Work> batch;
  std::vector<std::function<void()>> flushed;
  std::unique_lock lock(mutex_);
  for (;;) {
    // Woken by work; once a second anyway, to read libnats's drop counts.
    wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_ || !queue_.empty(); });
    const bool last_round = stopping_;
    batch.swap(queue_);
    queued_publish_bytes_ = 0;
    pending_bytes_.store(0, std::memory_order_relaxed);
    lock.unlock();
    for (Work& w : batch) {
      switch (w.type) {
        case Work::Type::publish: publish(w); break;
        case Work::Type::interest: change_interest(w); break;
        case Work::Type::flush: flushed.push_back(std::move(w.done)); break;
      }
    }
    batch.clear();
    if (!flushed.empty()) {
      if (flush_needed_ && natsConnection_Status(connection_) == NATS_CONN_STATUS_CONNECTED) {
        const natsStatus s = natsConnection_FlushTimeout(connection_, kFlushTimeoutMs);
        if (s != NATS_OK) spdlog::warn("cluster: NATS flush failed: {}", natsStatus_GetText(s));
      }
      flush_needed_ = false;
      for (auto& done : flushed) done();
      flushed.clear();
    }
    update_dropped_count();
    remind_if_unconnected();
    lock.lock();
    if (last_round && queue_.empty()) return;
  }
}

void NatsBridge::publish(const Work& w) {
  const std::string_view data = w.data;
  const std::string subject = message_subject(config_.subject_prefix, w.kind, data.substr(0, w.channel_size));
  const std::string_view payload = data.substr(w.channel_size);
  natsStatus s = NATS_INVALID_SUBJECT;
  if (subject.size() <= kMaxSubjectBytes)
    s = natsConnection_Publish(connection_, subject.c_str(), payload.data(), int(payload.size()));
  if (s == NATS_OK) {
    messages_out_.fetch_add(1, std::memory_order_relaxed);
    bytes_out_.fetch_add(payload.size(), std::memory_order_relaxed);
    return;
  }
  forward_failed_.fetch_add(1, std::memory_order_relaxed);
  const int64_t now = monotonic_ms();
  if (now - last_failure_log_ms_ < 1000) return;
  last_failure_log_ms_ = now;
  spdlog::warn("cluster: a publish was not passed to NATS ({}; {} failed so far)",
               subject.size() > kMaxSubjectBytes ? "channel name too long for a NATS subject" : natsStatus_GetText(s),
               forward_failed_.load(std::memory_order_relaxed));
}

void NatsBridge::change_interest(const Work& w) {
  const std::string subject = subject_for(config_.subject_prefix, interest_for(w.kind, w.data));
  if (w.present) {
    NatsSubscription& s = subscriptions_[subject];
    if (s.refs++ != 0) return;
    if (subject.size() > kMaxSubjectBytes) {
      // Any client can subscribe to long names in bulk: one line a second.
      if (auto held = long_subject_log_.allow(monotonic_ms()))
        spdlog::warn("cluster: a {}-byte subscription name is too long for a NATS subject; it stays local "
                     "({} more since the last line)", w.data.size(), *held);
      return;
    }
    const natsStatus st = natsConnection_Subscribe(&s.sub, connection_, subject.c_str(), &NatsBridge::on_message, this);
    if (st != NATS_OK) {
      s.sub = nullptr;
      spdlog::error("cluster: NATS subscribe failed: {}", natsStatus_GetText(st));
      return;
    }
    if (natsSubscription_SetOnCompleteCB(s.sub, &NatsBridge::on_subscription_done, this) == NATS_OK) {
      std::lock_guard lock(lifecycle_mutex_);
      ++open_subscriptions_;
    }
    subjects_.fetch_add(1, std::memory_order_relaxed);
    flush_needed_ = true;
    return;
  }
  auto it = subscriptions_.find(subject);
  if (it == subscriptions_.end() || --it->second.refs != 0) return;
  unsubscribe(it->second);
  subscriptions_.erase(it);
}

void NatsBridge::unsubscribe(NatsSubscription& s) {
  if (s.sub == nullptr) return;
  int64_t dropped = 0;
  if (natsSubscription_GetDropped(s.sub, &dropped) == NATS_OK) dropped_by_gone_subscriptions_ += uint64_t(dropped);
  natsSubscription_Unsubscribe(s.sub);
  natsSubscription_Destroy(s.sub);
  s.sub = nullptr;
  subjects_.fetch_sub(1, std::memory_order_relaxed);
}

void NatsBridge::remind_if_unconnected() {
  if (natsConnection_Status(connection_) == NATS_CONN_STATUS_CONNECTED) {
    last_unconnected_log_ms_ = 0;
    return;
  }
  const int64_t now = monotonic_ms();
  if (last_unconnected_log_ms_ == 0) last_unconnected_log_ms_ = now;  // libnats logged the loss
  if (now - last_unconnected_log_ms_ < kUnconnectedReminderMs) return;
  last_unconnected_log_ms_ = now;
  spdlog::warn("cluster: still not connected to NATS ({}); serving locally, retrying", last_error(connection_));
}

void NatsBridge::update_dropped_count() {
  uint64_t total = dropped_by_gone_subscriptions_;
  for (auto& [subject, s] : subscriptions_) {
    int64_t dropped = 0;
    if (s.sub != nullptr && natsSubscription_GetDropped(s.sub, &dropped) == NATS_OK) total += uint64_t(dropped);
  }
  in_dropped_.store(total, std::memory_order_relaxed);
}

void NatsBridge::receive(natsSubscription* sub, natsMsg* msg) {
  // A message can still arrive on a subscription the bridge has just ended
  // (interest gone); libnats then has no subject for it: nobody here wants it.
  const char* message_subject = natsMsg_GetSubject(msg);
  const char* subscription_subject = natsSubscription_GetSubject(sub);
  if (message_subject == nullptr || subscription_subject == nullptr) return;
  const std::string_view subject = message_subject;
  const std::optional<ParsedSubject> parsed = parse_message_subject(config_.subject_prefix, subject);
  const std::optional<Interest> via = parse_interest_subject(config_.subject_prefix, subscription_subject);
  if (!parsed || !via) return;  // not ours: someone else publishing under our prefix
  const std::string_view payload(natsMsg_GetData(msg), size_t(natsMsg_GetDataLength(msg)));
  messages_in_.fetch_add(1, std::memory_order_relaxed);
  bytes_in_.fetch_add(payload.size(), std::memory_order_relaxed);
  std::shared_lock lock(delivering_);
  if (closed_) return;
  unsigned dropped = deliver_remote(node_, parsed->kind, parsed->channel, payload, *via);
  if (parsed->kind == Kind::Channel && numbered_via(parsed->channel, *via))
    dropped += !node_.post_to_number(parsed->channel, payload);
  if (dropped != 0) {
    backlog_dropped_.fetch_add(dropped, std::memory_order_relaxed);
    const int64_t now = monotonic_ms();
    if (now - last_backlog_log_ms_.load(std::memory_order_relaxed) >= 1000) {
      last_backlog_log_ms_.store(now, std::memory_order_relaxed);
      spdlog::warn("cluster: shards fell behind on messages from other nodes; dropped {} so far (nats_in_dropped)",
                   backlog_dropped_.load(std::memory_order_relaxed));
    }
  }
}

bool NatsBridge::numbered_via(std::string_view channel, const Interest& via) const {
  for (const auto& [glob, interest] : history_globs_)
    if (pubsub::glob_match(glob, channel)) return interest == via;
  return false;
}

void NatsBridge::set_history_channels(const std::vector<std::string>& globs) {
  std::vector<std::pair<std::string, Interest>> now;
  for (const std::string& glob : globs)
    if (std::none_of(now.begin(), now.end(), [&](const auto& g) { return g.first == glob; }))
      now.emplace_back(glob, interest_for(Kind::Pattern, glob));
  std::vector<std::pair<std::string, Interest>> before;
  {
    std::unique_lock lock(delivering_);
    before = std::exchange(history_globs_, now);
  }
  auto held = [](const auto& list, const std::string& glob) {
    return std::any_of(list.begin(), list.end(), [&](const auto& g) { return g.first == glob; });
  };
  // The same counted interests a PSUBSCRIBE of the glob takes.
  for (const auto& [glob, interest] : now)
    if (!held(before, glob)) interest_changed(Kind::Pattern, glob, true);
  for (const auto& [glob, interest] : before)
    if (!held(now, glob)) interest_changed(Kind::Pattern, glob, false);
}

void NatsBridge::on_message(natsConnection*, natsSubscription* sub, natsMsg* msg, void* closure) {
  static_cast<NatsBridge*>(closure)->receive(sub, msg);
  natsMsg_Destroy(msg);
}

void NatsBridge::on_connected(natsConnection* nc, void* closure) {
  static_cast<NatsBridge*>(closure)->ever_connected_.store(true);
  spdlog::info("cluster: connected to NATS at {}", connected_url(nc));
}

void NatsBridge::on_disconnected(natsConnection*, void* closure) {
  auto* self = static_cast<NatsBridge*>(closure);
  if (self->closed_.load()) return;  // our own close at shutdown
  self->disconnects_.fetch_add(1, std::memory_order_relaxed);
  spdlog::warn("cluster: lost the NATS connection; reconnecting (publishes meanwhile are buffered up to libnats's "
               "reconnect buffer, then counted as failed)");
}

void NatsBridge::on_reconnected(natsConnection* nc, void* closure) {
  auto* self = static_cast<NatsBridge*>(closure);
  self->reconnects_.fetch_add(1, std::memory_order_relaxed);
  spdlog::info("cluster: reconnected to NATS at {}; subscriptions restored", connected_url(nc));
}

void NatsBridge::on_closed(natsConnection*, void* closure) {
  auto* self = static_cast<NatsBridge*>(closure);
  // Notified under the lock: stop() cannot free the bridge before this returns.
  std::lock_guard lock(self->lifecycle_mutex_);
  self->connection_closed_ = true;
  self->lifecycle_changed_.notify_all();
}

void NatsBridge::on_subscription_done(void* closure) {
  auto* self = static_cast<NatsBridge*>(closure);
  std::lock_guard lock(self->lifecycle_mutex_);
  --self->open_subscriptions_;
  self->lifecycle_changed_.notify_all();
}

void NatsBridge::on_error(natsConnection*, natsSubscription*, natsStatus err, void*) {
  spdlog::warn("cluster: NATS error: {}", natsStatus_GetText(err));
}

stats::ClusterFigures NatsBridge::figures() const {
  stats::ClusterFigures f;
  std::shared_lock lock(delivering_);  // the connection lives until closed_ is set under it
  f.status = closed_.load() ? "closed" : status_name(natsConnection_Status(connection_));
  // libnats says "reconnecting" while it retries a first connection too.
  if (f.status == "reconnecting" && !ever_connected_.load()) f.status = "connecting";
  f.server = f.status == "connected" ? connected_url(connection_) : std::string();
  f.subjects = subjects_.load(std::memory_order_relaxed);
  f.messages_out = messages_out_.load(std::memory_order_relaxed);
  f.bytes_out = bytes_out_.load(std::memory_order_relaxed);
  f.messages_in = messages_in_.load(std::memory_order_relaxed);
  f.bytes_in = bytes_in_.load(std::memory_order_relaxed);
  f.forward_dropped = forward_dropped_.load(std::memory_order_relaxed);
  f.forward_failed = forward_failed_.load(std::memory_order_relaxed);
  f.in_dropped = in_dropped_.load(std::memory_order_relaxed) + backlog_dropped_.load(std::memory_order_relaxed);
  f.reconnects = reconnects_.load(std::memory_order_relaxed);
  f.disconnects = disconnects_.load(std::memory_order_relaxed);
  f.pending_bytes = pending_bytes_.load(std::memory_order_relaxed);
  return f;
}

}  // namespace ringcast::cluster
