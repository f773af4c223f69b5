// Self-describing, self-verifying message payloads: a fixed binary header
// (who sent it, which sequence number, when) plus filler covered by a checksum.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ringcast::loadgen {

// Wire layout, little-endian, kPayloadHeaderSize bytes, then filler up to `length`:
//   u16 magic | u16 flags | u32 publisher | u32 channel | u32 length |
//   u64 seq | u64 send_ns | u64 checksum
// `seq` counts per (publisher, channel), so a subscriber that sees only one channel
// still sees a gap-free sequence. `send_ns` is the SCHEDULED send time in rate mode.
// The checksum covers the first 32 header bytes and every filler byte, so any
// flipped, dropped or foreign byte is caught. A payload cannot be shorter than its
// header: a smaller requested size (including 0 B) is raised to kPayloadHeaderSize.
inline constexpr size_t kPayloadHeaderSize = 40;
inline constexpr uint16_t kPayloadMagic = 0x4c52;  // "RL"
inline constexpr uint16_t kFlagMeasured = 1;       // sent inside the measured window

struct PayloadHeader {
  uint16_t flags = 0;
  uint32_t publisher = 0;
  uint32_t channel = 0;
  uint32_t length = 0;
  uint64_t seq = 0;
  uint64_t send_ns = 0;
};

enum class PayloadStatus { kOk, kTooShort, kBadMagic, kBadLength, kBadChecksum };

// Fast 64-bit checksum (word at a time; not cryptographic, just corruption-proof).
uint64_t checksum64(const void* data, size_t n, uint64_t seed);

// Writes a complete payload of h.length bytes into `out` (caller sizes it).
// Filler bytes are a pseudo-random stream seeded by (publisher, channel, seq).
void encode_payload(const PayloadHeader& h, char* out);

// Decodes the header and verifies magic, length and checksum. On kOk `out` is set.
PayloadStatus decode_payload(std::string_view bytes, PayloadHeader& out);

// Smallest legal payload length for a requested size.
inline size_t effective_payload_size(size_t requested) {
  return requested < kPayloadHeaderSize ? kPayloadHeaderSize : requested;
}

}  // namespace ringcast::loadgen
