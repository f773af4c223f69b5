// What commands ask of a shard (commands::Broker): publishing and
// subscribing through the engine, confirmations that wait for the other
// shards or nodes, walks over every shard's clients, users and figures.
#include <spdlog/spdlog.h>

#include "commands/command_table.h"
#include "shard/node_snapshot.h"
#include "shard/shard.h"

namespace ringcast {

using pubsub::Kind;

std::optional<int64_t> Shard::publish(Connection& c, Kind kind, std::string_view channel,
                                     std::span<const std::string_view> payloads) {
  if (!engine_.history_elsewhere(kind, channel)) {
    int64_t receivers = 0;
    for (std::string_view payload : payloads) receivers += engine_.publish(kind, channel, payload, &c);
    return receivers;
  }
  // The channel's sequencer is another shard: it publishes, and the count
  // comes back; its own subscriptions a NO-ECHO publisher takes off here.
  const int64_t own = c.no_echo ? int64_t(payloads.size()) * engine::own_subscriptions(c, kind, channel) : 0;
  c.waiting = true;
  engine_.publish_at_owner(channel, std::vector<std::string>(payloads.begin(), payloads.end()),
                           c.no_echo ? c.id : 0,
                           [slot = c.slot, id = c.id, own](engine::ShardContext& ctx, int64_t receivers) {
                             resume_with(ctx, slot, id, [&](Connection& conn) {
                               commands::reply_writer(conn).integer(receivers - own);
                             });
                           });
  return std::nullopt;
}

void Shard::read_history(Connection& c, std::string_view channel, uint64_t after, uint64_t count,
                         std::function<void(Connection&, const pubsub::HistoryPage&)> finish) {
  const unsigned owner = engine_.history_owner(channel);
  if (owner == index_) return finish(c, engine_.history_page(channel, after, count));
  c.waiting = true;
  engine_.post(owner, [origin = index_, slot = c.slot, id = c.id, channel = std::string(channel), after, count,
                       finish = std::move(finish)](engine::ShardContext& at_owner) mutable {
    auto page = std::make_shared<pubsub::HistoryPage>(at_owner.engine().history_page(channel, after, count));
    at_owner.engine().post(origin, [slot, id, page, finish = std::move(finish)](engine::ShardContext& ctx) {
      resume_with(ctx, slot, id, [&](Connection& conn) { finish(conn, *page); });
    });
  });
}

bool Shard::subscribe(Connection& c, Kind kind, std::string_view name) { return engine_.subscribe(c, kind, name); }

bool Shard::unsubscribe(Connection& c, Kind kind, std::string_view name) {
  const bool resumed = kind == Kind::Channel && engine_.end_resume(c, name);
  return engine_.unsubscribe(c, kind, name) || resumed;
}

void Shard::resume_channel(Connection& c, std::string_view channel, uint64_t epoch, uint64_t offset) {
  c.waiting = true;
  auto done = [slot = c.slot, id = c.id](engine::ShardContext& ctx) { resume_with(ctx, slot, id, [](Connection&) {}); };
  engine::ClusterLink* link = engine_.cluster();
  if (link == nullptr) return engine_.resume(c, channel, epoch, offset, std::move(done));
  // In a cluster the node's interest in history channels (the rules' globs)
  // must have reached NATS first, as a SUBSCRIBE's does, or messages from
  // other nodes could pass the resumer by.
  link->after_flush([this, slot = c.slot, id = c.id, channel = std::string(channel), epoch, offset, done] {
    post_external([=](engine::ShardContext& ctx) {
      auto& shard = static_cast<Shard&>(ctx);
      if (Connection* conn = shard.find(slot, id)) shard.engine().resume(*conn, channel, epoch, offset, done);
    });
  });
}

void Shard::drop_all_subscriptions(Connection& c) { engine_.drop_all_subscriptions(c); }

void Shard::resume_with(engine::ShardContext& ctx, uint32_t slot, uint64_t id,
                        const std::function<void(Connection&)>& finish) {
  auto& shard = static_cast<Shard&>(ctx);  // every ShardContext is a Shard
  Connection* c = shard.find(slot, id);
  if (c == nullptr) return;
  finish(*c);
  shard.resume(*c);
}

void Shard::confirm_subscribed(Connection& c, std::string confirmations) {
  engine::ClusterLink* link = engine_.cluster();
  if (link == nullptr) {
    c.out.append(confirmations);
    return;
  }
  // In a cluster the confirmations wait until the node's NATS subscriptions
  // reached its NATS server: a client that heard "subscribed" can then tell
  // a publisher on another node to go ahead.
  c.waiting = true;
  link->after_flush([this, slot = c.slot, id = c.id, confirmations = std::move(confirmations)] {
    post_external([slot, id, confirmations](engine::ShardContext& ctx) {
      resume_with(ctx, slot, id, [&](Connection& conn) { conn.out.append(confirmations); });
    });
  });
}

bool Shard::unsubscribed_settled(Connection& c) {
  if (!engine_.nothing_owed(c)) return false;
  engine_.forget_retired(c);
  return true;
}

void Shard::confirm_unsubscribed(Connection& c, std::string confirmations) {
  // Every message PUBLISH counted for the ended subscriptions reaches the
  // client before it hears they ended.
  c.waiting = true;
  engine_.fence([slot = c.slot, id = c.id, confirmations = std::move(confirmations)](engine::ShardContext& ctx) {
    resume_with(ctx, slot, id, [&](Connection& conn) {
      ctx.engine().forget_retired(conn);
      conn.out.append(confirmations);
    });
  });
}

void Shard::gather_clients(Connection& c, std::function<std::string(commands::ClientScope&)> collect,
                           std::function<void(Connection&, std::vector<std::string>&)> finish) {
  c.waiting = true;
  engine_.gather(
      [collect = std::move(collect)](engine::ShardContext& ctx) { return collect(static_cast<Shard&>(ctx)); },
      [slot = c.slot, id = c.id, finish = std::move(finish)](engine::ShardContext& ctx,
                                                             std::vector<std::string>& parts) {
        resume_with(ctx, slot, id, [&](Connection& conn) { finish(conn, parts); });
      });
}

void Shard::for_each(const std::function<void(Connection&)>& visit) {
  for (auto& c : conns_)
    if (c && !c->closing) visit(*c);
}

void Shard::reset_user(Connection& c) {
  c.user = &acl_->default_user();
  c.authenticated = acl_->starts_authenticated();
}

bool Shard::subscriptions_permitted(Connection& c) {
  const acl::User& u = *c.user;
  if (u.all_channels()) return true;
  bool ok = true;
  for (const std::string& ch : c.channels) ok = ok && u.channel_allowed(ch);
  for (const std::string& ch : c.shard_channels) ok = ok && u.channel_allowed(ch);
  for (const std::string& ch : c.resumed) ok = ok && u.channel_allowed(ch);
  for (const std::string& p : c.patterns) ok = ok && u.pattern_allowed(p);
  if (!ok) {
    spdlog::warn("closing client id={} addr={} name={}: user '{}' may not keep its subscriptions", c.id, c.addr,
                 c.name, u.name());
    close_connection(c, "subscriptions no longer permitted");
  }
  return ok;
}

stats::Snapshot Shard::snapshot() { return take_snapshot(node_); }

}  // namespace ringcast
