// The io_uring backend's user_data codec: every kind and every 32-bit index
// (a connection id, or a socket for a failed hand-off) survive the round trip.
#include <gtest/gtest.h>

#include <set>

#include "io/uring_user_data.h"

namespace ringcast::io::uring {
namespace {

constexpr Op kAll[] = {Op::Accept, Op::Recv,    Op::Write,        Op::Tick,   Op::Wake,
                       Op::NewConn, Op::Handoff, Op::ExternalWake, Op::Ignored};

TEST(UserData, RoundTripsEveryKindAndIndex) {
  for (Op op : kAll) {
    for (uint32_t index : {0u, 1u, 7u, 65535u, 65536u, 0x7fffffffu, 0xffffffffu}) {
      const uint64_t tag = pack(op, index);
      EXPECT_EQ(op_of(tag), op) << int(op) << " " << index;
      EXPECT_EQ(index_of(tag), index) << int(op) << " " << index;
    }
  }
}

TEST(UserData, KindsNeverCollide) {
  std::set<uint64_t> tags;
  for (Op op : kAll)
    for (uint32_t index : {0u, 0xffffffffu}) EXPECT_TRUE(tags.insert(pack(op, index)).second);
}

TEST(UserData, NoKindIsZero) {
  // A zeroed user_data (e.g. a stray completion) must not read as a request.
  for (Op op : kAll) {
    EXPECT_NE(pack(op, 0), 0u);
    EXPECT_NE(int(op_of(0)), int(op));
  }
}

TEST(UserData, IsAConstantExpression) {
  static_assert(op_of(pack(Op::Write, 42)) == Op::Write);
  static_assert(index_of(pack(Op::Recv, 0xdeadbeef)) == 0xdeadbeef);
}

}  // namespace
}  // namespace ringcast::io::uring
