// A growable byte buffer with a read offset, for replies split across reads:
// bytes are received straight into its tail and consumed from its head, so a
// large frame is copied once (by the kernel), not once more per read.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

namespace ringcast::loadgen {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  ~ByteBuffer() { std::free(data_); }
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;

  const char* data() const { return data_ + head_; }
  size_t size() const { return tail_ - head_; }
  bool empty() const { return head_ == tail_; }

  // Room for at least n more bytes at the tail; returns where to write them.
  char* prepare(size_t n) {
    if (tail_ + n > cap_ && head_ > 0) {  // slide the unread part to the front first
      std::memmove(data_, data_ + head_, tail_ - head_);
      tail_ -= head_;
      head_ = 0;
    }
    if (tail_ + n > cap_) {
      size_t cap = cap_ ? cap_ : 4096;
      while (cap < tail_ + n) cap *= 2;
      char* p = static_cast<char*>(std::realloc(data_, cap));
      if (p == nullptr) throw std::bad_alloc();
      data_ = p;
      cap_ = cap;
    }
    return data_ + tail_;
  }
  void commit(size_t n) { tail_ += n; }
  void append(const char* p, size_t n) {
    std::memcpy(prepare(n), p, n);
    commit(n);
  }
  void consume(size_t n) {
    head_ += n;
    if (head_ == tail_) {
      head_ = tail_ = 0;
      if (cap_ > kKeep) {  // idle subscribers should not sit on big buffers
        std::free(data_);
        data_ = nullptr;
        cap_ = 0;
      }
    }
  }

 private:
  static constexpr size_t kKeep = 16 * 1024;
  char* data_ = nullptr;
  size_t head_ = 0, tail_ = 0, cap_ = 0;
};

}  // namespace ringcast::loadgen
