// bytes_needed(): once a bulk's length is known the parser asks for its whole
// end, so a large argument arriving in pieces is not re-parsed per piece.
#include <string>

#include "parse_support.h"

namespace ringcast::resp::test {
namespace {

constexpr size_t kBig = 1024 * 1024;
constexpr size_t kPiece = 16 * 1024;

std::string big_publish_header() {
  return "*3\r\n$7\r\nPUBLISH\r\n$4\r\nnews\r\n$" + std::to_string(kBig) + "\r\n";
}

TEST(BytesNeeded, LargeBulkPointsAtItsEnd) {
  const std::string header = big_publish_header();
  const size_t end = header.size() + kBig + 2;
  RequestParser parser;
  for (size_t extra : {size_t{0}, size_t{1}, kPiece, kBig - 1, kBig, kBig + 1}) {
    ExactBuffer buf(header + std::string(extra, 'x'));
    ASSERT_EQ(parser.parse(buf.view()), ParseStatus::NeedMore) << extra;
    EXPECT_EQ(parser.bytes_needed(), end) << extra;
  }
}

TEST(BytesNeeded, LargeBulkArrivingInPiecesIsParsedTwice) {
  // A caller that only retries once bytes_needed() bytes are buffered parses
  // once when the header lands and once when the bulk is complete.
  const std::string wire = big_publish_header() + std::string(kBig, 'x') + "\r\n";
  RequestParser parser;
  std::string buffered;
  size_t needed = 1;
  int parses = 0;
  ParseStatus status = ParseStatus::NeedMore;
  for (size_t at = 0; at < wire.size(); at += kPiece) {
    buffered.append(wire, at, kPiece);
    if (buffered.size() < needed) continue;
    ++parses;
    status = parser.parse(buffered);
    if (status != ParseStatus::NeedMore) break;
    needed = parser.bytes_needed();
  }
  ASSERT_EQ(status, ParseStatus::Ok);
  EXPECT_EQ(parses, 2);
  EXPECT_EQ(parser.consumed(), wire.size());
  ASSERT_EQ(parser.args().size(), 3u);
  EXPECT_EQ(parser.args()[2].size(), kBig);
}

TEST(BytesNeeded, UnfinishedLineAsksForOneMoreByte) {
  RequestParser parser;
  for (std::string_view wire : {"*", "*3", "*3\r", "*3\r\n", "*3\r\n$", "*3\r\n$7\r", "PING",
                                "PING\r"}) {
    ExactBuffer buf(wire);
    ASSERT_EQ(parser.parse(buf.view()), ParseStatus::NeedMore) << wire;
    EXPECT_EQ(parser.bytes_needed(), wire.size() + 1) << wire;
  }
}

TEST(BytesNeeded, LaterBulkAfterCompleteOnesPointsAtItsEnd) {
  RequestParser parser;
  ExactBuffer buf("*3\r\n$7\r\nPUBLISH\r\n$4\r\nnews\r\n$100\r\nabc");
  ASSERT_EQ(parser.parse(buf.view()), ParseStatus::NeedMore);
  EXPECT_EQ(parser.bytes_needed(), 33u + 100 + 2);
}

}  // namespace
}  // namespace ringcast::resp::test
