// Well-formed RESP multibulk requests: each is parsed at every split point,
// whole, and followed by another request.
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

class MultibulkTest : public ::testing::TestWithParam<Case> {};

TEST_P(MultibulkTest, ParsesAtEverySplit) {
  expect_parses_at_every_split(GetParam().wire, GetParam().args);
}

const Case kCases[] = {
    {"publish", "*3\r\n$7\r\nPUBLISH\r\n$4\r\nnews\r\n$5\r\nhello\r\n"s,
     {"PUBLISH", "news", "hello"}},
    {"single_arg", "*1\r\n$4\r\nPING\r\n"s, {"PING"}},
    {"binary_bulk", "*2\r\n$4\r\nECHO\r\n$7\r\na\0b\r\nc\n\r\n"s, {"ECHO", "a\0b\r\nc\n"s}},
    {"bulk_of_crlf_only", "*2\r\n$4\r\nECHO\r\n$2\r\n\r\n\r\n"s, {"ECHO", "\r\n"}},
    {"protocol_chars_in_bulk", "*2\r\n$4\r\nECHO\r\n$6\r\n*1\r\n$0\r\n"s, {"ECHO", "*1\r\n$0"}},
    {"empty_bulk", "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"s, {"ECHO", ""}},
    {"all_empty_bulks", "*3\r\n$0\r\n\r\n$0\r\n\r\n$0\r\n\r\n"s, {"", "", ""}},
    {"high_bytes", "*2\r\n$4\r\nECHO\r\n$3\r\n\x80\xff\x7f\r\n"s, {"ECHO", "\x80\xff\x7f"}},
    {"two_digit_lengths", "*2\r\n$4\r\nECHO\r\n$12\r\nhello world!\r\n"s, {"ECHO", "hello world!"}},
    {"twelve_args",
     "*12\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n"
     "$1\r\ng\r\n$1\r\nh\r\n$1\r\ni\r\n$1\r\nj\r\n$1\r\nk\r\n$1\r\nl\r\n"s,
     {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}},
    // A count <= 0 is a complete request with no arguments; Redis skips it.
    {"zero_count", "*0\r\n"s, {}},
    {"minus_one_count", "*-1\r\n"s, {}},
    {"large_negative_count", "*-9223372036854775808\r\n"s, {}},
    // Redis never checks the two bytes after '\r' in a header line or after
    // the bulk data: it skips them. Verified against redis-server 7.0.15.
    {"unchecked_byte_after_count_cr", "*1\rX$4\r\nPING\r\n"s, {"PING"}},
    {"unchecked_byte_after_length_cr", "*1\r\n$4\rYPING\r\n"s, {"PING"}},
    {"unchecked_bytes_after_bulk", "*2\r\n$4\r\nECHOxy$1\r\nz??"s, {"ECHO", "z"}},
};

INSTANTIATE_TEST_SUITE_P(Requests, MultibulkTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Multibulk, ArgumentsAreViewsIntoTheBuffer) {
  RequestParser parser;
  ExactBuffer buf("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n");
  ASSERT_EQ(parser.parse(buf.view()), ParseStatus::Ok);
  ASSERT_EQ(parser.args().size(), 2u);
  EXPECT_EQ(parser.args()[0].data(), buf.view().data() + 8);
  EXPECT_EQ(parser.args()[1].data(), buf.view().data() + 18);
}

TEST(Multibulk, ArgumentStorageIsReusedAcrossRequests) {
  // After the first request the argument array keeps its capacity, so the
  // steady-state PUBLISH path does not allocate.
  RequestParser parser;
  ExactBuffer first("*3\r\n$7\r\nPUBLISH\r\n$1\r\na\r\n$1\r\nb\r\n");
  ExactBuffer second("*3\r\n$7\r\nPUBLISH\r\n$2\r\ncc\r\n$2\r\ndd\r\n");
  ASSERT_EQ(parser.parse(first.view()), ParseStatus::Ok);
  const auto* storage = parser.args().data();
  ASSERT_EQ(parser.parse(second.view()), ParseStatus::Ok);
  EXPECT_EQ(parser.args().data(), storage);
  EXPECT_EQ(args_of(parser), (Args{"PUBLISH", "cc", "dd"}));
}

TEST(Multibulk, ParserRecoversAfterAnError) {
  RequestParser parser;
  ExactBuffer bad("*x\r\n");
  ExactBuffer good("*1\r\n$4\r\nPING\r\n");
  ASSERT_EQ(parser.parse(bad.view()), ParseStatus::Error);
  ASSERT_EQ(parser.parse(good.view()), ParseStatus::Ok);
  EXPECT_EQ(parser.error(), ProtocolError::None);
  EXPECT_EQ(parser.error_message(), "");
  EXPECT_EQ(args_of(parser), Args{"PING"});
}

TEST(Multibulk, EmptyBufferNeedsOneByte) {
  RequestParser parser;
  ASSERT_EQ(parser.parse({}), ParseStatus::NeedMore);
  EXPECT_EQ(parser.bytes_needed(), 1u);
}

}  // namespace
}  // namespace ringcast::resp::test
