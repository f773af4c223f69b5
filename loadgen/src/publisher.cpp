// Publisher: command encoding, pipelining and reply accounting; see publisher.h.
#include "publisher.h"

#include <fmt/format.h>

#include "clock.h"
#include "payload.h"
#include "worker.h"

namespace ringcast::loadgen {
namespace {
constexpr uint32_t kMeasuredBit = 1u << 31;
constexpr size_t kMaxPendingBytes = 4u << 20;       // closed loop: stop filling above this
constexpr size_t kMaxRatePendingBytes = 64u << 20;  // open loop: only a safety net
constexpr size_t kMaxRateOutstanding = 1u << 20;
}  // namespace

Publisher::Publisher(Worker& w, uint32_t id) : Conn(w), id_(id) {
  const RunContext& ctx = w.context();
  seq_.assign(ctx.plan.channel_count(), 0);
  rate_mode_ = ctx.opt.rate_mode();
  if (rate_mode_) interval_ns_ = static_cast<uint64_t>(1e9 * ctx.opt.publishers / ctx.opt.rate);
}

void Publisher::on_connected(uint64_t) {
  const RunContext& ctx = w_.context();
  if (ctx.handshake_replies > 0) {
    handshake_pending_ = ctx.handshake_replies;
    send(ctx.handshake);
  } else {
    ready_ = true;
    w_.counters()[kPublishersReady]++;
  }
}

void Publisher::on_lost(bool) {
  w_.counters()[kDisconnects]++;
  // Publishes that will never be answered are no longer outstanding.
  w_.counters()[kOutstanding] -= outstanding_.size();
  outstanding_.clear();
}

void Publisher::add_publish(uint64_t send_ns, bool measured) {
  const RunContext& ctx = w_.context();
  uint64_t k = sent_++;
  uint32_t ch = ctx.plan.publish_channel(id_, k);
  PayloadHeader h;
  h.flags = measured ? kFlagMeasured : 0;
  h.publisher = id_;
  h.channel = ch;
  h.length = static_cast<uint32_t>(ctx.plan.payload_size(k));
  h.seq = seq_[ch]++;
  h.send_ns = send_ns;
  std::string& out = out_buffer();
  out.append(ctx.plan.publish_prefix(ch));
  fmt::format_to(std::back_inserter(out), "${}\r\n", h.length);
  size_t at = out.size();
  out.resize(at + h.length + 2);
  encode_payload(h, out.data() + at);
  out[at + h.length] = '\r';
  out[at + h.length + 1] = '\n';
  outstanding_.push_back(ch | (measured ? kMeasuredBit : 0));
  Counters& c = w_.counters();
  c[kPublishesSent]++;
  c[kOutstanding]++;
  if (measured) c[kPublishesMeasured]++;
}

void Publisher::pump(uint64_t now) {
  if (!ready_ || dead()) return;
  const RunContext& ctx = w_.context();
  Phase ph = ctx.current();
  if (ph != Phase::kWarmup && ph != Phase::kMeasure) return;
  bool measured = ph == Phase::kMeasure;
  bool added = false;
  if (rate_mode_) {
    if (next_due_ns_ == 0) next_due_ns_ = now + interval_ns_ * id_ / ctx.opt.publishers;
    // Open loop: every due publish is stamped with its SCHEDULED time, so a
    // stalled server or a late loop shows up as latency instead of hiding it.
    while (next_due_ns_ <= now && outstanding_.size() < kMaxRateOutstanding &&
           pending_out() < kMaxRatePendingBytes) {
      add_publish(next_due_ns_, measured);
      next_due_ns_ += interval_ns_;
      added = true;
    }
  } else {
    blocked_ = !w_.lag_ok();
    uint32_t pipeline = ctx.opt.pipeline, batch = std::min(ctx.opt.batch, ctx.opt.pipeline);
    while (!blocked_ && pipeline - outstanding_.size() >= batch && pending_out() < kMaxPendingBytes) {
      uint64_t t = now_ns();
      for (uint32_t i = 0; i < batch; ++i) add_publish(t, measured);
      added = true;
    }
  }
  if (added) flush();
}

bool Publisher::on_reply(const Reply& r, uint64_t) {
  Counters& c = w_.counters();
  if (handshake_pending_ > 0) {
    if (r.kind == ReplyKind::kError) {
      c[kCommandErrors]++;
      return false;
    }
    if (--handshake_pending_ == 0) {
      ready_ = true;
      c[kPublishersReady]++;
    }
    return true;
  }
  if (outstanding_.empty()) {
    c[kProtocolErrors]++;  // a reply nobody asked for
    return true;
  }
  uint32_t entry = outstanding_.front();
  outstanding_.pop_front();
  c[kOutstanding]--;
  bool measured = entry & kMeasuredBit;
  uint32_t ch = entry & ~kMeasuredBit;
  if (r.kind != ReplyKind::kInteger) {
    c[kPublishErrors]++;
    return true;
  }
  const RunContext& ctx = w_.context();
  auto n = static_cast<uint64_t>(r.integer);
  c[kRepliesAll]++;
  c[kReplySumAll] += n;
  c[kFastExpectedAll] += ctx.plan.fast_receivers(ch);
  if (measured) {
    c[kRepliesMeasured]++;
    c[kReplySumMeasured] += n;
    c[kFastExpectedMeasured] += ctx.plan.fast_receivers(ch);
  }
  if (ctx.strict_replies && n != ctx.topo.local_receivers(node, ch)) c[kReplyMismatch]++;
  if (ctx.answered) ctx.answered[size_t{id_} * ctx.plan.channel_count() + ch].fetch_add(1, std::memory_order_release);
  return true;
}

}  // namespace ringcast::loadgen
