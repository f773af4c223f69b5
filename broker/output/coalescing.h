// When a shard writes the messages it delivered. A shard that writes every
// subscriber's output on every loop iteration makes one send per message
// once publishers are paced (a tick, a chat line): on loopback each costs a
// syscall's worth of TCP work plus the reader's wake-up. Gathering output
// for a bounded time lets one writev carry several messages per subscriber.
//
// The rule is Nagle's, for a whole shard: messages queued when the shard's
// last flush was at least `window` ago go out at once (an idle shard adds no
// latency); otherwise they wait until that flush is `window` old. So a shard
// flushes messages at most once per window, and no message waits longer
// than the window. Replies to commands never wait here (the shard writes
// them at once, with whatever messages the connection holds).
//
// The window follows load (see coalescing.cpp): `max_delay` while the shard
// has fallen behind its publishers (busy, with several messages per write
// already, or saturated outright) and its subscribers are written often
// enough for a window to gather, zero otherwise: a shard that keeps up answers fastest by writing
// at once, and one that has fallen behind makes messages wait behind its
// own sends anyway.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>

namespace ringcast::output {

class Coalescing {
 public:
  // 0 turns coalescing off: every iteration's messages go out at its end.
  void set_max_delay_ns(int64_t max_delay_ns) {
    max_delay_ns_ = std::max<int64_t>(0, max_delay_ns);
    window_ns_ = std::min(window_ns_, max_delay_ns_);
  }
  int64_t max_delay_ns() const { return max_delay_ns_; }
  int64_t window_ns() const { return window_ns_; }

  // Messages are queued at `now_ns`: may they be written now? The first
  // call after a flush fixes when they are due; later ones only look.
  bool due(int64_t now_ns) {
    if (deadline_ns_ < 0) {
      deadline_ns_ = std::max(now_ns, last_flush_ns_ + window_ns_);
      queued_ns_ = now_ns;
    }
    return now_ns >= deadline_ns_;
  }
  // How long the loop may sleep before queued messages are due: -1 when
  // none wait (sleep until an event), else 0 or more nanoseconds.
  int64_t sleep_limit_ns(int64_t now_ns) const {
    if (deadline_ns_ < 0) return -1;
    return std::max<int64_t>(0, deadline_ns_ - now_ns);
  }
  // The queued messages were handed to the kernel at `now_ns`.
  void flushed(int64_t now_ns) {
    last_flush_ns_ = now_ns;
    deadline_ns_ = -1;
    longest_wait_ns_ = std::max(longest_wait_ns_, now_ns - queued_ns_);
  }
  // The longest any messages waited here (queued to flushed) since the last
  // call: the latency coalescing added, as the loop really kept the deadline.
  int64_t take_longest_wait_ns() { return std::exchange(longest_wait_ns_, 0); }

  // Once per loop iteration, at `now_ns`, with the count of messages the
  // shard has delivered so far. Every kPeriodNs the window is set from the
  // period's figures: its load, the share of it the shard's thread ran on a
  // CPU or waited for one (`demand_ns()` reads that time, once per period:
  // core/thread_demand.h; system time included, so the sends the kernel
  // makes inside the wait count too), and how many messages each write to a
  // subscriber carried.
  template <class ReadDemand>
  void adapt(int64_t now_ns, uint64_t deliveries, ReadDemand&& demand_ns) {
    if (now_ns < period_end_ns_) return;
    const int64_t cpu_ns = demand_ns();
    if (period_end_ns_ > 0)
      retune(Period{double(cpu_ns - period_cpu_ns_) / double(now_ns - period_start_ns_),
                    writes_ == 0 ? 0.0 : double(close_writes_) / double(writes_),
                    writes_ == 0 ? 0.0 : double(deliveries - period_deliveries_) / double(writes_)});
    period_start_ns_ = now_ns;
    period_end_ns_ = now_ns + kPeriodNs;
    period_cpu_ns_ = cpu_ns;
    period_deliveries_ = deliveries;
    writes_ = close_writes_ = 0;
  }
  // A write to a subscriber at `now_ns` whose previous one was at
  // `previous_ns`. Writes that follow their subscriber's last within two
  // max_delays are those a window gathers (with the window open they come
  // once per window, so they still count): where few do (each publish to
  // other subscribers: one channel per user), holding messages would only
  // delay them.
  void wrote(int64_t now_ns, int64_t previous_ns) {
    ++writes_;
    close_writes_ += now_ns - previous_ns < 2 * max_delay_ns_ ? 1 : 0;
  }

  static constexpr int64_t kPeriodNs = 10'000'000;

 private:
  int64_t max_delay_ns_ = 0;
  int64_t window_ns_ = 0;
  int64_t last_flush_ns_ = INT64_MIN / 2;  // long ago: the first messages go at once
  int64_t deadline_ns_ = -1;               // when the queued messages are due; -1: none queued
  int64_t queued_ns_ = 0;                  // when they were queued
  int64_t longest_wait_ns_ = 0;
  int64_t period_start_ns_ = 0;
  int64_t period_end_ns_ = 0;  // 0: not measuring yet
  int64_t period_cpu_ns_ = 0;
  uint64_t period_deliveries_ = 0;
  uint64_t writes_ = 0;
  uint64_t close_writes_ = 0;
  int open_periods_ = 0;  // measuring periods since the window opened
  // Moving averages of the periods' figures while the window is closed.
  double load_without_window_ = 0;
  double per_write_without_window_ = 0;
  bool rechecking_ = false;  // the window was closed to look at the load without it

  struct Period {
    double load;                // share of it the thread ran or waited to run
    double close_share;         // share of writes soon after their subscriber's previous one
    double messages_per_write;  // deliveries / writes to subscribers
  };
  // Sets the window from the last period's figures; an open window is
  // closed now and then, to see whether the shard still needs it.
  void retune(const Period& period);
};

}  // namespace ringcast::output
