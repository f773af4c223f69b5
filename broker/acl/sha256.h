// SHA-256 (FIPS 180-4), so ACL passwords can be kept and compared as digests,
// as Redis does, without a crypto library.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ringcast::acl {

using Sha256Digest = std::array<uint8_t, 32>;

// Incremental hashing: update() any number of times, then finish() once.
class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  Sha256Digest finish();

 private:
  void compress(const uint8_t* block);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> block_{};
  size_t block_used_ = 0;
  uint64_t total_bytes_ = 0;
};

Sha256Digest sha256(std::string_view data);

// 64 lower-case hex digits, the form ACL GETUSER shows and `#hash` rules take.
std::string to_hex(const Sha256Digest& digest);
// Accepts exactly 64 lower-case hex digits, as Redis does for `#` and `!` rules.
bool parse_hex_digest(std::string_view hex, Sha256Digest& out);

// Compares without an early exit, so the time taken says nothing of where two
// digests first differ.
bool digests_equal(const Sha256Digest& a, const Sha256Digest& b);

}  // namespace ringcast::acl
