// Encoded message bytes shared by every subscriber that receives them.
//
// Ownership: a publishing shard creates a SharedFrame holding one reference per shard
// that will deliver it (itself included) and hands the pointer over through the
// target shards' inboxes. Each shard wraps it in one FrameRef, whose plain
// counter counts that shard's queued references; only when that counter drops
// to zero does the shard touch the atomic count, once. The last shard to let
// go frees the SharedFrame, from whichever thread that is.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <vector>

#include "pubsub/mapped_blocks.h"

namespace ringcast::pubsub {

class SharedFrame {
 public:
  static SharedFrame* create(size_t size, uint32_t refs) {
    void* mem = ::operator new(sizeof(SharedFrame) + size);
    return new (mem) SharedFrame(uint32_t(size), refs, false);
  }
  // A frame in pages of its own (mapped_blocks.h): for arena blocks, whose
  // memory must go back to the system once traffic drops, not stay in a
  // heap fragmented by the small allocations around them.
  static SharedFrame* create_mapped(size_t size, uint32_t refs) {
    return new (mapped_blocks::take(sizeof(SharedFrame) + size)) SharedFrame(uint32_t(size), refs, true);
  }
  // `bytes` in a frame of its own, with one reference.
  static SharedFrame* copy_of(std::string_view bytes) {
    SharedFrame* f = create(bytes.size(), 1);
    std::memcpy(f->data(), bytes.data(), bytes.size());
    return f;
  }
  SharedFrame(const SharedFrame&) = delete;
  SharedFrame& operator=(const SharedFrame&) = delete;

  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  uint32_t size() const { return size_; }
  std::string_view view() const { return {data(), size_}; }

  void add_refs(uint32_t n) { refs_.fetch_add(n, std::memory_order_relaxed); }
  void release(uint32_t n = 1) {
    if (refs_.fetch_sub(n, std::memory_order_acq_rel) != n) return;
    const bool mapped = mapped_;
    const size_t bytes = sizeof(SharedFrame) + size_;
    this->~SharedFrame();
    if (mapped) {
      mapped_blocks::give_back(this, bytes);
    } else {
      ::operator delete(this);
    }
  }
  // References held now (as shared_ptr::use_count, exact only while no
  // other thread holds one).
  uint32_t use_count() const { return refs_.load(std::memory_order_relaxed); }

 private:
  SharedFrame(uint32_t size, uint32_t refs, bool mapped) : refs_(refs), size_(size), mapped_(mapped) {}
  std::atomic<uint32_t> refs_;
  uint32_t size_;
  bool mapped_;
};

class FrameRefPool;

// One shard's hold on a SharedFrame: counts that shard's queued references.
struct FrameRef {
  SharedFrame* frame = nullptr;
  uint32_t refs = 0;
  FrameRefPool* pool = nullptr;
  // An arena block holding many messages (MessageArena): queues hold slices
  // of it, and must not keep one alive for long (OutputQueue::complete).
  bool block = false;

  void ref() { ++refs; }
  inline void unref();
  const char* data() const { return frame->data(); }
  uint32_t size() const { return frame->size(); }
};

// Recycles FrameRef objects so delivering a message allocates nothing per
// subscriber and, after warm-up, nothing per message either.
class FrameRefPool {
 public:
  FrameRefPool() = default;
  FrameRefPool(const FrameRefPool&) = delete;
  FrameRefPool& operator=(const FrameRefPool&) = delete;
  ~FrameRefPool() {
    for (FrameRef* lf : free_) delete lf;
  }

  // Takes over one of the SharedFrame's references. The result has no queued refs
  // yet: pair every queueing with ref(), and call drop_if_unused() after.
  FrameRef* adopt(SharedFrame* frame) {
    FrameRef* lf;
    if (free_.empty()) {
      lf = new FrameRef;
    } else {
      lf = free_.back();
      free_.pop_back();
    }
    lf->frame = frame;
    lf->refs = 0;
    lf->pool = this;
    lf->block = false;
    ++live_;
    return lf;
  }

  // adopt() for a message that lives in an arena block: consecutive messages
  // of one block share one FrameRef, so a subscriber's queue can hold a run
  // of them as one slice (the message's own reference is folded into it).
  FrameRef* adopt_block(SharedFrame* block) {
    if (last_block_ != nullptr && last_block_->frame == block) {
      block->release();  // last_block_ holds one already
      return last_block_;
    }
    FrameRef* lf = adopt(block);
    lf->block = true;
    last_block_ = lf;
    return lf;
  }

  // Releases a FrameRef that ended up queued nowhere.
  void drop_if_unused(FrameRef* lf) {
    if (lf->refs == 0) recycle(lf);
  }

  void recycle(FrameRef* lf) {
    if (lf == last_block_) last_block_ = nullptr;
    lf->frame->release();
    lf->frame = nullptr;
    --live_;
    free_.push_back(lf);
  }

  size_t live() const { return live_; }

 private:
  std::vector<FrameRef*> free_;
  size_t live_ = 0;
  FrameRef* last_block_ = nullptr;
};

inline void FrameRef::unref() {
  if (--refs == 0) pool->recycle(this);
}

}  // namespace ringcast::pubsub
