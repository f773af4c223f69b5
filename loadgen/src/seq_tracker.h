// Per-subscriber sequence tracking: for each (publisher, channel) stream it
// remembers the next expected seq and which of the 64 before it arrived, so it
// tells gaps, late arrivals and duplicates apart in 24 bytes per stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ringcast::loadgen {

class SeqTracker {
 public:
  enum class Verdict : uint8_t {
    kFirst,      // first message of this stream: sets the baseline
    kInOrder,    // the expected next seq
    kGap,        // jumped ahead; `skipped` seqs are missing (for now)
    kLate,       // an earlier missing seq arrived: out of order, one less lost
    kDuplicate,  // already seen
    kStale,      // more than 64 behind: out of order, cannot tell if duplicate
  };
  struct Result {
    Verdict verdict;
    uint64_t skipped;
  };

  Result observe(uint32_t publisher, uint32_t channel, uint64_t seq);
  void reset();
  size_t streams() const { return used_; }

 private:
  struct Slot {
    uint64_t key = 0;  // (publisher << 32 | channel) + 1; 0 marks an empty slot
    uint64_t next = 0;
    uint64_t seen = 0;  // bit d: seq (next - 1 - d) arrived
  };
  Slot& find_or_insert(uint64_t key, bool& inserted);
  void grow();

  std::vector<Slot> slots_;
  size_t used_ = 0;
};

}  // namespace ringcast::loadgen
