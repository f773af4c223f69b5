// Work one shard hands another: a routed message to deliver to its local
// subscribers, or a task to run on its thread.
//
// Ownership: a delivered frame carries one reference for the receiving shard,
// which the receiver releases when its subscribers are done with it. The
// producer appends a whole batch under the mutex; the consumer swaps the
// vector out under the same mutex, once per loop iteration.
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "pubsub/routed_message.h"

namespace ringcast::engine {

class PubSubEngine;

// A shard as the tasks posted to it see it: its engine, and (for the shard
// layer, whose Shard derives from this) the rest of the shard.
class ShardContext {
 public:
  virtual PubSubEngine& engine() = 0;

 protected:
  ~ShardContext() = default;
};

using Task = std::function<void(ShardContext&)>;

struct Envelope {
  pubsub::RoutedMessage message;  // set (frame != nullptr): deliver it
  Task task;                      // otherwise: run it on the receiving shard
};

class Inbox {
 public:
  // Moves `batch` in. Returns true when the inbox was empty, i.e. when the
  // receiver may be asleep and needs a wake-up.
  bool push(std::vector<Envelope>& batch) {
    std::lock_guard lock(mutex_);
    const bool was_empty = items_.empty();
    if (was_empty) {
      items_.swap(batch);
    } else {
      for (Envelope& e : batch) items_.push_back(std::move(e));
    }
    batch.clear();
    return was_empty;
  }

  // Swaps everything queued into `out` (which must be empty).
  void take(std::vector<Envelope>& out) {
    std::lock_guard lock(mutex_);
    out.swap(items_);
  }

 private:
  std::mutex mutex_;
  std::vector<Envelope> items_;
};

}  // namespace ringcast::engine
