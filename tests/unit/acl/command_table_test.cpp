// The catalog built from ringcast's real command table, the way the server
// builds it at start-up, and test_catalog.h kept honest against that table.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "acl/command_catalog.h"
#include "acl/user.h"
#include "commands/command_table.h"
#include "test_catalog.h"

namespace ringcast::acl {
namespace {

// What the server does at start-up (see the wiring notes of broker/acl).
CommandCatalog catalog_from_command_table() {
  std::vector<CommandEntry> entries;
  for (const commands::CommandSpec& spec : commands::all_commands()) {
    entries.push_back({spec.name, spec.acl});
    for (const commands::CommandSpec& sub : spec.subcommands) entries.push_back({sub.name, sub.acl});
  }
  return CommandCatalog(entries);
}

TEST(CommandTable, EveryCommandsCategoriesAreKnown) { EXPECT_NO_THROW(catalog_from_command_table()); }

TEST(CommandTable, AgreesWithTheTestCatalog) {
  const CommandCatalog real = catalog_from_command_table();
  const CommandCatalog& mirror = testing_support::catalog();
  for (CommandId id = 0; id < real.size(); ++id) {
    const auto twin = mirror.find(real.name(id));
    ASSERT_TRUE(twin) << real.name(id) << " is missing from tests/unit/acl/test_catalog.h";
    EXPECT_EQ(real.categories(id), mirror.categories(*twin)) << real.name(id);
  }
}

TEST(CommandTable, PubsubUserAsInRedis) {
  const CommandCatalog real = catalog_from_command_table();
  User user("u", real);
  ASSERT_FALSE(user.apply(std::string_view("+@pubsub"), real));
  EXPECT_TRUE(user.can_run(*real.find("publish")));
  EXPECT_TRUE(user.can_run(*real.find("pubsub|numsub")));
  EXPECT_FALSE(user.can_run(*real.find("pubsub|help")));
  EXPECT_FALSE(user.can_run(*real.find("ping")));
  ASSERT_FALSE(user.apply(std::string_view("+client"), real));
  EXPECT_TRUE(user.can_run(*real.find("client|kill")));
}

}  // namespace
}  // namespace ringcast::acl
