// Counters a shard keeps about itself, readable from any thread (INFO).
// Each is written by its shard only, so a relaxed load+store suffices: no
// locked instruction on the hot path.
#pragma once

#include <atomic>
#include <cstdint>

namespace ringcast {

class Counter {
 public:
  void add(uint64_t n = 1) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void set(uint64_t v) { value_.store(v, std::memory_order_relaxed); }
  uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

struct ShardStats {
  Counter connections;          // open now
  Counter connections_total;    // accepted by this shard since start
  Counter commands;             // commands executed
  Counter publishes;            // PUBLISH/SPUBLISH executed here
  Counter deliveries;           // messages queued to local subscribers
  Counter bytes_out;            // written to sockets
  Counter bytes_in;             // read from sockets
  Counter loop_iterations;
  Counter loop_busy_us;         // time spent working, outside the wait for completions
  Counter output_bytes;         // queued output across connections (sampled each tick)
  Counter largest_output;       // the most output one local client holds (sampled each tick)
  Counter output_limit_disconnects;
  Counter output_memory_disconnects;  // cut by limits.max_output_memory
  Counter idle_disconnects;           // closed by `timeout`
  Counter dropped_messages;           // dropped by the drop-oldest policy
  Counter query_limit_disconnects;
  Counter protocol_errors;
  Counter ops_per_sec;          // commands in the last full second
  Counter deliveries_per_sec;   // deliveries in the last full second
};

}  // namespace ringcast
