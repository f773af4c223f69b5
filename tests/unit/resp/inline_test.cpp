// Inline (telnet-style) requests, split like Redis's sdssplitargs. Every
// expectation here was checked against redis-server 7.0.15.
#include <string>

#include "parse_support.h"

namespace ringcast::resp::test {
namespace {

using namespace std::string_literals;

struct Case {
  const char* name;
  std::string wire;
  Args args;
};

class InlineTest : public ::testing::TestWithParam<Case> {};

TEST_P(InlineTest, ParsesAtEverySplit) {
  expect_parses_at_every_split(GetParam().wire, GetParam().args);
}

const Case kCases[] = {
    {"crlf", "PING\r\n"s, {"PING"}},
    {"bare_lf", "PING\n"s, {"PING"}},
    {"publish", "PUBLISH news hello\r\n"s, {"PUBLISH", "news", "hello"}},
    {"extra_blanks", "  PUBLISH\t news  \t hello  \r\n"s, {"PUBLISH", "news", "hello"}},
    {"double_quoted", "ECHO \"a b\"\r\n"s, {"ECHO", "a b"}},
    {"single_quoted", "ECHO 'a b'\r\n"s, {"ECHO", "a b"}},
    {"double_quote_escapes", "ECHO \"\\n\\r\\t\\b\\a\\\\\\\"\\q\"\n"s,
     {"ECHO", "\n\r\t\b\a\\\"q"}},
    {"hex_escapes", "ECHO \"\\x41\\x6a\\xFF\\x00!\"\n"s, {"ECHO", "Aj\xff\0!"s}},
    // \x needs two hex digits, otherwise it is the plain escape of 'x'.
    {"short_hex_escape", "ECHO \"\\x4\" \"\\x4g\"\n"s, {"ECHO", "x4", "x4g"}},
    {"single_quote_escape", "ECHO 'it\\'s \\n'\n"s, {"ECHO", "it's \\n"}},
    {"empty_quoted_args", "ECHO \"\" ''\r\n"s, {"ECHO", "", ""}},
    // A quote may open in the middle of a word and joins onto it.
    {"quote_mid_word", "ECHO foo\"bar baz\"\n"s, {"ECHO", "foobar baz"}},
    {"quoted_crlf_kept", "ECHO \"a\rb\"\r\n"s, {"ECHO", "a\rb"}},
    {"quote_then_tab", "ECHO \"abc\"\t\r\n"s, {"ECHO", "abc"}},
    // A bare CR inside the line separates words; only the one before the LF
    // is stripped.
    {"cr_separates", "ECHO a\rb\r\n"s, {"ECHO", "a", "b"}},
    {"double_cr", "PING\r\r\n"s, {"PING"}},
    // Vertical tab and form feed are skipped before a word but belong to it
    // once it started; after a closing quote they count as blanks.
    {"vtab_inside_word", "ECHO a\vb\n"s, {"ECHO", "a\vb"}},
    {"vtab_before_word", "ECHO \va\n"s, {"ECHO", "a"}},
    {"formfeed_after_quote", "ECHO \"x\"\fy\n"s, {"ECHO", "x", "y"}},
    {"high_bytes", "ECHO a\x80z \xff\n"s, {"ECHO", "a\x80z", "\xff"}},
    {"blank_line_crlf", "\r\n"s, {}},
    {"blank_line_lf", "\n"s, {}},
    {"whitespace_only", "  \t \r\n"s, {}},
};

INSTANTIATE_TEST_SUITE_P(Requests, InlineTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Inline, LineLongerThanInlineMaxIsFineOnceTheNewlineIsHere) {
  // The size limit applies only while no newline was found.
  ParseLimits limits;
  limits.inline_max = 8;
  RequestParser parser(limits);
  ExactBuffer buf("ECHO aaaaaaaaaaaaaaaa\r\n");
  ASSERT_EQ(parser.parse(buf.view()), ParseStatus::Ok);
  EXPECT_EQ(args_of(parser), (Args{"ECHO", "aaaaaaaaaaaaaaaa"}));
}

TEST(Inline, ArgumentsOutliveGrowthOfTheirStorage) {
  // Many short words: views must be taken after the storage stopped moving.
  std::string line = "CMD";
  Args expected{"CMD"};
  for (int i = 0; i < 50; ++i) {
    line += " w" + std::to_string(i);
    expected.push_back("w" + std::to_string(i));
  }
  line += "\n";
  RequestParser parser;
  ExactBuffer buf(line);
  ASSERT_EQ(parser.parse(buf.view()), ParseStatus::Ok);
  EXPECT_EQ(args_of(parser), expected);
  ExactBuffer shorter("A \"b c\"\n");
  ASSERT_EQ(parser.parse(shorter.view()), ParseStatus::Ok);
  EXPECT_EQ(args_of(parser), (Args{"A", "b c"}));
}

}  // namespace
}  // namespace ringcast::resp::test
