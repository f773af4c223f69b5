// The io_uring backend's completion tags: what a completion belongs to,
// packed into its 64-bit user_data. Private to the backend: the shard only
// ever sees typed events.
#pragma once

#include <cstdint>

namespace ringcast::io::uring {

// user_data = kind in the top byte, a connection id (or a socket, for
// Handoff) in the low 32 bits.
enum class Op : uint8_t {
  Accept = 1,    // multishot accept on the listening socket
  Recv,          // multishot recv of connection `index` into the provided buffers
  Write,         // writev of connection `index`
  Tick,          // the housekeeping timeout
  Wake,          // another shard posted work to our inbox (MSG_RING)
  NewConn,       // another shard handed us an accepted socket (MSG_RING, res = fd)
  Handoff,       // our MSG_RING of socket `index` failed: serve it ourselves
  ExternalWake,  // a thread that is not a shard posted work (eventfd poll)
  Ignored,       // completions nobody waits for (cancels, failed wake-ups)
};

constexpr uint64_t pack(Op op, uint32_t index) { return (uint64_t(op) << 56) | index; }
constexpr Op op_of(uint64_t user_data) { return Op(user_data >> 56); }
constexpr uint32_t index_of(uint64_t user_data) { return uint32_t(user_data); }

}  // namespace ringcast::io::uring
