// Base64 and Basic authentication header decoding.
#include <gtest/gtest.h>

#include "http/basic_auth.h"

namespace ringcast::http {
namespace {

TEST(Base64, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    const std::string encoded = base64_encode(bytes);
    EXPECT_EQ(encoded.size() % 4, 0u);
    const auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, bytes);
    bytes += char(i * 37 + 11);
  }
}

TEST(Base64, KnownVectors) {
  // RFC 4648 section 10.
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_decode("Zm9vYg==").value(), "foob");
  EXPECT_EQ(base64_decode("Zm9vYmE=").value(), "fooba");
  EXPECT_EQ(base64_decode("Zm9vYg").value(), "foob");  // padding optional
}

TEST(Base64, RejectsInvalid) {
  for (const char* bad : {"Zm9v!", "Zm9vY", "Zm=v", "====", "Zg===", " Zm9v", "Zm9v\n", "Zh=="})
    EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
}

TEST(BasicAuth, ParsesUserAndPassword) {
  auto c = parse_basic_auth("Basic " + base64_encode("alice:s3cr:et"));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->user, "alice");
  EXPECT_EQ(c->password, "s3cr:et");
  c = parse_basic_auth("basic   " + base64_encode("bob:"));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->user, "bob");
  EXPECT_EQ(c->password, "");
}

TEST(BasicAuth, RejectsOtherSchemesAndGarbage) {
  EXPECT_FALSE(parse_basic_auth("Bearer abc").has_value());
  EXPECT_FALSE(parse_basic_auth("Basic").has_value());
  EXPECT_FALSE(parse_basic_auth("Basic !!!").has_value());
  EXPECT_FALSE(parse_basic_auth("Basic " + base64_encode("nocolon")).has_value());
  EXPECT_FALSE(parse_basic_auth("").has_value());
}

}  // namespace
}  // namespace ringcast::http
