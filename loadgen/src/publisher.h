// A publishing connection: writes pipelined PUBLISH commands (closed loop under
// flow control, or open loop on a fixed schedule) and matches each integer
// reply to the publish it answers, in order, to sum the expected deliveries.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "conn.h"

namespace ringcast::loadgen {

class Publisher : public Conn {
 public:
  Publisher(Worker& w, uint32_t id);

  // Writes whatever this publisher may send now. Called once per loop iteration.
  void pump(uint64_t now);
  bool ready() const { return ready_; }
  // Next scheduled send time in rate mode (UINT64_MAX otherwise).
  uint64_t next_due() const { return rate_mode_ ? next_due_ns_ : UINT64_MAX; }
  bool blocked() const { return blocked_; }
  uint64_t outstanding() const { return outstanding_.size(); }

 protected:
  void on_connected(uint64_t now) override;
  bool on_reply(const Reply& r, uint64_t now) override;
  void on_lost(bool during_connect) override;

 private:
  void add_publish(uint64_t send_ns, bool measured);

  uint32_t id_;
  bool ready_ = false;
  uint32_t handshake_pending_ = 0;  // AUTH / HELLO replies still to come
  bool rate_mode_ = false;
  bool blocked_ = false;  // closed loop: paused by flow control
  uint64_t sent_ = 0;
  std::vector<uint64_t> seq_;  // next seq per channel index
  // One entry per unanswered publish: channel index, top bit = measured.
  std::deque<uint32_t> outstanding_;
  uint64_t interval_ns_ = 0;
  uint64_t next_due_ns_ = 0;
};

}  // namespace ringcast::loadgen
