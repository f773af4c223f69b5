// How Redis's stringmatchlen reads a pattern, shared by glob.cpp's two
// matchers so that they cannot disagree on syntax: what one element (anything
// but '*') is and where it ends. Internal to broker/pubsub.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>

namespace ringcast::pubsub::glob_syntax {

// Reads the class whose '[' is at pattern[open]: calls byte(c) for each
// single byte and range(lo, hi) for each range (bounds as Redis compares
// them: signed chars, swapped when reversed). Returns whether it is negated
// and sets `next` just past the class. An unterminated class ends with the
// pattern; a trailing '\' inside it is a literal backslash.
template <class OnByte, class OnRange>
bool read_class(std::string_view pattern, size_t open, size_t& next, OnByte&& byte, OnRange&& range) {
  const size_t m = pattern.size();
  size_t i = open + 1;
  const bool negate = i < m && pattern[i] == '^';
  if (negate) ++i;
  while (true) {
    if (m - i >= 2 && pattern[i] == '\\') {
      ++i;
      byte(pattern[i]);
    } else if (i < m && pattern[i] == ']') {
      break;
    } else if (i >= m) {
      break;
    } else if (m - i >= 3 && pattern[i + 1] == '-') {
      // Redis compares plain (signed, on x86) chars, so bytes >= 0x80 sort
      // below '\0' in ranges.
      int lo = static_cast<signed char>(pattern[i]);
      int hi = static_cast<signed char>(pattern[i + 2]);
      if (lo > hi) std::swap(lo, hi);
      range(lo, hi);
      i += 2;
    } else {
      byte(pattern[i]);
    }
    ++i;
  }
  next = i < m ? i + 1 : m;
  return negate;
}

// The byte a literal element at pattern[p] stands for ('\x' escapes; a
// trailing '\' is itself), moving `p` past it.
inline char read_literal(std::string_view pattern, size_t& p) {
  if (pattern[p] == '\\' && pattern.size() - p >= 2) ++p;
  return pattern[p++];
}

}  // namespace ringcast::pubsub::glob_syntax
