// Builds the catalog: ids, parent/subcommand links, categories as bits, and
// what Redis's command metadata says about channels and authentication.
#include "acl/command_catalog.h"

#include <array>
#include <limits>
#include <stdexcept>

#include "acl/text.h"

namespace ringcast::acl {
namespace {

ChannelArgs channel_args_of(std::string_view name) {
  if (name == "publish" || name == "spublish" || name == "mpublish" || name == "history" ||
      name == "resume")
    return ChannelArgs::first;
  if (name == "subscribe" || name == "ssubscribe") return ChannelArgs::all;
  if (name == "psubscribe") return ChannelArgs::all_patterns;
  return ChannelArgs::none;
}

}  // namespace

bool allowed_before_auth(std::string_view command_name) {
  static constexpr std::array<std::string_view, 4> kNoAuth{"auth", "hello", "quit", "reset"};
  for (const std::string_view name : kNoAuth) {
    if (iequals_ascii(name, command_name)) return true;
  }
  return false;
}

CommandCatalog::CommandCatalog(std::span<const CommandEntry> entries) {
  if (entries.size() > std::numeric_limits<CommandId>::max()) {
    throw std::invalid_argument("ACL command catalog: too many commands");
  }
  commands_.reserve(entries.size());
  for (const CommandEntry& entry : entries) {
    const std::string name = to_lower_ascii(entry.name);
    const CategoryParse parsed = parse_categories(entry.categories);
    if (parsed.bad_word) {
      throw std::invalid_argument("ACL command catalog: '" + name + "' has unknown category '" + *parsed.bad_word +
                                  "'");
    }
    const auto id = static_cast<CommandId>(commands_.size());
    if (!by_name_.emplace(name, id).second) {
      throw std::invalid_argument("ACL command catalog: '" + name + "' is listed twice");
    }
    Command command;
    command.name = name;
    command.categories = parsed.mask;
    command.channel_args = channel_args_of(name);
    command.no_auth = allowed_before_auth(name);
    commands_.push_back(std::move(command));
  }
  // Links last, so a subcommand may be listed before its parent.
  for (CommandId id = 0; id < commands_.size(); ++id) {
    const std::string& name = commands_[id].name;
    const size_t bar = name.find('|');
    if (bar == std::string::npos) continue;
    const auto parent = by_name_.find(std::string_view(name).substr(0, bar));
    if (parent == by_name_.end() || name.find('|', bar + 1) != std::string::npos || bar + 1 == name.size()) {
      throw std::invalid_argument("ACL command catalog: subcommand '" + name + "' has no parent command");
    }
    commands_[id].parent = parent->second;
    commands_[parent->second].subcommands.push_back(id);
  }
}

std::optional<CommandId> CommandCatalog::find(std::string_view fullname) const {
  auto it = by_name_.find(fullname);
  if (it == by_name_.end()) {
    // Names from the command table are lower case already; only typed ones need folding.
    it = by_name_.find(to_lower_ascii(fullname));
    if (it == by_name_.end()) return std::nullopt;
  }
  return it->second;
}

}  // namespace ringcast::acl
