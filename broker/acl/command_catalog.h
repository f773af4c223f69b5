// The commands ACL rules can name, with their categories: built once at
// start-up from the command table, so rules are checked against what exists.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "acl/categories.h"

namespace ringcast::acl {

// Dense index of a command or subcommand in its catalog.
using CommandId = uint16_t;

// One row of the command table: a top-level command ("publish") or a
// subcommand ("client|list"), lower case, and its categories as COMMAND INFO
// gives them ("@pubsub @fast"). The strings are copied.
struct CommandEntry {
  std::string_view name;
  std::string_view categories;
};

// Which arguments of a command are channels, for the channel permission check
// (Redis's channel key specs). UNSUBSCRIBE and its kin are never checked.
enum class ChannelArgs : uint8_t {
  none,
  first,         // PUBLISH, SPUBLISH: args[1]
  all,           // SUBSCRIBE, SSUBSCRIBE: args[1..]
  all_patterns,  // PSUBSCRIBE: args[1..], compared literally
};

class CommandCatalog {
 public:
  // Throws std::invalid_argument for an unknown category, a repeated name, or
  // a subcommand whose parent is not listed: mistakes in the command table,
  // found at start-up.
  explicit CommandCatalog(std::span<const CommandEntry> entries);

  size_t size() const { return commands_.size(); }
  // Case-insensitive: "PUBLISH", "Client|List".
  std::optional<CommandId> find(std::string_view fullname) const;

  const std::string& name(CommandId id) const { return commands_[id].name; }
  CategoryMask categories(CommandId id) const { return commands_[id].categories; }
  std::optional<CommandId> parent(CommandId id) const { return commands_[id].parent; }
  std::span<const CommandId> subcommands(CommandId id) const { return commands_[id].subcommands; }
  ChannelArgs channel_args(CommandId id) const { return commands_[id].channel_args; }
  // AUTH, HELLO, QUIT, RESET: Redis's no_auth commands, which every user may
  // run whatever its command rules say.
  bool no_auth(CommandId id) const { return commands_[id].no_auth; }

 private:
  struct Command {
    std::string name;
    CategoryMask categories = 0;
    std::optional<CommandId> parent;
    std::vector<CommandId> subcommands;
    ChannelArgs channel_args = ChannelArgs::none;
    bool no_auth = false;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::vector<Command> commands_;
  std::unordered_map<std::string, CommandId, StringHash, std::equal_to<>> by_name_;
};

// Redis's no_auth flag: the commands a connection may run before it has
// authenticated (AUTH, HELLO, QUIT, RESET), by top-level name, any case.
bool allowed_before_auth(std::string_view command_name);

}  // namespace ringcast::acl
