// The users of one server, built from the config at start-up and read-only
// afterwards: authentication (AUTH, HELLO AUTH) and the permission check of
// each request, with Redis 7's semantics.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "acl/command_catalog.h"
#include "acl/user.h"

namespace ringcast::config {
struct Config;
}

namespace ringcast::acl {

// Outcome of AUTH: the user to switch to, or the error to reply (and the
// connection keeps its current user and authentication).
struct AuthResult {
  const User* user = nullptr;
  std::string_view error;  // one of the constants of replies.h; empty on success
};

enum class Verdict : uint8_t {
  allowed,
  command_denied,  // reply noperm_command_error(fullname)
  channel_denied,  // reply kNoPermChannelError
};

class Registry {
 public:
  // Only the default user, as Redis starts: on nopass +@all allchannels.
  explicit Registry(CommandCatalog catalog);
  Registry(Registry&&) = default;
  Registry& operator=(Registry&&) = default;

  // requirepass (the default user's password) and the users: of `config`.
  // Throws config::ConfigError "<file>:<line>: users.<name>: <Redis's error>"
  // for a rule that does not parse.
  static Registry from_config(const config::Config& config, CommandCatalog catalog);

  const CommandCatalog& catalog() const { return catalog_; }
  const User& default_user() const { return *users_.front(); }
  // By exact name (Redis user names are case-sensitive); null when unknown.
  // Users live as long as the registry and never move.
  const User* find(std::string_view name) const;
  std::span<const std::unique_ptr<User>> users() const { return users_; }

  // Redis: a new connection is authenticated, as the default user, only when
  // that user is on and nopass. Otherwise it gets kNoAuthError for anything
  // but allowed_before_auth() commands until AUTH or HELLO AUTH succeeds.
  bool starts_authenticated() const;

  // AUTH <user> <password> and HELLO ... AUTH <user> <password>: the user, or
  // null for kWrongPassError (unknown user, disabled user, wrong password).
  const User* authenticate(std::string_view username, std::string_view password) const;
  // The whole AUTH command, args as received (args[0] is "AUTH"; at least 2,
  // the arity check comes first): one argument is the default user's password
  // (kAuthWithoutPasswordError when that user is nopass), two are user and
  // password, more are kAuthSyntaxError.
  AuthResult auth_command(std::span<const std::string_view> args) const;

  // Redis's permission check of one request, after the command was found,
  // its arity checked and authentication required: the command (AUTH, HELLO,
  // QUIT, RESET always pass), then every channel it names, all or nothing.
  // On channel_denied, `denied_channel` (when given) is the first refused one.
  Verdict check(const User& user, CommandId command, std::span<const std::string_view> args,
                std::string_view* denied_channel = nullptr) const;
  // Same by full name ("publish", "client|list"); a name the catalog lacks is
  // command_denied unless the user has all commands.
  Verdict check(const User& user, std::string_view fullname, std::span<const std::string_view> args,
                std::string_view* denied_channel = nullptr) const;

  // The warning to log at start-up when listening on `bind_address`, not a
  // loopback address, while the default user (or any other enabled user)
  // accepts any password; nullopt when there is nothing to warn about.
  std::optional<std::string> open_access_warning(std::string_view bind_address) const;

 private:
  CommandCatalog catalog_;
  std::vector<std::unique_ptr<User>> users_;  // users_[0] is "default"
  // Stands in for a user name nobody has: one password digest to compare
  // against, so an unknown user costs what a known one does.
  User unknown_user_;
};

// 127.0.0.0/8, ::1, ::ffff:127.x.x.x and "localhost".
bool is_loopback_address(std::string_view address);

}  // namespace ringcast::acl
