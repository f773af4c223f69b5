// The connections that have output to write, visited once per loop iteration.
// Walking only these (instead of every connection) keeps a loop iteration's
// cost proportional to the work, not to the number of clients.
#pragma once

#include <vector>

namespace ringcast::output {

// `Flag` is T's member that is set while the item sits in this queue, so it
// is pushed once however many messages it gets (one flag per queue an item
// may sit in).
template <class T, bool T::*Flag = &T::armed>
class ArmQueue {
 public:
  void mark(T* item) {
    if (item->*Flag) return;
    item->*Flag = true;
    pending_.push_back(item);
  }

  // Takes the queue by swap first, so a visit may mark the same item again
  // for the next iteration without disturbing this walk.
  template <class Visit>
  void drain(Visit&& visit) {
    walking_.swap(pending_);
    for (T* item : walking_) {
      item->*Flag = false;
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
