// How the coalescing window follows load.
#include "output/coalescing.h"

namespace ringcast::output {
namespace {

// The band the window steers the shard's CPU share into. Above kBusy the
// shard spends enough on sends that gathering saves more than the wait
// costs (on loopback a send also pays the reader's wake-up, so a shard at
// 2,000 publishes/s to 100 subscribers already sits near 90% without it);
// below kIdle there is nothing to save, and messages go out at once.
constexpr double kBusy = 0.25;
constexpr double kIdle = 0.10;
// Steps of x1.5 reach a 1 ms window from nothing in about 70 ms of load,
// and close it again in about as long once the load is gone.
constexpr int64_t kSmallestNs = 50'000;

}  // namespace

void Coalescing::retune(double load) {
  if (load > kBusy) {
    window_ns_ = std::min(max_delay_ns_, std::max(kSmallestNs, window_ns_ * 3 / 2));
  } else if (load < kIdle) {
    window_ns_ = window_ns_ * 2 / 3;
    if (window_ns_ < kSmallestNs) window_ns_ = 0;
  }
}

}  // namespace ringcast::output
