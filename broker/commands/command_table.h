// The commands ringcast answers to: name, arity, flags, handler, and the
// metadata COMMAND reports. One place to look up what the server does.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "acl/command_catalog.h"
#include "commands/broker.h"
#include "conn/connection.h"
#include "resp/reply.h"

namespace ringcast::commands {

// What a handler gets: the connection, its arguments (args[0] is the command
// name as typed) and a writer that appends to the connection's output.
struct Request {
  Broker& broker;
  Connection& conn;
  std::span<const std::string_view> args;
  resp::ReplyWriter reply;
};

using Handler = void (*)(Request&);

enum Flags : uint32_t {
  kSubscribedContext = 1u << 0,  // allowed to a RESP2 client in subscribed mode
};

struct CommandSpec {
  std::string_view name;  // lower case; subcommands are "parent|sub"
  int arity;              // Redis convention: n exact, -n at least n (command name included)
  uint32_t flags;
  Handler handler;        // null for a container invoked without its subcommand
  // For COMMAND INFO / DOCS:
  std::string_view info_flags;  // space-separated, e.g. "pubsub loading stale fast"
  std::string_view acl;         // space-separated, e.g. "@pubsub @fast"
  std::string_view summary;
  std::string_view since;
  std::string_view group;
  std::string_view complexity;
  std::span<const CommandSpec> subcommands;
};

// Every top-level command.
std::span<const CommandSpec> all_commands();
// The command table as ACL rules see it (names and categories).
acl::CommandCatalog acl_catalog();
// Case-insensitive lookup of a top-level command, or of a subcommand of `parent`.
const CommandSpec* find(std::string_view name);
const CommandSpec* find_subcommand(const CommandSpec& parent, std::string_view name);

// Runs one request: checks arity and subscribed mode exactly as Redis 7 does
// (same order, same error texts), then calls the handler.
void execute(Broker& broker, Connection& conn, std::span<const std::string_view> args);

// A writer for a reply to `c`: into its output, or nowhere while CLIENT
// REPLY silences the command being run (also for replies written after a
// cross-shard round trip, which run before its next command).
resp::ReplyWriter reply_writer(Connection& c);

// An error reply whose text may quote client input: CR and LF become spaces,
// as Redis's addReplyErrorFormat does, so the reply stays one line.
void reply_error_line(Request& req, std::string msg);
// Redis's "-ERR wrong number of arguments for 'x' command".
void reply_arity_error(Request& req, std::string_view fullname);
// Redis's "-ERR unknown subcommand or wrong number of arguments for 'x'. Try Y HELP."
void reply_subcommand_syntax_error(Request& req);
// A HELP subcommand's reply: one simple string per line, as Redis sends it.
void reply_help(Request& req, std::span<const std::string_view> lines);
// Case-insensitive ASCII equality.
bool iequals(std::string_view a, std::string_view b);

}  // namespace ringcast::commands
