// The `resume` scenario's subscriber. A ResumeStream is what one subscriber
// knows about its channel across connections: the epoch and the last offset
// it saw, and per publisher the next sequence number it must get. Each
// Resumer is one connection of it: RESUME channel epoch offset, read, and at a
// random moment close abruptly (unread frames and all); the worker then opens
// the next connection, which resumes where this one stopped. Verification:
// offsets continue by exactly one (a gap is a loss, a repeat a duplicate) and
// each publisher's sequence continues with them, across every resume that
// reported recovered; a resume that reported not recovered resyncs from the
// offset it returned and is only counted.
#pragma once

#include <cstdint>
#include <vector>

#include "conn.h"
#include "run_context.h"

namespace ringcast::loadgen {

struct ResumeStream {
  static constexpr uint64_t kUnknown = UINT64_MAX;

  ResumeStream(uint32_t subscriber, uint32_t channel, uint32_t publishers)
      : id(subscriber), channel(channel), next_seq(publishers, 0) {}

  // Answered publishes this stream has not received yet, from publishers
  // whose sequence it knows (after a resync it learns each from its next message).
  uint64_t shortfall(const RunContext& ctx) const;

  uint32_t id;
  uint32_t channel;
  uint64_t epoch = 0;
  uint64_t last = 0;          // offset of the last message seen (next offset - 1 after a resync)
  bool started = false;       // the first RESUME was confirmed
  bool connected = false;     // a connection is subscribed right now
  uint64_t reconnect_at = 0;  // when the worker opens the next connection; 0: none due
  // Subscribers are ready before anything is published, so every publisher's
  // sequence must arrive from 0; kUnknown after a resync.
  std::vector<uint64_t> next_seq;
};

class Resumer : public Conn {
 public:
  Resumer(Worker& w, ResumeStream& s) : Conn(w), s_(s) {}
  // Drops the connection when its time is up (warm-up and measured window only).
  void tick(uint64_t now);

 protected:
  void on_connected(uint64_t now) override;
  bool on_reply(const Reply& r, uint64_t now) override;
  void on_lost(bool during_connect) override;

 private:
  void on_confirmed(const Reply& r, uint64_t now);
  void on_message(const Reply& r, uint64_t now);
  void resync_sequences();
  void leave(uint64_t now);

  ResumeStream& s_;
  bool active_ = false;
  uint64_t drop_at_ = 0;
};

}  // namespace ringcast::loadgen
