// COMMAND and its subcommands: what clients such as redis-cli ask at start-up
// to learn the server's commands, in Redis 7's reply shapes.
#include <string>
#include <vector>

#include "commands/command_docs.h"
#include "commands/handlers.h"

namespace ringcast::commands {
namespace {

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    const size_t space = s.find(' ');
    out.push_back(s.substr(0, space));
    if (space == std::string_view::npos) break;
    s.remove_prefix(space + 1);
  }
  return out;
}

void reply_info(Request& req, const CommandSpec& spec) {
  auto& r = req.reply;
  r.array(10);
  r.bulk(spec.name);
  r.integer(spec.arity);
  const auto flags = words(spec.info_flags);
  r.set(flags.size());
  for (std::string_view f : flags) r.simple(f);
  r.integer(0);  // first key: pub/sub channels are not keys here
  r.integer(0);  // last key
  r.integer(0);  // key step
  const auto categories = words(spec.acl);
  r.set(categories.size());
  for (std::string_view c : categories) r.simple(c);
  r.set(0);    // tips
  r.array(0);  // key specs
  r.array(spec.subcommands.size());
  for (const CommandSpec& sub : spec.subcommands) reply_info(req, sub);
}

void reply_docs(Request& req, const CommandSpec& spec) {
  auto& r = req.reply;
  const DocsExtra* extra = docs_extra(spec.name);
  const bool history = extra != nullptr && !extra->history.empty();
  const bool arguments = extra != nullptr && !extra->arguments.empty();
  r.map(4 + history + arguments + !spec.subcommands.empty());
  r.bulk("summary");
  r.bulk(spec.summary);
  r.bulk("since");
  r.bulk(spec.since);
  r.bulk("group");
  r.bulk(spec.group);
  r.bulk("complexity");
  r.bulk(spec.complexity);
  // In Redis's order: history, arguments, subcommands.
  if (history) {
    r.bulk("history");
    append_value(r.buffer(), extra->history, r.proto());
  }
  if (arguments) {
    r.bulk("arguments");
    append_value(r.buffer(), extra->arguments, r.proto());
  }
  if (spec.subcommands.empty()) return;
  r.bulk("subcommands");
  r.map(spec.subcommands.size());
  for (const CommandSpec& sub : spec.subcommands) {
    r.bulk(sub.name);
    reply_docs(req, sub);
  }
}

// "pubsub|numsub" style names reach subcommands, as in Redis.
const CommandSpec* find_full(std::string_view name) {
  const size_t bar = name.find('|');
  const CommandSpec* spec = find(name.substr(0, bar));
  if (spec == nullptr || bar == std::string_view::npos) return spec;
  return find_subcommand(*spec, name.substr(bar + 1));
}

}  // namespace

void command_all(Request& req) {
  const auto all = all_commands();
  req.reply.array(all.size());
  for (const CommandSpec& spec : all) reply_info(req, spec);
}

void command_count(Request& req) { req.reply.integer(int64_t(all_commands().size())); }

void command_list(Request& req) {
  if (req.args.size() != 2) {
    req.reply.error("ERR syntax error");
    return;
  }
  std::vector<std::string_view> names;
  for (const CommandSpec& spec : all_commands()) {
    names.push_back(spec.name);
    for (const CommandSpec& sub : spec.subcommands) names.push_back(sub.name);
  }
  req.reply.array(names.size());
  for (std::string_view name : names) req.reply.bulk(name);
}

void command_info(Request& req) {
  if (req.args.size() == 2) return command_all(req);
  req.reply.array(req.args.size() - 2);
  for (size_t i = 2; i < req.args.size(); ++i) {
    if (const CommandSpec* spec = find_full(req.args[i])) {
      reply_info(req, *spec);
    } else {
      req.reply.null();
    }
  }
}

void command_docs(Request& req) {
  std::vector<const CommandSpec*> specs;
  if (req.args.size() == 2) {
    for (const CommandSpec& spec : all_commands()) specs.push_back(&spec);
  } else {
    for (size_t i = 2; i < req.args.size(); ++i)
      if (const CommandSpec* spec = find_full(req.args[i])) specs.push_back(spec);
  }
  req.reply.map(specs.size());
  for (const CommandSpec* spec : specs) {
    req.reply.bulk(spec->name);
    reply_docs(req, *spec);
  }
}

void command_help(Request& req) {
  static constexpr std::string_view kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "HELP",
      "    Prints this help.",
  };
  reply_help(req, kLines);
}

}  // namespace ringcast::commands
