// Shared helpers for the request parser tests: exact-size buffers (so ASan
// sees any read past the end) and the "feed every prefix" check.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "resp/request_parser.h"

namespace ringcast::resp::test {

using Args = std::vector<std::string>;

// A heap copy of exactly `bytes`, never padded by small-string storage.
class ExactBuffer {
 public:
  explicit ExactBuffer(std::string_view bytes) : data_(bytes.begin(), bytes.end()) {}
  std::string_view view() const { return {data_.data(), data_.size()}; }

 private:
  std::vector<char> data_;
};

// A parser fed exact-size copies; the latest copy stays alive so args()
// remain valid after feed() returns.
class Feeder {
 public:
  explicit Feeder(ParseLimits limits = {}) : parser(limits) {}
  ParseStatus feed(std::string_view wire) {
    buf_ = ExactBuffer(wire);
    return parser.parse(buf_.view());
  }

  RequestParser parser;

 private:
  ExactBuffer buf_{""};
};

inline Args args_of(const RequestParser& parser) {
  return Args(parser.args().begin(), parser.args().end());
}

// A request that sends the next command right after `wire`: the parser must
// stop exactly at the boundary between them.
inline constexpr std::string_view kFollowingRequest = "*1\r\n$4\r\nPING\r\n";

// Feeds `wire` as every proper prefix (each must ask for more, naming a size
// between the prefix and the whole request), then whole, then followed by
// another request.
inline void expect_parses_at_every_split(std::string_view wire, const Args& expected) {
  RequestParser parser;
  for (size_t len = 0; len < wire.size(); ++len) {
    ExactBuffer prefix(wire.substr(0, len));
    ASSERT_EQ(parser.parse(prefix.view()), ParseStatus::NeedMore) << "prefix length " << len;
    EXPECT_GT(parser.bytes_needed(), len) << "prefix length " << len;
    EXPECT_LE(parser.bytes_needed(), wire.size()) << "prefix length " << len;
  }

  ExactBuffer whole(wire);
  ASSERT_EQ(parser.parse(whole.view()), ParseStatus::Ok);
  EXPECT_EQ(parser.consumed(), wire.size());
  EXPECT_EQ(args_of(parser), expected);
  EXPECT_EQ(parser.error(), ProtocolError::None);

  ExactBuffer two(std::string(wire) + std::string(kFollowingRequest));
  ASSERT_EQ(parser.parse(two.view()), ParseStatus::Ok);
  EXPECT_EQ(parser.consumed(), wire.size());
  EXPECT_EQ(args_of(parser), expected);
  ASSERT_EQ(parser.parse(two.view().substr(wire.size())), ParseStatus::Ok);
  EXPECT_EQ(parser.consumed(), kFollowingRequest.size());
  EXPECT_EQ(args_of(parser), Args{"PING"});
}

// Parses `wire` whole and expects `error` with Redis's reply text `message`.
inline void expect_error(std::string_view wire, ProtocolError error, std::string_view message,
                         ParseLimits limits = {}) {
  RequestParser parser(limits);
  ExactBuffer buf(wire);
  ASSERT_EQ(parser.parse(buf.view()), ParseStatus::Error);
  EXPECT_EQ(parser.error(), error);
  EXPECT_EQ(parser.error_message(), message);
}

}  // namespace ringcast::resp::test
