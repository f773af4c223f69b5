// Subscriber: subscription handshake, message verification and churn/slow
// behaviour; see subscriber.h.
#include "subscriber.h"

#include "payload.h"
#include "probe.h"
#include "worker.h"

namespace ringcast::loadgen {
namespace {
constexpr uint64_t kLingerNs = 20'000'000;

// Channel names are short: a byte loop beats a library memcmp call here.
inline bool same_bytes(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}
}  // namespace

Subscriber::Subscriber(Worker& w, Kind kind, uint32_t id_or_target) : Conn(w), kind_(kind), id_(id_or_target) {
  const Options& o = w.context().opt;
  if (kind == Kind::kChurner) only_channel_ = id_or_target;  // a channel, or a pattern's one matching channel
  else if (!o.pattern_mode()) only_channel_ = id_or_target % o.channels;
}

void Subscriber::on_connected(uint64_t now) {
  const RunContext& ctx = w_.context();
  state_ = State::kSubscribing;
  if (ctx.handshake_replies > 0) send(ctx.handshake);  // AUTH / HELLO: +OK and a map, skipped below
  if (kind_ == Kind::kChurner) {
    acks_pending_ = 1;
    send(ctx.plan.churn_subscribe_command(id_));
  } else {
    acks_pending_ = ctx.plan.subscription_count(id_);
    send(ctx.plan.subscribe_command(id_));
  }
  last_tick_ns_ = now;
}

void Subscriber::on_lost(bool during_connect) {
  Counters& c = w_.counters();
  bool slow = kind_ == Kind::kSlowStop || kind_ == Kind::kSlowThrottle;
  if (slow && state_ == State::kActive) {
    c[kSlowDisconnects]++;  // the server's output limit at work, not a failure
  } else if (!during_connect) {
    c[kDisconnects]++;
  }
}

size_t Subscriber::read_budget() const {
  if (released_ || kind_ != Kind::kSlowThrottle || state_ != State::kActive) return SIZE_MAX;
  return tokens_ > 0 ? static_cast<size_t>(tokens_) : 0;
}

void Subscriber::on_bytes_read(size_t n) {
  if (released_ || kind_ != Kind::kSlowThrottle || state_ != State::kActive) return;
  tokens_ -= static_cast<int64_t>(n);
  if (tokens_ <= 0) set_reading(false);
}

void Subscriber::tick(uint64_t now) {
  if (dead()) return;
  bool slow = kind_ == Kind::kSlowStop || kind_ == Kind::kSlowThrottle;
  if (slow && state_ == State::kActive && w_.context().release_slow.load(std::memory_order_relaxed)) {
    kind_ = Kind::kSlowStop;  // no more throttling: read the rest at full speed
    released_ = true;
    if (!reading()) set_reading(true);
    return;
  }
  if (kind_ == Kind::kSlowThrottle && state_ == State::kActive) {
    // Token bucket: at most slow_rate bytes/s, bursts of up to 1/10 s.
    auto rate = static_cast<int64_t>(w_.context().opt.slow_rate);
    tokens_ = std::min<int64_t>(tokens_ + rate * static_cast<int64_t>(now - last_tick_ns_) / 1'000'000'000, rate / 10 + 1);
    last_tick_ns_ = now;
    if (tokens_ > 0 && !reading()) set_reading(true);
  }
  if (state_ == State::kLingering && now >= life_end_ns_) {
    close_now();
    return;
  }
  if (kind_ == Kind::kChurner && state_ == State::kActive && now >= life_end_ns_) {
    // Leave gracefully: every message the server counted for us arrives before
    // the unsubscribe confirmation, so deliveries still equal the replies' sum.
    state_ = State::kUnsubscribing;
    send(w_.context().plan.churn_unsubscribe_command(id_));
  }
}

bool Subscriber::owns(uint32_t channel) const {
  if (only_channel_ != UINT32_MAX) return channel == only_channel_;
  return w_.context().plan.owns(id_, channel);
}

void Subscriber::on_message(const Reply& r, uint64_t now) {
  Counters& c = w_.counters();
  PayloadHeader h;
  if (decode_payload(r.payload, h) != PayloadStatus::kOk) {
    // Readiness probes travel on the real channels; checked only here, off the hot path.
    if (is_probe_payload(r.payload)) c[kProbeMessages]++;
    else c[kCorrupted]++;
    return;
  }
  const RunContext& ctx = w_.context();
  if (h.channel >= ctx.plan.channel_count() || !same_bytes(r.channel, ctx.plan.channel_name(h.channel)) ||
      !owns(h.channel)) {
    c[kMisrouted]++;
    return;
  }
  SeqTracker::Result res = seqs_.observe(h.publisher, h.channel, h.seq);
  switch (res.verdict) {
    case SeqTracker::Verdict::kDuplicate:
      c[kDuplicates]++;
      return;  // never counted as a delivery, so it cannot mask a loss
    case SeqTracker::Verdict::kGap: c[kGapsSkipped] += res.skipped; break;
    case SeqTracker::Verdict::kLate: c[kLateArrivals]++; break;
    case SeqTracker::Verdict::kStale: c[kStaleArrivals]++; break;
    default: break;
  }
  if (state_ == State::kLingering) c[kAfterUnsubscribe]++;
  bool measured = h.flags & kFlagMeasured;
  bool slow = kind_ == Kind::kSlowStop || kind_ == Kind::kSlowThrottle;
  c[kDeliveriesAll]++;
  if (measured) {
    c[kDeliveriesMeasured]++;
    c[kBytesMeasured] += h.length;
  }
  if (slow) {
    c[kSlowDeliveries]++;
  } else {
    c[kFastDeliveriesAll]++;
    if (measured) c[kFastDeliveriesMeasured]++;
    w_.record_latency(now > h.send_ns ? now - h.send_ns : 0, measured);
  }
}

bool Subscriber::on_reply(const Reply& r, uint64_t now) {
  Counters& c = w_.counters();
  switch (r.kind) {
    case ReplyKind::kMessage:
    case ReplyKind::kPMessage:
    case ReplyKind::kSMessage:
      on_message(r, now);
      return true;
    case ReplyKind::kSubscribeAck:
      if (state_ == State::kSubscribing && acks_pending_ > 0 && --acks_pending_ == 0) {
        state_ = State::kActive;
        if (kind_ == Kind::kChurner) life_end_ns_ = now + uint64_t{w_.context().opt.churn_life_ms} * 1'000'000;
        w_.subscriber_ready(this);
        if (kind_ == Kind::kSlowStop && !released_) set_reading(false);
      }
      return true;
    case ReplyKind::kUnsubscribeAck:
      if (state_ == State::kUnsubscribing && r.integer == 0) {
        // Every message the server counted for us should be in by now. Keep
        // reading briefly anyway, so a broker that delivers after the
        // confirmation is reported as such rather than as a loss.
        c[kChurnCycles]++;
        state_ = State::kLingering;
        life_end_ns_ = now + kLingerNs;
      }
      return true;
    case ReplyKind::kError:
      c[kCommandErrors]++;
      return false;
    default:
      return true;
  }
}

}  // namespace ringcast::loadgen
