// Redis 7.0's ACL SETUSER rules (ACLSetUser / ACLSetSelector), applied one at a
// time to a User, with Redis's error texts.
#include <algorithm>
#include <initializer_list>

#include "acl/text.h"
#include "acl/user.h"

namespace ringcast::acl {
namespace {

// Redis's reasons, by the errno its ACLSetUser sets.
constexpr std::string_view kSyntaxError = "Syntax error";                             // EINVAL
constexpr std::string_view kUnknownName = "Unknown command or category name in ACL";  // ENOENT
constexpr std::string_view kBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";  // EBADMSG
constexpr std::string_view kNoSuchPassword =
    "The password you are trying to remove from the user does not exist";  // ENODEV
constexpr std::string_view kKeyAfterAllKeys =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. "
    "Try 'resetkeys' to start with an empty list of patterns";  // EEXIST
constexpr std::string_view kChannelAfterAllChannels =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. "
    "Try 'resetchannels' to start with an empty list of channels";                                       // EISDIR
constexpr std::string_view kSubcommandFirstArg = "Allowing first-arg of a subcommand is not supported";  // ECHILD
// ringcast's own, where Redis would accept something ringcast cannot honour.
constexpr std::string_view kCommandFirstArg =
    "Allowing first-arg of a command is not supported by ringcast; allow or deny the whole command";
constexpr std::string_view kSelectors = "Selectors are not supported by ringcast";

std::string rule_error(std::string_view rule, std::string_view reason) {
  std::string text = "Error in ACL SETUSER modifier '";
  text.append(rule).append("': ").append(reason);
  return text;
}

bool is_one_of(std::string_view rule, std::initializer_list<std::string_view> keywords) {
  return std::any_of(keywords.begin(), keywords.end(),
                     [&](std::string_view keyword) { return iequals_ascii(rule, keyword); });
}

// Redis's "%<R|W...>~pattern" flags: each of R and W at most once, then '~'.
bool key_permission_syntax_ok(std::string_view rule) {
  bool read = false, write = false;
  for (size_t i = 1; i < rule.size(); ++i) {
    const char ch = rule[i];
    if ((ch == 'R' || ch == 'r') && !read) {
      read = true;
    } else if ((ch == 'W' || ch == 'w') && !write) {
      write = true;
    } else if (ch == '~') {
      break;
    } else {
      return false;
    }
  }
  return read || write;
}

}  // namespace

std::optional<std::string> User::apply(std::span<const std::string> rules, const CommandCatalog& catalog) {
  User changed = *this;
  for (const std::string& rule : rules) {
    if (auto error = changed.apply(std::string_view(rule), catalog)) return error;
  }
  *this = std::move(changed);
  return std::nullopt;
}

std::optional<std::string> User::apply(std::span<const std::string_view> rules, const CommandCatalog& catalog) {
  User changed = *this;
  for (const std::string_view rule : rules) {
    if (auto error = changed.apply(rule, catalog)) return error;
  }
  *this = std::move(changed);
  return std::nullopt;
}

std::optional<std::string> User::apply(std::string_view rule, const CommandCatalog& catalog) {
  if (rule.empty()) return std::nullopt;  // Redis: an empty modifier does nothing
  if (iequals_ascii(rule, "on")) {
    enabled_ = true;
  } else if (iequals_ascii(rule, "off")) {
    enabled_ = false;
  } else if (is_one_of(rule, {"skip-sanitize-payload", "sanitize-payload", "clearselectors"})) {
    // Accepted for compatibility; ringcast has no RESTORE payloads and no selectors.
  } else if (iequals_ascii(rule, "nopass")) {
    nopass_ = true;
    passwords_.clear();
  } else if (iequals_ascii(rule, "resetpass")) {
    nopass_ = false;
    passwords_.clear();
  } else if (iequals_ascii(rule, "reset")) {
    reset();
  } else if (rule[0] == '>' || rule[0] == '#') {
    Sha256Digest digest;
    if (rule[0] == '>') {
      digest = sha256(rule.substr(1));
    } else if (!parse_hex_digest(rule.substr(1), digest)) {
      return rule_error(rule, kBadHash);
    }
    if (std::find(passwords_.begin(), passwords_.end(), digest) == passwords_.end()) passwords_.push_back(digest);
    nopass_ = false;
  } else if (rule[0] == '<' || rule[0] == '!') {
    Sha256Digest digest;
    if (rule[0] == '<') {
      digest = sha256(rule.substr(1));
    } else if (!parse_hex_digest(rule.substr(1), digest)) {
      return rule_error(rule, kBadHash);
    }
    const auto found = std::find(passwords_.begin(), passwords_.end(), digest);
    if (found == passwords_.end()) return rule_error(rule, kNoSuchPassword);
    passwords_.erase(found);
    nopass_ = false;
  } else if (rule[0] == '(' && rule.back() == ')') {
    return rule_error(rule, kSelectors);
  } else {
    return apply_selector_rule(rule, catalog);
  }
  return std::nullopt;
}

// The rules Redis applies to a selector: keys, channels, commands.
std::optional<std::string> User::apply_selector_rule(std::string_view rule, const CommandCatalog& catalog) {
  if (is_one_of(rule, {"allkeys", "~*"})) {
    all_keys_ = true;
  } else if (iequals_ascii(rule, "resetkeys")) {
    all_keys_ = false;
  } else if (is_one_of(rule, {"allchannels", "&*"})) {
    all_channels_ = true;
    channels_.clear();
  } else if (iequals_ascii(rule, "resetchannels")) {
    all_channels_ = false;
    channels_.clear();
  } else if (is_one_of(rule, {"allcommands", "+@all"})) {
    set_all_commands(true);
  } else if (is_one_of(rule, {"nocommands", "-@all"})) {
    set_all_commands(false);
  } else if (rule[0] == '~' || rule[0] == '%') {
    // Key patterns: checked as Redis checks them, then ignored (no keys here).
    if (all_keys_) return rule_error(rule, kKeyAfterAllKeys);
    if (rule[0] == '%' && !key_permission_syntax_ok(rule)) return rule_error(rule, kSyntaxError);
  } else if (rule[0] == '&') {
    if (all_channels_) return rule_error(rule, kChannelAfterAllChannels);
    const std::string_view pattern = rule.substr(1);
    if (std::find(channels_.begin(), channels_.end(), pattern) == channels_.end()) channels_.emplace_back(pattern);
  } else if ((rule[0] == '+' || rule[0] == '-') && rule.size() >= 2 && rule[1] == '@') {
    return apply_category_rule(rule, catalog);
  } else if (rule[0] == '+' || rule[0] == '-') {
    return apply_command_rule(rule, catalog);
  } else {
    return rule_error(rule, kSyntaxError);
  }
  return std::nullopt;
}

// +cmd, -cmd, +cmd|sub, -cmd|sub.
std::optional<std::string> User::apply_command_rule(std::string_view rule, const CommandCatalog& catalog) {
  const bool allow = rule[0] == '+';
  const std::string name = to_lower_ascii(rule.substr(1));
  const size_t bar = name.rfind('|');
  if (!allow || bar == std::string::npos) {
    // Denying takes an exact name: "client" or "client|list".
    const auto id = catalog.find(name);
    if (!id) return rule_error(rule, kUnknownName);
    set_command(*id, allow, catalog);
    return std::nullopt;
  }
  // Allowing splits at the last '|', as Redis does: "client|list|x" asks for
  // a first argument of the subcommand client|list.
  const auto base = catalog.find(std::string_view(name).substr(0, bar));
  if (!base) return rule_error(rule, kUnknownName);
  if (catalog.parent(*base)) return rule_error(rule, kSubcommandFirstArg);
  if (bar + 1 == name.size()) return rule_error(rule, kSyntaxError);
  if (catalog.subcommands(*base).empty()) return rule_error(rule, kCommandFirstArg);
  const auto sub = catalog.find(name);
  if (!sub) return rule_error(rule, kUnknownName);
  set_command(*sub, true, catalog);
  return std::nullopt;
}

// +@category, -@category: every command of the category, and with a
// container command all of its subcommands (Redis's
// ACLSetSelectorCommandBitsForCategory).
std::optional<std::string> User::apply_category_rule(std::string_view rule, const CommandCatalog& catalog) {
  const auto bit = category_bit(rule.substr(2));
  if (!bit) return rule_error(rule, kUnknownName);
  const bool allow = rule[0] == '+';
  for (CommandId id = 0; id < catalog.size(); ++id) {
    if (catalog.categories(id) & *bit) set_command(id, allow, catalog);
  }
  return std::nullopt;
}

}  // namespace ringcast::acl
