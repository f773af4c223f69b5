// Protocol errors and their exact reply texts, as redis-server 7.0.15 sends
// them (the "-ERR " prefix is the caller's).
#include <string>

#include "parse_support.h"

namespace ringcast::resp::test {
namespace {

using namespace std::string_literals;

struct Case {
  const char* name;
  std::string wire;
  ProtocolError error;
  std::string message;
};

class ErrorTest : public ::testing::TestWithParam<Case> {};

TEST_P(ErrorTest, ReportsRedisError) {
  expect_error(GetParam().wire, GetParam().error, GetParam().message);
}

TEST_P(ErrorTest, IgnoresWhatFollows) {
  // Redis answers as soon as the bad line is complete; later bytes cannot
  // change the verdict.
  expect_error(GetParam().wire + "*1\r\n$4\r\nPING\r\n", GetParam().error, GetParam().message);
}

constexpr auto kMbulk = ProtocolError::InvalidMultibulkLength;
constexpr auto kBulk = ProtocolError::InvalidBulkLength;
constexpr auto kDollar = ProtocolError::ExpectedDollar;
constexpr auto kQuotes = ProtocolError::UnbalancedQuotes;
const std::string kMbulkText = "Protocol error: invalid multibulk length";
const std::string kBulkText = "Protocol error: invalid bulk length";
const std::string kQuotesText = "Protocol error: unbalanced quotes in request";

const Case kCases[] = {
    // Counts follow string2ll: no '+', no spaces, no leading zeros, no "-0".
    {"count_empty", "*\r\n"s, kMbulk, kMbulkText},
    {"count_not_a_number", "*abc\r\n"s, kMbulk, kMbulkText},
    {"count_plus_sign", "*+1\r\n"s, kMbulk, kMbulkText},
    {"count_leading_zero", "*01\r\n"s, kMbulk, kMbulkText},
    {"count_minus_zero", "*-0\r\n"s, kMbulk, kMbulkText},
    {"count_lone_minus", "*-\r\n"s, kMbulk, kMbulkText},
    {"count_leading_space", "* 1\r\n"s, kMbulk, kMbulkText},
    {"count_trailing_space", "*1 \r\n"s, kMbulk, kMbulkText},
    {"count_overflows_int64", "*9223372036854775808\r\n"s, kMbulk, kMbulkText},
    {"count_negative_overflow", "*-9223372036854775809\r\n"s, kMbulk, kMbulkText},
    // The line ends at the first '\r', so a bare LF stays inside the number.
    {"count_ended_by_bare_lf", "*1\n$4\r\n"s, kMbulk, kMbulkText},
    {"bulk_len_empty", "*1\r\n$\r\n"s, kBulk, kBulkText},
    {"bulk_len_negative", "*1\r\n$-1\r\n"s, kBulk, kBulkText},
    {"bulk_len_leading_zero", "*1\r\n$01\r\n"s, kBulk, kBulkText},
    {"bulk_len_plus_sign", "*1\r\n$+1\r\n"s, kBulk, kBulkText},
    {"bulk_len_trailing_garbage", "*1\r\n$1x\r\n"s, kBulk, kBulkText},
    {"bulk_len_over_default_limit", "*1\r\n$536870913\r\n"s, kBulk, kBulkText},
    {"bulk_len_in_second_element", "*2\r\n$1\r\na\r\n$-5\r\n"s, kBulk, kBulkText},
    {"dollar_missing", "*1\r\nX\r\n"s, kDollar, "Protocol error: expected '$', got 'X'"},
    {"dollar_integer_type", "*2\r\n$1\r\na\r\n:1\r\n"s, kDollar,
     "Protocol error: expected '$', got ':'"},
    // From Redis's own tests/unit/protocol.tcl ("Wrong multibulk payload
    // header"): the bulk is 1 byte, so "fooz" is read as the next header.
    {"redis_protocol_tcl_payload", "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n"s, kDollar,
     "Protocol error: expected '$', got 'f'"},
    // Redis replaces CR and LF in error replies with spaces.
    {"dollar_got_cr", "*1\r\n\r\n"s, kDollar, "Protocol error: expected '$', got ' '"},
    {"dollar_got_lf", "*1\r\n\n\r\n"s, kDollar, "Protocol error: expected '$', got ' '"},
    {"dollar_got_high_byte", "*1\r\n\xfe\r\n"s, kDollar, "Protocol error: expected '$', got '\xfe'"},
    {"double_quote_unterminated", "ECHO \"ab\r\n"s, kQuotes, kQuotesText},
    {"single_quote_unterminated", "ECHO 'ab\n"s, kQuotes, kQuotesText},
    {"double_quote_followed_by_word", "ECHO \"ab\"c\n"s, kQuotes, kQuotesText},
    {"single_quote_followed_by_word", "ECHO 'ab'c\n"s, kQuotes, kQuotesText},
    {"adjacent_quoted_words", "ECHO \"a\"\"b\"\n"s, kQuotes, kQuotesText},
    {"quote_followed_by_other_quote", "ECHO \"ab\"'\n"s, kQuotes, kQuotesText},
    // In single quotes \' is an escape, so the closing quote is eaten.
    {"single_quote_escaped_close", "ECHO '\\\\'\n"s, kQuotes, kQuotesText},
    {"trailing_backslash_in_quotes", "ECHO \"\\\n"s, kQuotes, kQuotesText},
    {"hex_escape_at_end", "ECHO \"\\x41\n"s, kQuotes, kQuotesText},
};

INSTANTIATE_TEST_SUITE_P(Requests, ErrorTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Errors, MessagesForEveryKind) {
  struct Kind {
    std::string wire;
    ProtocolError error;
    std::string message;
  };
  ParseLimits tiny;
  tiny.inline_max = 4;
  const Kind kinds[] = {
      {"*x\r\n", kMbulk, kMbulkText},
      {"*1\r\n$x\r\n", kBulk, kBulkText},
      {"*1\r\n?\r\n", kDollar, "Protocol error: expected '$', got '?'"},
      {"PING!", ProtocolError::TooBigInlineRequest, "Protocol error: too big inline request"},
      {"*1234", ProtocolError::TooBigMbulkCount, "Protocol error: too big mbulk count string"},
      {"*1\r\n$1234", ProtocolError::TooBigBulkCount, "Protocol error: too big bulk count string"},
      {"'\n", kQuotes, kQuotesText},
  };
  for (const auto& k : kinds) expect_error(k.wire, k.error, k.message, tiny);
}

TEST(Errors, DetectedBeforeTheRestOfTheRequestArrives) {
  // A bad second header fails at once even though the count promises more.
  expect_error("*5\r\n$4\r\nECHO\r\n!\r\n", kDollar, "Protocol error: expected '$', got '!'");
}

TEST(Errors, NoErrorReportedForOkOrNeedMore) {
  RequestParser parser;
  ExactBuffer partial("*2\r\n$4\r\nEC");
  ASSERT_EQ(parser.parse(partial.view()), ParseStatus::NeedMore);
  EXPECT_EQ(parser.error(), ProtocolError::None);
  EXPECT_EQ(parser.error_message(), "");
}

}  // namespace
}  // namespace ringcast::resp::test
