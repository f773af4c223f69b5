// LogLimiter: one line per interval, and the next line learns how many were held back.
#include "core/log_limiter.h"

#include <gtest/gtest.h>

namespace ringcast {
namespace {

TEST(LogLimiter, FirstOccurrenceIsWrittenThenOnePerInterval) {
  LogLimiter limiter(1000);
  EXPECT_EQ(limiter.allow(5), 0u);
  EXPECT_EQ(limiter.allow(6), std::nullopt);
  EXPECT_EQ(limiter.allow(1004), std::nullopt);
  EXPECT_EQ(limiter.allow(1005), 2u);  // the two held back since the line at 5
  EXPECT_EQ(limiter.allow(1500), std::nullopt);
  EXPECT_EQ(limiter.allow(9000), 1u);
  EXPECT_EQ(limiter.allow(20000), 0u);
}

TEST(LogLimiter, NegativeClockValuesWork) {
  LogLimiter limiter(100);
  EXPECT_EQ(limiter.allow(-50), 0u);
  EXPECT_EQ(limiter.allow(0), std::nullopt);
  EXPECT_EQ(limiter.allow(50), 1u);
}

TEST(LogLimiter, AFloodWritesOneLinePerInterval) {
  LogLimiter limiter(1000);
  int lines = 0;
  uint64_t accounted = 0;
  for (int64_t ms = 0; ms < 10000; ++ms) {
    for (int i = 0; i < 100; ++i) {
      if (auto held = limiter.allow(ms)) {
        ++lines;
        accounted += 1 + *held;
      }
    }
  }
  EXPECT_EQ(lines, 10);
  // Every occurrence but those after the last line is counted by some line.
  EXPECT_GT(accounted, 900000u);
  EXPECT_LE(accounted, 1000000u);
}

}  // namespace
}  // namespace ringcast
