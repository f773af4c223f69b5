// Unit tests for payload encoding/verification and the per-stream sequence tracker.
#include <gtest/gtest.h>

#include <string>

#include "payload.h"
#include "seq_tracker.h"

using namespace ringcast::loadgen;

namespace {
std::string make(uint32_t pub, uint32_t chan, uint64_t seq, uint32_t len, uint16_t flags = 0) {
  PayloadHeader h;
  h.publisher = pub;
  h.channel = chan;
  h.seq = seq;
  h.length = len;
  h.flags = flags;
  h.send_ns = 123456789;
  std::string s(len, '\0');
  encode_payload(h, s.data());
  return s;
}
}  // namespace

TEST(Payload, RoundTripsEveryField) {
  for (uint32_t len : {40u, 41u, 47u, 48u, 64u, 71u, 1000u, 65536u, 4u << 20}) {
    std::string p = make(7, 9, 1234567890123ull, len, kFlagMeasured);
    PayloadHeader h;
    ASSERT_EQ(decode_payload(p, h), PayloadStatus::kOk) << len;
    EXPECT_EQ(h.publisher, 7u);
    EXPECT_EQ(h.channel, 9u);
    EXPECT_EQ(h.seq, 1234567890123ull);
    EXPECT_EQ(h.length, len);
    EXPECT_EQ(h.send_ns, 123456789u);
    EXPECT_EQ(h.flags, kFlagMeasured);
  }
}

TEST(Payload, MinimumSizeIsTheHeader) {
  EXPECT_EQ(effective_payload_size(0), kPayloadHeaderSize);
  EXPECT_EQ(effective_payload_size(39), kPayloadHeaderSize);
  EXPECT_EQ(effective_payload_size(41), 41u);
  PayloadHeader h;
  EXPECT_EQ(decode_payload(std::string(39, 'x'), h), PayloadStatus::kTooShort);
  EXPECT_EQ(decode_payload("", h), PayloadStatus::kTooShort);
}

TEST(Payload, EveryFlippedBitIsCaught) {
  std::string p = make(1, 2, 3, 200);
  PayloadHeader h;
  for (size_t i = 0; i < p.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string q = p;
      q[i] = static_cast<char>(q[i] ^ (1 << bit));
      ASSERT_NE(decode_payload(q, h), PayloadStatus::kOk) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(Payload, TruncatedOrExtendedIsCaught) {
  std::string p = make(1, 2, 3, 100);
  PayloadHeader h;
  EXPECT_EQ(decode_payload(p.substr(0, 99), h), PayloadStatus::kBadLength);
  EXPECT_EQ(decode_payload(p + "x", h), PayloadStatus::kBadLength);
  EXPECT_EQ(decode_payload(std::string(100, 'a'), h), PayloadStatus::kBadMagic);
}

TEST(Payload, FillerDependsOnPublisherAndSeq) {
  // Swapping two payloads' bodies (same header, other filler) must not verify.
  std::string a = make(1, 0, 5, 128), b = make(1, 0, 6, 128), c = make(2, 0, 5, 128);
  EXPECT_NE(a.substr(kPayloadHeaderSize), b.substr(kPayloadHeaderSize));
  EXPECT_NE(a.substr(kPayloadHeaderSize), c.substr(kPayloadHeaderSize));
  std::string mixed = a.substr(0, kPayloadHeaderSize) + b.substr(kPayloadHeaderSize);
  PayloadHeader h;
  EXPECT_EQ(decode_payload(mixed, h), PayloadStatus::kBadChecksum);
}

TEST(Checksum, DependsOnEveryByteAndLength) {
  std::string s(1000, 'z');
  uint64_t base = checksum64(s.data(), s.size(), 0);
  for (size_t n : {0u, 1u, 7u, 8u, 31u, 32u, 33u, 999u}) EXPECT_NE(checksum64(s.data(), n, 0), base) << n;
  EXPECT_NE(checksum64(s.data(), s.size(), 1), base);
}

using V = SeqTracker::Verdict;

TEST(SeqTracker, InOrderStreamsAreIndependent) {
  SeqTracker t;
  EXPECT_EQ(t.observe(0, 0, 10).verdict, V::kFirst);  // joins mid-stream: no loss
  EXPECT_EQ(t.observe(1, 0, 0).verdict, V::kFirst);
  EXPECT_EQ(t.observe(0, 1, 0).verdict, V::kFirst);
  for (uint64_t s = 11; s < 1000; ++s) ASSERT_EQ(t.observe(0, 0, s).verdict, V::kInOrder);
  EXPECT_EQ(t.observe(1, 0, 1).verdict, V::kInOrder);
  EXPECT_EQ(t.streams(), 3u);
}

TEST(SeqTracker, GapLateDuplicateStale) {
  SeqTracker t;
  t.observe(3, 4, 0);
  auto r = t.observe(3, 4, 5);  // 1..4 missing
  EXPECT_EQ(r.verdict, V::kGap);
  EXPECT_EQ(r.skipped, 4u);
  EXPECT_EQ(t.observe(3, 4, 2).verdict, V::kLate);
  EXPECT_EQ(t.observe(3, 4, 2).verdict, V::kDuplicate);
  EXPECT_EQ(t.observe(3, 4, 5).verdict, V::kDuplicate);
  EXPECT_EQ(t.observe(3, 4, 0).verdict, V::kDuplicate);
  EXPECT_EQ(t.observe(3, 4, 6).verdict, V::kInOrder);
  t.observe(3, 4, 200);
  EXPECT_EQ(t.observe(3, 4, 100).verdict, V::kStale);
  EXPECT_EQ(t.observe(3, 4, 199).verdict, V::kLate);
}

TEST(SeqTracker, ManyStreamsSurviveGrowth) {
  SeqTracker t;
  for (uint32_t p = 0; p < 500; ++p) t.observe(p, p % 7, 0);
  for (uint32_t p = 0; p < 500; ++p) ASSERT_EQ(t.observe(p, p % 7, 1).verdict, V::kInOrder);
  EXPECT_EQ(t.streams(), 500u);
  t.reset();
  EXPECT_EQ(t.streams(), 0u);
  EXPECT_EQ(t.observe(0, 0, 9).verdict, V::kFirst);
}
