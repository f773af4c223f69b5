// SUBSCRIBE and friends, PUBLISH, SPUBLISH and PUBSUB: Redis 7 replies byte for byte.
#include <sstream>
#include <string>
#include <vector>

#include "commands/handlers.h"

namespace ringcast::commands {
namespace {

using pubsub::Kind;

// Redis's addReplyPubsub(Un)Subscribed: [kind, name or null, count] as a
// RESP2 array or a RESP3 push.
void confirm(resp::ReplyWriter& out, std::string_view verb, const std::string_view* name, size_t count) {
  out.push(3);
  out.bulk(verb);
  if (name) {
    out.bulk(*name);
  } else {
    out.null();
  }
  out.integer(int64_t(count));
}

// Where confirmations go: straight to the client's output (they are not
// command replies, so CLIENT REPLY leaves them alone), or into `staged`
// when they must wait for the other shards or nodes.
resp::ReplyWriter confirmation_writer(Connection& c, bool at_once, std::string& staged) {
  return resp::ReplyWriter(at_once ? c.out.reply_bytes() : staged, c.proto);
}

// limits.max_subscriptions: a command that would pass it subscribes to nothing.
bool within_subscription_limit(Request& req, Kind kind) {
  const uint32_t max = req.broker.settings().max_subscriptions;
  if (max == 0) return true;
  const Connection& c = req.conn;
  size_t total = c.channels.size() + c.patterns.size() + c.shard_channels.size() + c.resumed.size();
  NameSet fresh;
  for (size_t i = 1; i < req.args.size(); ++i)
    if (!req.conn.subscriptions(kind).contains(req.args[i])) fresh.emplace(req.args[i]);
  total += fresh.size();
  if (total <= max) return true;
  req.reply.error("ERR max number of subscriptions per client reached (" + std::to_string(max) + ")");
  return false;
}

// Patterns past kMaxPatternLength are refused before anything is subscribed:
// they bound the glob work of every later publish.
bool patterns_within_length(Request& req, size_t first) {
  for (size_t i = first; i < req.args.size(); ++i) {
    if (req.args[i].size() > pubsub::kMaxPatternLength) {
      req.reply.error("ERR pattern too long: over " + std::to_string(pubsub::kMaxPatternLength) + " bytes");
      return false;
    }
  }
  return true;
}

void subscribe_all(Request& req, Kind kind, std::string_view verb) {
  if (kind == Kind::Pattern && !patterns_within_length(req, 1)) return;
  if (!within_subscription_limit(req, kind)) return;
  // Confirmed once visible to every publisher (on every node, in a cluster).
  Connection& c = req.conn;
  const bool at_once = req.broker.confirms_subscriptions_at_once();
  std::string staged;
  for (size_t i = 1; i < req.args.size(); ++i) {
    req.broker.subscribe(c, kind, req.args[i]);
    resp::ReplyWriter out = confirmation_writer(c, at_once, staged);
    confirm(out, verb, &req.args[i], c.subscription_count(kind));
  }
  if (!at_once) req.broker.confirm_subscribed(c, std::move(staged));
}

void unsubscribe_all(Request& req, Kind kind, std::string_view verb) {
  Connection& c = req.conn;
  // Named ones are viewed in the request; "all of them" are copied first,
  // since the sets change as they end. Handlers never nest: thread_local
  // scratch is theirs for the call.
  thread_local std::vector<std::string> every;
  thread_local std::vector<std::string_view> names;
  thread_local std::vector<size_t> counts;
  every.clear();
  names.clear();
  counts.clear();
  if (req.args.size() > 1) {
    names.assign(req.args.begin() + 1, req.args.end());
  } else {
    const NameSet& mine = c.subscriptions(kind);
    every.assign(mine.begin(), mine.end());
    // RESUME subscriptions end with the channels.
    if (kind == Kind::Channel)
      for (const std::string& name : c.resumed)
        if (!mine.contains(name)) every.push_back(name);
    names.assign(every.begin(), every.end());
  }
  // Each confirmation carries the count after its own removal.
  bool ended_any = false;
  for (std::string_view name : names) {
    ended_any |= req.broker.unsubscribe(c, kind, name);
    counts.push_back(c.subscription_count(kind));
  }
  // Sent only once every message PUBLISH counted for these subscriptions
  // has reached the client: at once when none can still be on its way.
  const bool at_once = !ended_any || req.broker.unsubscribed_settled(c);
  std::string staged;
  resp::ReplyWriter out = confirmation_writer(c, at_once, staged);
  for (size_t i = 0; i < names.size(); ++i) confirm(out, verb, &names[i], counts[i]);
  if (names.empty()) confirm(out, verb, nullptr, c.subscription_count(kind));
  if (!at_once) req.broker.confirm_unsubscribed(c, std::move(staged));
}

void list_names(Request& req, Kind kind) {
  if (req.args.size() > 3) return reply_subcommand_syntax_error(req);
  if (!patterns_within_length(req, 2)) return;
  std::optional<std::string_view> pattern;
  if (req.args.size() == 3) pattern = req.args[2];
  const std::vector<std::string> names = req.broker.directory().names(kind, pattern);
  req.reply.array(names.size());
  for (const std::string& name : names) req.reply.bulk(name);
}

void reply_counts(resp::ReplyWriter& reply, const std::vector<std::string>& names, const std::vector<int64_t>& counts) {
  reply.array(names.size() * 2);
  for (size_t i = 0; i < names.size(); ++i) {
    reply.bulk(names[i]);
    reply.integer(counts[i]);
  }
}

// PUBSUB NUMSUB / SHARDNUMSUB. RESUME subscriptions are not in the
// directory: for history channels each shard counts its clients that have
// one (and no SUBSCRIBE of the same channel, which the directory counted).
void count_subscribers(Request& req, Kind kind) {
  const pubsub::Directory& directory = req.broker.directory();
  std::vector<std::string> names(req.args.begin() + 2, req.args.end());
  std::vector<int64_t> counts;
  bool history = false;
  for (const std::string& name : names) {
    counts.push_back(directory.subscribers(kind, name));
    history = history || (kind == Kind::Channel && req.broker.keeps_history(name));
  }
  if (!history) return reply_counts(req.reply, names, counts);
  auto count_resumers = [names](ClientScope& shard) {
    std::vector<int64_t> resumed(names.size());
    shard.for_each([&](const Connection& c) {
      if (c.resumed.empty()) return;
      for (size_t i = 0; i < names.size(); ++i)
        resumed[i] += c.resumed.contains(names[i]) && !c.channels.contains(names[i]);
    });
    std::string text;
    for (int64_t n : resumed) text += std::to_string(n) + ' ';
    return text;
  };
  auto add_and_reply = [names = std::move(names), counts = std::move(counts)](Connection& c,
                                                                            std::vector<std::string>& parts) mutable {
    for (const std::string& part : parts) {  // one "n n n " per shard, a number per name
      std::istringstream numbers(part);
      for (int64_t& count : counts) {
        int64_t n = 0;
        numbers >> n;
        count += n;
      }
    }
    resp::ReplyWriter reply = reply_writer(c);
    reply_counts(reply, names, counts);
  };
  req.broker.gather_clients(req.conn, std::move(count_resumers), std::move(add_and_reply));
}

}  // namespace

void subscribe(Request& req) { subscribe_all(req, Kind::Channel, "subscribe"); }
void unsubscribe(Request& req) { unsubscribe_all(req, Kind::Channel, "unsubscribe"); }
void psubscribe(Request& req) { subscribe_all(req, Kind::Pattern, "psubscribe"); }
void punsubscribe(Request& req) { unsubscribe_all(req, Kind::Pattern, "punsubscribe"); }
void ssubscribe(Request& req) { subscribe_all(req, Kind::ShardChannel, "ssubscribe"); }
void sunsubscribe(Request& req) { unsubscribe_all(req, Kind::ShardChannel, "sunsubscribe"); }

void publish(Request& req) {
  if (auto n = req.broker.publish(req.conn, Kind::Channel, req.args[1], req.args.subspan(2))) req.reply.integer(*n);
}
void spublish(Request& req) {
  if (auto n = req.broker.publish(req.conn, Kind::ShardChannel, req.args[1], req.args.subspan(2)))
    req.reply.integer(*n);
}

// As Apache Kvrocks: each message published in turn (so subscribers see
// them in argument order), the reply the sum of their receiver counts.
void mpublish(Request& req) { publish(req); }

void pubsub_channels(Request& req) { list_names(req, Kind::Channel); }
void pubsub_shardchannels(Request& req) { list_names(req, Kind::ShardChannel); }
void pubsub_numsub(Request& req) { count_subscribers(req, Kind::Channel); }
void pubsub_shardnumsub(Request& req) { count_subscribers(req, Kind::ShardChannel); }
void pubsub_numpat(Request& req) { req.reply.integer(int64_t(req.broker.directory().count(Kind::Pattern))); }

void pubsub_help(Request& req) {
  static constexpr std::string_view kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  reply_help(req, kLines);
}

}  // namespace ringcast::commands
