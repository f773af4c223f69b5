// Messages routed to each shard and not yet delivered there: what lets an
// UNSUBSCRIBE skip its fence (the round trip through every shard's inbox)
// when provably nothing counted for the ended subscription is on its way.
//
// Who touches it: a publisher (any shard thread, or the cluster's delivery
// thread) calls routed() for the shards a message is handed to, while it
// holds the shared lock of the directory stripe it read the route in; the
// receiving shard calls delivered() once the message is in its subscribers'
// output queues (or the cluster thread, when it drops one unsent).
// Counts only messages that cross a thread: a shard's delivery to itself
// happens inside its PUBLISH and is never in flight.
//
// Why a zero read after an unsubscription's exclusive update proves nothing
// is owed (every operation may be relaxed):
//  1. A message m counted for the ended subscription was routed at a version
//     (of the subscription's own stripe) below the one the unsubscription
//     took, so under that stripe's shared lock, released before the
//     unsubscription took it exclusively. routed(m) happens-before the
//     exclusive section, which happens-before the shard's read R, so R reads
//     routed(m) or a later value in the counter's modification order.
//  2. All changes are read-modify-writes, so the value R reads is the number
//     of increments minus decrements up to some point W of that order, and
//     every decrement comes after its own increment in it (it happens after:
//     through the inbox's mutex, or later on the same thread). A zero at W
//     pairs every increment up to W with its decrement: delivered(m) comes
//     no later than W.
//  3. delivered(m) runs on the reading shard's own thread, so it cannot be
//     sequenced after R and still be visible to R: m reached the
//     subscriber's queue before R, hence before the confirmation.
// A routed() outside the lock is allowed only while a cover() of the same
// shards, taken under the lock, is still held (released by uncover() after
// it): the cover's increment then stands in for it in step 1, and its
// decrement, which follows the late increment, drags that one inside W.
// A non-zero read proves nothing: the caller falls back to the fence.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>

namespace ringcast::pubsub {

class InFlight {
 public:
  static constexpr unsigned kMaxShards = 64;  // the directory's shard masks are 64 bits

  // One message handed to each shard of `shards`.
  void routed(uint64_t shards) {
    for (; shards != 0; shards &= shards - 1)
      counts_[std::countr_zero(shards)].n.fetch_add(1, std::memory_order_relaxed);
  }
  // Stand-in for messages to `shards` whose routed() comes after the lock is
  // released (a pattern matched outside it); uncover() once they are routed.
  void cover(uint64_t shards) { routed(shards); }
  void uncover(uint64_t shards) {
    for (; shards != 0; shards &= shards - 1)
      counts_[std::countr_zero(shards)].n.fetch_sub(1, std::memory_order_relaxed);
  }
  // `n` messages to `shard` delivered (or dropped: they will never be).
  void delivered(unsigned shard, uint64_t n) {
    if (n != 0) counts_[shard].n.fetch_sub(int64_t(n), std::memory_order_relaxed);
  }
  // True when nothing routed to `shard` before now is still on its way; read
  // on `shard`'s thread, after the update whose messages matter.
  bool none_to(unsigned shard) const { return counts_[shard].n.load(std::memory_order_relaxed) == 0; }

 private:
  // One line each: publishers of every shard and the receiver write them.
  struct alignas(64) Count {
    std::atomic<int64_t> n{0};
  };
  Count counts_[kMaxShards];
};

}  // namespace ringcast::pubsub
