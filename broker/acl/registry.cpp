// Builds the users from the config and answers AUTH and permission questions.
#include "acl/registry.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>

#include "acl/replies.h"
#include "config.h"

namespace ringcast::acl {
namespace {

User make_default_user(const CommandCatalog& catalog) {
  User user("default", catalog);
  // Redis's ACLInitDefaultUser; these rules cannot fail.
  static constexpr std::string_view kRules[] = {"+@all", "~*", "&*", "on", "nopass"};
  (void)user.apply(std::span<const std::string_view>(kRules), catalog);
  return user;
}

std::string config_location(const config::Config& config, int line) {
  std::string where = config.source.empty() ? std::string("config") : config.source;
  if (line > 0) where += ":" + std::to_string(line);
  return where;
}

}  // namespace

std::string noperm_command_error(std::string_view fullname) {
  std::string text = "NOPERM this user has no permissions to run the '";
  text.append(fullname).append("' command");
  return text;
}

Registry::Registry(CommandCatalog catalog) : catalog_(std::move(catalog)), unknown_user_("", catalog_) {
  users_.push_back(std::make_unique<User>(make_default_user(catalog_)));
  // Never authenticates anyone (authenticate() checks the user exists first).
  (void)unknown_user_.apply(std::string_view(">password of no user"), catalog_);
}

namespace {

// A config error must not put a password in the log: a rule that sets,
// removes or hashes one, or a bare word (perhaps a password missing its
// '>'), is named by its position instead of quoted.
std::string without_secrets(std::string_view rule, size_t index, const std::string& error) {
  const std::string quoted = "Error in ACL SETUSER modifier '" + std::string(rule) + "': ";
  const std::string_view reason = std::string_view(error).substr(error.starts_with(quoted) ? quoted.size() : 0);
  const bool secret = !rule.empty() && (rule[0] == '>' || rule[0] == '<' || rule[0] == '#' || rule[0] == '!');
  if (!secret && reason != "Syntax error") return error;
  return "Error in ACL SETUSER modifier #" + std::to_string(index + 1) +
         " (not shown: it may hold a password): " + std::string(reason);
}

}  // namespace

Registry Registry::from_config(const config::Config& config, CommandCatalog catalog) {
  Registry registry(std::move(catalog));
  const CommandCatalog& cat = registry.catalog_;
  User& default_user = *registry.users_.front();
  if (!config.requirepass.empty()) {
    // Redis's ACLUpdateDefaultUserPassword: resetpass, then >password.
    const std::string rules[] = {"resetpass", ">" + config.requirepass};
    (void)default_user.apply(std::span<const std::string>(rules), cat);
  }
  for (const config::UserRules& entry : config.users) {
    User* user = nullptr;
    if (entry.name == "default") {
      // As a `user default ...` line in redis.conf: start over from reset.
      user = &default_user;
      (void)user->apply(std::string_view("reset"), cat);
    } else {
      registry.users_.push_back(std::make_unique<User>(entry.name, cat));
      user = registry.users_.back().get();
    }
    for (size_t i = 0; i < entry.rules.size(); ++i) {
      if (auto error = user->apply(std::string_view(entry.rules[i]), cat)) {
        throw config::ConfigError(config_location(config, entry.line) + ": users." + entry.name + ": " +
                                  without_secrets(entry.rules[i], i, *error));
      }
    }
  }
  return registry;
}

const User* Registry::find(std::string_view name) const {
  for (const auto& user : users_) {
    if (user->name() == name) return user.get();
  }
  return nullptr;
}

bool Registry::starts_authenticated() const {
  const User& user = default_user();
  return user.enabled() && user.nopass();
}

const User* Registry::authenticate(std::string_view username, std::string_view password) const {
  const User* user = find(username);
  // The password is hashed and compared whatever the user, so that the reply
  // takes as long for a user that does not exist (or is off) as for a wrong
  // password: its timing does not tell which user names exist.
  const bool matches = user != nullptr ? user->password_matches(password) : unknown_user_.password_matches(password);
  if (user == nullptr || !user->enabled() || !matches) return nullptr;
  return user;
}

AuthResult Registry::auth_command(std::span<const std::string_view> args) const {
  if (args.size() > 3) return {nullptr, kAuthSyntaxError};
  if (args.size() == 2) {
    // Redis keeps the old one-argument behaviour: an error when no password is set.
    if (default_user().nopass()) return {nullptr, kAuthWithoutPasswordError};
    const User* user = authenticate("default", args[1]);
    return user != nullptr ? AuthResult{user, {}} : AuthResult{nullptr, kWrongPassError};
  }
  if (args.size() == 3) {
    const User* user = authenticate(args[1], args[2]);
    return user != nullptr ? AuthResult{user, {}} : AuthResult{nullptr, kWrongPassError};
  }
  return {nullptr, kAuthSyntaxError};  // arity guards this; never a crash
}

Verdict Registry::check(const User& user, CommandId command, std::span<const std::string_view> args,
                        std::string_view* denied_channel) const {
  if (!catalog_.no_auth(command) && !user.can_run(command)) return Verdict::command_denied;
  if (user.all_channels() || args.size() < 2) return Verdict::allowed;
  const auto named = args.subspan(1);
  const auto refuse = [&](std::string_view channel) {
    if (denied_channel != nullptr) *denied_channel = channel;
    return Verdict::channel_denied;
  };
  switch (catalog_.channel_args(command)) {
    case ChannelArgs::none:
      return Verdict::allowed;
    case ChannelArgs::first:
      return user.channel_allowed(named.front()) ? Verdict::allowed : refuse(named.front());
    case ChannelArgs::all:
      for (std::string_view c : named)
        if (!user.channel_allowed(c)) return refuse(c);
      return Verdict::allowed;
    case ChannelArgs::all_patterns:
      for (std::string_view p : named)
        if (!user.pattern_allowed(p)) return refuse(p);
      return Verdict::allowed;
  }
  return Verdict::allowed;
}

Verdict Registry::check(const User& user, std::string_view fullname, std::span<const std::string_view> args,
                        std::string_view* denied_channel) const {
  // The default user, unless configured otherwise: nothing to look up.
  if (user.all_commands() && user.all_channels()) return Verdict::allowed;
  const auto id = catalog_.find(fullname);
  if (!id) return user.all_commands() ? Verdict::allowed : Verdict::command_denied;
  return check(user, *id, args, denied_channel);
}

std::optional<std::string> Registry::open_access_warning(std::string_view bind_address) const {
  if (is_loopback_address(bind_address)) return std::nullopt;
  std::string others;
  for (const auto& user : users_) {
    if (user.get() == users_.front().get() || !user->enabled() || !user->nopass()) continue;
    others += (others.empty() ? "" : ", ") + user->name();
  }
  const User& fallback = default_user();
  const bool open_default = fallback.enabled() && fallback.nopass();
  if (!open_default && others.empty()) return std::nullopt;

  std::string text = "listening on " + std::string(bind_address) + ", which is not a loopback address, ";
  if (open_default) {
    text += "and the default user needs no password: anyone who can reach the port can use ringcast without AUTH";
    if (!others.empty()) text += "; users that accept any password: " + others;
    text += ". Set requirepass, or define users in the config";
  } else {
    text += "and these users accept any password: " + others + ". Give them passwords (>password or #sha256)";
  }
  return text;
}

bool is_loopback_address(std::string_view address) {
  if (address == "localhost") return true;
  const std::string text(address);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

}  // namespace ringcast::acl
