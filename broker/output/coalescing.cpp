// How the coalescing window follows load.
#include "output/coalescing.h"

namespace ringcast::output {
namespace {

// A window opens when the shard's thread is on a CPU more than kBusy of
// the time (on loopback a send also pays the reader's wake-up, so a shard
// at 2,000 publishes/s to 100 subscribers sits near 80% without one), and
// closes below kIdle: the gap keeps the saving a window brings from closing
// it again at once.
constexpr double kBusy = 0.25;
constexpr double kIdle = 0.10;
// How many messages a window should gather into each subscriber's write.
// Paced publishers deliver once per loop iteration, so a window w gathers
// about rate x w: it is kGather / rate, and none at all when even
// max_delay would gather fewer (2,000 publishes/s with 1 ms: two per write,
// which halves the sends but adds up to the whole window to every other
// message's latency: not worth it).
constexpr double kGather = 4;

}  // namespace

void Coalescing::retune(double load, double deliveries_per_s) {
  const double max_delay_s = double(max_delay_ns_) / 1e9;
  const bool gathers = deliveries_per_s * max_delay_s >= kGather;
  if (!gathers || load < kIdle || (window_ns_ == 0 && load <= kBusy)) {
    window_ns_ = 0;
    return;
  }
  window_ns_ = std::min(max_delay_ns_, int64_t(kGather / deliveries_per_s * 1e9));
}

}  // namespace ringcast::output
