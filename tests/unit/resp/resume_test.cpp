// Resumable parsing: with a ParseProgress, a request fed in growing pieces
// gives exactly the stateless results, and a request of many small
// arguments trickling in is parsed in linear time.
#include <chrono>
#include <string>
#include <vector>

#include "parse_support.h"

namespace ringcast::resp::test {
namespace {

Args copy_args(const RequestParser& p) {
  Args out;
  for (std::string_view a : p.args()) out.emplace_back(a);
  return out;
}

std::string multibulk(const Args& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

// Feeds every prefix of `wire` to a resuming parser and a stateless one and
// requires identical answers at every step.
void expect_same_as_stateless(const std::string& wire, ParseLimits limits = {}) {
  RequestParser resuming(limits), stateless(limits);
  ParseProgress progress;
  for (size_t len = 1; len <= wire.size(); ++len) {
    ExactBuffer buf(std::string_view(wire).substr(0, len));
    const ParseStatus a = resuming.parse(buf.view(), &progress);
    const ParseStatus b = stateless.parse(buf.view());
    ASSERT_EQ(a, b) << "prefix " << len;
    if (a == ParseStatus::NeedMore) {
      EXPECT_GT(resuming.bytes_needed(), len);
    }
    if (a == ParseStatus::Ok) {
      EXPECT_EQ(resuming.consumed(), stateless.consumed());
      EXPECT_EQ(copy_args(resuming), copy_args(stateless)) << "prefix " << len;
      EXPECT_EQ(progress.next, 0u);  // nothing left saved after a whole request
      return;
    }
    if (a == ParseStatus::Error) {
      EXPECT_EQ(resuming.error_message(), stateless.error_message());
      return;
    }
  }
  FAIL() << "request never completed";
}

TEST(Resume, AgreesWithStatelessParsingAtEveryPrefix) {
  expect_same_as_stateless(multibulk({"PUBLISH", "news", "hello"}));
  expect_same_as_stateless(multibulk({"SUBSCRIBE", "", std::string("\0\r\n", 3), std::string(3000, 'x')}));
  expect_same_as_stateless(multibulk(Args(300, "ab")));
}

TEST(Resume, ErrorsAfterResumingAreRedisErrors) {
  expect_same_as_stateless("*3\r\n$3\r\nfoo\r\n$3\r\nbar\r\nxyz\r\n");
  expect_same_as_stateless("*3\r\n$3\r\nfoo\r\n$-4\r\n");
  ParseLimits small;
  small.max_bulk_len = 10;
  expect_same_as_stateless("*2\r\n$3\r\nfoo\r\n$11\r\n", small);
}

TEST(Resume, ProgressIsRelativeToTheRequestStart) {
  // The first request completes; the second stops half-way and resumes from
  // a buffer that now starts at it, as a connection's input buffer does.
  const std::string first = multibulk({"PING"});
  const std::string second = multibulk({"PUBLISH", "ch", "payload"});
  RequestParser parser;
  ParseProgress progress;
  ExactBuffer both(first + second.substr(0, 20));
  ASSERT_EQ(parser.parse(both.view(), &progress), ParseStatus::Ok);
  ASSERT_EQ(parser.parse(both.view().substr(parser.consumed()), &progress), ParseStatus::NeedMore);
  ExactBuffer rest(second);
  ASSERT_EQ(parser.parse(rest.view(), &progress), ParseStatus::Ok);
  EXPECT_EQ(copy_args(parser), (Args{"PUBLISH", "ch", "payload"}));
}

TEST(Resume, ManySmallArgumentsTricklingInStayLinear) {
  // 400k arguments in 1 KiB pieces: re-reading from the start on every piece
  // would scan gigabytes; resuming scans each byte about once.
  const size_t kArgs = 400000;
  std::string wire = "*" + std::to_string(kArgs) + "\r\n";
  for (size_t i = 0; i < kArgs; ++i) wire += "$1\r\nx\r\n";
  ParseLimits limits;
  limits.max_multibulk_len = kArgs;
  RequestParser parser(limits);
  ParseProgress progress;
  const auto start = std::chrono::steady_clock::now();
  ParseStatus status = ParseStatus::NeedMore;
  for (size_t len = 1024; status == ParseStatus::NeedMore; len = std::min(len + 1024, wire.size()))
    status = parser.parse(std::string_view(wire).substr(0, len), &progress);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(status, ParseStatus::Ok);
  EXPECT_EQ(parser.args().size(), kArgs);
  EXPECT_LT(seconds, 2.0) << "parsing is not linear in the bytes received";
}

}  // namespace
}  // namespace ringcast::resp::test
