// Pipelined mixtures of multibulk, inline and empty requests in one buffer,
// including every point at which a read could have cut them.
#include <string>
#include <vector>

#include "parse_support.h"

namespace ringcast::resp::test {
namespace {

using namespace std::string_literals;

struct Request {
  std::string wire;
  Args args;
};

const std::vector<Request> kPipeline = {
    {"*3\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n$1\r\nb\r\n"s, {"SUBSCRIBE", "a", "b"}},
    {"PING\r\n"s, {"PING"}},
    {"\r\n"s, {}},
    {"*0\r\n"s, {}},
    {"*2\r\n$4\r\nECHO\r\n$3\r\n\r\n\0\r\n"s, {"ECHO", "\r\n\0"s}},
    {"ECHO 'x y'\n"s, {"ECHO", "x y"}},
    {"*-1\r\n"s, {}},
    {"*3\r\n$7\r\nPUBLISH\r\n$1\r\na\r\n$0\r\n\r\n"s, {"PUBLISH", "a", ""}},
};

std::string whole_pipeline() {
  std::string out;
  for (const auto& r : kPipeline) out += r.wire;
  return out;
}

// Parses `buf` request by request until the parser wants more; returns what
// it found and checks each request's size.
std::vector<Args> drain(RequestParser& parser, std::string_view buf, size_t* left) {
  std::vector<Args> found;
  while (true) {
    const ParseStatus status = parser.parse(buf);
    if (status != ParseStatus::Ok) {
      EXPECT_EQ(status, ParseStatus::NeedMore);
      EXPECT_GT(parser.bytes_needed(), buf.size());
      break;
    }
    EXPECT_EQ(parser.consumed(), kPipeline[found.size()].wire.size());
    found.push_back(args_of(parser));
    buf.remove_prefix(parser.consumed());
  }
  *left = buf.size();
  return found;
}

TEST(Pipeline, WholeBufferYieldsEveryRequestInOrder) {
  const std::string all = whole_pipeline();
  ExactBuffer buf(all);
  RequestParser parser;
  size_t left = 0;
  const std::vector<Args> found = drain(parser, buf.view(), &left);
  ASSERT_EQ(found.size(), kPipeline.size());
  for (size_t i = 0; i < found.size(); ++i) EXPECT_EQ(found[i], kPipeline[i].args) << i;
  EXPECT_EQ(left, 0u);
}

TEST(Pipeline, EveryPrefixYieldsExactlyTheCompleteRequests) {
  const std::string all = whole_pipeline();
  RequestParser parser;
  for (size_t len = 0; len <= all.size(); ++len) {
    size_t complete = 0;
    size_t complete_bytes = 0;
    while (complete < kPipeline.size() &&
           complete_bytes + kPipeline[complete].wire.size() <= len) {
      complete_bytes += kPipeline[complete].wire.size();
      ++complete;
    }
    ExactBuffer prefix(std::string_view(all).substr(0, len));
    size_t left = 0;
    const std::vector<Args> found = drain(parser, prefix.view(), &left);
    ASSERT_EQ(found.size(), complete) << "prefix length " << len;
    for (size_t i = 0; i < complete; ++i) EXPECT_EQ(found[i], kPipeline[i].args);
    EXPECT_EQ(left, len - complete_bytes);
  }
}

}  // namespace
}  // namespace ringcast::resp::test
