// Payload encoding and verification; see payload.h for the layout.
#include "payload.h"

#include <cstring>

namespace ringcast::loadgen {
namespace {

constexpr uint64_t kP1 = 0x9E3779B185EBCA87ull;
constexpr uint64_t kP2 = 0xC2B2AE3D27D4EB4Full;

inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

inline uint64_t load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline uint64_t fmix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

inline uint64_t splitmix(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

template <typename T>
inline void put(char* out, size_t off, T v) {
  std::memcpy(out + off, &v, sizeof v);
}
template <typename T>
inline T get(const char* in, size_t off) {
  T v;
  std::memcpy(&v, in + off, sizeof v);
  return v;
}

constexpr size_t kChecksumOffset = 32;

inline void stripe(uint64_t v[4], const unsigned char* p) {
  v[0] = rotl(v[0] + load64(p) * kP2, 31) * kP1;
  v[1] = rotl(v[1] + load64(p + 8) * kP2, 31) * kP1;
  v[2] = rotl(v[2] + load64(p + 16) * kP2, 31) * kP1;
  v[3] = rotl(v[3] + load64(p + 24) * kP2, 31) * kP1;
}

// One pass over header bytes [0, 32) and the filler [40, length): the header
// is exactly one 32-byte stripe, so the two ranges hash as one stream and the
// common 64-byte payload costs a single finalisation.
uint64_t payload_checksum(const char* data, size_t length) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  uint64_t v[4] = {kP1, kP2, 0, ~kP1};
  stripe(v, p);
  p += kPayloadHeaderSize;
  size_t n = length - kPayloadHeaderSize;
  for (; n >= 32; n -= 32, p += 32) stripe(v, p);
  uint64_t h = rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18) + length * kP1;
  for (; n >= 8; n -= 8, p += 8) h = rotl(h ^ (load64(p) * kP2), 27) * kP1;
  if (n > 0) {
    uint64_t tail = 0;
    std::memcpy(&tail, p, n);
    h = rotl(h ^ (tail * kP1), 23) * kP2;
  }
  return fmix(h);
}

}  // namespace

uint64_t checksum64(const void* data, size_t n, uint64_t seed) {
  // Four independent lanes keep the multipliers busy (xxh64-style rounds).
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = seed + kP2 + n * kP1;
  if (n >= 32) {
    uint64_t v1 = seed + kP1, v2 = seed ^ kP2, v3 = seed, v4 = seed - kP1;
    const unsigned char* end = p + (n & ~size_t{31});
    for (; p < end; p += 32) {
      v1 = rotl(v1 + load64(p) * kP2, 31) * kP1;
      v2 = rotl(v2 + load64(p + 8) * kP2, 31) * kP1;
      v3 = rotl(v3 + load64(p + 16) * kP2, 31) * kP1;
      v4 = rotl(v4 + load64(p + 24) * kP2, 31) * kP1;
    }
    h ^= rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    n &= 31;
  }
  for (; n >= 8; n -= 8, p += 8) h = rotl(h ^ (load64(p) * kP2), 27) * kP1;
  if (n > 0) {
    uint64_t tail = 0;
    std::memcpy(&tail, p, n);
    h = rotl(h ^ (tail * kP1), 23) * kP2;
  }
  return fmix(h);
}

void encode_payload(const PayloadHeader& h, char* out) {
  put<uint16_t>(out, 0, kPayloadMagic);
  put<uint16_t>(out, 2, h.flags);
  put<uint32_t>(out, 4, h.publisher);
  put<uint32_t>(out, 8, h.channel);
  put<uint32_t>(out, 12, h.length);
  put<uint64_t>(out, 16, h.seq);
  put<uint64_t>(out, 24, h.send_ns);
  uint64_t state = (uint64_t{h.publisher} << 32 | h.channel) * kP1 ^ h.seq;
  size_t i = kPayloadHeaderSize;
  for (; i + 8 <= h.length; i += 8) put<uint64_t>(out, i, splitmix(state));
  if (i < h.length) {
    uint64_t last = splitmix(state);
    std::memcpy(out + i, &last, h.length - i);
  }
  put<uint64_t>(out, kChecksumOffset, payload_checksum(out, h.length));
}

PayloadStatus decode_payload(std::string_view bytes, PayloadHeader& out) {
  if (bytes.size() < kPayloadHeaderSize) return PayloadStatus::kTooShort;
  const char* p = bytes.data();
  if (get<uint16_t>(p, 0) != kPayloadMagic) return PayloadStatus::kBadMagic;
  uint32_t length = get<uint32_t>(p, 12);
  if (length != bytes.size()) return PayloadStatus::kBadLength;
  if (get<uint64_t>(p, kChecksumOffset) != payload_checksum(p, length)) return PayloadStatus::kBadChecksum;
  out.flags = get<uint16_t>(p, 2);
  out.publisher = get<uint32_t>(p, 4);
  out.channel = get<uint32_t>(p, 8);
  out.length = length;
  out.seq = get<uint64_t>(p, 16);
  out.send_ns = get<uint64_t>(p, 24);
  return PayloadStatus::kOk;
}

}  // namespace ringcast::loadgen
