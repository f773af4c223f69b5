// Plan construction: names, assignments and receiver counts; see plan.h.
#include "plan.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "payload.h"

namespace ringcast::loadgen {

std::string Plan::encode_command(const std::vector<std::string>& args) {
  std::string out = fmt::format("*{}\r\n", args.size());
  for (const auto& a : args) fmt::format_to(std::back_inserter(out), "${}\r\n{}\r\n", a.size(), a);
  return out;
}

std::string Plan::pattern(uint32_t i) const { return fmt::format("{}:{}:*", o_.prefix, i); }

Plan::Plan(const Options& o) : o_(o) {
  for (uint64_t s : o.sizes) sizes_.push_back(effective_payload_size(s));
  if (o.pattern_mode()) {
    matching_ = o.patterns;
    uint32_t nonmatching = o.nonmatching_pct > 0 ? std::min<uint32_t>(o.patterns, 1000) : 0;
    // "prefix:i:m" matches exactly pattern "prefix:i:*"; "prefix-x:i" matches none.
    for (uint32_t i = 0; i < matching_; ++i) channels_.push_back(fmt::format("{}:{}:m", o.prefix, i));
    for (uint32_t i = 0; i < nonmatching; ++i) channels_.push_back(fmt::format("{}-x:{}", o.prefix, i));
  } else {
    for (uint32_t i = 0; i < o.channels; ++i) channels_.push_back(fmt::format("{}:{}", o.prefix, i));
  }
  const char* verb = o.sharded ? "SPUBLISH" : "PUBLISH";
  for (const auto& c : channels_)
    prefixes_.push_back(fmt::format("*3\r\n${}\r\n{}\r\n${}\r\n{}\r\n", std::string_view(verb).size(), verb, c.size(), c));
  slow_count_ = static_cast<uint32_t>(std::lround(o.slow_share * o.subscribers));
  receivers_.assign(channels_.size(), 0);
  fast_receivers_.assign(channels_.size(), 0);
  for (uint32_t j = 0; j < o.subscribers; ++j) {
    for (uint32_t c = 0; c < (o.pattern_mode() ? matching_ : channel_count()); ++c) {
      if (!owns(j, c)) continue;
      ++receivers_[c];
      if (!is_slow(j)) ++fast_receivers_[c];
    }
  }
}

bool Plan::owns(uint32_t j, uint32_t c) const {
  if (!o_.pattern_mode()) return c == j % o_.channels;
  if (c >= matching_) return false;
  if (o_.patterns >= o_.subscribers) return c % o_.subscribers == j;
  return c == j % o_.patterns;
}

uint32_t Plan::publish_channel(uint32_t p, uint64_t k) const {
  if (!o_.pattern_mode()) return static_cast<uint32_t>((p + k) % channels_.size());
  // Spread non-matching publishes evenly: publish k is non-matching when the
  // running share floor((k+1)*pct/100) steps up at k.
  uint64_t pct = o_.nonmatching_pct;
  bool nonmatching = pct > 0 && ((k + 1) * pct / 100) != (k * pct / 100);
  uint64_t spread = p + k * 7919;  // a prime stride visits every target
  if (nonmatching) return matching_ + static_cast<uint32_t>(spread % (channels_.size() - matching_));
  return static_cast<uint32_t>(spread % matching_);
}

uint32_t Plan::subscription_count(uint32_t j) const {
  if (!o_.pattern_mode() || o_.patterns < o_.subscribers) return 1;
  return o_.patterns / o_.subscribers + (j < o_.patterns % o_.subscribers ? 1 : 0);
}

std::string Plan::subscribe_command(uint32_t j) const {
  if (!o_.pattern_mode())
    return encode_command({o_.sharded ? "SSUBSCRIBE" : "SUBSCRIBE", channels_[j % o_.channels]});
  std::vector<std::string> args{"PSUBSCRIBE"};
  if (o_.patterns >= o_.subscribers) {
    for (uint32_t i = j; i < o_.patterns; i += o_.subscribers) args.push_back(pattern(i));
  } else {
    args.push_back(pattern(j % o_.patterns));
  }
  return encode_command(args);
}

uint32_t Plan::churn_target(uint64_t n) const {
  return static_cast<uint32_t>(n % (o_.pattern_mode() ? matching_ : o_.channels));
}

std::string Plan::churn_subscribe_command(uint32_t t) const {
  if (o_.pattern_mode()) return encode_command({"PSUBSCRIBE", pattern(t)});
  return encode_command({o_.sharded ? "SSUBSCRIBE" : "SUBSCRIBE", channels_[t]});
}

std::string Plan::churn_unsubscribe_command(uint32_t t) const {
  if (o_.pattern_mode()) return encode_command({"PUNSUBSCRIBE", pattern(t)});
  return encode_command({o_.sharded ? "SUNSUBSCRIBE" : "UNSUBSCRIBE", channels_[t]});
}

std::string Plan::subscribe_channels_command(const std::vector<uint32_t>& cs) const {
  std::vector<std::string> args{o_.pattern_mode() ? "PSUBSCRIBE" : o_.sharded ? "SSUBSCRIBE" : "SUBSCRIBE"};
  for (uint32_t c : cs) args.push_back(o_.pattern_mode() ? pattern(c) : channels_[c]);
  return encode_command(args);
}

std::string Plan::unsubscribe_all_command() const {
  return encode_command({o_.pattern_mode() ? "PUNSUBSCRIBE" : o_.sharded ? "SUNSUBSCRIBE" : "UNSUBSCRIBE"});
}

std::string Plan::publish_command(uint32_t c, const std::string& payload) const {
  return encode_command({o_.sharded ? "SPUBLISH" : "PUBLISH", channels_[c], payload});
}

uint64_t Plan::mean_payload_size() const {
  uint64_t sum = 0;
  for (uint64_t s : sizes_) sum += s;
  return sum / sizes_.size();
}

}  // namespace ringcast::loadgen
