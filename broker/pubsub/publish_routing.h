// One publish turned into the messages to hand out: a frame per route (the
// channel's subscribers, each matching pattern's), each with the shards that
// have its subscribers and the version (of its directory stripe) it was
// routed at. Shared by
// a shard's PUBLISH and a message arriving from another node.
#pragma once

#include <bit>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "pubsub/directory.h"

namespace ringcast::pubsub {

using RoutedMessages = std::vector<std::pair<RoutedMessage, uint64_t>>;  // message, target shard mask

// Appends to `out` a message for the channel's own subscribers (when
// `to_channel`) and for each matching pattern `wants_pattern` accepts;
// `encode(kind, pattern, refs)` makes each frame with one reference per
// target shard. Encodes during Directory::route (the pattern views live only
// that long); the caller delivers after it, since delivering may close a
// connection, which updates the directory. Every message is counted in the
// directory's InFlight for its target shards but those of `synchronous` (the
// caller delivers to them before it returns), under the directory's lock,
// so each target must deliver it (or report it dropped) through InFlight.
// Returns the receivers of the accepted routes.
template <class WantsPattern, class Encode>
int64_t route_publish(const Directory& directory, Kind kind, std::string_view channel, bool to_channel,
                      uint64_t synchronous, WantsPattern&& wants_pattern, Encode&& encode, RoutedMessages& out) {
  int64_t receivers = 0;
  const auto add = [&](Kind k, std::string_view pattern, const Route& r, uint64_t version) {
    receivers += r.subscribers;
    if (r.shards == 0) return;
    out.emplace_back(encode(k, pattern, uint32_t(std::popcount(r.shards))), r.shards);
    out.back().first.version = version;
    directory.in_flight().routed(r.shards & ~synchronous);
  };
  directory.route(
      kind, channel,
      [&](const Route& r, uint64_t version) {
        if (to_channel) add(kind, {}, r, version);
      },
      [&](std::string_view pattern, const Route& r, uint64_t version) {
        if (wants_pattern(pattern)) add(Kind::Pattern, pattern, r, version);
      });
  return receivers;
}

}  // namespace ringcast::pubsub
