// The connections that have output to write, visited once per loop iteration.
// Walking only these (instead of every connection) keeps a loop iteration's
// cost proportional to the work, not to the number of clients.
#pragma once

#include <vector>

namespace ringcast::output {

// T needs a `bool armed` member: set while it sits in the queue, so it is
// pushed once however many messages it gets.
template <class T>
class ArmQueue {
 public:
  void mark(T* item) {
    if (item->armed) return;
    item->armed = true;
    pending_.push_back(item);
  }

  // Takes the queue by swap first, so a visit may mark the same item again
  // for the next iteration without disturbing this walk.
  template <class Visit>
  void drain(Visit&& visit) {
    walking_.swap(pending_);
    for (T* item : walking_) {
      item->armed = false;
      visit(item);
    }
    walking_.clear();
  }

  bool empty() const { return pending_.empty(); }

 private:
  std::vector<T*> pending_;
  std::vector<T*> walking_;
};

}  // namespace ringcast::output
