// glob_literal_prefix: the literal start every match shares, and whether the
// pattern is nothing but that literal.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "enumerate.h"
#include "pubsub/glob.h"

namespace ringcast::pubsub::test {
namespace {

struct Case {
  std::string pattern;
  std::string prefix;
  bool exact;
};

void PrintTo(const Case& c, std::ostream* os) { *os << "pattern \"" << c.pattern << "\""; }

class GlobPrefixTest : public ::testing::TestWithParam<Case> {};

TEST_P(GlobPrefixTest, ExtractsLiteralPrefix) {
  const GlobPrefix got = glob_literal_prefix(GetParam().pattern);
  EXPECT_EQ(got.prefix, GetParam().prefix);
  EXPECT_EQ(got.exact, GetParam().exact);
}

const Case kCases[] = {
    {"news", "news", true},
    {"", "", true},
    {"news.*", "news.", false},
    {"*", "", false},
    {"*news", "", false},
    {"a?b", "a", false},
    {"ab[cd]", "ab", false},
    {"ab[", "ab", false},
    {"a\\*b", "a*b", true},
    {"a\\*b*", "a*b", false},
    {"a\\\\b", "a\\b", true},
    {"a\\[x]", "a[x]", true},
    {"ab\\", "ab\\", true},  // a trailing backslash is a literal backslash
    {"a]b^-", "a]b^-", true},
};

INSTANTIATE_TEST_SUITE_P(Patterns, GlobPrefixTest, ::testing::ValuesIn(kCases));

TEST(GlobPrefix, EveryMatchStartsWithThePrefixAndExactMeansEquality) {
  const auto patterns = all_strings(kPatternAlphabet, 4);
  const auto subjects = all_strings(kSubjectAlphabet, 4);
  for (const auto& pat : patterns) {
    const GlobPrefix prefix = glob_literal_prefix(pat);
    for (const auto& s : subjects) {
      const bool match = glob_match(pat, s);
      if (match) {
        ASSERT_EQ(s.compare(0, prefix.prefix.size(), prefix.prefix), 0)
            << "pattern \"" << pat << "\" subject \"" << s << "\"";
      }
      if (prefix.exact) {
        ASSERT_EQ(match, s == prefix.prefix) << "pattern \"" << pat << "\" subject \"" << s << "\"";
      }
    }
  }
}

}  // namespace
}  // namespace ringcast::pubsub::test
