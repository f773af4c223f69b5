// Open-addressing stream table for SeqTracker; see seq_tracker.h.
#include "seq_tracker.h"

namespace ringcast::loadgen {
namespace {
inline size_t hash_key(uint64_t k) { return static_cast<size_t>((k * 0x9E3779B97F4A7C15ull) >> 20); }
}  // namespace

void SeqTracker::reset() {
  slots_.clear();
  slots_.shrink_to_fit();
  used_ = 0;
}

void SeqTracker::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 4 : old.size() * 2, Slot{});
  used_ = 0;
  for (const Slot& s : old) {
    if (s.key == 0) continue;
    bool inserted;
    find_or_insert(s.key, inserted) = s;
    ++used_;
  }
}

SeqTracker::Slot& SeqTracker::find_or_insert(uint64_t key, bool& inserted) {
  size_t mask = slots_.size() - 1;
  for (size_t i = hash_key(key) & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.key == key) {
      inserted = false;
      return s;
    }
    if (s.key == 0) {
      inserted = true;
      return s;
    }
  }
}

SeqTracker::Result SeqTracker::observe(uint32_t publisher, uint32_t channel, uint64_t seq) {
  uint64_t key = ((uint64_t{publisher} << 32) | channel) + 1;
  if ((used_ + 1) * 2 > slots_.size()) grow();
  bool inserted;
  Slot& s = find_or_insert(key, inserted);
  if (inserted) {
    s = Slot{key, seq + 1, 1};
    ++used_;
    return {Verdict::kFirst, 0};
  }
  if (seq == s.next) {
    s.seen = (s.seen << 1) | 1;
    s.next = seq + 1;
    return {Verdict::kInOrder, 0};
  }
  if (seq > s.next) {
    uint64_t skipped = seq - s.next;
    s.seen = (skipped + 1 >= 64 ? 0 : s.seen << (skipped + 1)) | 1;
    s.next = seq + 1;
    return {Verdict::kGap, skipped};
  }
  uint64_t back = s.next - 1 - seq;
  if (back >= 64) return {Verdict::kStale, 0};
  uint64_t bit = uint64_t{1} << back;
  if (s.seen & bit) return {Verdict::kDuplicate, 0};
  s.seen |= bit;
  return {Verdict::kLate, 0};
}

}  // namespace ringcast::loadgen
