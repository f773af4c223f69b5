// How the coalescing window follows load.
#include "output/coalescing.h"

namespace ringcast::output {
namespace {

// A window opens when, writing without one, the shard's thread is on a CPU
// more than kSaturating of the time: near saturation, where messages would
// soon queue behind sends and where the sends a window saves matter. Below
// that the shard answers fastest by writing at once, and does: at 2,000
// publishes/s to 100 subscribers a 1 ms window halves ringcast's CPU per
// delivery (to 0.5x redis-server's) but makes its p99 2.7x redis-server's;
// without one, that shard is 50-75% busy, at redis-server's CPU and
// latency. At 20,000/s to 100 it is 92-100% busy without a window, ~40%
// with one.
// Measured and rejected: sizing the window to gather a fixed number of
// messages per write from the rate of delivering iterations. A saturated
// loop runs few, long iterations, so that rate reads low exactly where a
// window saves most.
constexpr double kSaturating = 0.90;
// ... for kHotPeriods measuring periods in a row: one 10 ms period can run
// hot on a burst of publishes (or the loadgen catching up on its schedule)
// in a shard that averages 55% (0.8 for 50 ms was seen there).
constexpr int kHotPeriods = 10;
// An open window halves the load it is judged by, so the shard cannot tell
// from it whether it still needs one: every kRecheckPeriods it closes the
// window and looks at one period without it, and reopens it at once if the
// shard was still above kStillSaturating then (4% of the time at twice the
// sends where it stays open). A window opened on a burst closes within a
// quarter of a second. An idle shard closes it at once.
constexpr int kRecheckPeriods = 25;
constexpr double kStillSaturating = 0.75;
constexpr double kIdle = 0.10;
// A window gathers only for subscribers written again soon: at least half
// the writes must follow their subscriber's previous one closely (see
// wrote()) to open one, and a quarter to keep it. 1,000 channels of one
// subscriber each, published to at 250,000 a second: each subscriber is
// written every 4 ms, a 1 ms window gathers nothing and only delays (it cost
// that closed-loop row a third of its deliveries before this check).
constexpr double kGathersOpen = 0.5;
constexpr double kGathersKeep = 0.25;

}  // namespace

void Coalescing::retune(double load, double close_share) {
  const bool rechecking = std::exchange(rechecking_, false);
  if (window_ns_ != 0) {
    if (load < kIdle || close_share < kGathersKeep) {
      window_ns_ = 0;
      hot_periods_ = 0;
    } else if (++open_periods_ >= kRecheckPeriods) {
      window_ns_ = 0;
      rechecking_ = true;
    }
    return;
  }
  const bool gathers = close_share >= kGathersOpen;
  if (rechecking) {
    hot_periods_ = gathers && load > kStillSaturating ? kHotPeriods : 0;
  } else {
    hot_periods_ = gathers && load > kSaturating ? hot_periods_ + 1 : 0;
  }
  if (hot_periods_ >= kHotPeriods) {
    window_ns_ = max_delay_ns_;
    open_periods_ = 0;
    hot_periods_ = 0;
  }
}

}  // namespace ringcast::output
