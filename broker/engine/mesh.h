// How one shard's engine reaches the others: the shard set implements it
// over the shards' inboxes and I/O wake-ups; unit tests fake it.
#pragma once

#include <vector>

#include "engine/inbox.h"

namespace ringcast::engine {

class Mesh {
 public:
  virtual ~Mesh() = default;
  virtual unsigned shard_count() const = 0;
  // From the sending shard's thread, once per loop iteration: moves `batch`
  // (never empty) into shard `target`'s inbox and wakes it if it may sleep.
  // `target` is never the sender.
  virtual void hand_over(unsigned target, std::vector<Envelope>& batch) = 0;
};

}  // namespace ringcast::engine
