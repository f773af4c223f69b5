// The static shape of a run, computed once from Options and shared read-only by
// every worker: channel names, pre-encoded command prefixes, who subscribes to
// what, and how many stable subscribers each channel has.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "options.h"

namespace ringcast::loadgen {

class Plan {
 public:
  explicit Plan(const Options& o);

  // Publish targets by channel index. In pattern mode indices [0, patterns) are
  // channels "prefix:i:m" that pattern i matches; the rest match no pattern.
  const std::string& channel_name(uint32_t c) const { return channels_[c]; }
  uint32_t channel_count() const { return static_cast<uint32_t>(channels_.size()); }
  // "*3\r\n$7\r\nPUBLISH\r\n$N\r\n<name>\r\n": everything before the payload bulk.
  const std::string& publish_prefix(uint32_t c) const { return prefixes_[c]; }

  // Which channel the k-th publish of publisher p goes to.
  uint32_t publish_channel(uint32_t p, uint64_t k) const;
  uint64_t payload_size(uint64_t k) const { return sizes_[k % sizes_.size()]; }

  // Stable subscriber j: its subscribe command, number of confirmations to wait for.
  std::string subscribe_command(uint32_t j) const;
  uint32_t subscription_count(uint32_t j) const;
  bool is_slow(uint32_t j) const { return j < slow_count_; }
  // Whether stable subscriber j asked for messages published on channel index c.
  bool owns(uint32_t j, uint32_t c) const;

  // Churning subscriber number n: one channel or one pattern.
  uint32_t churn_target(uint64_t n) const;
  std::string churn_subscribe_command(uint32_t target) const;
  std::string churn_unsubscribe_command(uint32_t target) const;

  // Readiness probes: one command subscribing to channel indices `cs` the way
  // stable subscribers do (the channel itself, or in pattern mode the one
  // pattern that matches it), the command that drops them all again, and a
  // PUBLISH (SPUBLISH) of `payload` on channel index c.
  std::string subscribe_channels_command(const std::vector<uint32_t>& cs) const;
  std::string unsubscribe_all_command() const;
  std::string publish_command(uint32_t c, const std::string& payload) const;

  uint32_t receivers(uint32_t c) const { return receivers_[c]; }
  uint32_t fast_receivers(uint32_t c) const { return fast_receivers_[c]; }
  uint64_t mean_payload_size() const;

  static std::string encode_command(const std::vector<std::string>& args);

 private:
  std::string pattern(uint32_t i) const;

  const Options& o_;
  std::vector<std::string> channels_;
  std::vector<std::string> prefixes_;
  std::vector<uint32_t> receivers_;
  std::vector<uint32_t> fast_receivers_;
  std::vector<uint64_t> sizes_;
  uint32_t matching_ = 0;  // pattern mode: channels some pattern matches
  uint32_t slow_count_ = 0;
};

}  // namespace ringcast::loadgen
