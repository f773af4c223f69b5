// Memory for arena blocks (MessageArena): whole pages, given back to the
// system when traffic drops, but recycled while it flows so a busy shard
// does not pay an mmap, an munmap and four page faults per block.
#pragma once

#include <cstddef>

namespace ringcast::pubsub::mapped_blocks {

// `bytes` of zeroed-or-reused pages; throws std::bad_alloc when none can be mapped.
void* take(size_t bytes);
// From any thread: keeps the block for the next take() of the same size
// while fewer than a few MiB are kept, unmaps it otherwise.
void give_back(void* block, size_t bytes);

}  // namespace ringcast::pubsub::mapped_blocks
