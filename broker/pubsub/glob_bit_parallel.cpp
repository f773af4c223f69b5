// The bit-parallel glob matcher (shift-and over the pattern's elements): the
// set of pattern positions the subject read so far can have reached, one bit
// each, advanced a whole 64 positions per word operation. Its cost is
// subject x (pattern / 64) plus a table of 256 rows, whatever the pattern's
// shape: glob.cpp falls back to it when backtracking would take longer.
#include <bitset>
#include <cstdint>
#include <vector>

#include "pubsub/glob.h"
#include "pubsub/glob_syntax.h"

namespace ringcast::pubsub::detail {
namespace {

// Redis's cut-off after 1000 nested '*' (see glob.cpp).
constexpr size_t kMaxStarGroups = 1000;
constexpr size_t kNone = static_cast<size_t>(-1);

// State j: the first j single-byte elements have matched. A '*' between
// elements j-1 and j lets state j read any byte and stay (`stars` bit j).
struct Compiled {
  size_t words = 0;
  size_t elements = 0;
  std::vector<uint64_t> rows;   // 256 x words: bit j of row c = element j accepts byte c
  std::vector<uint64_t> any;    // words: the '?' elements, which accept every byte
  std::vector<uint64_t> stars;  // words
  size_t cutoff_state = kNone;  // where the 1001st '*' group that is not trailing sits
};

void set_bit(uint64_t* words, size_t j) { words[j / 64] |= uint64_t(1) << (j % 64); }
bool has_bit(const std::vector<uint64_t>& words, size_t j) { return (words[j / 64] >> (j % 64)) & 1; }

void compile(std::string_view pattern, Compiled& c, size_t& steps) {
  const size_t m = pattern.size();
  c.words = (m + 1) / 64 + 1;
  c.rows.assign(256 * c.words, 0);
  c.any.assign(c.words, 0);
  c.stars.assign(c.words, 0);
  c.cutoff_state = kNone;
  steps += 256 * c.words;
  size_t j = 0;
  size_t star_groups = 0;
  for (size_t p = 0; p < m;) {
    ++steps;
    if (pattern[p] == '*') {
      while (p < m && pattern[p] == '*') ++p;
      set_bit(c.stars.data(), j);
      // A trailing group ends the match at once in Redis: never counted.
      if (p < m && ++star_groups == kMaxStarGroups + 1) c.cutoff_state = j;
      continue;
    }
    std::bitset<256> accepts;
    if (pattern[p] == '?') {
      set_bit(c.any.data(), j++);
      ++p;
      continue;
    }
    if (pattern[p] == '[') {
      const bool negate = glob_syntax::read_class(
          pattern, p, p, [&](char b) { accepts.set(static_cast<unsigned char>(b)); },
          [&](int lo, int hi) {
            for (int v = lo; v <= hi; ++v) accepts.set(static_cast<unsigned char>(static_cast<signed char>(v)));
          });
      if (negate) accepts.flip();
    } else {
      const auto byte = static_cast<unsigned char>(glob_syntax::read_literal(pattern, p));
      set_bit(&c.rows[byte * c.words], j++);
      continue;
    }
    for (size_t b = 0; b < 256; ++b)
      if (accepts[b]) set_bit(&c.rows[b * c.words], j);
    steps += 256;
    ++j;
  }
  c.elements = j;
}

}  // namespace

bool glob_match_bit_parallel(std::string_view pattern, std::string_view subject, size_t& steps) {
  // Redis 7 never enters its loop for an empty subject, so "*" does not match "".
  if (subject.empty()) return pattern.empty();
  // Reused by the thread: no allocation once it has seen its longest pattern.
  thread_local Compiled c;
  thread_local std::vector<uint64_t> state;
  compile(pattern, c, steps);
  const size_t accept = c.elements;
  const bool trailing_star = has_bit(c.stars, accept);
  state.assign(c.words, 0);
  state[0] = 1;
  for (const char ch : subject) {
    // Before each byte, as Redis meets a '*' with input left.
    if (c.cutoff_state != kNone && has_bit(state, c.cutoff_state)) return false;
    if (trailing_star && has_bit(state, accept)) return true;
    const uint64_t* row = &c.rows[static_cast<unsigned char>(ch) * c.words];
    uint64_t carry = 0;
    uint64_t live = 0;
    for (size_t w = 0; w < c.words; ++w) {
      const uint64_t advanced = state[w] & (row[w] | c.any[w]);
      const uint64_t next = (advanced << 1) | carry | (state[w] & c.stars[w]);
      carry = advanced >> 63;
      state[w] = next;
      live |= next;
    }
    steps += c.words;
    if (live == 0) return false;
  }
  return has_bit(state, accept);
}

}  // namespace ringcast::pubsub::detail
