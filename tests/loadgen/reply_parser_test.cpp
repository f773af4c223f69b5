// Unit tests for loadgen's RESP reply parser. Every stream is also fed in
// chunks of 1, 2, 3, 5, 10, 100 bytes: the result must not depend on where reads split.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "byte_buffer.h"
#include "reply_parser.h"

using namespace ringcast::loadgen;

namespace {

struct Parsed {
  ReplyKind kind;
  int64_t integer;
  std::string text, channel, pattern, payload;
  uint64_t offset = 0;
  bool recovered = false;
  uint64_t epoch = 0, next_offset = 0;
};

// Feeds `stream` in chunks like a socket would and collects every reply.
std::vector<Parsed> parse_all(const std::string& stream, size_t chunk, bool* error = nullptr) {
  std::vector<Parsed> out;
  std::string buf;
  size_t fed = 0;
  while (fed < stream.size() || !buf.empty()) {
    if (fed < stream.size()) {
      size_t n = std::min(chunk, stream.size() - fed);
      buf.append(stream, fed, n);
      fed += n;
    }
    size_t off = 0;
    for (;;) {
      Reply r;
      ParseResult pr = parse_reply(buf.data() + off, buf.size() - off, r);
      if (pr.status == ParseStatus::kProtocolError) {
        if (error) *error = true;
        return out;
      }
      if (pr.status == ParseStatus::kNeedMore) break;
      out.push_back({r.kind, r.integer, std::string(r.text), std::string(r.channel), std::string(r.pattern),
                     std::string(r.payload), r.offset, r.recovered, r.epoch, r.next_offset});
      off += pr.consumed;
    }
    buf.erase(0, off);
    if (fed == stream.size() && !buf.empty()) break;  // incomplete tail
  }
  return out;
}

const size_t kChunks[] = {1, 2, 3, 5, 10, 100, 1 << 20};

}  // namespace

TEST(ReplyParser, ScalarsAtEveryChunkSize) {
  std::string s = ":42\r\n:-7\r\n+OK\r\n-ERR unknown command\r\n+PONG\r\n";
  for (size_t c : kChunks) {
    auto r = parse_all(s, c);
    ASSERT_EQ(r.size(), 5u) << c;
    EXPECT_EQ(r[0].kind, ReplyKind::kInteger);
    EXPECT_EQ(r[0].integer, 42);
    EXPECT_EQ(r[1].integer, -7);
    EXPECT_EQ(r[2].kind, ReplyKind::kSimple);
    EXPECT_EQ(r[2].text, "OK");
    EXPECT_EQ(r[3].kind, ReplyKind::kError);
    EXPECT_EQ(r[3].text, "ERR unknown command");
    EXPECT_EQ(r[4].kind, ReplyKind::kPong);
  }
}

TEST(ReplyParser, PubSubFramesResp2AndResp3) {
  std::string payload("bin\r\n\0ary", 9);
  std::string s = "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
                  "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$9\r\n" + payload + "\r\n"
                  "*4\r\n$8\r\npmessage\r\n$4\r\nc:*:\r\n$3\r\nc:1\r\n$0\r\n\r\n"
                  ">3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$3\r\nabc\r\n"
                  ">3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\nz\r\n"
                  "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"
                  ">3\r\n$12\r\npunsubscribe\r\n$4\r\nc:*:\r\n:2\r\n"
                  "*2\r\n$4\r\npong\r\n$0\r\n\r\n";
  for (size_t c : kChunks) {
    auto r = parse_all(s, c);
    ASSERT_EQ(r.size(), 8u) << c;
    EXPECT_EQ(r[0].kind, ReplyKind::kSubscribeAck);
    EXPECT_EQ(r[0].channel, "ch");
    EXPECT_EQ(r[0].integer, 1);
    EXPECT_EQ(r[1].kind, ReplyKind::kMessage);
    EXPECT_EQ(r[1].channel, "ch");
    EXPECT_EQ(r[1].payload, payload);
    EXPECT_EQ(r[2].kind, ReplyKind::kPMessage);
    EXPECT_EQ(r[2].pattern, "c:*:");
    EXPECT_EQ(r[2].channel, "c:1");
    EXPECT_EQ(r[2].payload, "");
    EXPECT_EQ(r[3].kind, ReplyKind::kMessage);
    EXPECT_EQ(r[3].payload, "abc");
    EXPECT_EQ(r[4].kind, ReplyKind::kSMessage);
    EXPECT_EQ(r[4].channel, "s");
    EXPECT_EQ(r[5].kind, ReplyKind::kUnsubscribeAck);
    EXPECT_EQ(r[5].integer, 0);
    EXPECT_EQ(r[6].kind, ReplyKind::kUnsubscribeAck);
    EXPECT_EQ(r[6].integer, 2);
    EXPECT_EQ(r[7].kind, ReplyKind::kPong);
  }
}

// ringcast's RESUME: the confirmation and messages that carry their offset,
// as RESP2 arrays and RESP3 pushes (README, "History and resume").
TEST(ReplyParser, ResumeConfirmationAndOffsetMessages) {
  std::string s = "*6\r\n$6\r\nresume\r\n$8\r\norders:7\r\n:1\r\n:1\r\n:1796528579852237\r\n:4\r\n"
                  "*4\r\n$7\r\nmessage\r\n$8\r\norders:7\r\n$7\r\nshipped\r\n:3\r\n"
                  ">6\r\n$6\r\nresume\r\n$1\r\nc\r\n:2\r\n:0\r\n:9\r\n:12\r\n"
                  ">4\r\n$7\r\nmessage\r\n$1\r\nc\r\n$0\r\n\r\n:12\r\n"
                  "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nx\r\n";
  for (size_t c : kChunks) {
    auto r = parse_all(s, c);
    ASSERT_EQ(r.size(), 5u) << c;
    EXPECT_EQ(r[0].kind, ReplyKind::kResumeAck);
    EXPECT_EQ(r[0].channel, "orders:7");
    EXPECT_EQ(r[0].integer, 1);
    EXPECT_TRUE(r[0].recovered);
    EXPECT_EQ(r[0].epoch, 1796528579852237u);
    EXPECT_EQ(r[0].next_offset, 4u);
    EXPECT_EQ(r[1].kind, ReplyKind::kMessage);
    EXPECT_EQ(r[1].payload, "shipped");
    EXPECT_EQ(r[1].offset, 3u);
    EXPECT_EQ(r[2].kind, ReplyKind::kResumeAck);
    EXPECT_FALSE(r[2].recovered);
    EXPECT_EQ(r[2].epoch, 9u);
    EXPECT_EQ(r[2].next_offset, 12u);
    EXPECT_EQ(r[3].kind, ReplyKind::kMessage);
    EXPECT_EQ(r[3].payload, "");
    EXPECT_EQ(r[3].offset, 12u);
    EXPECT_EQ(r[4].kind, ReplyKind::kMessage);  // Redis's own frame: no offset
    EXPECT_EQ(r[4].offset, 0u);
  }
}

TEST(ReplyParser, SkipsOtherResp3Values) {
  // A HELLO 3 reply (map with nested array), then attribute, set, null, bool,
  // double, big number, verbatim string, blob error, then an integer.
  std::string s = "%3\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n$7\r\nmodules\r\n*0\r\n"
                  "|1\r\n+ttl\r\n:3\r\n+val\r\n"
                  "~2\r\n+a\r\n+b\r\n_\r\n#t\r\n,3.14\r\n(12345678901234567890\r\n"
                  "=8\r\ntxt:abcd\r\n!5\r\nERR x\r\n:9\r\n";
  for (size_t c : kChunks) {
    auto r = parse_all(s, c);
    ASSERT_EQ(r.size(), 10u) << c;
    EXPECT_EQ(r[0].kind, ReplyKind::kOther);
    EXPECT_EQ(r[1].kind, ReplyKind::kOther);  // attribute + the value it annotates
    EXPECT_EQ(r[8].kind, ReplyKind::kError);
    EXPECT_EQ(r[8].text, "ERR x");
    EXPECT_EQ(r[9].kind, ReplyKind::kInteger);
    EXPECT_EQ(r[9].integer, 9);
  }
}

TEST(ReplyParser, BulkWithoutTerminatorIsAnError) {
  bool err = false;
  parse_all("$3\r\nabcXY", 100, &err);
  EXPECT_TRUE(err);
  err = false;
  parse_all(":12a\r\n", 100, &err);
  EXPECT_TRUE(err);
  err = false;
  parse_all("?what\r\n", 100, &err);
  EXPECT_TRUE(err);
}

TEST(ReplyParser, IncompleteInputNeedsMore) {
  std::string s = "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n";
  for (size_t n = 0; n < s.size(); ++n) {
    Reply r;
    ParseResult pr = parse_reply(s.data(), n, r);
    ASSERT_EQ(pr.status, ParseStatus::kNeedMore) << n;
    ASSERT_EQ(pr.consumed, 0u);
  }
  Reply r;
  ParseResult pr = parse_reply(s.data(), s.size(), r);
  EXPECT_EQ(pr.status, ParseStatus::kOk);
  EXPECT_EQ(pr.consumed, s.size());
}

TEST(ReplyParser, DeepNestingIsRejectedNotRecursedForever) {
  std::string s(1000, '*');
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "*1\r\n";
  deep += ":1\r\n";
  bool err = false;
  parse_all(deep, 1 << 20, &err);
  EXPECT_TRUE(err);
}

TEST(ByteBuffer, ReassemblesLargeFramesAcrossReads) {
  // Feed a stream of big message frames through a ByteBuffer the way Conn
  // does: append a chunk, parse what is complete, consume it.
  std::string payload(100000, 'p');
  std::string frame = "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$100000\r\n" + payload + "\r\n";
  std::string stream = frame + frame + frame;
  for (size_t chunk : {7u, 4096u, 65536u, 300000u}) {
    ByteBuffer buf;
    int got = 0;
    for (size_t off = 0; off < stream.size(); off += chunk) {
      size_t n = std::min(chunk, stream.size() - off);
      std::memcpy(buf.prepare(n), stream.data() + off, n);
      buf.commit(n);
      for (;;) {
        Reply r;
        ParseResult pr = parse_reply(buf.data(), buf.size(), r);
        if (pr.status != ParseStatus::kOk) break;
        ASSERT_EQ(r.kind, ReplyKind::kMessage);
        ASSERT_EQ(r.payload, payload);
        ++got;
        buf.consume(pr.consumed);
      }
    }
    EXPECT_EQ(got, 3) << chunk;
    EXPECT_TRUE(buf.empty());
  }
}
