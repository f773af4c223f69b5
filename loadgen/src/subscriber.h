// A subscribing connection: subscribes, then verifies every message it gets
// (checksum, routing, per-stream sequence) and counts it. Three flavours:
// stable (lives for the run), churner (subscribe, stay a while, unsubscribe,
// disconnect) and slow (reads throttled or not at all).
#pragma once

#include <cstdint>

#include "conn.h"
#include "seq_tracker.h"

namespace ringcast::loadgen {

class Subscriber : public Conn {
 public:
  enum class Kind : uint8_t { kStable, kChurner, kSlowStop, kSlowThrottle };
  enum class State : uint8_t { kConnecting, kSubscribing, kActive, kUnsubscribing, kLingering };

  // Stable and slow subscribers pass their index j; churners their channel/pattern target.
  Subscriber(Worker& w, Kind kind, uint32_t id_or_target);

  Kind kind() const { return kind_; }
  State state() const { return state_; }
  // Churners and throttled readers: called every loop iteration.
  void tick(uint64_t now);

 protected:
  void on_connected(uint64_t now) override;
  bool on_reply(const Reply& r, uint64_t now) override;
  void on_lost(bool during_connect) override;
  size_t read_budget() const override;
  void on_bytes_read(size_t n) override;

 private:
  void on_message(const Reply& r, uint64_t now);
  bool owns(uint32_t channel) const;

  Kind kind_;
  State state_ = State::kConnecting;
  bool released_ = false;  // slow subscriber told to read the rest (end of run)
  uint32_t id_;             // subscriber index, or churn target
  uint32_t acks_pending_ = 0;
  uint32_t only_channel_ = UINT32_MAX;  // channel mode: the one channel index it gets
  uint64_t life_end_ns_ = 0;  // churner: when to unsubscribe; lingering: when to close
  int64_t tokens_ = 0;      // throttled: bytes it may still read
  uint64_t last_tick_ns_ = 0;
  SeqTracker seqs_;
};

}  // namespace ringcast::loadgen
