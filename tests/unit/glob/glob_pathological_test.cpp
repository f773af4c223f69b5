// Hostile patterns: they must finish quickly and still give Redis's answer,
// including Redis's cut-off after 1000 nested '*' (checked on 7.0.15).
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

class Stopwatch {
 public:
  auto elapsed() const { return std::chrono::steady_clock::now() - start_; }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

TEST(GlobPathological, RedisNestedLoopsRegression) {
  // tests/unit/keyspace.tcl "Regression for pattern matching long nested loops".
  Stopwatch watch;
  EXPECT_FALSE(glob_match(repeat("a*", 20) + "b", std::string(40, 'a')));
  EXPECT_LT(watch.elapsed(), kBudget);
}

TEST(GlobPathological, ManyStarsAgainstLongSubject) {
  Stopwatch watch;
  EXPECT_FALSE(glob_match(repeat("a*", 500) + "b", std::string(5000, 'a')));
  EXPECT_TRUE(glob_match(repeat("a*", 500) + "b", std::string(5000, 'a') + "b"));
  EXPECT_FALSE(glob_match(repeat("*?", 50000), std::string(1000, 'x')));
  EXPECT_FALSE(glob_match(repeat("*a", 200) + "*b", std::string(3000, 'a')));
  EXPECT_LT(watch.elapsed(), kBudget);
}

TEST(GlobPathological, LongSegmentAfterStar) {
  // Every start position re-checks most of the segment: quadratic, not worse.
  Stopwatch watch;
  const std::string subject(4000, 'a');
  EXPECT_FALSE(glob_match("*" + std::string(2000, 'a') + "b", subject));
  EXPECT_TRUE(glob_match("*" + std::string(2000, 'a'), subject));
  EXPECT_FALSE(glob_match("*" + repeat("[a]", 2000) + "b", subject));
  EXPECT_LT(watch.elapsed(), kBudget);
}

TEST(GlobPathological, UpToThousandStarGroupsMatchNormally) {
  EXPECT_TRUE(glob_match(repeat("*a", 1000), std::string(1000, 'a')));
  EXPECT_TRUE(glob_match(repeat("*a", 1000), std::string(3000, 'a')));
  EXPECT_TRUE(glob_match(repeat("a*", 1000) + "a", std::string(1001, 'a')));
}

TEST(GlobPathological, StarGroupPastTheThousandthNeverMatches) {
  // Redis stops recursing at nesting 1000 and reports "no match", even
  // where a match exists.
  EXPECT_FALSE(glob_match(repeat("*a", 1001), std::string(1001, 'a')));
  EXPECT_FALSE(glob_match(repeat("*a", 1001), std::string(3000, 'a')));
  EXPECT_FALSE(glob_match(repeat("?*", 1001) + "?", std::string(1002, 'a')));
}

TEST(GlobPathological, FinalStarPastTheThousandthStillMatches) {
  // A pattern-ending '*' matches without recursing, so it is exempt.
  EXPECT_TRUE(glob_match(repeat("*a", 1000) + "*", std::string(1001, 'a')));
  EXPECT_TRUE(glob_match(repeat("a*", 1001), std::string(1001, 'a')));
  EXPECT_TRUE(glob_match(repeat("?*", 1001), std::string(1002, 'a')));
}

TEST(GlobPathological, StarsAfterTheSubjectEndsAreNotCounted) {
  // Trailing '*' once the subject is used up are skipped, not recursed into.
  EXPECT_TRUE(glob_match("a" + repeat("**", 1500), "a"));
  EXPECT_TRUE(glob_match(repeat("a*", 1000) + "a" + repeat("*", 5), std::string(1001, 'a')));
}

}  // namespace
}  // namespace ringcast::pubsub
