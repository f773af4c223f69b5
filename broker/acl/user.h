// One ACL user: enabled or not, its passwords (as SHA-256 digests), the
// commands it may run and the channels it may use, changed by Redis ACL rules.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "acl/command_catalog.h"
#include "acl/digest.h"

namespace ringcast::acl {

class User {
 public:
  // A user as ACL SETUSER creates it in Redis 7.0: off, no passwords (and not
  // nopass, so no password works), no commands, no channels.
  User(std::string name, const CommandCatalog& catalog);

  // Applies one rule, an ACL SETUSER modifier such as "on", ">secret",
  // "+@pubsub", "-client|kill", "&news.*". On error returns Redis's text,
  // "Error in ACL SETUSER modifier '<rule>': <reason>" (the reply adds "ERR "),
  // and leaves the user unchanged. `catalog` must be the one it was built with.
  std::optional<std::string> apply(std::string_view rule, const CommandCatalog& catalog);
  // Applies rules left to right, all or nothing, as one ACL SETUSER does.
  std::optional<std::string> apply(std::span<const std::string> rules, const CommandCatalog& catalog);
  std::optional<std::string> apply(std::span<const std::string_view> rules, const CommandCatalog& catalog);

  const std::string& name() const { return name_; }
  bool enabled() const { return enabled_; }
  bool nopass() const { return nopass_; }
  const std::vector<Sha256Digest>& passwords() const { return passwords_; }

  // Whether `password` authenticates this user (it must also be enabled):
  // any password when nopass, else one whose digest is stored.
  bool password_matches(std::string_view password) const;

  // Command permission by catalog id. AUTH, HELLO, QUIT and RESET are not
  // special here; Registry::check exempts them, as Redis does.
  bool can_run(CommandId id) const { return all_commands_ || allowed_[id]; }
  // +@all (or allcommands) and nothing taken away since: a shortcut only.
  bool all_commands() const { return all_commands_; }

  // Channel permissions, Redis 7 semantics. A channel (PUBLISH, SUBSCRIBE,
  // SPUBLISH, SSUBSCRIBE) must match one of the user's patterns as a glob; a
  // pattern (PSUBSCRIBE) must equal one of them byte for byte, so that no
  // pattern subscription can receive from a channel the user may not use.
  bool channel_allowed(std::string_view channel) const;
  bool pattern_allowed(std::string_view pattern) const;
  bool all_channels() const { return all_channels_; }
  // The &patterns in the order given, without repeats; empty with all_channels().
  const std::vector<std::string>& channel_patterns() const { return channels_; }

 private:
  std::optional<std::string> apply_selector_rule(std::string_view rule, const CommandCatalog& catalog);
  std::optional<std::string> apply_command_rule(std::string_view rule, const CommandCatalog& catalog);
  std::optional<std::string> apply_category_rule(std::string_view rule, const CommandCatalog& catalog);
  // Redis's ACLChangeSelectorPerm: a command and all of its subcommands.
  void set_command(CommandId id, bool allow, const CommandCatalog& catalog);
  void set_all_commands(bool allow);
  void reset();

  std::string name_;
  bool enabled_ = false;
  bool nopass_ = false;
  std::vector<Sha256Digest> passwords_;
  bool all_commands_ = false;
  std::vector<bool> allowed_;  // by CommandId
  bool all_channels_ = false;
  std::vector<std::string> channels_;
  // Only so that "~x" after "allkeys" fails as in Redis; ringcast has no keys.
  bool all_keys_ = false;
};

}  // namespace ringcast::acl
