// Names of run counters, as they appear in the JSON result file.
#include "counters.h"

namespace ringcast::loadgen {

const char* counter_name(Counter c) {
  static constexpr const char* kNames[kCounterCount] = {
      "publishes_sent", "publishes_measured", "replies_all", "replies_measured",
      "reply_sum_all", "reply_sum_measured", "publish_errors", "reply_mismatch",
      "deliveries_all", "deliveries_measured", "bytes_measured",
      "fast_expected_all", "fast_expected_measured", "fast_deliveries_all", "fast_deliveries_measured",
      "slow_deliveries", "slow_disconnects", "gaps_skipped", "late_arrivals", "stale_arrivals",
      "duplicates", "corrupted", "misrouted", "connect_errors", "disconnects", "protocol_errors",
      "command_errors", "subscribers_ready", "publishers_ready", "churn_cycles", "after_unsubscribe", "probe_messages",
      "outstanding", "resumes", "resumes_recovered", "resumes_not_recovered", "resume_replayed", "resume_lost",
      "resume_seq_errors", "stream_restarts", "resume_behind",
      "resume_checked_ns"};
  return kNames[c];
}

}  // namespace ringcast::loadgen
