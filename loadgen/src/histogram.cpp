// Log-linear bucketing for Histogram; see histogram.h.
#include "histogram.h"

#include <algorithm>
#include <cmath>

namespace ringcast::loadgen {
namespace {
constexpr uint64_t kSub = uint64_t{1} << Histogram::kSubBits;
constexpr uint64_t kMaxValue = (uint64_t{1} << Histogram::kMaxBits) - 1;
}  // namespace

size_t Histogram::bucket_count() { return static_cast<size_t>(kMaxBits - kSubBits + 1) * kSub; }

size_t Histogram::bucket_index(uint64_t v) {
  if (v > kMaxValue) v = kMaxValue;
  if (v < kSub) return static_cast<size_t>(v);
  int msb = 63 - __builtin_clzll(v);
  int shift = msb - kSubBits;
  uint64_t mantissa = v >> shift;  // in [kSub, 2*kSub)
  return static_cast<size_t>((static_cast<uint64_t>(shift) + 1) * kSub + (mantissa - kSub));
}

uint64_t Histogram::bucket_highest(size_t index) {
  if (index < kSub) return index;
  uint64_t shift = index / kSub - 1;
  uint64_t mantissa = index % kSub + kSub;
  return ((mantissa + 1) << shift) - 1;
}

Histogram::Histogram() : counts_(bucket_count(), 0) {}

void Histogram::record_n(uint64_t value, uint64_t n) {
  if (n == 0) return;
  counts_[bucket_index(value)] += n;
  count_ += n;
  sum_ += value * n;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void Histogram::merge(const Histogram& o) {
  if (o.count_ == 0) return;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
}

void Histogram::clear() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  sum_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
}

uint64_t Histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 100.0);
  auto target = static_cast<uint64_t>(std::ceil(q / 100.0 * static_cast<double>(count_)));
  if (target == 0) target = 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= target) return std::clamp(bucket_highest(i), min_, max_);
  }
  return max_;
}

}  // namespace ringcast::loadgen
