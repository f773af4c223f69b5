// Password digests: libcrypto's SHA-256 against FIPS 180-4 / NIST vectors and
// the digests Redis shows, the hex forms, the constant-time compare.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "acl/digest.h"

namespace ringcast::acl {
namespace {

std::string hex_of(std::string_view data) { return to_hex(sha256(data)); }

TEST(Sha256, NistVectors) {
  EXPECT_EQ(hex_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(
      hex_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopq"
             "rstnopqrstu"),
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(hex_of(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// What Redis shows in ACL GETUSER for these passwords (checked against redis-server 7.0.15).
TEST(Sha256, MatchesRedisPasswordDigests) {
  EXPECT_EQ(hex_of("a"), "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
  EXPECT_EQ(hex_of("b"), "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d");
  EXPECT_EQ(hex_of("topsecret"), "53336a676c64c1396553b2b7c92f38126768827c93b64d9142069c10eda7a721");
}

std::string pattern_bytes(size_t n) {
  std::string data(n, '\0');
  for (size_t i = 0; i < n; ++i) data[i] = char((i * 7 + 3) % 256);
  return data;
}

// Lengths around the 55/56-byte padding edge and the 64-byte block edge (Python's hashlib).
TEST(Sha256, PaddingBoundaries) {
  const std::pair<size_t, std::string_view> kCases[] = {
      {55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"},
      {56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"},
      {57, "35df609437dcfea3279283ab79fd554e2bf78f8f7ae2de532d8ee300b09e8f73"},
      {63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"},
      {64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"},
      {65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"},
      {119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"},
      {120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5"},
      {128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6"},
  };
  for (const auto& [length, expected] : kCases) {
    EXPECT_EQ(hex_of(pattern_bytes(length)), expected) << "length " << length;
  }
}

TEST(Sha256, BinaryInputIncludingNulBytes) {
  const std::string with_nul("a\0b", 3);
  EXPECT_NE(sha256(with_nul), sha256("a"));
  EXPECT_EQ(sha256(with_nul), sha256(std::string("a\0b", 3)));
}

TEST(Sha256Hex, RoundTrips) {
  const Sha256Digest digest = sha256("s3cret");
  Sha256Digest parsed{};
  ASSERT_TRUE(parse_hex_digest(to_hex(digest), parsed));
  EXPECT_EQ(parsed, digest);
  EXPECT_EQ(to_hex(digest), "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0");
}

TEST(Sha256Hex, TakesOnly64LowerCaseHexDigits) {
  Sha256Digest out{};
  const std::string good(64, 'a');
  EXPECT_TRUE(parse_hex_digest(good, out));
  EXPECT_FALSE(parse_hex_digest(std::string(63, 'a'), out));
  EXPECT_FALSE(parse_hex_digest(std::string(65, 'a'), out));
  EXPECT_FALSE(parse_hex_digest(std::string(63, 'a') + "A", out));  // Redis refuses upper case
  EXPECT_FALSE(parse_hex_digest(std::string(63, 'a') + "g", out));
  EXPECT_FALSE(parse_hex_digest("", out));
}

TEST(Sha256Compare, EqualOnlyWhenEveryByteIs) {
  const Sha256Digest a = sha256("x");
  Sha256Digest b = a;
  EXPECT_TRUE(digests_equal(a, b));
  b[31] ^= 1;
  EXPECT_FALSE(digests_equal(a, b));
  b = a;
  b[0] ^= 0x80;
  EXPECT_FALSE(digests_equal(a, b));
}

}  // namespace
}  // namespace ringcast::acl
