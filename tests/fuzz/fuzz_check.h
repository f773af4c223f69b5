// Shared by the fuzz targets: an invariant check that aborts with its text
// (libFuzzer then saves the input), and an exactly sized copy of the input so
// ASan flags a read of even one byte past it.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

namespace fuzz {

[[noreturn]] inline void violation(const char* what, const char* file, int line) {
  std::fprintf(stderr, "\n%s:%d: invariant violated: %s\n", file, line, what);
  std::abort();
}

#define FUZZ_CHECK(cond)                                     \
  do {                                                       \
    if (!(cond)) ::fuzz::violation(#cond, __FILE__, __LINE__); \
  } while (0)

class ExactBuffer {
 public:
  ExactBuffer(const void* data, size_t size) : data_(new char[size == 0 ? 1 : size]), size_(size) {
    if (size != 0) std::memcpy(data_.get(), data, size);
  }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_;
};

}  // namespace fuzz
