// A commands::Broker without shards: it records what handlers ask for and
// answers from plain fields, so handler tests check reply bytes alone.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "acl/registry.h"
#include "commands/broker.h"
#include "commands/command_table.h"
#include "config.h"
#include "output_wire.h"

namespace ringcast::commands::testing {

class FakeBroker final : public Broker, public ClientScope {
 public:
  explicit FakeBroker(const config::Config& settings = {})
      : settings_(settings),
        acl_(std::make_shared<acl::Registry>(acl::Registry::from_config(settings, acl_catalog()))) {}

  // A connection as a shard would adopt it.
  Connection& connect() {
    conns_.push_back(std::make_unique<Connection>());
    Connection& c = *conns_.back();
    c.id = next_id_++;
    c.addr = "127.0.0.1:" + std::to_string(40000 + c.id);
    c.laddr = "127.0.0.1:6379";
    reset_user(c);
    return c;
  }
  // Runs one request as the shard does, and returns the bytes it queued.
  std::string run(Connection& c, std::vector<std::string_view> args) {
    execute(*this, c, args);
    return take_output(c);
  }
  static std::string take_output(Connection& c) { return ringcast::testing::write_out(c.out); }

  // Broker
  std::optional<int64_t> publish(Connection& c, pubsub::Kind kind, std::string_view channel,
                                 std::span<const std::string_view> payloads) override {
    for (std::string_view payload : payloads)
      published.push_back({kind, std::string(channel), std::string(payload), c.id});
    return receivers * int64_t(payloads.size());
  }
  bool keeps_history(std::string_view channel) const override { return channel.starts_with("h:"); }
  void read_history(Connection& c, std::string_view channel, uint64_t after, uint64_t count,
                    std::function<void(Connection&, const pubsub::HistoryPage&)> finish) override {
    history_reads.push_back({std::string(channel), after, count});
    finish(c, history_page);
  }
  bool subscribe(Connection& c, pubsub::Kind kind, std::string_view name) override {
    if (!c.subscriptions(kind).emplace(name).second) return false;
    directory_.subscribed(kind, name, 0, true);
    return true;
  }
  bool unsubscribe(Connection& c, pubsub::Kind kind, std::string_view name) override {
    const bool resumed = kind == pubsub::Kind::Channel && c.resumed.erase(std::string(name)) != 0;
    if (c.subscriptions(kind).erase(std::string(name)) == 0) return resumed;
    directory_.unsubscribed(kind, name, 0, true);
    return true;
  }
  // As a cluster node and a busy shard: every confirmation goes through the calls below.
  bool confirms_subscriptions_at_once() const override { return false; }
  bool unsubscribed_settled(Connection&) override { return false; }
  void confirm_subscribed(Connection& c, std::string confirmations) override {
    ++subscribe_confirmations;
    c.out.append(confirmations);
  }
  void confirm_unsubscribed(Connection& c, std::string confirmations) override {
    ++fences;  // the real broker fences through every shard first
    c.out.append(confirmations);
  }
  void drop_all_subscriptions(Connection& c) override {
    for (pubsub::Kind k : {pubsub::Kind::Channel, pubsub::Kind::Pattern, pubsub::Kind::ShardChannel})
      for (const std::string& name : std::vector<std::string>(c.subscriptions(k).begin(), c.subscriptions(k).end()))
        unsubscribe(c, k, name);
  }
  void resume_channel(Connection& c, std::string_view channel, uint64_t epoch, uint64_t offset) override {
    c.resumed.emplace(channel);
    resumes.push_back({std::string(channel), epoch, offset});
  }
  const pubsub::Directory& directory() const override { return directory_; }
  void gather_clients(Connection& c, std::function<std::string(ClientScope&)> collect,
                      std::function<void(Connection&, std::vector<std::string>&)> finish) override {
    std::vector<std::string> parts{collect(*this)};  // one shard
    finish(c, parts);
  }
  const acl::Registry& acl() const override { return *acl_; }
  acl::AccessLog& access_log() override { return access_log_; }
  void reset_user(Connection& c) override {
    c.user = &acl_->default_user();
    c.authenticated = acl_->starts_authenticated();
  }
  bool subscriptions_permitted(Connection&) override { return true; }
  const config::Config& settings() const override { return settings_; }
  int64_t now_ms() const override { return 5000; }
  unsigned shard_index() const override { return 0; }
  stats::Snapshot snapshot() override { return snapshot_value; }

  // ClientScope
  void for_each(const std::function<void(Connection&)>& visit) override {
    for (auto& c : conns_)
      if (!c->closing) visit(*c);
  }
  void kill(Connection& c, std::string_view) override {
    c.closing = true;
    ++killed;
  }

  struct Published {
    pubsub::Kind kind;
    std::string channel, payload;
    uint64_t publisher;
  };
  std::vector<Published> published;
  int64_t receivers = 0;
  struct HistoryRead {
    std::string channel;
    uint64_t after, count;
  };
  std::vector<HistoryRead> history_reads;
  std::vector<HistoryRead> resumes;  // channel, epoch, offset
  pubsub::HistoryPage history_page;
  int subscribe_confirmations = 0;
  int fences = 0;
  int killed = 0;
  stats::Snapshot snapshot_value;

 private:
  config::Config settings_;
  std::shared_ptr<const acl::Registry> acl_;
  acl::AccessLog access_log_;
  pubsub::Directory directory_;
  std::vector<std::unique_ptr<Connection>> conns_;
  uint64_t next_id_ = 1;
};

}  // namespace ringcast::commands::testing
