// The outcome of one run: raw counters and latencies, what they add up to,
// the verdict, and its two renderings (human summary, JSON result file).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "counters.h"
#include "histogram.h"
#include "options.h"

namespace ringcast::loadgen {

struct RunResult {
  std::string started_at;
  uint32_t threads = 0;
  uint64_t fd_limit = 0;
  double window_s = 0;       // measured window length
  double drain_s = 0;        // time from window end until everything owed had arrived
  bool drained = false;      // false: drain timed out
  double server_cpu_s = -1;  // server's CPU during the window; -1 unknown
  double loadgen_cpu_s = 0;  // this process's CPU during the window
  double load_average = -1;  // 1-minute load average at the end of the window
  double probe_s = -1;       // how long cross-node readiness probes took; -1 not probed
  Counters totals;
  Histogram latency;         // ns, measured deliveries to fast subscribers

  // Derived by finish().
  uint64_t expected = 0;     // sum of PUBLISH replies for measured publishes, or from the plan (planned())
  uint64_t delivered = 0;    // matching deliveries
  uint64_t lost = 0;
  uint64_t extra = 0;
  bool verified = false;
  std::vector<std::string> problems;

  void finish(const Options& o);
  void finish_resume();
  // Whether expected deliveries come from the plan (slow or cross-node runs).
  static bool planned(const Options& o);
  double deliveries_per_s() const { return window_s > 0 ? static_cast<double>(delivered) / window_s : 0; }
};

void print_summary(const Options& o, const RunResult& r);
// Throws std::runtime_error if the file cannot be written (after the run: not the hot loop).
void write_json(const Options& o, const RunResult& r, const std::string& path);

}  // namespace ringcast::loadgen
