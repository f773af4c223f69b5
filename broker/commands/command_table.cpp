// The command table and the dispatch checks every request goes through.
#include "commands/command_table.h"

#include <array>
#include <cctype>
#include <string>
#include <unordered_map>
#include <vector>

#include "acl/registry.h"
#include "acl/replies.h"
#include "acl/text.h"
#include "commands/handlers.h"

namespace ringcast::commands {
namespace {

constexpr uint32_t kSub = kSubscribedContext;
constexpr std::string_view kPubsubFlags = "pubsub noscript loading stale";
constexpr std::string_view kConnFlags = "noscript loading stale fast no_auth allow_busy";

const CommandSpec kPubsubSubcommands[] = {
    {"pubsub|channels", -2, 0, pubsub_channels, "pubsub loading stale", "@pubsub @slow",
     "List active channels", "2.8.0", "pubsub",
     "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short "
     "channels and patterns)",
     {}},
    {"pubsub|numsub", -2, 0, pubsub_numsub, "pubsub loading stale", "@pubsub @slow",
     "Get the count of subscribers for channels", "2.8.0", "pubsub",
     "O(N) for the NUMSUB subcommand, where N is the number of requested channels", {}},
    {"pubsub|numpat", 2, 0, pubsub_numpat, "pubsub loading stale", "@pubsub @slow",
     "Get the count of unique patterns pattern subscriptions", "2.8.0", "pubsub", "O(1)", {}},
    {"pubsub|shardchannels", -2, 0, pubsub_shardchannels, "pubsub loading stale", "@pubsub @slow",
     "List active shard channels", "7.0.0", "pubsub",
     "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively "
     "short shard channels).",
     {}},
    {"pubsub|shardnumsub", -2, 0, pubsub_shardnumsub, "pubsub loading stale", "@pubsub @slow",
     "Get the count of subscribers for shard channels", "7.0.0", "pubsub",
     "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels", {}},
    {"pubsub|help", 2, 0, pubsub_help, "loading stale", "@slow", "Show helpful text about the different subcommands",
     "6.2.0", "pubsub", "O(1)", {}},
};

const CommandSpec kAclSubcommands[] = {
    {"acl|log", -2, 0, acl_log, "admin noscript loading stale", "@admin @slow @dangerous",
     "List latest events denied because of ACLs in place", "6.0.0", "server",
     "O(N) with N being the number of entries shown.", {}},
    {"acl|whoami", 2, 0, acl_whoami, "noscript loading stale", "@slow",
     "Return the name of the user associated to the current connection", "6.0.0", "server", "O(1)", {}},
    {"acl|help", 2, 0, acl_help, "loading stale", "@slow", "Show helpful text about the different subcommands",
     "6.0.0", "server", "O(1)", {}},
};

const CommandSpec kClientSubcommands[] = {
    {"client|id", 2, 0, client_id, "noscript loading stale", "@slow @connection",
     "Returns the client ID for the current connection", "5.0.0", "connection", "O(1)", {}},
    {"client|setname", 3, 0, client_setname, "noscript loading stale", "@slow @connection",
     "Set the current connection name", "2.6.9", "connection", "O(1)", {}},
    {"client|getname", 2, 0, client_getname, "noscript loading stale", "@slow @connection",
     "Get the current connection name", "2.6.9", "connection", "O(1)", {}},
    {"client|info", 2, 0, client_info, "noscript loading stale", "@slow @connection",
     "Returns information about the current client connection.", "6.2.0", "connection", "O(1)", {}},
    {"client|list", -2, 0, client_list, "admin noscript loading stale", "@admin @slow @dangerous @connection",
     "Get the list of client connections", "2.4.0", "connection", "O(N) where N is the number of client connections",
     {}},
    {"client|kill", -3, 0, client_kill, "admin noscript loading stale", "@admin @slow @dangerous @connection",
     "Kill the connection of a client", "2.4.0", "connection", "O(N) where N is the number of client connections",
     {}},
    {"client|reply", 3, 0, client_reply, "noscript loading stale", "@slow @connection",
     "Instruct the server whether to reply to commands", "3.2.0", "connection", "O(1)", {}},
    // ringcast's own: not in Redis.
    {"client|no-echo", 3, 0, client_no_echo, "noscript loading stale", "@slow @connection",
     "Do not deliver to the current connection the messages it publishes itself", "0.1.0", "connection", "O(1)",
     {}},
    {"client|help", 2, 0, client_help, "loading stale", "@slow @connection",
     "Show helpful text about the different subcommands", "5.0.0", "connection", "O(1)", {}},
};

const CommandSpec kCommandSubcommands[] = {
    {"command|count", 2, 0, command_count, "loading stale", "@slow @connection", "Get total number of Redis commands",
     "2.8.13", "server", "O(1)", {}},
    {"command|list", -2, 0, command_list, "loading stale", "@slow @connection",
     "Get an array of Redis command names", "7.0.0", "server", "O(N) where N is the total number of Redis commands",
     {}},
    {"command|info", -2, 0, command_info, "loading stale", "@slow @connection",
     "Get array of specific Redis command details, or all when no argument is given.", "2.8.13", "server",
     "O(N) where N is the number of commands to look up", {}},
    {"command|docs", -2, 0, command_docs, "loading stale", "@slow @connection",
     "Get array of specific Redis command documentation", "7.0.0", "server",
     "O(N) where N is the number of commands to look up", {}},
    {"command|help", 2, 0, command_help, "loading stale", "@slow @connection",
     "Show helpful text about the different subcommands", "5.0.0", "server", "O(1)", {}},
};

const CommandSpec kCommands[] = {
    {"subscribe", -2, kSub, subscribe, kPubsubFlags, "@pubsub @slow",
     "Listen for messages published to the given channels", "2.0.0", "pubsub",
     "O(N) where N is the number of channels to subscribe to.", {}},
    {"unsubscribe", -1, kSub, unsubscribe, kPubsubFlags, "@pubsub @slow",
     "Stop listening for messages posted to the given channels", "2.0.0", "pubsub",
     "O(N) where N is the number of clients already subscribed to a channel.", {}},
    {"psubscribe", -2, kSub, psubscribe, kPubsubFlags, "@pubsub @slow",
     "Listen for messages published to channels matching the given patterns", "2.0.0", "pubsub",
     "O(N) where N is the number of patterns the client is already subscribed to.", {}},
    {"punsubscribe", -1, kSub, punsubscribe, kPubsubFlags, "@pubsub @slow",
     "Stop listening for messages posted to channels matching the given patterns", "2.0.0", "pubsub",
     "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total "
     "patterns subscribed in the system (by any client).",
     {}},
    {"ssubscribe", -2, kSub, ssubscribe, kPubsubFlags, "@pubsub @slow",
     "Listen for messages published to the given shard channels", "7.0.0", "pubsub",
     "O(N) where N is the number of shard channels to subscribe to.", {}},
    {"sunsubscribe", -1, kSub, sunsubscribe, kPubsubFlags, "@pubsub @slow",
     "Stop listening for messages posted to the given shard channels", "7.0.0", "pubsub",
     "O(N) where N is the number of clients already subscribed to a shard channel.", {}},
    {"publish", 3, 0, publish, "pubsub loading stale fast", "@pubsub @fast", "Post a message to a channel", "2.0.0",
     "pubsub",
     "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of "
     "subscribed patterns (by any client).",
     {}},
    {"spublish", 3, 0, spublish, "pubsub loading stale fast", "@pubsub @fast", "Post a message to a shard channel",
     "7.0.0", "pubsub", "O(N) where N is the number of clients subscribed to the receiving shard channel.", {}},
    // ringcast's own, after Apache Kvrocks's: not in Redis.
    {"mpublish", -3, 0, mpublish, "pubsub loading stale fast", "@pubsub @fast",
     "Post several messages to a channel, in order", "0.1.0", "pubsub",
     "O(N*(M+P)) where N is the number of messages, M the number of clients subscribed to the receiving channel "
     "and P the total number of subscribed patterns (by any client).",
     {}},
    {"history", -2, 0, history, "pubsub loading stale", "@pubsub @slow",
     "Get the retained messages of a channel that keeps history", "0.1.0", "pubsub",
     "O(N) where N is the number of messages returned", {}},
    {"resume", 4, kSub, resume, kPubsubFlags, "@pubsub @slow",
     "Replay what a client missed on a channel that keeps history, and subscribe to it", "0.1.0", "pubsub",
     "O(N) where N is the number of messages replayed", {}},
    {"pubsub", -2, 0, nullptr, "", "@slow", "A container for Pub/Sub commands", "2.8.0", "pubsub",
     "Depends on subcommand.", kPubsubSubcommands},
    {"ping", -1, kSub, ping, "fast", "@fast @connection", "Ping the server", "1.0.0", "connection", "O(1)", {}},
    {"echo", 2, 0, echo, "loading stale fast", "@fast @connection", "Echo the given string", "1.0.0", "connection",
     "O(1)", {}},
    {"auth", -2, 0, auth, kConnFlags, "@fast @connection", "Authenticate to the server", "1.0.0", "connection",
     "O(N) where N is the number of passwords defined for the user", {}},
    {"hello", -1, 0, hello, kConnFlags, "@fast @connection", "Handshake with Redis", "6.0.0", "connection", "O(1)",
     {}},
    {"reset", 1, kSub, reset, kConnFlags, "@fast @connection", "Reset the connection", "6.2.0", "connection", "O(1)",
     {}},
    {"quit", -1, kSub, quit, kConnFlags, "@fast @connection", "Close the connection", "1.0.0", "connection", "O(1)",
     {}},
    {"select", 2, 0, select, "loading stale fast", "@fast @connection",
     "Change the selected database for the current connection", "1.0.0", "connection", "O(1)", {}},
    {"client", -2, 0, nullptr, "", "@slow", "A container for client connection commands", "2.4.0", "connection",
     "Depends on subcommand.", kClientSubcommands},
    {"command", -1, 0, command_all, "loading stale", "@slow @connection", "Get array of Redis command details",
     "2.8.13", "server", "O(N) where N is the total number of Redis commands", kCommandSubcommands},
    {"info", -1, 0, info, "loading stale", "@slow @dangerous", "Get information and statistics about the server",
     "1.0.0", "server", "O(1)", {}},
    {"acl", -2, 0, nullptr, "", "@slow", "A container for Access List Control commands ", "6.0.0", "server",
     "Depends on subcommand.", kAclSubcommands},
};

// Lower-cases into `buf`; false when the name is too long to be a command.
bool lower(std::string_view in, std::array<char, 32>& buf, std::string_view& out) {
  if (in.size() > buf.size()) return false;
  for (size_t i = 0; i < in.size(); ++i) buf[i] = acl::lower_ascii(in[i]);
  out = {buf.data(), in.size()};
  return true;
}

const std::unordered_map<std::string_view, const CommandSpec*>& top_level_index() {
  static const auto index = [] {
    std::unordered_map<std::string_view, const CommandSpec*> m;
    for (const CommandSpec& spec : kCommands) m.emplace(spec.name, &spec);
    return m;
  }();
  return index;
}

// Redis prints arguments with %s, so they end at a NUL byte, and replaces
// CR/LF in error texts with spaces to keep the protocol intact.
std::string c_string(std::string_view s, size_t max) {
  std::string out(s.substr(0, std::min(max, s.size())));
  if (size_t nul = out.find('\0'); nul != std::string::npos) out.resize(nul);
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = char(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

std::span<const CommandSpec> all_commands() { return kCommands; }

void reply_error_line(Request& req, std::string msg) {
  for (char& ch : msg)
    if (ch == '\r' || ch == '\n') ch = ' ';
  req.reply.error(msg);
}

acl::CommandCatalog acl_catalog() {
  std::vector<acl::CommandEntry> entries;
  for (const CommandSpec& spec : kCommands) {
    entries.push_back({spec.name, spec.acl});
    for (const CommandSpec& sub : spec.subcommands) entries.push_back({sub.name, sub.acl});
  }
  return acl::CommandCatalog(entries);
}

bool iequals(std::string_view a, std::string_view b) { return acl::iequals_ascii(a, b); }

const CommandSpec* find(std::string_view name) {
  std::array<char, 32> buf;
  std::string_view key;
  if (!lower(name, buf, key)) return nullptr;
  const auto& index = top_level_index();
  auto it = index.find(key);
  return it == index.end() ? nullptr : it->second;
}

const CommandSpec* find_subcommand(const CommandSpec& parent, std::string_view name) {
  for (const CommandSpec& sub : parent.subcommands) {
    std::string_view short_name = sub.name.substr(sub.name.find('|') + 1);
    if (iequals(short_name, name)) return &sub;
  }
  return nullptr;
}

void reply_arity_error(Request& req, std::string_view fullname) {
  reply_error_line(req, "ERR wrong number of arguments for '" + std::string(fullname) + "' command");
}

void reply_subcommand_syntax_error(Request& req) {
  reply_error_line(req, "ERR unknown subcommand or wrong number of arguments for '" + c_string(req.args[1], 128) +
                            "'. Try " + upper(req.args[0]) + " HELP.");
}

resp::ReplyWriter reply_writer(Connection& c) {
  if (!c.replies_silenced) return resp::ReplyWriter(c.out.reply_bytes(), c.proto);
  // Replies nobody will read; kept per thread, and let go of when one was large.
  thread_local std::string sink;
  if (sink.capacity() > 64 * 1024) sink = std::string();
  sink.clear();
  return resp::ReplyWriter(sink, c.proto);
}

void reply_help(Request& req, std::span<const std::string_view> lines) {
  req.reply.array(lines.size());
  for (std::string_view line : lines) req.reply.simple(line);
}

void execute(Broker& broker, Connection& conn, std::span<const std::string_view> args) {
  // CLIENT REPLY: SKIP covers this command whatever it is (even one
  // rejected below), as Redis's resetClient turns SKIP_NEXT into SKIP.
  conn.replies_silenced = conn.reply_off || conn.reply_skip_next;
  conn.reply_skip_next = false;
  Request req{broker, conn, args, reply_writer(conn)};
  const CommandSpec* spec = find(args[0]);
  if (spec == nullptr) {
    std::string shown;
    for (size_t i = 1; i < args.size() && shown.size() < 128; ++i)
      shown += "'" + c_string(args[i], 128 - shown.size()) + "' ";
    reply_error_line(req, "ERR unknown command '" + c_string(args[0], 128) + "', with args beginning with: " + shown);
    return;
  }
  if (!spec->subcommands.empty() && args.size() >= 2) {
    const CommandSpec* sub = find_subcommand(*spec, args[1]);
    if (sub == nullptr) {
      reply_error_line(req, "ERR unknown subcommand '" + c_string(args[1], 128) + "'. Try " + upper(args[0]) +
                                " HELP.");
      return;
    }
    spec = sub;
  }
  // Redis names the command in CLIENT INFO (and so in ACL LOG) even when it
  // is then refused.
  conn.last_command = spec->name;
  const int argc = int(args.size());
  if ((spec->arity > 0 && argc != spec->arity) || argc < -spec->arity || spec->handler == nullptr) {
    reply_arity_error(req, spec->name);
    return;
  }
  // Then authentication and permissions, in Redis 7's order.
  if (!conn.authenticated && !acl::allowed_before_auth(args[0])) {
    req.reply.error(acl::kNoAuthError);
    return;
  }
  std::string_view denied_channel;
  switch (broker.acl().check(*conn.user, spec->name, args, &denied_channel)) {
    case acl::Verdict::allowed: break;
    case acl::Verdict::command_denied:
      log_denial(req, acl::Denial::command, spec->name, conn.user->name());
      req.reply.error(acl::noperm_command_error(spec->name));
      return;
    case acl::Verdict::channel_denied:
      log_denial(req, acl::Denial::channel, denied_channel, conn.user->name());
      req.reply.error(acl::kNoPermChannelError);
      return;
  }
  if (conn.proto == 2 && conn.subscribed() && !(spec->flags & kSubscribedContext)) {
    reply_error_line(req, "ERR Can't execute '" + std::string(spec->name) +
                              "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
                              "context");
    return;
  }
  spec->handler(req);
}

}  // namespace ringcast::commands
