// Resumer: RESUME handshake, per-message offset and sequence checks, random
// drops; see resumer.h.
#include "resumer.h"

#include <fmt/format.h>

#include "payload.h"
#include "worker.h"

namespace ringcast::loadgen {

uint64_t ResumeStream::shortfall(const RunContext& ctx) const {
  uint64_t owed = 0;
  for (uint32_t p = 0; p < next_seq.size(); ++p) {
    uint64_t answered = ctx.answered_count(p, channel);
    if (next_seq[p] != kUnknown && answered > next_seq[p]) owed += answered - next_seq[p];
  }
  return owed;
}

void Resumer::on_connected(uint64_t) {
  const RunContext& ctx = w_.context();
  if (ctx.handshake_replies > 0) send(ctx.handshake);  // AUTH / HELLO: +OK and a map, skipped below
  // The first connection passes epoch 0 offset 0 ("never saw the stream");
  // every later one the last offset it saw, in the epoch that numbered it.
  send(Plan::encode_command({"RESUME", ctx.plan.channel_name(s_.channel), std::to_string(s_.epoch),
                             std::to_string(s_.last)}));
}

void Resumer::on_lost(bool during_connect) {
  // The server closed a connection we did not mean to close: a failure of
  // its own (counted), but the stream goes on through the next resume.
  if (!during_connect) w_.counters()[kDisconnects]++;
  s_.connected = false;
  s_.reconnect_at = 1;  // now: the worker reconnects it on its next iteration
}

void Resumer::resync_sequences() {
  for (uint64_t& n : s_.next_seq) n = ResumeStream::kUnknown;
}

void Resumer::leave(uint64_t now) {
  // Abruptly, whatever is still unread: those frames are exactly what the
  // next RESUME must replay.
  uint32_t off = w_.context().opt.resume_offline_ms;
  s_.connected = false;
  s_.reconnect_at = now + w_.random_below(uint64_t{off} * 1'000'000 + 1) + 1;
  close_now();
}

void Resumer::tick(uint64_t now) {
  if (dead() || !active_ || now < drop_at_) return;
  Phase ph = w_.context().current();
  // No drops in the drain: every resumer stays to receive what it is owed.
  if (ph == Phase::kWarmup || ph == Phase::kMeasure) leave(now);
}

void Resumer::on_confirmed(const Reply& r, uint64_t now) {
  Counters& c = w_.counters();
  if (!s_.started) {
    // The subscription itself, not a resume: on a stream loadgen primed
    // before subscribing, "0 0" is never recovered; start after what exists.
    s_.started = true;
    s_.epoch = r.epoch;
    s_.last = r.next_offset - 1;
    c[kSubscribersReady]++;
  } else {
    c[kResumes]++;
    if (r.recovered) {
      c[kResumesRecovered]++;
      // The replay brings last+1 .. next-1 ahead of the live messages;
      // on_message checks each of them.
      if (r.next_offset > s_.last + 1) c[kResumeReplayed] += r.next_offset - 1 - s_.last;
    } else {
      c[kResumesNotRecovered]++;
      s_.epoch = r.epoch;
      s_.last = r.next_offset - 1;
      resync_sequences();
    }
  }
  s_.connected = true;
  active_ = true;
  const Options& o = w_.context().opt;
  uint64_t span = uint64_t{o.resume_max_ms - o.resume_min_ms} * 1'000'000;
  drop_at_ = now + uint64_t{o.resume_min_ms} * 1'000'000 + w_.random_below(span + 1);
}

void Resumer::on_message(const Reply& r, uint64_t now) {
  Counters& c = w_.counters();
  const RunContext& ctx = w_.context();
  if (r.offset == 0) {  // a message without an offset is not a RESUME subscription's
    c[kCorrupted]++;
    return;
  }
  uint64_t expect = s_.last + 1;
  bool gap = false;
  if (r.offset == 1 && expect > 1) {
    // The stream was made again (age limit, memory cap): a new epoch this
    // connection is not told. Messages go on; the next resume cannot recover.
    c[kStreamRestarts]++;
    s_.epoch = 0;
  } else if (r.offset < expect) {
    c[kDuplicates]++;  // never counted as a delivery, so it cannot mask a loss
    return;
  } else if (r.offset > expect) {
    c[kResumeLost] += r.offset - expect;
    gap = true;
  }
  s_.last = r.offset;
  PayloadHeader h;
  if (decode_payload(r.payload, h) != PayloadStatus::kOk || h.publisher >= s_.next_seq.size()) {
    c[kCorrupted]++;
    return;
  }
  if (h.channel != s_.channel || r.channel != ctx.plan.channel_name(s_.channel)) {
    c[kMisrouted]++;
    return;
  }
  // The lost offsets may hold any publisher's messages: counted once (above),
  // then every sequence restarts from what comes next.
  if (gap) resync_sequences();
  uint64_t& next = s_.next_seq[h.publisher];
  if (next != ResumeStream::kUnknown && h.seq != next) c[kResumeSeqErrors]++;
  next = h.seq + 1;
  bool measured = h.flags & kFlagMeasured;
  c[kDeliveriesAll]++;
  c[kFastDeliveriesAll]++;
  if (measured) {
    c[kDeliveriesMeasured]++;
    c[kFastDeliveriesMeasured]++;
    c[kBytesMeasured] += h.length;
  }
  w_.record_latency(now > h.send_ns ? now - h.send_ns : 0, measured);
}

bool Resumer::on_reply(const Reply& r, uint64_t now) {
  switch (r.kind) {
    case ReplyKind::kMessage:
      if (active_) on_message(r, now);
      else w_.counters()[kCorrupted]++;  // before the confirmation nothing may arrive
      return true;
    case ReplyKind::kResumeAck:
      on_confirmed(r, now);
      return true;
    case ReplyKind::kError:
      w_.counters()[kCommandErrors]++;
      return false;
    default:
      return true;
  }
}

}  // namespace ringcast::loadgen
