// How the coalescing window follows load.
#include "output/coalescing.h"

namespace ringcast::output {
namespace {

// A window opens only where the shard has fallen behind its publishers:
// writing without one, its thread runs or waits for a CPU more than
// kSaturating of the time (the load: see core/thread_demand.h), and its
// writes already carry several messages each (kBehind, below); or where it
// is saturated outright (kFull). There messages queue behind the shard's
// own sends anyway, and the sends a window saves matter. A shard that keeps up answers fastest by writing at once,
// and does: at 2,000 publishes/s to 100 subscribers (55-80% busy, one
// message per write) a 1 ms window halves ringcast's CPU per delivery (to
// 0.5x redis-server's) but makes its p99 2.7x redis-server's; without one
// it runs at redis-server's CPU and latency. At 20,000/s to 100 it is
// 85-100% busy without a window (by the machine's speed at the time) with
// 6-7 messages per write, ~40% busy with one.
// Measured and rejected: sizing the window to gather a fixed number of
// messages per write from the rate of delivering iterations. A saturated
// loop runs few, long iterations, so that rate reads low exactly where a
// window saves most.
constexpr double kSaturating = 0.75;
// ... on average: the load of each 10 ms period goes into a moving average
// (each period weighs kNewWeight), since one period can run hot on a burst
// of publishes (or the loadgen catching up on its schedule) in a shard that
// averages 55%, and a saturated one reads anywhere from 80% to 100%. From
// 50%, 30 ms at 100% leaves the average at 74%; 40 ms lifts it past 75%.
constexpr double kNewWeight = 0.2;
// An open window halves the load it is judged by, so the shard cannot tell
// from it whether it still needs one: every kRecheckPeriods it closes the
// window and looks at one period without it, and reopens it at once if the
// shard was still saturating then (4% of the time at twice the sends where
// it stays open). A window opened on a burst closes within a quarter of a
// second. An idle shard closes it at once.
constexpr int kRecheckPeriods = 25;
constexpr double kIdle = 0.10;
// A window gathers only for subscribers written again soon: at least half
// the writes must follow their subscriber's previous one closely (see
// wrote()) to open one, and a quarter to keep it. 1,000 channels of one
// subscriber each, published to at 250,000 a second: each subscriber is
// written every 4 ms, a 1 ms window gathers nothing and only delays (it cost
// that closed-loop row a third of its deliveries before this check).
constexpr double kGathersOpen = 0.5;
constexpr double kGathersKeep = 0.25;
// Behind: a loop that keeps up writes each message in the iteration it
// arrived, one per write (2,000 publishes/s to 100 subscribers: 1.0), and
// holding it would only add latency. One that has fallen behind finds
// several publishes waiting each iteration (20,000/s: 6-7 per write). Also
// a moving average: a stall of the machine (or of the publishers) makes a
// period of a shard that keeps up write several at once.
constexpr double kBehind = 2.0;
// A shard whose loop never rests is saturated even with one message per
// write: publishers that wait for each reply (redis-benchmark, a request
// loop) keep it full one publish at a time, and only a window lets it
// deliver more (patterns, 100 pattern subscribers: 3x the deliveries).
constexpr double kFull = 0.9;

}  // namespace

void Coalescing::retune(const Period& period) {
  const bool rechecking = std::exchange(rechecking_, false);
  if (window_ns_ != 0) {
    if (period.load < kIdle || period.close_share < kGathersKeep) {
      window_ns_ = 0;
      load_without_window_ = per_write_without_window_ = 0;
    } else if (++open_periods_ >= kRecheckPeriods) {
      window_ns_ = 0;
      rechecking_ = true;
    }
    return;
  }
  if (rechecking) {
    // The averages start again from this period: the figures before were the window's.
    load_without_window_ = period.load;
    per_write_without_window_ = period.messages_per_write;
  } else {
    load_without_window_ += kNewWeight * (period.load - load_without_window_);
    per_write_without_window_ += kNewWeight * (period.messages_per_write - per_write_without_window_);
  }
  const bool behind = per_write_without_window_ >= kBehind && load_without_window_ > kSaturating;
  const bool open = period.close_share >= kGathersOpen && (behind || load_without_window_ > kFull);
  if (open) {
    window_ns_ = max_delay_ns_;
    open_periods_ = 0;
  }
}

}  // namespace ringcast::output
