// Size limits (proto-max-bulk-len, argument count, PROTO_INLINE_MAX_SIZE)
// and Redis's stall on a NUL byte inside a header or inline line.
#include <string>

#include "parse_support.h"

namespace ringcast::resp::test {
namespace {

using namespace std::string_literals;

ParseLimits small_limits() {
  ParseLimits limits;
  limits.max_bulk_len = 5;
  limits.max_multibulk_len = 3;
  limits.inline_max = 16;
  return limits;
}

TEST(Limits, BulkLengthAtLimitIsAccepted) {
  Feeder f(small_limits());
  ASSERT_EQ(f.feed("*1\r\n$5\r\nhello\r\n"), ParseStatus::Ok);
  EXPECT_EQ(args_of(f.parser), Args{"hello"});
}

TEST(Limits, BulkLengthOverLimitIsInvalid) {
  expect_error("*1\r\n$6\r\n", ProtocolError::InvalidBulkLength,
               "Protocol error: invalid bulk length", small_limits());
}

TEST(Limits, ArgumentCountAtLimitIsAccepted) {
  Feeder f(small_limits());
  ASSERT_EQ(f.feed("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"), ParseStatus::Ok);
  EXPECT_EQ(args_of(f.parser), (Args{"a", "b", "c"}));
}

TEST(Limits, ArgumentCountOverLimitIsInvalid) {
  expect_error("*4\r\n", ProtocolError::InvalidMultibulkLength,
               "Protocol error: invalid multibulk length", small_limits());
}

TEST(Limits, NegativeCountIsNeverOverTheLimit) {
  Feeder f(small_limits());
  ASSERT_EQ(f.feed("*-100\r\n"), ParseStatus::Ok);
  EXPECT_TRUE(f.parser.args().empty());
}

TEST(Limits, SetLimitsTakesEffect) {
  Feeder f;
  f.parser.set_limits(small_limits());
  EXPECT_EQ(f.parser.limits().max_bulk_len, 5u);
  EXPECT_EQ(f.feed("*1\r\n$6\r\n"), ParseStatus::Error);
}

// Without a line end, exactly inline_max buffered bytes still wait; one more
// is an error. Each too-big error names the line it was waiting for.
struct LineCase {
  const char* name;
  std::string head;  // bytes before the unfinished line
  char first;        // first byte of the unfinished line
  ProtocolError error;
};

class UnfinishedLineTest : public ::testing::TestWithParam<LineCase> {};

TEST_P(UnfinishedLineTest, WaitsUpToInlineMaxThenFails) {
  const LineCase& c = GetParam();
  const ParseLimits limits = small_limits();
  Feeder f(limits);
  const std::string at_limit = c.head + c.first + std::string(limits.inline_max - 1, '7');
  ASSERT_EQ(f.feed(at_limit), ParseStatus::NeedMore);
  EXPECT_EQ(f.parser.bytes_needed(), at_limit.size() + 1);
  ASSERT_EQ(f.feed(at_limit + "7"), ParseStatus::Error);
  EXPECT_EQ(f.parser.error(), c.error);
}

const LineCase kLineCases[] = {
    {"inline", "", 'P', ProtocolError::TooBigInlineRequest},
    {"count_line", "", '*', ProtocolError::TooBigMbulkCount},
    {"first_bulk_line", "*2\r\n", '$', ProtocolError::TooBigBulkCount},
    // Measured from the start of the current line, not of the request.
    {"second_bulk_line", "*2\r\n$3\r\nabc\r\n", '$', ProtocolError::TooBigBulkCount},
};

INSTANTIATE_TEST_SUITE_P(Lines, UnfinishedLineTest, ::testing::ValuesIn(kLineCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Limits, DefaultArgumentCountLimitIsOneMebi) {
  // Our default, the limit of older Redis; Redis 7 itself allows INT_MAX.
  Feeder f;
  EXPECT_EQ(f.feed("*1048576\r\n"), ParseStatus::NeedMore);
  EXPECT_EQ(f.feed("*1048577\r\n"), ParseStatus::Error);
  EXPECT_EQ(f.parser.error(), ProtocolError::InvalidMultibulkLength);
}

TEST(Limits, DefaultInlineMaxIs64KiB) {
  Feeder f;
  EXPECT_EQ(f.feed(std::string(64 * 1024, 'a')), ParseStatus::NeedMore);
  EXPECT_EQ(f.feed(std::string(64 * 1024 + 1, 'a')), ParseStatus::Error);
  EXPECT_EQ(f.parser.error_message(), "Protocol error: too big inline request");
}

TEST(Limits, LongCountLineWithItsCrIsJustInvalid) {
  // The too-big checks only apply while no '\r' is buffered at all.
  expect_error("*" + std::string(40, '1') + "\r\n", ProtocolError::InvalidMultibulkLength,
               "Protocol error: invalid multibulk length", small_limits());
}

TEST(Limits, CrAsLastByteWaitsWithoutSizeCheck) {
  // Redis needs the byte after '\r' before it looks at the line, and only
  // checks the size when there is no '\r' at all.
  Feeder f(small_limits());
  for (const std::string& wire : {"*" + std::string(40, '1') + "\r",
                                  "*1\r\n$" + std::string(40, '1') + "\r"}) {
    ASSERT_EQ(f.feed(wire), ParseStatus::NeedMore) << wire;
    EXPECT_EQ(f.parser.bytes_needed(), wire.size() + 1) << wire;
  }
}

// Redis finds header and inline line ends with strchr(), which stops at a
// NUL: such a line never ends and the request waits until it is too big.
// Checked against redis-server 7.0.15.
struct NulCase {
  const char* name;
  std::string wire;
  size_t line_start;
  ProtocolError error;
};

class NulStallTest : public ::testing::TestWithParam<NulCase> {};

TEST_P(NulStallTest, WaitsForTooBigInsteadOfFailingEarly) {
  const NulCase& c = GetParam();
  const ParseLimits limits = small_limits();
  Feeder f(limits);
  ASSERT_EQ(f.feed(c.wire), ParseStatus::NeedMore);
  const size_t threshold = c.line_start + limits.inline_max + 1;
  EXPECT_EQ(f.parser.bytes_needed(), threshold);
  std::string grown = c.wire;
  grown.resize(threshold - 1, 'x');
  ASSERT_EQ(f.feed(grown), ParseStatus::NeedMore);
  grown.push_back('x');
  ASSERT_EQ(f.feed(grown), ParseStatus::Error);
  EXPECT_EQ(f.parser.error(), c.error);
}

const NulCase kNulCases[] = {
    {"count_line", "*1\0\r\n$4\r\n"s, 0, ProtocolError::TooBigMbulkCount},
    {"count_line_cr_last", "*1\0\r"s, 0, ProtocolError::TooBigMbulkCount},
    {"bulk_line", "*1\r\n$\0\r\n"s, 4, ProtocolError::TooBigBulkCount},
    {"nul_instead_of_dollar", "*2\r\n$1\r\na\r\n\0$1\r\nb\r\n"s, 11, ProtocolError::TooBigBulkCount},
    {"inline", "PING\0\n"s, 0, ProtocolError::TooBigInlineRequest},
    {"inline_quoted", "ECHO \"a\0\"\r\n"s, 0, ProtocolError::TooBigInlineRequest},
};

INSTANTIATE_TEST_SUITE_P(Lines, NulStallTest, ::testing::ValuesIn(kNulCases),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ringcast::resp::test

namespace ringcast::resp::test {
namespace {

// Redis 6.2.6+ before authentication: at most 10 arguments, bulks of at most 16 KiB.
ParseStatus parse_unauthenticated(RequestParser& parser, const std::string& wire) {
  return parser.parse(wire, nullptr, false);
}

TEST(UnauthenticatedLimits, TenArgumentsAndSixteenKibPass) {
  RequestParser parser;
  std::string ten = "*10\r\n";
  for (int i = 0; i < 10; ++i) ten += "$1\r\nx\r\n";
  EXPECT_EQ(parse_unauthenticated(parser, ten), ParseStatus::Ok);
  const std::string bulk = "*2\r\n$4\r\nAUTH\r\n$16384\r\n" + std::string(16384, 'p') + "\r\n";
  EXPECT_EQ(parse_unauthenticated(parser, bulk), ParseStatus::Ok);
}

TEST(UnauthenticatedLimits, ElevenArgumentsAreRefusedFromTheHeaderAlone) {
  RequestParser parser;
  EXPECT_EQ(parse_unauthenticated(parser, "*11\r\n"), ParseStatus::Error);
  EXPECT_EQ(parser.error_message(), "Protocol error: unauthenticated multibulk length");
  // Past our own argument cap but within Redis's INT_MAX, Redis's verdict still holds.
  EXPECT_EQ(parse_unauthenticated(parser, "*2000000\r\n"), ParseStatus::Error);
  EXPECT_EQ(parser.error_message(), "Protocol error: unauthenticated multibulk length");
  EXPECT_EQ(parse_unauthenticated(parser, "*3000000000\r\n"), ParseStatus::Error);
  EXPECT_EQ(parser.error_message(), "Protocol error: invalid multibulk length");
  // Once authenticated, the usual limits apply.
  EXPECT_EQ(parser.parse("*11\r\n", nullptr, true), ParseStatus::NeedMore);
}

TEST(UnauthenticatedLimits, BulkOverSixteenKibIsRefusedBeforeItsBytesArrive) {
  RequestParser parser;
  EXPECT_EQ(parse_unauthenticated(parser, "*2\r\n$4\r\nAUTH\r\n$16385\r\n"), ParseStatus::Error);
  EXPECT_EQ(parser.error_message(), "Protocol error: unauthenticated bulk length");
  // proto-max-bulk-len is checked first, as Redis does.
  EXPECT_EQ(parse_unauthenticated(parser, "*1\r\n$999999999999\r\n"), ParseStatus::Error);
  EXPECT_EQ(parser.error_message(), "Protocol error: invalid bulk length");
}

}  // namespace
}  // namespace ringcast::resp::test
