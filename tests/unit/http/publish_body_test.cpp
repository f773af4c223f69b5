// POST /publish bodies: accepted shapes, escapes, and every error a client
// can make, each with a message that names the problem.
#include <gtest/gtest.h>

#include <string>

#include "http/publish_body.h"

namespace ringcast::http {
namespace {

class PublishBodyTest : public ::testing::Test {
 protected:
  std::string parse(std::string_view json) { return parser_.parse(json, body_); }
  PublishBodyParser parser_;
  PublishBody body_;
};

TEST_F(PublishBodyTest, SingleObject) {
  ASSERT_EQ(parse(R"({"channel": "news", "message": "hello"})"), "");
  EXPECT_FALSE(body_.is_array);
  ASSERT_EQ(body_.items.size(), 1u);
  EXPECT_EQ(body_.items[0].channel, "news");
  EXPECT_EQ(body_.items[0].message, "hello");
}

TEST_F(PublishBodyTest, ArrayKeepsOrder) {
  ASSERT_EQ(parse(R"([{"channel":"a","message":"1"},{"message":"2","channel":"b"},{"channel":"a","message":""}])"),
            "");
  EXPECT_TRUE(body_.is_array);
  ASSERT_EQ(body_.items.size(), 3u);
  EXPECT_EQ(body_.items[1].channel, "b");
  EXPECT_EQ(body_.items[1].message, "2");
  EXPECT_EQ(body_.items[2].message, "");
}

TEST_F(PublishBodyTest, EscapesIncludingNul) {
  ASSERT_EQ(parse(R"({"channel":"c\u0000h","message":"a\u0000b\n\"q\"\\\t\u00e9\ud83d\ude00"})"), "");
  EXPECT_EQ(body_.items[0].channel, std::string("c\0h", 3));
  EXPECT_EQ(body_.items[0].message, std::string("a\0b\n\"q\"\\\t\xc3\xa9\xf0\x9f\x98\x80", 15));
}

TEST_F(PublishBodyTest, Base64MessageCarriesArbitraryBytes) {
  ASSERT_EQ(parse(R"({"channel":"bin","message_base64":"AP+AgQ=="})"), "");
  EXPECT_EQ(body_.items[0].message, std::string("\x00\xff\x80\x81", 4));
}

TEST_F(PublishBodyTest, UnknownFieldsAreIgnored) {
  ASSERT_EQ(parse(R"({"channel":"a","message":"b","trace_id":7})"), "");
  EXPECT_EQ(body_.items[0].message, "b");
}

TEST_F(PublishBodyTest, ParserIsReusable) {
  ASSERT_EQ(parse(R"([{"channel":"a","message":"1"},{"channel":"b","message":"2"}])"), "");
  ASSERT_EQ(parse(R"({"channel":"z","message":"9"})"), "");
  ASSERT_EQ(body_.items.size(), 1u);
  EXPECT_FALSE(body_.is_array);
  EXPECT_NE(parse("{"), "");
  ASSERT_EQ(parse(R"({"channel":"y","message":"8"})"), "");
  EXPECT_EQ(body_.items[0].channel, "y");
}

struct ErrorCase {
  std::string json;
  std::string expected;  // a part of the message
};

TEST_F(PublishBodyTest, Errors) {
  const ErrorCase cases[] = {
      {"", "malformed JSON"},
      {"{", "malformed JSON"},
      {R"({"channel":"a","message":"b"} x)", "malformed JSON"},
      {R"({"channel":"a","message":"b",})", "malformed JSON"},
      {"{\"channel\":\"a\",\"message\":\"\xff\"}", "malformed JSON"},
      {R"({"channel":"a\x"})", "malformed JSON"},
      {R"("just a string")", "expected a JSON object {\"channel\": ..., \"message\": ...} or an array of them, got a string"},
      {"42", "got a number"},
      {"null", "got null"},
      {"[]", "empty array: nothing to publish"},
      {R"({"message":"b"})", "missing field \"channel\""},
      {R"({"channel":"a"})", "missing field \"message\""},
      {R"({"channel":1,"message":"b"})", "field \"channel\" must be a string, got a number"},
      {R"({"channel":"a","message":null})", "field \"message\" must be a string, got null"},
      {R"({"channel":"a","message":{"x":1}})", "field \"message\" must be a string, got an object"},
      {R"({"channel":["a"],"message":"b"})", "field \"channel\" must be a string, got an array"},
      {R"({"channel":"a","message":true})", "got a boolean"},
      {R"({"channel":"a","channel":"b","message":"c"})", "duplicate field \"channel\""},
      {R"({"channel":"a","message":"b","message_base64":"YQ=="})", "not both"},
      {R"({"channel":"a","message_base64":"!!"})", "\"message_base64\" is not valid base64"},
      {R"([{"channel":"a","message":"b"},{"channel":"a"}])", "item 1: missing field \"message\""},
      {R"([{"channel":"a","message":"b"},"x"])", "item 1: expected an object with \"channel\" and \"message\", got a string"},
      {R"([{"channel":"a","message":"b"},{"channel":"a","message":"b"},{"channel":2,"message":"b"}])",
       "item 2: field \"channel\" must be a string"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.json);
    const std::string err = parse(c.json);
    EXPECT_NE(err.find(c.expected), std::string::npos) << "got: " << err;
  }
}

}  // namespace
}  // namespace ringcast::http
