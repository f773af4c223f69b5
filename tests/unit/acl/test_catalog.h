// A catalog with ringcast's commands and Redis 7.0.15's categories for them
// (COMMAND INFO), plus AUTH; command_table_test checks it against the real table.
#pragma once

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "acl/command_catalog.h"
#include "acl/user.h"

namespace ringcast::acl::testing_support {

inline std::span<const CommandEntry> ringcast_commands() {
  static const CommandEntry kEntries[] = {
      {"subscribe", "@pubsub @slow"},
      {"unsubscribe", "@pubsub @slow"},
      {"psubscribe", "@pubsub @slow"},
      {"punsubscribe", "@pubsub @slow"},
      {"ssubscribe", "@pubsub @slow"},
      {"sunsubscribe", "@pubsub @slow"},
      {"publish", "@pubsub @fast"},
      {"spublish", "@pubsub @fast"},
      {"mpublish", "@pubsub @fast"},
      {"history", "@pubsub @slow"},
      {"resume", "@pubsub @slow"},
      {"pubsub", "@slow"},
      {"pubsub|channels", "@pubsub @slow"},
      {"pubsub|numsub", "@pubsub @slow"},
      {"pubsub|numpat", "@pubsub @slow"},
      {"pubsub|shardchannels", "@pubsub @slow"},
      {"pubsub|shardnumsub", "@pubsub @slow"},
      {"pubsub|help", "@slow"},
      {"ping", "@fast @connection"},
      {"echo", "@fast @connection"},
      {"hello", "@fast @connection"},
      {"reset", "@fast @connection"},
      {"quit", "@fast @connection"},
      {"auth", "@fast @connection"},
      {"select", "@fast @connection"},
      {"client", "@slow"},
      {"client|id", "@slow @connection"},
      {"client|setname", "@slow @connection"},
      {"client|getname", "@slow @connection"},
      {"client|info", "@slow @connection"},
      {"client|list", "@admin @slow @dangerous @connection"},
      {"client|kill", "@admin @slow @dangerous @connection"},
      {"client|reply", "@slow @connection"},
      {"client|no-echo", "@slow @connection"},
      {"client|help", "@slow @connection"},
      {"command", "@slow @connection"},
      {"command|count", "@slow @connection"},
      {"command|list", "@slow @connection"},
      {"command|info", "@slow @connection"},
      {"command|docs", "@slow @connection"},
      {"command|help", "@slow @connection"},
      {"info", "@slow @dangerous"},
      {"acl", "@slow"},
      {"acl|log", "@admin @slow @dangerous"},
      {"acl|whoami", "@slow"},
      {"acl|help", "@slow"},
  };
  return kEntries;
}

inline const CommandCatalog& catalog() {
  static const CommandCatalog instance(ringcast_commands());
  return instance;
}

inline CommandId id(std::string_view fullname) { return *catalog().find(fullname); }

// Every command the user may run, sorted by name, for readable failures.
inline std::vector<std::string> runnable(const User& user) {
  std::vector<std::string> names;
  for (CommandId i = 0; i < catalog().size(); ++i) {
    if (user.can_run(i)) names.push_back(catalog().name(i));
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A fresh user with `rules` applied (split at spaces); fails the test on an error.
User user_with(std::string_view rules);

// The error of applying `rules` to a fresh user, or "" when they apply.
std::string rules_error(std::string_view rules);

}  // namespace ringcast::acl::testing_support
