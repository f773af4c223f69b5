// How the coalescing window follows load.
#include "output/coalescing.h"

namespace ringcast::output {
namespace {

// A window opens when the shard's thread is on a CPU more than kBusy of
// the time, and closes below kIdle: the gap keeps the saving a window
// brings from closing it again at once. On loopback a send also pays the
// reader's wake-up, so a shard at 2,000 publishes/s to 100 subscribers
// already sits near 80% without a window, and about 40% with one of 1 ms.
// Measured and rejected: sizing the window to gather a fixed number of
// messages per write from the rate of delivering iterations. A saturated
// loop runs few, long iterations, so that rate reads low exactly where a
// window saves most (20,000 publishes/s to 100 subscribers: 98% busy,
// no window).
constexpr double kBusy = 0.25;
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
  const bool open = window_ns_ != 0;
  if (load > kBusy && close_share >= (open ? kGathersKeep : kGathersOpen)) {
    window_ns_ = max_delay_ns_;
  } else if (load < kIdle || close_share < kGathersKeep) {
    window_ns_ = 0;
  }
}

}  // namespace ringcast::output
