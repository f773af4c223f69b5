// glob_match against Redis 7's stringmatchlen: every row here was checked
// with KEYS / PUBLISH on redis-server 7.0.15.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "pubsub/glob.h"

namespace ringcast::pubsub {
namespace {

using namespace std::string_literals;

struct Case {
  std::string pattern;
  std::string subject;
  bool match;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << "pattern \"" << c.pattern << "\" subject \"" << c.subject << "\"";
}

class GlobMatchTest : public ::testing::TestWithParam<Case> {};

TEST_P(GlobMatchTest, MatchesLikeRedis) {
  EXPECT_EQ(glob_match(GetParam().pattern, GetParam().subject), GetParam().match);
}

const Case kBasics[] = {
    // From Redis's tests/unit/keyspace.tcl ("KEYS with pattern/hashtag").
    {"foo*", "foo_a", true},
    {"foo*", "key_x", false},
    {"{a}*", "{a}x", true},
    {"{a}*", "{b}a", false},
    {"*{b}*", "{b}c", true},
    {"*{b}*", "{a}x", false},
    // Literals are byte-wise and case-sensitive.
    {"news", "news", true},
    {"news", "News", false},
    {"news", "news.", false},
    {"news.", "news", false},
    {"h?llo", "hello", true},
    {"h?llo", "hllo", false},
    {"h?llo", "heello", false},
    {"h*llo", "hllo", true},
    {"h*llo", "heeeello", true},
    {"h*llo", "hello!", false},
    {"a**b", "axxb", true},
    {"*a", "a", true},
    {"a*b", "ab", true},
    {"a*b", "abc", false},
    {"*?", "x", true},
    {"?*", "x", true},
    {"*", "anything", true},
    {"**", "x", true},
    {"a*", "a", true},
    {"a***", "a", true},
    // Binary subjects and patterns.
    {"a\0b"s, "a\0b"s, true},
    {"a?b", "a\0b"s, true},
    {"*\0"s, "x\0"s, true},
    {"\x80*", "\x80\xff", true},
};
INSTANTIATE_TEST_SUITE_P(Basics, GlobMatchTest, ::testing::ValuesIn(kBasics));

// Redis 7 returns "no match" for an empty subject unless the pattern is
// empty too: even "*" does not match "" (PUBLISH "" reaches no "*"
// subscriber).
const Case kEmpty[] = {
    {"", "", true},
    {"", "a", false},
    {"a", "", false},
    {"*", "", false},
    {"**", "", false},
    {"?", "", false},
    {"[^", "", false},
};
INSTANTIATE_TEST_SUITE_P(Empty, GlobMatchTest, ::testing::ValuesIn(kEmpty));

const Case kClasses[] = {
    {"h[ae]llo", "hello", true},
    {"h[ae]llo", "hallo", true},
    {"h[ae]llo", "hillo", false},
    {"h[^e]llo", "hallo", true},
    {"h[^e]llo", "hello", false},
    {"h[a-b]llo", "hbllo", true},
    {"h[a-b]llo", "hcllo", false},
    {"h[b-a]llo", "hallo", true},  // reversed range is swapped
    {"[a-c-e]", "-", true},        // '-' after a range is literal
    {"[a-c-e]", "d", false},
    {"[a-c-e]", "e", true},
    // "[a-]": the ']' is the range end ('a'..']' swapped), not the close.
    {"[a-]", "]", true},
    {"[a-]", "^", true},
    {"[a-]", "-", false},
    {"[a-]", "b", false},
    // "]" right after "[" closes an empty class, which matches nothing.
    {"[]]", "]", false},
    {"[]a", "a", false},
    {"[^]", "x", true},
    {"[\\]]", "]", true},
    {"[\\-]", "-", true},
    {"[\\", "\\", true},  // a backslash ending the pattern is literal
    // The end of the pattern closes an unterminated class.
    {"[abc", "b", true},
    {"[abc", "bc", false},
    {"[^a", "b", true},
    {"[^a", "a", false},
    {"[^", "x", true},
    {"[", "x", false},
    {"[", "[", false},
    // Ranges compare signed chars as Redis does on x86: bytes >= 0x80 sort
    // below '\0'.
    {"[a-\xff]", "\xff", true},
    {"[a-\xff]", "\0"s, true},
    {"[a-\xff]", "a", true},
    {"[a-\xff]", "\x80", false},
    {"[a-\xff]", "b", false},
    {"[\x80-\xff]", "\xc0", true},
    {"[\x80-\xff]", "a", false},
};
INSTANTIATE_TEST_SUITE_P(Classes, GlobMatchTest, ::testing::ValuesIn(kClasses));

const Case kEscapes[] = {
    {"\\*", "*", true},
    {"\\*", "a", false},
    {"\\?", "?", true},
    {"\\?", "x", false},
    {"\\[a]", "[a]", true},
    {"\\\\", "\\", true},
    {"\\a", "a", true},
    {"a\\", "a\\", true},  // trailing backslash is literal
    {"a\\", "a", false},
    {"\\", "\\", true},
    {"*\\", "ab\\", true},
};
INSTANTIATE_TEST_SUITE_P(Escapes, GlobMatchTest, ::testing::ValuesIn(kEscapes));

}  // namespace
}  // namespace ringcast::pubsub
