// Hostile patterns: they must finish quickly, within glob_step_bound, and
// still give Redis's answer, including Redis's cut-off after 1000 nested '*'
// (checked on 7.0.15), by both of glob_match's strategies.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "pubsub/glob.h"

namespace ringcast::pubsub {
namespace {

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// Naive backtracking needs about subject^stars steps for these; anything
// near that would blow far past this budget.
constexpr auto kBudget = std::chrono::seconds(2);

// glob_match's answer, after checking that its work stayed within the bound
// and that the bit-parallel strategy gives the same answer on its own.
bool matches(const std::string& pattern, const std::string& subject) {
  size_t steps = 0;
  const bool matched = glob_match(pattern, subject, &steps);
  EXPECT_LE(steps, glob_step_bound(pattern.size(), subject.size())) << pattern.substr(0, 40);
  size_t bit_parallel_steps = 0;
  EXPECT_EQ(detail::glob_match_bit_parallel(pattern, subject, bit_parallel_steps), matched)
      << pattern.substr(0, 40);
  return matched;
}

class Stopwatch {
 public:
  auto elapsed() const { return std::chrono::steady_clock::now() - start_; }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

TEST(GlobPathological, RedisNestedLoopsRegression) {
  // tests/unit/keyspace.tcl "Regression for pattern matching long nested loops".
  Stopwatch watch;
  EXPECT_FALSE(matches(repeat("a*", 20) + "b", std::string(40, 'a')));
  EXPECT_LT(watch.elapsed(), kBudget);
}

TEST(GlobPathological, ManyStarsAgainstLongSubject) {
  Stopwatch watch;
  EXPECT_FALSE(matches(repeat("a*", 500) + "b", std::string(5000, 'a')));
  EXPECT_TRUE(matches(repeat("a*", 500) + "b", std::string(5000, 'a') + "b"));
  EXPECT_FALSE(matches(repeat("*?", 50000), std::string(1000, 'x')));
  EXPECT_FALSE(matches(repeat("*a", 200) + "*b", std::string(3000, 'a')));
  EXPECT_LT(watch.elapsed(), kBudget);
}

TEST(GlobPathological, LongSegmentAfterStar) {
  // Every start position re-checks most of the segment: quadratic, not worse.
  Stopwatch watch;
  const std::string subject(4000, 'a');
  EXPECT_FALSE(matches("*" + std::string(2000, 'a') + "b", subject));
  EXPECT_TRUE(matches("*" + std::string(2000, 'a'), subject));
  EXPECT_FALSE(matches("*" + repeat("[a]", 2000) + "b", subject));
  EXPECT_LT(watch.elapsed(), kBudget);
}

TEST(GlobPathological, LongestPatternAgainstLongChannelIsLinear) {
  // The shape that took a publish 3.6 s: a '*' then a long segment that
  // almost matches everywhere. Backtracking needs segment x channel steps;
  // the bound is about channel x (1 + pattern / 64).
  const std::string channel(200000, 'a');
  const std::string pattern = "*" + std::string(kMaxPatternLength - 2, 'a') + "b";
  Stopwatch watch;
  size_t steps = 0;
  EXPECT_FALSE(glob_match(pattern, channel, &steps));
  EXPECT_LE(steps, glob_step_bound(pattern.size(), channel.size()));
  EXPECT_LT(steps, 32 * channel.size());  // backtracking alone: ~200M
  EXPECT_TRUE(matches(pattern, channel + "b"));
  EXPECT_FALSE(matches("*" + repeat("?", kMaxPatternLength - 2) + "b", channel));
  EXPECT_FALSE(matches("*" + repeat("[a]", kMaxPatternLength / 3 - 1) + "b", channel));
  EXPECT_LT(watch.elapsed(), kBudget);
}

TEST(GlobPathological, UpToThousandStarGroupsMatchNormally) {
  EXPECT_TRUE(matches(repeat("*a", 1000), std::string(1000, 'a')));
  EXPECT_TRUE(matches(repeat("*a", 1000), std::string(3000, 'a')));
  EXPECT_TRUE(matches(repeat("a*", 1000) + "a", std::string(1001, 'a')));
}

TEST(GlobPathological, StarGroupPastTheThousandthNeverMatches) {
  // Redis stops recursing at nesting 1000 and reports "no match", even
  // where a match exists.
  EXPECT_FALSE(matches(repeat("*a", 1001), std::string(1001, 'a')));
  EXPECT_FALSE(matches(repeat("*a", 1001), std::string(3000, 'a')));
  EXPECT_FALSE(matches(repeat("?*", 1001) + "?", std::string(1002, 'a')));
}

TEST(GlobPathological, FinalStarPastTheThousandthStillMatches) {
  // A pattern-ending '*' matches without recursing, so it is exempt.
  EXPECT_TRUE(matches(repeat("*a", 1000) + "*", std::string(1001, 'a')));
  EXPECT_TRUE(matches(repeat("a*", 1001), std::string(1001, 'a')));
  EXPECT_TRUE(matches(repeat("?*", 1001), std::string(1002, 'a')));
}

TEST(GlobPathological, StarsAfterTheSubjectEndsAreNotCounted) {
  // Trailing '*' once the subject is used up are skipped, not recursed into.
  EXPECT_TRUE(matches("a" + repeat("**", 1500), "a"));
  EXPECT_TRUE(matches(repeat("a*", 1000) + "a" + repeat("*", 5), std::string(1001, 'a')));
}

}  // namespace
}  // namespace ringcast::pubsub
