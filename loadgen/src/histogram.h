// HDR-style log-linear latency histogram: constant relative precision (1/256)
// from 1 ns to ~73 minutes in a fixed ~70 KiB array, mergeable across threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ringcast::loadgen {

class Histogram {
 public:
  // 2^kSubBits linear sub-buckets per power of two: values < 256 are exact,
  // larger ones are within 0.4% (the bucket's width over its lower bound).
  static constexpr int kSubBits = 8;
  static constexpr int kMaxBits = 42;  // values clamp at 2^42 ns (~73 min)

  Histogram();

  void record(uint64_t value) { record_n(value, 1); }
  void record_n(uint64_t value, uint64_t n);
  void merge(const Histogram& other);
  void clear();

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }

  // The highest value equivalent to the bucket holding the q-th quantile
  // (q in [0,100]), capped at the exact maximum recorded. 0 when empty.
  uint64_t percentile(double q) const;

  static size_t bucket_index(uint64_t value);
  static uint64_t bucket_highest(size_t index);
  static size_t bucket_count();

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  uint64_t sum_ = 0;
};

}  // namespace ringcast::loadgen
