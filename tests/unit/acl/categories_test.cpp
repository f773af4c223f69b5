// Categories and subcommands: which commands +@category reaches, with a
// container's category reaching all its subcommands as in Redis 7.0.15
// (checked there with ACL DRYRUN).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "acl/categories.h"
#include "acl/command_catalog.h"
#include "acl/user.h"
#include "test_catalog.h"

namespace ringcast::acl {
namespace {

using testing_support::catalog;
using testing_support::id;
using testing_support::rules_error;
using testing_support::runnable;
using testing_support::user_with;
using Names = std::vector<std::string>;

TEST(CategoryNames, AreRedis70sAclCatList) {
  const auto names = category_names();
  EXPECT_EQ(Names(names.begin(), names.end()),
            (Names{"keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
                   "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
                   "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"}));
  EXPECT_TRUE(category_bit("PubSub"));
  EXPECT_FALSE(category_bit("all"));
  EXPECT_FALSE(category_bit("nosuch"));
}

TEST(ParseCategories, TakesTheCommandTablesForm) {
  const CategoryParse parsed = parse_categories("@pubsub @fast");
  EXPECT_FALSE(parsed.bad_word);
  EXPECT_EQ(parsed.mask, *category_bit("pubsub") | *category_bit("fast"));
  EXPECT_EQ(parse_categories("").mask, 0u);
  EXPECT_EQ(parse_categories("@slow  @Dangerous").mask, *category_bit("slow") | *category_bit("dangerous"));
  EXPECT_EQ(parse_categories("@pubsub @nosuch").bad_word, "@nosuch");
  EXPECT_EQ(parse_categories("pubsub").bad_word, "pubsub");
}

TEST(Pubsub, ReachesThePubsubCommandsButNotPubsubHelp) {
  EXPECT_EQ(runnable(user_with("+@pubsub")),
            (Names{"history", "mpublish", "psubscribe", "publish", "pubsub|channels", "pubsub|numpat", "pubsub|numsub",
                   "pubsub|shardchannels", "pubsub|shardnumsub", "punsubscribe", "resume", "spublish", "ssubscribe",
                   "subscribe", "sunsubscribe", "unsubscribe"}));
}

TEST(Connection, ReachesTheConnectionCommands) {
  EXPECT_EQ(runnable(user_with("+@connection")),
            (Names{"auth",         "client|getname", "client|help",    "client|id",    "client|info",
                   "client|kill",  "client|list",    "client|no-echo", "client|reply", "client|setname",
                   "command",      "command|count",
                   "command|docs", "command|help",   "command|info",   "command|list", "echo",
                   "hello",        "ping",           "quit",           "reset",        "select"}));
}

TEST(Fast, ReachesPublishAndTheConnectionBasics) {
  EXPECT_EQ(runnable(user_with("+@fast")),
            (Names{"auth", "echo", "hello", "mpublish", "ping", "publish", "quit", "reset", "select", "spublish"}));
}

// CLIENT and PUBSUB are @slow containers, so +@slow reaches every subcommand.
TEST(Slow, ReachesContainersWithAllTheirSubcommands) {
  const User user = user_with("+@slow");
  EXPECT_TRUE(user.can_run(id("client|id")));
  EXPECT_TRUE(user.can_run(id("pubsub|help")));
  EXPECT_TRUE(user.can_run(id("subscribe")));
  EXPECT_TRUE(user.can_run(id("info")));
  EXPECT_FALSE(user.can_run(id("publish")));
  EXPECT_FALSE(user.can_run(id("ping")));
  EXPECT_FALSE(user_with("+@all -@slow").can_run(id("client|id")));
}

TEST(Dangerous, ReachesAclLogClientListKillAndInfoOnly) {
  EXPECT_EQ(runnable(user_with("+@dangerous")), (Names{"acl|log", "client|kill", "client|list", "info"}));
}

TEST(Admin, ReachesAclLogClientListAndKill) {
  EXPECT_EQ(runnable(user_with("+@admin")), (Names{"acl|log", "client|kill", "client|list"}));
  EXPECT_TRUE(user_with("+@all -@admin").can_run(id("info")));
  EXPECT_FALSE(user_with("+@all -@admin").can_run(id("client|list")));
}

TEST(EmptyCategories, ExistButReachNothing) {
  for (const char* category : {"keyspace", "read", "write", "string", "scripting", "transaction", "blocking"}) {
    EXPECT_TRUE(runnable(user_with(std::string("+@") + category)).empty()) << category;
  }
}

TEST(CategoryRules, CaseInsensitive) { EXPECT_EQ(runnable(user_with("+@PUBSUB")), runnable(user_with("+@pubsub"))); }

TEST(CategoryRules, UnknownCategoryError) {
  EXPECT_EQ(rules_error("+@nosuch"),
            "Error in ACL SETUSER modifier '+@nosuch': Unknown command or category name in ACL");
  EXPECT_EQ(rules_error("-@nosuch"),
            "Error in ACL SETUSER modifier '-@nosuch': Unknown command or category name in ACL");
  EXPECT_EQ(rules_error("+@"), "Error in ACL SETUSER modifier '+@': Unknown command or category name in ACL");
}

TEST(CategoryRules, MixWithCommandsInOrder) {
  // The example user of the access-control issue.
  const User alice = user_with("on >s3cret +@pubsub +@connection -spublish &news.* &chat:*");
  EXPECT_TRUE(alice.can_run(id("publish")));
  EXPECT_FALSE(alice.can_run(id("spublish")));
  EXPECT_TRUE(alice.can_run(id("client|list")));  // @connection, as in Redis
  EXPECT_FALSE(alice.can_run(id("info")));
  EXPECT_FALSE(alice.can_run(id("pubsub|help")));
  EXPECT_FALSE(alice.can_run(id("client")));  // the container itself is only @slow
  // Subcommand rules after a category.
  const User user = user_with("+@all -client|list +@admin");
  EXPECT_TRUE(user.can_run(id("client|list")));
  EXPECT_FALSE(user.all_commands());
}

TEST(Catalog, FindsCommandsAndSubcommandsInAnyCase) {
  EXPECT_EQ(catalog().name(id("publish")), "publish");
  EXPECT_EQ(catalog().find("PUBLISH"), catalog().find("publish"));
  EXPECT_EQ(catalog().find("Client|List"), catalog().find("client|list"));
  EXPECT_FALSE(catalog().find("client|nosuch"));
  EXPECT_FALSE(catalog().find("nosuch"));
  EXPECT_FALSE(catalog().find(""));
}

TEST(Catalog, LinksSubcommandsToTheirParent) {
  EXPECT_EQ(catalog().parent(id("client|list")), id("client"));
  EXPECT_FALSE(catalog().parent(id("client")));
  EXPECT_EQ(catalog().subcommands(id("client")).size(), 9u);
  EXPECT_TRUE(catalog().subcommands(id("publish")).empty());
}

TEST(Catalog, KnowsWhichArgumentsAreChannels) {
  EXPECT_EQ(catalog().channel_args(id("publish")), ChannelArgs::first);
  EXPECT_EQ(catalog().channel_args(id("spublish")), ChannelArgs::first);
  EXPECT_EQ(catalog().channel_args(id("mpublish")), ChannelArgs::first);
  EXPECT_EQ(catalog().channel_args(id("history")), ChannelArgs::first);
  EXPECT_EQ(catalog().channel_args(id("resume")), ChannelArgs::first);
  EXPECT_EQ(catalog().channel_args(id("subscribe")), ChannelArgs::all);
  EXPECT_EQ(catalog().channel_args(id("ssubscribe")), ChannelArgs::all);
  EXPECT_EQ(catalog().channel_args(id("psubscribe")), ChannelArgs::all_patterns);
  EXPECT_EQ(catalog().channel_args(id("unsubscribe")), ChannelArgs::none);
  EXPECT_EQ(catalog().channel_args(id("punsubscribe")), ChannelArgs::none);
  EXPECT_EQ(catalog().channel_args(id("pubsub|numsub")), ChannelArgs::none);
}

TEST(Catalog, SubcommandMayComeBeforeItsParent) {
  const CommandEntry entries[] = {{"x|y", "@slow"}, {"x", "@slow"}};
  const CommandCatalog cat(entries);
  EXPECT_EQ(cat.parent(*cat.find("x|y")), cat.find("x"));
}

TEST(Catalog, RefusesABrokenCommandTable) {
  const CommandEntry unknown_category[] = {{"x", "@pubsub @nosuch"}};
  EXPECT_THROW(CommandCatalog{unknown_category}, std::invalid_argument);
  const CommandEntry twice[] = {{"x", "@slow"}, {"X", "@slow"}};
  EXPECT_THROW(CommandCatalog{twice}, std::invalid_argument);
  const CommandEntry orphan[] = {{"x|y", "@slow"}};
  EXPECT_THROW(CommandCatalog{orphan}, std::invalid_argument);
  const CommandEntry too_deep[] = {{"x", "@slow"}, {"x|y|z", "@slow"}};
  EXPECT_THROW(CommandCatalog{too_deep}, std::invalid_argument);
}

TEST(NoAuth, AuthHelloQuitResetOnly) {
  for (const char* name : {"auth", "AUTH", "hello", "Hello", "quit", "reset"}) {
    EXPECT_TRUE(allowed_before_auth(name)) << name;
  }
  for (const char* name : {"ping", "publish", "subscribe", "client", "select", "command", "info", "", "authx"}) {
    EXPECT_FALSE(allowed_before_auth(name)) << name;
  }
  EXPECT_TRUE(catalog().no_auth(id("auth")));
  EXPECT_FALSE(catalog().no_auth(id("ping")));
}

}  // namespace
}  // namespace ringcast::acl
