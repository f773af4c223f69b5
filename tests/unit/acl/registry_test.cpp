// Users built from the config, AUTH and HELLO AUTH, the permission check and
// the reply texts, each compared with what redis-server 7.0.15 does.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "acl/registry.h"
#include "acl/replies.h"
#include "config.h"
#include "test_catalog.h"

namespace ringcast::acl {
namespace {

const std::string kHashOfPw2 = "93915a0a4bf8f634cb1856494dd4304472ad46b9827f541f76b6761c49cc55b0";

CommandCatalog fresh_catalog() { return CommandCatalog(testing_support::ringcast_commands()); }

Registry registry_from(std::string_view yaml) {
  return Registry::from_config(config::load_string(yaml, "test.yaml"), fresh_catalog());
}

std::string error_from(std::string_view yaml) {
  try {
    registry_from(yaml);
  } catch (const config::ConfigError& error) {
    return error.what();
  }
  ADD_FAILURE() << "built without error:\n" << yaml;
  return {};
}

AuthResult auth(const Registry& registry, std::vector<std::string_view> args) { return registry.auth_command(args); }

constexpr std::string_view kUsers = R"(
users:
  alice: "on >s3cret +@pubsub +@connection -spublish &news.* &chat:*"
  off1: "off >pw +@all allchannels"
  hashed: "on #93915a0a4bf8f634cb1856494dd4304472ad46b9827f541f76b6761c49cc55b0 +ping resetchannels"
  spaced: ["on", ">pass word", "+ping"]
  nothing: ""
)";

TEST(DefaultUser, IsOnNopassAllCommandsAllChannels) {
  const Registry registry(fresh_catalog());
  const User& user = registry.default_user();
  EXPECT_EQ(user.name(), "default");
  EXPECT_TRUE(user.enabled());
  EXPECT_TRUE(user.nopass());
  EXPECT_TRUE(user.all_commands());
  EXPECT_TRUE(user.all_channels());
  EXPECT_TRUE(registry.starts_authenticated());
  EXPECT_EQ(registry.find("default"), &user);
  EXPECT_EQ(registry.users().size(), 1u);
}

TEST(DefaultUser, FromAnEmptyConfigIsTheSame) {
  const Registry registry = registry_from("");
  EXPECT_TRUE(registry.starts_authenticated());
  EXPECT_TRUE(registry.default_user().all_commands());
}

TEST(DefaultUser, AuthWithOnePasswordIsAnErrorWhenNoneIsSet) {
  const Registry registry(fresh_catalog());
  const AuthResult result = auth(registry, {"AUTH", "whatever"});
  EXPECT_EQ(result.user, nullptr);
  EXPECT_EQ(result.error,
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your "
            "configuration is correct?");
}

TEST(DefaultUser, NopassTakesAnyPasswordWithTheUserName) {
  const Registry registry(fresh_catalog());
  const AuthResult result = auth(registry, {"AUTH", "default", "wrong"});
  EXPECT_EQ(result.user, &registry.default_user());
  EXPECT_TRUE(result.error.empty());
}

TEST(Requirepass, SetsTheDefaultUsersPassword) {
  const Registry registry = registry_from("requirepass: topsecret\n");
  const User& user = registry.default_user();
  EXPECT_TRUE(user.enabled());
  EXPECT_FALSE(user.nopass());
  ASSERT_EQ(user.passwords().size(), 1u);
  EXPECT_EQ(to_hex(user.passwords()[0]), "53336a676c64c1396553b2b7c92f38126768827c93b64d9142069c10eda7a721");
  EXPECT_TRUE(user.all_commands());
  EXPECT_TRUE(user.all_channels());
  EXPECT_FALSE(registry.starts_authenticated());
}

TEST(Requirepass, AuthWithOneOrTwoArguments) {
  const Registry registry = registry_from("requirepass: topsecret\n");
  EXPECT_EQ(auth(registry, {"AUTH", "topsecret"}).user, &registry.default_user());
  EXPECT_EQ(auth(registry, {"auth", "default", "topsecret"}).user, &registry.default_user());
  const AuthResult wrong = auth(registry, {"AUTH", "wrong"});
  EXPECT_EQ(wrong.user, nullptr);
  EXPECT_EQ(wrong.error, "WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_EQ(auth(registry, {"AUTH", "default", "wrong"}).error, kWrongPassError);
  EXPECT_EQ(registry.authenticate("default", "topsecret"), &registry.default_user());
  EXPECT_EQ(registry.authenticate("default", "TOPSECRET"), nullptr);
}

TEST(Requirepass, EmptyMeansNone) {
  EXPECT_TRUE(registry_from("requirepass: \"\"\n").starts_authenticated());
  EXPECT_TRUE(registry_from("requirepass:\n").default_user().nopass());
}

TEST(Users, BuiltFromTheConfig) {
  const Registry registry = registry_from(kUsers);
  EXPECT_EQ(registry.users().size(), 6u);
  const User* alice = registry.find("alice");
  ASSERT_NE(alice, nullptr);
  EXPECT_TRUE(alice->enabled());
  EXPECT_EQ(alice->channel_patterns(), (std::vector<std::string>{"news.*", "chat:*"}));
  EXPECT_EQ(registry.find("Alice"), nullptr);  // names are case-sensitive
  EXPECT_EQ(registry.find("nobody"), nullptr);
  // Other users leave the default one alone.
  EXPECT_TRUE(registry.starts_authenticated());
}

TEST(Users, AuthenticateWithTheRightPasswordOnly) {
  const Registry registry = registry_from(kUsers);
  EXPECT_EQ(registry.authenticate("alice", "s3cret"), registry.find("alice"));
  EXPECT_EQ(registry.authenticate("alice", "bad"), nullptr);
  EXPECT_EQ(registry.authenticate("alice", ""), nullptr);
  EXPECT_EQ(registry.authenticate("nosuchuser", "pw"), nullptr);
  EXPECT_EQ(registry.authenticate("spaced", "pass word"), registry.find("spaced"));
  EXPECT_EQ(auth(registry, {"AUTH", "alice", "s3cret"}).user, registry.find("alice"));
  EXPECT_EQ(auth(registry, {"AUTH", "alice", "bad"}).error, kWrongPassError);
  EXPECT_EQ(auth(registry, {"AUTH", "nosuchuser", "pw"}).error, kWrongPassError);
}

TEST(Users, DisabledUserCannotAuthenticateEvenWithItsPassword) {
  const Registry registry = registry_from(kUsers);
  EXPECT_EQ(registry.authenticate("off1", "pw"), nullptr);
  EXPECT_EQ(auth(registry, {"AUTH", "off1", "pw"}).error, kWrongPassError);
}

TEST(Users, AUserWithNoRulesExistsButCannotAuthenticate) {
  const Registry registry = registry_from(kUsers);
  ASSERT_NE(registry.find("nothing"), nullptr);
  EXPECT_EQ(registry.authenticate("nothing", ""), nullptr);
}

TEST(Users, Sha256StoredPassword) {
  const Registry registry = registry_from(kUsers);
  EXPECT_EQ(registry.authenticate("hashed", "pw2"), registry.find("hashed"));
  EXPECT_EQ(registry.authenticate("hashed", kHashOfPw2), nullptr);
}

TEST(Users, RequirepassWithOtherUsers) {
  const Registry registry = registry_from(std::string("requirepass: topsecret\n") + std::string(kUsers));
  EXPECT_FALSE(registry.starts_authenticated());
  EXPECT_EQ(registry.authenticate("alice", "s3cret"), registry.find("alice"));
  EXPECT_EQ(auth(registry, {"AUTH", "topsecret"}).user, &registry.default_user());
}

TEST(AuthCommand, TooManyArgumentsIsASyntaxError) {
  const Registry registry = registry_from(kUsers);
  const AuthResult result = auth(registry, {"AUTH", "a", "b", "c"});
  EXPECT_EQ(result.user, nullptr);
  EXPECT_EQ(result.error, "ERR syntax error");
}

TEST(DefaultEntry, RedefinesTheDefaultUserFromScratch) {
  const Registry registry = registry_from("users:\n  default: \"on >pw +@pubsub &news.*\"\n");
  const User& user = registry.default_user();
  EXPECT_FALSE(user.nopass());
  EXPECT_FALSE(user.all_commands());
  EXPECT_FALSE(user.all_channels());
  EXPECT_EQ(user.channel_patterns(), (std::vector<std::string>{"news.*"}));
  EXPECT_FALSE(registry.starts_authenticated());
  EXPECT_EQ(registry.authenticate("default", "pw"), &user);
  EXPECT_EQ(registry.users().size(), 1u);
  EXPECT_EQ(auth(registry, {"AUTH", "pw"}).user, &user);
}

TEST(DefaultEntry, OffMeansEveryoneMustAuthenticateAsSomeoneElse) {
  const Registry registry = registry_from("users:\n  default: \"off nopass +@all\"\n  bob: \"on >b +@all\"\n");
  EXPECT_FALSE(registry.starts_authenticated());
  // Still nopass, so one-argument AUTH gets the no-password error, as in Redis.
  EXPECT_EQ(auth(registry, {"AUTH", "x"}).error, kAuthWithoutPasswordError);
  EXPECT_EQ(auth(registry, {"AUTH", "default", "x"}).error, kWrongPassError);
  EXPECT_EQ(auth(registry, {"AUTH", "bob", "b"}).user, registry.find("bob"));
}

TEST(DefaultEntry, ASha256PasswordForTheDefaultUser) {
  const Registry registry = registry_from("users:\n  default: \"on #" + kHashOfPw2 + " +@all allchannels\"\n");
  EXPECT_EQ(auth(registry, {"AUTH", "pw2"}).user, &registry.default_user());
  EXPECT_EQ(auth(registry, {"AUTH", "pw"}).error, kWrongPassError);
}

TEST(ConfigErrors, NameFileLineAndUser) {
  EXPECT_EQ(error_from("port: 1\nusers:\n  alice: \"on foo\"\n"),
            "test.yaml:3: users.alice: Error in ACL SETUSER modifier #2 (not shown: it may hold a password): "
            "Syntax error");
  EXPECT_EQ(error_from("users:\n  bob: on\n  alice: [\"on\", \"+nosuch\"]\n"),
            "test.yaml:3: users.alice: Error in ACL SETUSER modifier '+nosuch': Unknown command or category name "
            "in ACL");
  EXPECT_EQ(error_from("users:\n  default: \"on &x allchannels &y\"\n"),
            "test.yaml:2: users.default: Error in ACL SETUSER modifier '&y': Adding a pattern after the * pattern "
            "(or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start "
            "with an empty list of channels");
}

TEST(ConfigErrors, WithoutAFileTheMessageStillNamesTheUser) {
  config::Config config;
  config.users.push_back({"alice", {"bogus"}, 0});
  try {
    Registry::from_config(config, fresh_catalog());
    ADD_FAILURE() << "built without error";
  } catch (const config::ConfigError& error) {
    EXPECT_EQ(std::string(error.what()),
              "config: users.alice: Error in ACL SETUSER modifier #1 (not shown: it may hold a password): Syntax "
              "error");
  }
}

// A password rule that fails, or a password missing its '>', never reaches
// the error text (which goes to the log or the terminal).
TEST(ConfigErrors, NeverQuotePasswordMaterial) {
  const std::string hunter = error_from("users:\n  alice: \"on hunter2 +@all\"\n");
  EXPECT_EQ(hunter.find("hunter2"), std::string::npos) << hunter;
  EXPECT_NE(hunter.find("modifier #2"), std::string::npos) << hunter;
  const std::string removed = error_from("users:\n  alice: \"on <hunter2\"\n");
  EXPECT_EQ(removed.find("hunter2"), std::string::npos) << removed;
  EXPECT_NE(removed.find("does not exist"), std::string::npos) << removed;
  const std::string hash = error_from("users:\n  alice: \"on #hunter2\"\n");
  EXPECT_EQ(hash.find("hunter2"), std::string::npos) << hash;
  EXPECT_NE(hash.find("must be exactly 64 characters"), std::string::npos) << hash;
}

TEST(Check, CommandPermission) {
  const Registry registry = registry_from(kUsers);
  const User& alice = *registry.find("alice");
  const std::vector<std::string_view> publish{"PUBLISH", "news.1", "x"};
  EXPECT_EQ(registry.check(alice, "publish", publish), Verdict::allowed);
  EXPECT_EQ(registry.check(alice, "info", std::vector<std::string_view>{"INFO"}), Verdict::command_denied);
  EXPECT_EQ(registry.check(alice, "pubsub|help", std::vector<std::string_view>{"PUBSUB", "HELP"}),
            Verdict::command_denied);
  EXPECT_EQ(registry.check(alice, "client|list", std::vector<std::string_view>{"CLIENT", "LIST"}), Verdict::allowed);
  const User& hashed = *registry.find("hashed");
  EXPECT_EQ(registry.check(hashed, "publish", publish), Verdict::command_denied);
  EXPECT_EQ(registry.check(hashed, "ping", std::vector<std::string_view>{"PING"}), Verdict::allowed);
  EXPECT_EQ(
      registry.check(registry.default_user(), *registry.catalog().find("info"), std::vector<std::string_view>{"INFO"}),
      Verdict::allowed);
}

TEST(Check, AuthHelloQuitResetPassWhateverTheRules) {
  const Registry registry = registry_from("users:\n  u4: \"on nopass -@all\"\n");
  const User& user = *registry.find("u4");
  for (std::string_view name : {"auth", "hello", "quit", "reset"}) {
    const std::vector<std::string_view> args{name};
    EXPECT_EQ(registry.check(user, name, args), Verdict::allowed) << name;
  }
  EXPECT_EQ(registry.check(user, "ping", std::vector<std::string_view>{"PING"}), Verdict::command_denied);
}

TEST(Check, UnknownNamesAreDeniedUnlessTheUserHasEverything) {
  const Registry registry = registry_from(kUsers);
  const std::vector<std::string_view> args{"FLUSHALL"};
  EXPECT_EQ(registry.check(*registry.find("alice"), "flushall", args), Verdict::command_denied);
  EXPECT_EQ(registry.check(registry.default_user(), "flushall", args), Verdict::allowed);
}

TEST(ReplyTexts, AreRedis7015s) {
  EXPECT_EQ(kNoAuthError, "NOAUTH Authentication required.");
  EXPECT_EQ(kHelloNoAuthError,
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> "
            "<pass> option can be used to authenticate the client and select the RESP protocol version at the same "
            "time");
  EXPECT_EQ(kWrongPassError, "WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_EQ(kAuthWithoutPasswordError,
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your "
            "configuration is correct?");
  EXPECT_EQ(kAuthSyntaxError, "ERR syntax error");
  EXPECT_EQ(kNoPermChannelError, "NOPERM this user has no permissions to access one of the channels used as arguments");
  EXPECT_EQ(noperm_command_error("publish"), "NOPERM this user has no permissions to run the 'publish' command");
  EXPECT_EQ(noperm_command_error("client|list"),
            "NOPERM this user has no permissions to run the 'client|list' command");
}

TEST(OpenAccessWarning, OnlyOffLoopbackWithAPasswordlessUser) {
  const Registry open(fresh_catalog());
  for (const char* loopback : {"127.0.0.1", "127.1.2.3", "::1", "localhost", "::ffff:127.0.0.1"}) {
    EXPECT_FALSE(open.open_access_warning(loopback)) << loopback;
  }
  const auto warning = open.open_access_warning("0.0.0.0");
  ASSERT_TRUE(warning);
  EXPECT_EQ(*warning,
            "listening on 0.0.0.0, which is not a loopback address, and the default user needs no password: anyone "
            "who can reach the port can use ringcast without AUTH. Set requirepass, or define users in the config");
  EXPECT_TRUE(open.open_access_warning("::"));
  EXPECT_TRUE(open.open_access_warning("10.1.2.3"));
  EXPECT_TRUE(open.open_access_warning("my-host"));
}

TEST(OpenAccessWarning, NoneOnceThereIsAPassword) {
  EXPECT_FALSE(registry_from("requirepass: x\n").open_access_warning("0.0.0.0"));
  EXPECT_FALSE(registry_from("users:\n  default: \"on >x +@all\"\n").open_access_warning("0.0.0.0"));
  EXPECT_FALSE(registry_from("users:\n  default: \"off nopass +@all\"\n").open_access_warning("0.0.0.0"));
}

TEST(OpenAccessWarning, NamesOtherUsersThatTakeAnyPassword) {
  const Registry registry =
      registry_from("requirepass: x\nusers:\n  bob: \"on nopass +ping\"\n  eve: \"off nopass\"\n");
  const auto warning = registry.open_access_warning("0.0.0.0");
  ASSERT_TRUE(warning);
  EXPECT_EQ(*warning,
            "listening on 0.0.0.0, which is not a loopback address, and these users accept any password: bob. Give "
            "them passwords (>password or #sha256)");
  const auto both = registry_from("users:\n  bob: \"on nopass\"\n").open_access_warning("0.0.0.0");
  ASSERT_TRUE(both);
  EXPECT_NE(both->find("users that accept any password: bob"), std::string::npos) << *both;
}

TEST(LoopbackAddress, Recognised) {
  EXPECT_TRUE(is_loopback_address("127.0.0.1"));
  EXPECT_TRUE(is_loopback_address("127.255.255.254"));
  EXPECT_TRUE(is_loopback_address("::1"));
  EXPECT_TRUE(is_loopback_address("localhost"));
  EXPECT_FALSE(is_loopback_address("0.0.0.0"));
  EXPECT_FALSE(is_loopback_address("::"));
  EXPECT_FALSE(is_loopback_address("128.0.0.1"));
  EXPECT_FALSE(is_loopback_address("192.168.1.1"));
  EXPECT_FALSE(is_loopback_address("::ffff:10.0.0.1"));
  EXPECT_FALSE(is_loopback_address(""));
  EXPECT_FALSE(is_loopback_address("127.0.0.1 "));
}

TEST(Registry, UsersKeepTheirAddressWhenTheRegistryMoves) {
  Registry first = registry_from(kUsers);
  const User* alice = first.find("alice");
  const Registry moved = std::move(first);
  EXPECT_EQ(moved.find("alice"), alice);
  EXPECT_EQ(moved.authenticate("alice", "s3cret"), alice);
}

// Timing must not tell which user names exist: AUTH of an unknown user does
// the same work (a password digest, compared in constant time) as AUTH of a
// known user with a wrong password. Batches of each alternate, and the fastest
// of each kind is compared, which filters out the machine's noise; skipping
// the digest for unknown users makes them about 25 times faster.
TEST(Users, UnknownUserTakesAsLongAsAWrongPassword) {
  const Registry registry = registry_from(kUsers);
  using Clock = std::chrono::steady_clock;
  const auto batch = [&](std::string_view user) {
    const auto started = Clock::now();
    for (int i = 0; i < 100; ++i) EXPECT_EQ(registry.authenticate(user, "not the password"), nullptr);
    return Clock::now() - started;
  };
  auto known = Clock::duration::max(), unknown = Clock::duration::max();
  for (int round = 0; round < 60; ++round) {
    known = std::min(known, batch("alice"));
    unknown = std::min(unknown, batch("mallory"));
  }
  const double ratio = double(unknown.count()) / double(known.count());
  EXPECT_GT(ratio, 1.0 / 3) << "unknown " << unknown.count() << " ns, known " << known.count() << " ns per batch";
  EXPECT_LT(ratio, 3.0) << "unknown " << unknown.count() << " ns, known " << known.count() << " ns per batch";
}

}  // namespace
}  // namespace ringcast::acl
