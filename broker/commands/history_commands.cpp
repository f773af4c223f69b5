// HISTORY and RESUME: the retained messages of a channel that keeps
// history, read (or replayed) on the shard that owns its stream.
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>

#include "commands/handlers.h"

namespace ringcast::commands {
namespace {

bool parse_uint(std::string_view s, uint64_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

}  // namespace

// HISTORY channel [SINCE offset] [COUNT n] -> [epoch, next offset, [[offset, payload] ...]]
void history(Request& req) {
  const std::string_view channel = req.args[1];
  uint64_t after = 0;
  uint64_t count = std::numeric_limits<uint64_t>::max();
  for (size_t i = 2; i < req.args.size(); i += 2) {
    if (i + 1 >= req.args.size()) return req.reply.error("ERR syntax error");
    uint64_t* target = iequals(req.args[i], "since") ? &after : iequals(req.args[i], "count") ? &count : nullptr;
    if (target == nullptr) return req.reply.error("ERR syntax error");
    if (!parse_uint(req.args[i + 1], *target) || *target > uint64_t(std::numeric_limits<int64_t>::max()))
      return req.reply.error("ERR value is not an integer or out of range");
  }
  if (!req.broker.keeps_history(channel))
    return reply_error_line(req, "ERR channel '" + std::string(channel) + "' keeps no history (no history rule matches it)");
  req.broker.read_history(req.conn, channel, after, count, [](Connection& c, const pubsub::HistoryPage& page) {
    resp::ReplyWriter reply = reply_writer(c);
    reply.array(3);
    reply.integer(int64_t(page.epoch));
    reply.integer(int64_t(page.next_offset));
    reply.array(page.messages.size());
    for (const auto& [offset, payload] : page.messages) {
      reply.array(2);
      reply.integer(int64_t(offset));
      reply.bulk(payload);
    }
  });
}

// RESUME channel epoch offset: see PubSubEngine::resume.
void resume(Request& req) {
  const std::string_view channel = req.args[1];
  uint64_t epoch = 0, offset = 0;
  if (!parse_uint(req.args[2], epoch) || !parse_uint(req.args[3], offset))
    return req.reply.error("ERR value is not an integer or out of range");
  if (!req.broker.keeps_history(channel))
    return reply_error_line(req, "ERR channel '" + std::string(channel) + "' keeps no history (no history rule matches it)");
  // limits.max_subscriptions counts RESUME subscriptions with the others.
  const Connection& c = req.conn;
  const uint32_t max = req.broker.settings().max_subscriptions;
  const size_t held = c.channels.size() + c.patterns.size() + c.shard_channels.size() + c.resumed.size();
  if (max != 0 && !c.resumed.contains(channel) && held + 1 > max)
    return req.reply.error("ERR max number of subscriptions per client reached (" + std::to_string(max) + ")");
  req.broker.resume_channel(req.conn, channel, epoch, offset);
}

}  // namespace ringcast::commands
