// See mapped_blocks.h.
#include "pubsub/mapped_blocks.h"

#include <sys/mman.h>

#include <mutex>
#include <new>
#include <vector>

namespace ringcast::pubsub::mapped_blocks {
namespace {

// 4 MiB of 16 KiB blocks: a few blocks' worth of traffic per shard in flight.
constexpr size_t kMaxKept = 256;

struct Cache {
  std::mutex mutex;
  std::vector<void*> blocks;
  size_t bytes = 0;  // the one size kept
};

Cache& cache() {
  static Cache* c = new Cache;  // never destroyed: releases may come from any thread at exit
  return *c;
}

}  // namespace

void* take(size_t bytes) {
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    if (c.bytes == bytes && !c.blocks.empty()) {
      void* block = c.blocks.back();
      c.blocks.pop_back();
      return block;
    }
  }
  void* mem = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) throw std::bad_alloc();
  return mem;
}

void give_back(void* block, size_t bytes) {
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    if (c.blocks.empty()) c.bytes = bytes;
    if (c.bytes == bytes && c.blocks.size() < kMaxKept) {
      c.blocks.push_back(block);
      return;
    }
  }
  ::munmap(block, bytes);
}

}  // namespace ringcast::pubsub::mapped_blocks
