// Every ACL rule on its own, rule order, and Redis 7.0.15's error texts
// (each taken from ACL SETUSER on the real server).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "acl/digest.h"
#include "acl/user.h"
#include "test_catalog.h"

namespace ringcast::acl {
namespace {

using testing_support::catalog;
using testing_support::id;
using testing_support::rules_error;
using testing_support::runnable;
using testing_support::user_with;

const std::string kHashOfPw2 = "93915a0a4bf8f634cb1856494dd4304472ad46b9827f541f76b6761c49cc55b0";

TEST(NewUser, IsOffWithNothing) {
  const User user("alice", catalog());
  EXPECT_EQ(user.name(), "alice");
  EXPECT_FALSE(user.enabled());
  EXPECT_FALSE(user.nopass());
  EXPECT_TRUE(user.passwords().empty());
  EXPECT_FALSE(user.password_matches(""));
  EXPECT_FALSE(user.all_commands());
  EXPECT_TRUE(runnable(user).empty());
  EXPECT_FALSE(user.all_channels());
  EXPECT_FALSE(user.channel_allowed("x"));
}

TEST(OnOff, EnableAndDisableInAnyCase) {
  EXPECT_TRUE(user_with("on").enabled());
  EXPECT_TRUE(user_with("ON").enabled());
  EXPECT_FALSE(user_with("on off").enabled());
  EXPECT_TRUE(user_with("Off On").enabled());
}

TEST(Passwords, AddedAsDigestsOnceEach) {
  const User user = user_with(">a >a >b");
  ASSERT_EQ(user.passwords().size(), 2u);
  EXPECT_EQ(to_hex(user.passwords()[0]), "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
  EXPECT_EQ(to_hex(user.passwords()[1]), "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d");
  EXPECT_TRUE(user.password_matches("a"));
  EXPECT_TRUE(user.password_matches("b"));
  EXPECT_FALSE(user.password_matches("c"));
  EXPECT_FALSE(user.password_matches("A"));
  EXPECT_FALSE(user.password_matches(""));
}

TEST(Passwords, EmptyPasswordIsAPassword) {
  const User user = user_with(">");
  EXPECT_TRUE(user.password_matches(""));
  EXPECT_FALSE(user.password_matches("x"));
}

TEST(Passwords, ApplyingAListKeepsSpacesInAPassword) {
  User user("u", catalog());
  const std::vector<std::string> rules{"on", ">pass word"};
  ASSERT_FALSE(user.apply(std::span<const std::string>(rules), catalog()));
  EXPECT_TRUE(user.password_matches("pass word"));
  EXPECT_FALSE(user.password_matches("pass"));
}

TEST(Passwords, HashRuleStoresTheDigestGiven) {
  const User user = user_with("#" + kHashOfPw2);
  EXPECT_TRUE(user.password_matches("pw2"));
  EXPECT_FALSE(user.password_matches(kHashOfPw2));  // the hash is not itself a password
  EXPECT_EQ(to_hex(user.passwords().at(0)), kHashOfPw2);
}

TEST(Passwords, RemoveByClearTextOrByHash) {
  EXPECT_FALSE(user_with(">a >b <a").password_matches("a"));
  EXPECT_TRUE(user_with(">a >b <a").password_matches("b"));
  EXPECT_FALSE(user_with(">pw2 !" + kHashOfPw2).password_matches("pw2"));
  EXPECT_TRUE(user_with(">pw2 !" + kHashOfPw2).passwords().empty());
}

TEST(Passwords, NopassAcceptsAnythingAndForgetsPasswords) {
  const User user = user_with(">a nopass");
  EXPECT_TRUE(user.nopass());
  EXPECT_TRUE(user.passwords().empty());
  EXPECT_TRUE(user.password_matches("anything"));
  EXPECT_TRUE(user.password_matches(""));
}

TEST(Passwords, APasswordAfterNopassEndsNopass) {
  const User user = user_with("nopass >c");
  EXPECT_FALSE(user.nopass());
  EXPECT_TRUE(user.password_matches("c"));
  EXPECT_FALSE(user.password_matches("anything"));
  EXPECT_FALSE(user_with("nopass #" + kHashOfPw2).nopass());
}

TEST(Passwords, ResetpassForgetsPasswordsAndNopass) {
  EXPECT_FALSE(user_with(">a resetpass").password_matches("a"));
  const User user = user_with("nopass resetpass");
  EXPECT_FALSE(user.nopass());
  EXPECT_FALSE(user.password_matches("anything"));
}

TEST(PasswordErrors, RedisTexts) {
  EXPECT_EQ(rules_error("#abc"),
            "Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 characters and contain "
            "only lowercase hexadecimal characters");
  EXPECT_EQ(rules_error("!abc"),
            "Error in ACL SETUSER modifier '!abc': The password hash must be exactly 64 characters and contain "
            "only lowercase hexadecimal characters");
  const std::string upper = std::string(63, '0') + "A";
  EXPECT_EQ(rules_error("#" + upper),
            "Error in ACL SETUSER modifier '#" + upper +
                "': The password hash must be exactly 64 characters and contain only lowercase hexadecimal "
                "characters");
  EXPECT_EQ(rules_error("<nopw"),
            "Error in ACL SETUSER modifier '<nopw': The password you are trying to remove from the user does not "
            "exist");
  const std::string zeros(64, '0');
  EXPECT_EQ(rules_error("!" + zeros), "Error in ACL SETUSER modifier '!" + zeros +
                                          "': The password you are trying to remove from the user does not exist");
}

TEST(Commands, PlusAndMinusOneCommand) {
  EXPECT_EQ(runnable(user_with("+publish")), (std::vector<std::string>{"publish"}));
  EXPECT_EQ(runnable(user_with("+publish +ping -publish")), (std::vector<std::string>{"ping"}));
}

TEST(Commands, NamesAreCaseInsensitive) {
  EXPECT_EQ(runnable(user_with("+PUBLISH +Client|Id")), (std::vector<std::string>{"client|id", "publish"}));
}

TEST(Commands, AContainerBringsAllItsSubcommands) {
  EXPECT_EQ(runnable(user_with("+client")),
            (std::vector<std::string>{"client", "client|getname", "client|help", "client|id", "client|info",
                                      "client|kill", "client|list", "client|no-echo", "client|reply",
                                      "client|setname"}));
  EXPECT_TRUE(runnable(user_with("+client -client")).empty());
}

TEST(Commands, OneSubcommand) {
  EXPECT_EQ(runnable(user_with("+client|list")), (std::vector<std::string>{"client|list"}));
  const User user = user_with("+client -client|kill");
  EXPECT_TRUE(user.can_run(id("client|list")));
  EXPECT_FALSE(user.can_run(id("client|kill")));
  // Allowing the container again brings the subcommand back.
  EXPECT_TRUE(user_with("+client -client|kill +client").can_run(id("client|kill")));
}

TEST(Commands, AllcommandsAndNocommands) {
  for (const char* all : {"allcommands", "+@all", "+@ALL", "AllCommands"}) {
    const User user = user_with(all);
    EXPECT_TRUE(user.all_commands()) << all;
    EXPECT_EQ(runnable(user).size(), catalog().size()) << all;
  }
  for (const char* none : {"nocommands", "-@all", "NoCommands"}) {
    const User user = user_with(std::string("+@all ") + none);
    EXPECT_FALSE(user.all_commands()) << none;
    EXPECT_TRUE(runnable(user).empty()) << none;
  }
}

TEST(Commands, TakingAnythingAwayEndsAllCommands) {
  EXPECT_FALSE(user_with("+@all -publish").all_commands());
  EXPECT_FALSE(user_with("+@all -@pubsub").all_commands());
  EXPECT_FALSE(user_with("+@all -client|list").all_commands());
  EXPECT_TRUE(user_with("+@all -client|list").can_run(id("client|id")));
  // A category none of ringcast's commands is in takes nothing away.
  EXPECT_TRUE(user_with("+@all -@keyspace").all_commands());
  EXPECT_TRUE(user_with("+@all -publish +publish").can_run(id("publish")));
}

TEST(CommandErrors, RedisTexts) {
  EXPECT_EQ(rules_error("+nosuch"), "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
  EXPECT_EQ(rules_error("-nosuch"), "Error in ACL SETUSER modifier '-nosuch': Unknown command or category name in ACL");
  EXPECT_EQ(rules_error("+client|nosuch"),
            "Error in ACL SETUSER modifier '+client|nosuch': Unknown command or category name in ACL");
  EXPECT_EQ(rules_error("+client|list|x"),
            "Error in ACL SETUSER modifier '+client|list|x': Allowing first-arg of a subcommand is not supported");
  EXPECT_EQ(rules_error("+client|list|"),
            "Error in ACL SETUSER modifier '+client|list|': Allowing first-arg of a subcommand is not supported");
  EXPECT_EQ(rules_error("+client|"), "Error in ACL SETUSER modifier '+client|': Syntax error");
  EXPECT_EQ(rules_error("-client|list|x"),
            "Error in ACL SETUSER modifier '-client|list|x': Unknown command or category name in ACL");
  EXPECT_EQ(rules_error("-ping|x"), "Error in ACL SETUSER modifier '-ping|x': Unknown command or category name in ACL");
  EXPECT_EQ(rules_error("+"), "Error in ACL SETUSER modifier '+': Unknown command or category name in ACL");
  EXPECT_EQ(rules_error("-"), "Error in ACL SETUSER modifier '-': Unknown command or category name in ACL");
  EXPECT_EQ(rules_error("+|x"), "Error in ACL SETUSER modifier '+|x': Unknown command or category name in ACL");
}

// Redis 7.0 accepts "+select|0" (a deprecated first-argument rule); ringcast
// refuses it at start-up rather than silently allowing the whole command.
TEST(CommandErrors, FirstArgumentOfAPlainCommandIsRefused) {
  EXPECT_EQ(rules_error("+select|0"),
            "Error in ACL SETUSER modifier '+select|0': Allowing first-arg of a command is not supported by "
            "ringcast; allow or deny the whole command");
}

TEST(Channels, PatternsKeptInOrderWithoutRepeats) {
  const User user = user_with("&x &x &y");
  EXPECT_EQ(user.channel_patterns(), (std::vector<std::string>{"x", "y"}));
  EXPECT_FALSE(user.all_channels());
}

TEST(Channels, PatternsKeepTheirCase) {
  EXPECT_EQ(user_with("RESETCHANNELS &X").channel_patterns(), (std::vector<std::string>{"X"}));
}

TEST(Channels, AllchannelsAndAmpersandStarAreTheSame) {
  for (const char* all : {"allchannels", "&*", "AllChannels"}) {
    const User user = user_with(std::string("&a ") + all);
    EXPECT_TRUE(user.all_channels()) << all;
    EXPECT_TRUE(user.channel_patterns().empty()) << all;
  }
}

TEST(Channels, ResetchannelsClearsBoth) {
  EXPECT_FALSE(user_with("allchannels resetchannels").all_channels());
  EXPECT_TRUE(user_with("&a &b resetchannels").channel_patterns().empty());
  EXPECT_EQ(user_with("allchannels resetchannels &x").channel_patterns(), (std::vector<std::string>{"x"}));
}

TEST(Channels, EmptyPatternIsAllowed) { EXPECT_EQ(user_with("&").channel_patterns(), (std::vector<std::string>{""})); }

TEST(Channels, PatternAfterAllchannelsIsAnError) {
  EXPECT_EQ(rules_error("allchannels &x"),
            "Error in ACL SETUSER modifier '&x': Adding a pattern after the * pattern (or the 'allchannels' flag) "
            "is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of "
            "channels");
  EXPECT_EQ(rules_error("allchannels &*"), "");
}

TEST(Keys, AcceptedAndIgnoredButCheckedAsRedisDoes) {
  EXPECT_EQ(rules_error("~* allkeys resetkeys ~x %R~x %W~* %RW~y %R ~ allkeys ~*"), "");
  EXPECT_EQ(rules_error("allkeys ~x"),
            "Error in ACL SETUSER modifier '~x': Adding a pattern after the * pattern (or the 'allkeys' flag) is "
            "not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns");
  EXPECT_EQ(rules_error("~* %R~x"),
            "Error in ACL SETUSER modifier '%R~x': Adding a pattern after the * pattern (or the 'allkeys' flag) "
            "is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns");
  EXPECT_EQ(rules_error("%~x"), "Error in ACL SETUSER modifier '%~x': Syntax error");
  EXPECT_EQ(rules_error("%RR~x"), "Error in ACL SETUSER modifier '%RR~x': Syntax error");
  EXPECT_EQ(rules_error("%X~y"), "Error in ACL SETUSER modifier '%X~y': Syntax error");
  // They change nothing ringcast checks.
  EXPECT_TRUE(runnable(user_with("~* allkeys")).empty());
}

TEST(OtherRules, CompatibilityFlagsAreAccepted) {
  EXPECT_EQ(rules_error("sanitize-payload skip-sanitize-payload clearselectors"), "");
}

TEST(OtherRules, SelectorsAreRefused) {
  EXPECT_EQ(rules_error("(+ping)"), "Error in ACL SETUSER modifier '(+ping)': Selectors are not supported by ringcast");
  EXPECT_EQ(rules_error("(+ping"), "Error in ACL SETUSER modifier '(+ping': Syntax error");
}

TEST(OtherRules, UnknownWordIsASyntaxError) {
  EXPECT_EQ(rules_error("foo"), "Error in ACL SETUSER modifier 'foo': Syntax error");
  EXPECT_EQ(rules_error("on foo >x"), "Error in ACL SETUSER modifier 'foo': Syntax error");
  EXPECT_EQ(rules_error("onn"), "Error in ACL SETUSER modifier 'onn': Syntax error");
}

TEST(OtherRules, EmptyRuleDoesNothing) {
  User user("u", catalog());
  EXPECT_FALSE(user.apply(std::string_view(""), catalog()));
  EXPECT_FALSE(user.enabled());
}

TEST(Reset, BackToANewUser) {
  const User user = user_with("on nopass +@all allchannels ~* reset");
  EXPECT_FALSE(user.enabled());
  EXPECT_FALSE(user.nopass());
  EXPECT_FALSE(user.password_matches(""));
  EXPECT_FALSE(user.all_commands());
  EXPECT_TRUE(runnable(user).empty());
  EXPECT_FALSE(user.all_channels());
  EXPECT_TRUE(user.channel_patterns().empty());
  EXPECT_TRUE(user_with(">a &x reset").passwords().empty());
  EXPECT_TRUE(user_with(">a &x reset").channel_patterns().empty());
  // Keys too: "~x" after "allkeys reset" is fine.
  EXPECT_EQ(rules_error("allkeys reset ~x"), "");
}

TEST(Order, LaterRulesWin) {
  EXPECT_FALSE(user_with("+@pubsub -publish").can_run(id("publish")));
  EXPECT_TRUE(user_with("-publish +@pubsub").can_run(id("publish")));
  EXPECT_TRUE(user_with("+@pubsub -publish").can_run(id("subscribe")));
  EXPECT_FALSE(user_with("+publish -@pubsub").can_run(id("publish")));
  EXPECT_TRUE(user_with("-@pubsub +publish").can_run(id("publish")));
  EXPECT_FALSE(user_with("+@all -@pubsub").can_run(id("subscribe")));
  EXPECT_TRUE(user_with("+@all -@pubsub").can_run(id("ping")));
  EXPECT_FALSE(user_with("on off").enabled());
  EXPECT_FALSE(user_with("+@all nocommands").can_run(id("ping")));
}

TEST(Atomic, AFailingRuleLeavesTheUserAsItWas) {
  User user = user_with("on >a +ping &x");
  const std::vector<std::string> rules{"off", "nopass", "+@all", "resetchannels", "bogus"};
  const auto error = user.apply(std::span<const std::string>(rules), catalog());
  ASSERT_TRUE(error);
  EXPECT_EQ(*error, "Error in ACL SETUSER modifier 'bogus': Syntax error");
  EXPECT_TRUE(user.enabled());
  EXPECT_FALSE(user.nopass());
  EXPECT_TRUE(user.password_matches("a"));
  EXPECT_EQ(runnable(user), (std::vector<std::string>{"ping"}));
  EXPECT_EQ(user.channel_patterns(), (std::vector<std::string>{"x"}));
}

TEST(Atomic, OneFailingRuleAloneChangesNothing) {
  User user = user_with("on >a");
  EXPECT_TRUE(user.apply(std::string_view("<b"), catalog()));
  EXPECT_TRUE(user.password_matches("a"));
}

}  // namespace
}  // namespace ringcast::acl
