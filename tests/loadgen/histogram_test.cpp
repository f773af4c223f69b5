// Unit tests for the loadgen latency histogram: bucketing precision, percentiles, merge.
#include <gtest/gtest.h>

#include <random>
#include <vector>
#include <algorithm>

#include "histogram.h"

using ringcast::loadgen::Histogram;

TEST(Histogram, EmptyReportsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (uint64_t v = 0; v < 256; ++v) h.record(v);
  EXPECT_EQ(h.count(), 256u);
  EXPECT_EQ(h.percentile(0), 0u);
  EXPECT_EQ(h.percentile(50), 127u);
  EXPECT_EQ(h.percentile(100), 255u);
}

TEST(Histogram, BucketsCoverEveryValueWithBoundedError) {
  // Every value maps to a bucket whose highest equivalent value is >= it and
  // within 1/256 of it; bucket indices never decrease as values grow.
  size_t last = 0;
  for (uint64_t v = 1; v < (uint64_t{1} << 41); v = v * 1.01 + 1) {
    size_t i = Histogram::bucket_index(v);
    ASSERT_LT(i, Histogram::bucket_count());
    ASSERT_GE(i, last);
    last = i;
    uint64_t hi = Histogram::bucket_highest(i);
    ASSERT_GE(hi, v);
    ASSERT_LE(static_cast<double>(hi - v), static_cast<double>(v) / 256.0 + 1.0) << v;
  }
}

TEST(Histogram, HugeValuesClampIntoLastBucket) {
  Histogram h;
  h.record(UINT64_MAX / 2);
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.max(), UINT64_MAX / 2);  // the exact max is kept
  EXPECT_EQ(Histogram::bucket_index(UINT64_MAX), Histogram::bucket_count() - 1);
}

TEST(Histogram, PercentilesMatchSortedSampleWithinPrecision) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(11.0, 1.5);  // ~60 us median, long tail
  std::vector<uint64_t> values;
  Histogram h;
  for (int i = 0; i < 200000; ++i) {
    auto v = static_cast<uint64_t>(dist(rng));
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {50.0, 90.0, 99.0, 99.9}) {
    auto idx = static_cast<size_t>(std::ceil(q / 100.0 * values.size())) - 1;
    double exact = static_cast<double>(values[idx]);
    double got = static_cast<double>(h.percentile(q));
    EXPECT_GE(got, exact) << q;
    EXPECT_LE(got, exact * (1 + 1.0 / 256) + 1) << q;
  }
  EXPECT_EQ(h.percentile(100), values.back());
  EXPECT_EQ(h.min(), values.front());
}

TEST(Histogram, MergeEqualsRecordingEverything) {
  Histogram a, b, all;
  for (uint64_t v = 1; v < 100000; v += 7) {
    (v % 2 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
  for (double q : {1.0, 50.0, 99.0, 99.99}) EXPECT_EQ(a.percentile(q), all.percentile(q));
  a.clear();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.percentile(99), 0u);
}
