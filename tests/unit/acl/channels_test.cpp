// Channel permissions with Redis 7 semantics, each case checked on
// redis-server 7.0.15: channels glob-match the user's patterns, PSUBSCRIBE
// patterns must equal one of them, and a request is refused as a whole.
#include <gtest/gtest.h>

#include <cctype>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "acl/registry.h"
#include "acl/text.h"
#include "config.h"
#include "pubsub/glob.h"
#include "test_catalog.h"

namespace ringcast::acl {
namespace {

using testing_support::user_with;

TEST(ChannelAllowed, GlobMatchesThePatterns) {
  const User alice = user_with("&news.* &chat:*");
  EXPECT_TRUE(alice.channel_allowed("news.x"));
  EXPECT_TRUE(alice.channel_allowed("news."));
  EXPECT_TRUE(alice.channel_allowed("chat:1"));
  EXPECT_FALSE(alice.channel_allowed("newsx"));
  EXPECT_FALSE(alice.channel_allowed("zzz"));
  EXPECT_FALSE(alice.channel_allowed(""));
  // A channel whose name looks like a pattern is still just a channel.
  EXPECT_TRUE(alice.channel_allowed("news.*"));
}

TEST(ChannelAllowed, FullGlobSyntax) {
  const User user = user_with("&a?c &[xy]z &lit\\*");
  EXPECT_TRUE(user.channel_allowed("abc"));
  EXPECT_FALSE(user.channel_allowed("ac"));
  EXPECT_TRUE(user.channel_allowed("yz"));
  EXPECT_FALSE(user.channel_allowed("wz"));
  EXPECT_TRUE(user.channel_allowed("lit*"));
  EXPECT_FALSE(user.channel_allowed("litx"));
}

TEST(ChannelAllowed, CaseSensitive) { EXPECT_FALSE(user_with("&news").channel_allowed("NEWS")); }

TEST(PatternAllowed, MustEqualAPatternExactly) {
  const User alice = user_with("&news.* &chat:*");
  EXPECT_TRUE(alice.pattern_allowed("news.*"));
  EXPECT_TRUE(alice.pattern_allowed("chat:*"));
  // Narrower patterns are refused too, as Redis 7 refuses them.
  EXPECT_FALSE(alice.pattern_allowed("news.x"));
  EXPECT_FALSE(alice.pattern_allowed("news.?"));
  EXPECT_FALSE(alice.pattern_allowed("news.**"));
  EXPECT_FALSE(alice.pattern_allowed("*"));
  EXPECT_FALSE(alice.pattern_allowed("news.*x"));
}

TEST(PatternAllowed, ALiteralChannelPatternAllowsThatPattern) {
  const User user = user_with("&a");
  EXPECT_TRUE(user.pattern_allowed("a"));
  EXPECT_FALSE(user.pattern_allowed("*"));
}

TEST(AllChannels, AllowsEverything) {
  const User user = user_with("allchannels");
  EXPECT_TRUE(user.channel_allowed("anything"));
  EXPECT_TRUE(user.channel_allowed(""));
  EXPECT_TRUE(user.pattern_allowed("*"));
  EXPECT_TRUE(user.pattern_allowed("x?"));
}

TEST(ResetChannels, AllowsNothing) {
  const User user = user_with("allchannels resetchannels");
  EXPECT_FALSE(user.channel_allowed("x"));
  EXPECT_FALSE(user.pattern_allowed("*"));
}

// Through Registry::check, with the request as a client sends it.
class ChannelCheck : public testing::Test {
 protected:
  ChannelCheck() {
    config::Config config;
    config.users.push_back({"alice", split("on >s3cret +@pubsub +@connection -spublish &news.* &chat:*"), 1});
    config.users.push_back({"lim", split("on nopass +@all -client|list &a"), 2});
    registry_ =
        std::make_unique<Registry>(Registry::from_config(config, CommandCatalog(testing_support::ringcast_commands())));
    alice_ = registry_->find("alice");
    lim_ = registry_->find("lim");
  }

  static std::vector<std::string> split(std::string_view text) {
    std::vector<std::string> words;
    for (const std::string_view word : split_words(text)) words.emplace_back(word);
    return words;
  }

  Verdict check(const User* user, std::vector<std::string_view> args) {
    std::string name(args.front());
    for (char& ch : name) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    if (name == "pubsub" || name == "client") {
      std::string sub(args[1]);
      for (char& ch : sub) ch = char(std::tolower(static_cast<unsigned char>(ch)));
      name += "|" + sub;
    }
    return registry_->check(*user, name, args);
  }

  std::unique_ptr<Registry> registry_;
  const User* alice_ = nullptr;
  const User* lim_ = nullptr;
};

TEST_F(ChannelCheck, PublishChecksItsChannel) {
  EXPECT_EQ(check(alice_, {"PUBLISH", "news.x", "y"}), Verdict::allowed);
  EXPECT_EQ(check(alice_, {"PUBLISH", "newsx", "y"}), Verdict::channel_denied);
  EXPECT_EQ(check(lim_, {"PUBLISH", "a", "y"}), Verdict::allowed);
  EXPECT_EQ(check(lim_, {"PUBLISH", "b", "y"}), Verdict::channel_denied);
  // The message is not a channel.
  EXPECT_EQ(check(lim_, {"PUBLISH", "a", "b"}), Verdict::allowed);
}

TEST_F(ChannelCheck, CommandIsCheckedBeforeChannels) {
  EXPECT_EQ(check(alice_, {"SPUBLISH", "news.x", "y"}), Verdict::command_denied);
  EXPECT_EQ(check(alice_, {"SPUBLISH", "zzz", "y"}), Verdict::command_denied);
  EXPECT_EQ(check(lim_, {"SPUBLISH", "b", "x"}), Verdict::channel_denied);
  EXPECT_EQ(check(lim_, {"SPUBLISH", "a", "x"}), Verdict::allowed);
}

TEST_F(ChannelCheck, SubscribeIsAllOrNothing) {
  EXPECT_EQ(check(alice_, {"SUBSCRIBE", "chat:1", "news."}), Verdict::allowed);
  EXPECT_EQ(check(alice_, {"SUBSCRIBE", "news.1", "zzz"}), Verdict::channel_denied);
  EXPECT_EQ(check(alice_, {"SUBSCRIBE", "zzz", "news.1"}), Verdict::channel_denied);
  EXPECT_EQ(check(lim_, {"SUBSCRIBE", "a", "b"}), Verdict::channel_denied);
  EXPECT_EQ(check(lim_, {"SSUBSCRIBE", "b"}), Verdict::channel_denied);
  EXPECT_EQ(check(lim_, {"SSUBSCRIBE", "a", "a"}), Verdict::allowed);
}

TEST_F(ChannelCheck, PsubscribeComparesPatternsLiterally) {
  EXPECT_EQ(check(alice_, {"PSUBSCRIBE", "news.*", "chat:*"}), Verdict::allowed);
  EXPECT_EQ(check(alice_, {"PSUBSCRIBE", "news.x"}), Verdict::channel_denied);
  EXPECT_EQ(check(alice_, {"PSUBSCRIBE", "news.?"}), Verdict::channel_denied);
  EXPECT_EQ(check(alice_, {"PSUBSCRIBE", "news.*", "*"}), Verdict::channel_denied);
  EXPECT_EQ(check(lim_, {"PSUBSCRIBE", "a"}), Verdict::allowed);
  EXPECT_EQ(check(lim_, {"PSUBSCRIBE", "*"}), Verdict::channel_denied);
}

TEST_F(ChannelCheck, UnsubscribingAndCountingAreNeverChannelChecked) {
  EXPECT_EQ(check(alice_, {"UNSUBSCRIBE", "zzz"}), Verdict::allowed);
  EXPECT_EQ(check(alice_, {"PUNSUBSCRIBE", "zzz"}), Verdict::allowed);
  EXPECT_EQ(check(alice_, {"SUNSUBSCRIBE", "zzz"}), Verdict::allowed);
  EXPECT_EQ(check(alice_, {"PUBSUB", "NUMSUB", "zzz"}), Verdict::allowed);
  EXPECT_EQ(check(alice_, {"PUBSUB", "CHANNELS", "*"}), Verdict::allowed);
  EXPECT_EQ(check(alice_, {"PUBSUB", "SHARDNUMSUB", "zzz"}), Verdict::allowed);
}

TEST_F(ChannelCheck, DefaultUserHasAllChannels) {
  const User& fallback = registry_->default_user();
  EXPECT_EQ(check(&fallback, {"PUBLISH", "anything", "y"}), Verdict::allowed);
  EXPECT_EQ(check(&fallback, {"PSUBSCRIBE", "*"}), Verdict::allowed);
}

// What reaches a subscriber: a message published to channel C arrives through
// pattern P only if the subscriber could PSUBSCRIBE P, i.e. P is one of its
// &patterns, and then C glob-matches P, so C is a channel it may read.
TEST_F(ChannelCheck, NoPatternSubscriptionReachesAChannelTheUserMayNotUse) {
  const std::vector<std::string> patterns{"*", "news.*", "news.?", "n*", "chat:*", "a", "[nc]*", "*.*"};
  const std::vector<std::string> channels{"news.1", "newsx", "chat:1", "a", "b", "news.x.y", "zzz", "n"};
  for (const User* user : {alice_, lim_}) {
    for (const std::string& pattern : patterns) {
      if (!user->pattern_allowed(pattern)) continue;
      for (const std::string& channel : channels) {
        if (pubsub::glob_match(pattern, channel)) {
          EXPECT_TRUE(user->channel_allowed(channel)) << user->name() << " via " << pattern << " gets " << channel;
        }
      }
    }
  }
}

}  // namespace
}  // namespace ringcast::acl
