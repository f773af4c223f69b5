// ACL LOG, WHOAMI and HELP, as Redis 7.0.15 replies them. Users come from the
// config (reloaded on SIGHUP), so the subcommands that edit them are absent.
#include <fmt/format.h>

#include <charconv>
#include <limits>

#include "commands/handlers.h"

namespace ringcast::commands {

void log_denial(Request& req, acl::Denial reason, std::string_view object, std::string_view username) {
  acl::AccessLogEntry entry;
  entry.reason = reason;
  entry.context = "toplevel";
  entry.object = object;
  entry.username = username;
  entry.client_info = client_info_text(req);
  req.broker.access_log().add(std::move(entry), req.broker.now_ms());
}

void acl_log(Request& req) {
  if (req.args.size() > 3) return reply_subcommand_syntax_error(req);
  size_t count = 10;  // Redis's default
  if (req.args.size() == 3) {
    const std::string_view arg = req.args[2];
    if (iequals(arg, "reset")) {
      req.broker.access_log().reset();
      req.reply.ok();
      return;
    }
    int64_t n = 0;
    const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), n);
    if (ec != std::errc() || end != arg.data() + arg.size() || arg.empty()) {
      req.reply.error("ERR value is not an integer or out of range");
      return;
    }
    count = n < 0 ? 0 : size_t(n);  // Redis answers a negative count with no entries
  }
  const std::vector<acl::AccessLogEntry> entries = req.broker.access_log().newest(count);
  const int64_t now = req.broker.now_ms();
  req.reply.array(entries.size());
  for (const acl::AccessLogEntry& e : entries) {
    req.reply.map(7);
    req.reply.bulk("count");
    req.reply.integer(int64_t(e.count));
    req.reply.bulk("reason");
    req.reply.bulk(acl::reason_name(e.reason));
    req.reply.bulk("context");
    req.reply.bulk(e.context);
    req.reply.bulk("object");
    req.reply.bulk(e.object);
    req.reply.bulk("username");
    req.reply.bulk(e.username);
    req.reply.bulk("age-seconds");
    req.reply.double_value(double(now - e.created_ms) / 1000.0);
    req.reply.bulk("client-info");
    req.reply.bulk(e.client_info);
  }
}

void acl_whoami(Request& req) { req.reply.bulk(req.conn.user != nullptr ? req.conn.user->name() : "default"); }

void acl_help(Request& req) {
  static constexpr std::string_view kLines[] = {
      "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "WHOAMI",
      "    Return the current connection username.",
      "HELP",
      "    Prints this help.",
  };
  reply_help(req, kLines);
}

}  // namespace ringcast::commands
