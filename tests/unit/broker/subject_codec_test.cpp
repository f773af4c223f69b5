// Channel names to NATS subjects: reversible for any bytes, always a valid
// NATS subject, and a pattern's NATS subscription covers every channel the
// pattern matches (checked against Redis's glob and NATS's own matching rule).
#include "cluster/subject_codec.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "pubsub/glob.h"

namespace ringcast::cluster {
namespace {

using pubsub::Kind;

std::vector<std::string_view> tokens(std::string_view subject) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t dot = subject.find('.', start);
    out.push_back(subject.substr(start, dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

// NATS's matching: '*' is one token, a final '>' one or more.
bool nats_matches(std::string_view filter, std::string_view subject) {
  const auto f = tokens(filter), s = tokens(subject);
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] == ">") return i + 1 == f.size() && s.size() > i;
    if (i >= s.size()) return false;
    if (f[i] != "*" && f[i] != s[i]) return false;
  }
  return f.size() == s.size();
}

// What nats-server accepts as a published subject: non-empty tokens, no
// whitespace, no wildcards.
bool valid_publish_subject(std::string_view subject) {
  for (std::string_view t : tokens(subject)) {
    if (t.empty()) return false;
    for (char ch : t)
      if (ch == '*' || ch == '>' || static_cast<unsigned char>(ch) <= ' ' || static_cast<unsigned char>(ch) >= 0x7f)
        return false;
  }
  return true;
}

std::string random_bytes(std::mt19937& rng, size_t max_len, std::string_view alphabet = {}) {
  std::string s(rng() % (max_len + 1), '\0');
  for (char& ch : s) ch = alphabet.empty() ? char(rng() & 0xff) : alphabet[rng() % alphabet.size()];
  return s;
}

TEST(SubjectCodec, DocumentedExample) {
  EXPECT_EQ(message_subject("ringcast", Kind::Channel, "user:42:feed"), "ringcast.c.user%3A.42%3A.feed");
  EXPECT_EQ(message_subject("app.rc", Kind::ShardChannel, "a.b"), "app.rc.s.a%2E.b");
  EXPECT_EQ(message_subject("ringcast", Kind::Channel, ""), "ringcast.c.%");
  EXPECT_EQ(message_subject("ringcast", Kind::Channel, "news:"), "ringcast.c.news%3A.%");
  EXPECT_EQ(message_subject("ringcast", Kind::Channel, "a b*>%"), "ringcast.c.a%20b%2A%3E%25");
}

TEST(SubjectCodec, AnyBytesRoundTripAsValidSubjects) {
  std::mt19937 rng(7);
  for (int i = 0; i < 5000; ++i) {
    const std::string channel = i % 2 ? random_bytes(rng, 40) : random_bytes(rng, 40, "ab:./*?%\\ \x01");
    const Kind kind = i % 3 ? Kind::Channel : Kind::ShardChannel;
    const std::string subject = message_subject("rc", kind, channel);
    ASSERT_TRUE(valid_publish_subject(subject)) << subject;
    const auto parsed = parse_message_subject("rc", subject);
    ASSERT_TRUE(parsed) << subject;
    EXPECT_EQ(parsed->kind, kind);
    EXPECT_EQ(parsed->channel, channel);
  }
}

TEST(SubjectCodec, RejectsWhatItNeverWrites) {
  for (std::string_view bad : {"other.c.a", "rc.x.a", "rc.c", "rc.c.", "rc.c.a..b", "rc.c.%4", "rc.c.%41", "rc.c.%3a",
                               "rc.c.a%3Ab", "rc.c.a.b", "rc.c.a%3A", "rc.c.%.b", "rc.c.a b", "rcx.c.a"}) {
    EXPECT_FALSE(parse_message_subject("rc", bad)) << bad;
  }
}

TEST(Interest, ChannelsAndLiteralPatternsAreExact) {
  EXPECT_EQ(interest_for(Kind::Channel, "a:b"), (Interest{Kind::Channel, true, "a:b"}));
  EXPECT_EQ(interest_for(Kind::ShardChannel, "a:b"), (Interest{Kind::ShardChannel, true, "a:b"}));
  EXPECT_EQ(interest_for(Kind::Pattern, "a:b"), (Interest{Kind::Channel, true, "a:b"}));
}

TEST(Interest, PatternsCoverTheirLiteralPrefixWholeTokens) {
  EXPECT_EQ(subject_for("rc", interest_for(Kind::Pattern, "user:42:*")), "rc.c.user%3A.42%3A.>");
  EXPECT_EQ(subject_for("rc", interest_for(Kind::Pattern, "user:4*")), "rc.c.user%3A.>");
  EXPECT_EQ(subject_for("rc", interest_for(Kind::Pattern, "news.*.eu")), "rc.c.news%2E.>");
  EXPECT_EQ(subject_for("rc", interest_for(Kind::Pattern, "*")), "rc.c.>");
  EXPECT_EQ(subject_for("rc", interest_for(Kind::Pattern, "n?ws:*")), "rc.c.>");
  EXPECT_EQ(subject_for("rc", interest_for(Kind::Pattern, "a/b\\*")), "rc.c.a%2F.>");
}

TEST(Interest, SubscriptionSubjectsParseBack) {
  std::mt19937 rng(11);
  for (int i = 0; i < 3000; ++i) {
    const std::string pattern = random_bytes(rng, 24, "ab:./*?[]\\%");
    const Interest interest = interest_for(Kind::Pattern, pattern);
    const std::string subject = subject_for("rc", interest);
    const auto back = parse_interest_subject("rc", subject);
    ASSERT_TRUE(back) << subject;
    EXPECT_EQ(*back, interest) << subject;
  }
  EXPECT_EQ(parse_interest_subject("rc", "rc.c.>"), (Interest{Kind::Channel, false, ""}));
  EXPECT_FALSE(parse_interest_subject("rc", "rc.c.a.>"));  // "a" would need to end with a separator
}

// The property the cluster relies on: if a pattern matches a channel, the
// pattern's NATS subscription receives that channel's messages.
TEST(Interest, PatternSubscriptionCoversEveryMatchingChannel) {
  std::mt19937 rng(3);
  int matched = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string pattern = random_bytes(rng, 10, "ab:.*?");
    // Channels built on the pattern's own bytes so that many match.
    std::string channel;
    for (char ch : pattern) {
      if (ch == '*') channel += random_bytes(rng, 3, "ab:.");
      else if (ch == '?') channel += "ab:."[rng() % 4];
      else channel += ch;
    }
    if (!pubsub::glob_match(pattern, channel)) continue;
    ++matched;
    const std::string filter = subject_for("rc", interest_for(Kind::Pattern, pattern));
    ASSERT_TRUE(nats_matches(filter, message_subject("rc", Kind::Channel, channel)))
        << "pattern '" << pattern << "' channel '" << channel << "' filter " << filter;
  }
  EXPECT_GT(matched, 5000);
}

TEST(Interest, NarrowFilterSkipsOtherPrefixes) {
  const std::string filter = subject_for("rc", interest_for(Kind::Pattern, "user:42:*"));
  EXPECT_TRUE(nats_matches(filter, message_subject("rc", Kind::Channel, "user:42:")));
  EXPECT_TRUE(nats_matches(filter, message_subject("rc", Kind::Channel, "user:42:x:y")));
  EXPECT_FALSE(nats_matches(filter, message_subject("rc", Kind::Channel, "user:420")));
  EXPECT_FALSE(nats_matches(filter, message_subject("rc", Kind::Channel, "user:43:x")));
  EXPECT_FALSE(nats_matches(filter, message_subject("rc", Kind::ShardChannel, "user:42:x")));
}

}  // namespace
}  // namespace ringcast::cluster
