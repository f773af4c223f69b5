// What a user is allowed: password check, command bits, channel patterns.
#include "acl/user.h"

#include <algorithm>

#include "pubsub/glob.h"

namespace ringcast::acl {

User::User(std::string name, const CommandCatalog& catalog) : name_(std::move(name)), allowed_(catalog.size(), false) {}

void User::reset() {
  // Redis 7.0's "reset": resetpass resetkeys resetchannels off -@all.
  enabled_ = false;
  nopass_ = false;
  passwords_.clear();
  all_keys_ = false;
  all_channels_ = false;
  channels_.clear();
  set_all_commands(false);
}

bool User::password_matches(std::string_view password) const {
  if (nopass_) return true;
  const Sha256Digest digest = sha256(password);
  // Look at every stored digest, matching or not, as Redis does.
  bool matched = false;
  for (const Sha256Digest& stored : passwords_) matched |= digests_equal(stored, digest);
  return matched;
}

void User::set_command(CommandId id, bool allow, const CommandCatalog& catalog) {
  allowed_[id] = allow;
  for (const CommandId sub : catalog.subcommands(id)) allowed_[sub] = allow;
  if (!allow) all_commands_ = false;
}

void User::set_all_commands(bool allow) {
  all_commands_ = allow;
  std::fill(allowed_.begin(), allowed_.end(), allow);
}

bool User::channel_allowed(std::string_view channel) const {
  if (all_channels_) return true;
  return std::any_of(channels_.begin(), channels_.end(),
                     [&](const std::string& pattern) { return pubsub::glob_match(pattern, channel); });
}

bool User::pattern_allowed(std::string_view pattern) const {
  if (all_channels_) return true;
  return std::find(channels_.begin(), channels_.end(), pattern) != channels_.end();
}

}  // namespace ringcast::acl
