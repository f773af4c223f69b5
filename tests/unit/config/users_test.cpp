// requirepass and users: what the loader stores for broker/acl, and the
// mistakes it reports itself (the rules are checked by broker/acl at start-up).
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "load_helpers.h"

namespace ringcast::config {
namespace {

using test_support::load;
using test_support::error_from;

using Rules = std::vector<std::string>;

TEST(Requirepass, TextAsWritten) {
  EXPECT_EQ(load("requirepass: s3cret").requirepass, "s3cret");
  EXPECT_EQ(load("requirepass: \"with spaces and # hash\"").requirepass, "with spaces and # hash");
  EXPECT_EQ(load("requirepass: 12345").requirepass, "12345");
  EXPECT_EQ(load("requirepass: yes").requirepass, "yes");
  EXPECT_EQ(load("requirepass: \"\"").requirepass, "");
  EXPECT_EQ(load("requirepass:").requirepass, "");
}

TEST(Requirepass, RemembersItsLine) {
  EXPECT_EQ(load("port: 1\n\nrequirepass: x\n").requirepass_line, 3);
  EXPECT_EQ(load("port: 1\n").requirepass_line, 0);
}

TEST(Requirepass, MustBeText) {
  EXPECT_EQ(error_from("requirepass: [a, b]\n"), "test.yaml:1: requirepass: expected a password (text), got a list");
  EXPECT_EQ(error_from("requirepass: {a: b}\n"), "test.yaml:1: requirepass: expected a password (text), got a map");
}

TEST(Users, StringOfRulesIsSplitAtWhitespace) {
  const Config config = load("users:\n  alice: \"on >s3cret  +@pubsub\t&news.*\"\n");
  ASSERT_EQ(config.users.size(), 1u);
  EXPECT_EQ(config.users[0].name, "alice");
  EXPECT_EQ(config.users[0].rules, (Rules{"on", ">s3cret", "+@pubsub", "&news.*"}));
  EXPECT_EQ(config.users[0].line, 2);
}

TEST(Users, ListOfRulesKeepsEachRuleWhole) {
  const Config config = load("users:\n  bob:\n    - on\n    - \">pass word\"\n    - +ping\n");
  EXPECT_EQ(config.users.at(0).rules, (Rules{"on", ">pass word", "+ping"}));
}

TEST(Users, FoldedStringsAcrossLines) {
  const Config config = load("users:\n  carol: >-\n    on >pw\n    +@pubsub &x\n");
  EXPECT_EQ(config.users.at(0).rules, (Rules{"on", ">pw", "+@pubsub", "&x"}));
}

TEST(Users, KeptInFileOrderWithLines) {
  const Config config = load("users:\n  zed: \"on\"\n  amy: \"off\"\n  default: \"on nopass +@all\"\n");
  ASSERT_EQ(config.users.size(), 3u);
  EXPECT_EQ(config.users[0].name, "zed");
  EXPECT_EQ(config.users[1].name, "amy");
  EXPECT_EQ(config.users[2].name, "default");
  EXPECT_EQ(config.users[2].line, 4);
}

TEST(Users, EmptyRulesAndEmptyMaps) {
  EXPECT_TRUE(load("users: {}").users.empty());
  EXPECT_TRUE(load("users:\n  # nobody yet\n").users.empty());
  EXPECT_TRUE(load("users:\n  ghost: \"\"\n").users.at(0).rules.empty());
  EXPECT_TRUE(load("users:\n  ghost:\n").users.at(0).rules.empty());
  EXPECT_TRUE(load("users:\n  ghost: []\n").users.at(0).rules.empty());
}

TEST(Users, RulesAreNotCheckedHere) {
  // broker/acl reports these at start-up, naming this file, line and user.
  EXPECT_EQ(load("users:\n  alice: \"bogus +nosuch\"\n").users.at(0).rules, (Rules{"bogus", "+nosuch"}));
}

TEST(Users, SourceIsKeptForLaterMessages) {
  EXPECT_EQ(load("users:\n  a: on\n").source, "test.yaml");
  EXPECT_EQ(load("").source, "test.yaml");
}

TEST(UserErrors, NotAMap) {
  EXPECT_EQ(error_from("users: alice\n"),
            "test.yaml:1: users: expected a map from user name to ACL rules, got 'alice'");
  EXPECT_EQ(error_from("users:\n  - alice\n"),
            "test.yaml:1: users: expected a map from user name to ACL rules, got a list");
}

TEST(UserErrors, RulesOfTheWrongShape) {
  EXPECT_EQ(error_from("users:\n  alice: {on: true}\n"),
            "test.yaml:2: users.alice: expected ACL rules like \"on >password +@pubsub &news.*\" (a string, or a list "
            "of rules), got a map");
  EXPECT_EQ(error_from("users:\n  alice:\n    - on\n    - [a, b]\n"),
            "test.yaml:4: users.alice[1]: expected one ACL rule like \">password\" or \"+@pubsub\", got a list");
}

TEST(UserErrors, DuplicateUser) {
  EXPECT_EQ(error_from("users:\n  alice: on\n  bob: on\n  alice: off\n"),
            "test.yaml:4: users.alice: duplicate user; first defined on line 2");
}

TEST(UserErrors, BadNames) {
  EXPECT_EQ(error_from("users:\n  \"al ice\": on\n"),
            "test.yaml:2: users.al ice: a user name cannot contain spaces or control characters");
  EXPECT_EQ(error_from("users:\n  \"\": on\n"), "test.yaml:2: users: a user name cannot be empty");
  EXPECT_EQ(error_from("users:\n  \"a\\tb\": on\n"),
            "test.yaml:2: users.a\tb: a user name cannot contain spaces or control characters");
  EXPECT_EQ(error_from("users:\n  [a]: on\n"), "test.yaml:2: users: expected a user name, got a list");
}

TEST(UserErrors, RequirepassAndADefaultUserConflict) {
  EXPECT_EQ(error_from("requirepass: x\nusers:\n  alice: on\n  default: \"on >y +@all\"\n"),
            "test.yaml:4: users.default: conflicts with requirepass (line 1); give the default user its password in "
            "its rules (>password or #sha256) instead");
  // Whichever comes first in the file.
  EXPECT_EQ(error_from("users:\n  default: on\nrequirepass: x\n")
                .find("test.yaml:2: users.default: conflicts with "
                      "requirepass (line 3)"),
            0u);
  // An empty requirepass sets nothing, so there is no conflict.
  EXPECT_EQ(load("requirepass: \"\"\nusers:\n  default: \"on >y\"\n").users.size(), 1u);
}

}  // namespace
}  // namespace ringcast::config
