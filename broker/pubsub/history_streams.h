// One shard's history streams: for each history channel whose stream this
// shard owns (owner_of: by hash of the name), the sequencer that numbers
// its messages 1, 2, 3 ... in the order the shard receives them, within an
// epoch, and the ring that retains them.
//
// An epoch names one life of a stream: a new one when the stream is made
// (first publish after start-up, or after eviction by age or memory emptied
// it), drawn from the node's EpochSource, so no two lives on one node share
// one. Owned by the shard's thread; only the EpochSource and the node's
// retained-bytes total are shared between shards (atomics).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pubsub/history_ring.h"
#include "pubsub/name_map.h"

namespace ringcast::pubsub {

// The shard that owns `channel`'s stream, of `shards`.
unsigned history_owner(std::string_view channel, unsigned shards);

// Node-wide epochs: counts up from a seed taken at start-up from the wall
// clock in microseconds, so epochs of a restarted node are new too (unless
// the last life made more streams than microseconds passed since).
class EpochSource {
 public:
  explicit EpochSource(uint64_t seed) : next_(seed) {}
  uint64_t take() { return next_.fetch_add(1, std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> next_;
};

// What the shards of a node share for history: its epochs and its total of
// retained bytes (which the memory cap bounds).
struct HistoryNode {
  explicit HistoryNode(uint64_t epoch_seed) : epochs(epoch_seed) {}
  EpochSource epochs;
  std::atomic<int64_t> retained{0};
};

struct HistoryLimits {
  uint32_t max_messages = 0;  // 0: no count limit
  int64_t max_age_ms = 0;     // 0: no age limit
};

// What HISTORY reads of a stream, copied out to cross to the asking shard.
// No stream (never published to, or evicted whole): epoch 0, and the next
// message starts a new one at offset 1.
struct HistoryPage {
  uint64_t epoch = 0;
  uint64_t next_offset = 1;
  std::vector<std::pair<uint64_t, std::string>> messages;  // (offset, payload), oldest first
};

struct HistoryStream {
  uint64_t epoch = 0;
  HistoryLimits limits;
  HistoryRing ring;
  // RESUME subscriptions of the channel. While there are any, the stream
  // stays even when age or memory empty it, and keeps its epoch: a client
  // that is connected was told that epoch and still holds it.
  uint32_t resumers = 0;
};

class HistoryStreams {
 public:
  explicit HistoryStreams(HistoryNode& node) : epochs_(node.epochs), retained_(node.retained) {}
  HistoryStreams(const HistoryStreams&) = delete;
  HistoryStreams& operator=(const HistoryStreams&) = delete;
  ~HistoryStreams();

  struct Appended {
    uint64_t epoch;
    uint64_t offset;
    RoutedMessage message;  // as HistoryRing::Appended's
  };
  // Gives `payload` its offset in `channel`'s stream (made with a new epoch
  // if there is none) and keeps its RESP2 `message` frame, with `refs`
  // references on it for the caller's fan-out; then applies `limits`' count
  // limit.
  Appended append(std::string_view channel, const HistoryLimits& limits, std::string_view payload, uint32_t refs,
                  int64_t now_ms);
  // The stream of `channel`, or null when it has none (never published to,
  // or evicted whole).
  const HistoryStream* find(std::string_view channel) const;
  // The stream of `channel`, made (empty, with a new epoch) if it has none.
  HistoryStream& open(std::string_view channel, const HistoryLimits& limits);
  // One RESUME subscription of `channel` more (+1) or fewer (-1); a stream
  // left empty without any goes.
  void count_resumer(std::string_view channel, int delta);

  // Drops messages older than their stream's max_age; streams left empty
  // (and without resumers) go.
  void expire(int64_t now_ms);
  // While the node retains more than `max_bytes`, drops this shard's oldest
  // message (across its streams); streams left empty go. Returns the
  // messages dropped.
  uint64_t shrink_to(int64_t max_bytes);

  size_t streams() const { return streams_.size(); }
  uint64_t messages() const { return messages_; }
  uint64_t evicted() const { return evicted_; }
  int64_t bytes() const { return bytes_; }

 private:
  void account(int64_t delta);
  void forget_if_empty(NameMap<HistoryStream>::iterator it);

  EpochSource& epochs_;
  std::atomic<int64_t>& retained_;
  NameMap<HistoryStream> streams_;
  uint64_t messages_ = 0;  // retained here
  uint64_t evicted_ = 0;   // by count, age or memory, since start-up
  int64_t bytes_ = 0;      // retained here (its part of retained_)
};

}  // namespace ringcast::pubsub
