// The per-shard registry: active counts drive the directory's shard bits,
// and each subscription serves exactly the messages routed while it counted.
#include "pubsub/local_registry.h"

#include <gtest/gtest.h>

namespace ringcast::pubsub {
namespace {

struct Sub {};

TEST(LocalRegistry, ActiveCountsIgnoreRetiredEntries) {
  LocalRegistry<Sub> r;
  Sub a, b;
  r.add(Kind::Channel, "c", &a, 10);
  r.add(Kind::Channel, "c", &b, 11);
  EXPECT_EQ(r.active(Kind::Channel, "c"), 2u);
  r.retire(Kind::Channel, "c", &a, 12);
  EXPECT_EQ(r.active(Kind::Channel, "c"), 1u);
  ASSERT_NE(r.find(Kind::Channel, "c"), nullptr);
  EXPECT_EQ(r.find(Kind::Channel, "c")->entries.size(), 2u);  // still serving what was routed before 12
  r.remove(Kind::Channel, "c", &a);
  r.remove(Kind::Channel, "c", &b);
  EXPECT_EQ(r.find(Kind::Channel, "c"), nullptr);
  EXPECT_EQ(r.active(Kind::Channel, "c"), 0u);
}

TEST(LocalRegistry, EntriesServeTheVersionsTheyWereCountedFor) {
  LocalRegistry<Sub> r;
  Sub a;
  r.add(Kind::Pattern, "n*", &a, 5);
  r.retire(Kind::Pattern, "n*", &a, 9);
  const auto& e = r.find(Kind::Pattern, "n*")->entries.front();
  EXPECT_FALSE(e.receives(4));  // routed before the subscription: not counted, not delivered
  EXPECT_TRUE(e.receives(5));
  EXPECT_TRUE(e.receives(8));   // counted before the unsubscribe: still delivered
  EXPECT_FALSE(e.receives(9));
}

TEST(LocalRegistry, KindsAreSeparate) {
  LocalRegistry<Sub> r;
  Sub a;
  r.add(Kind::ShardChannel, "x", &a, 1);
  EXPECT_EQ(r.find(Kind::Channel, "x"), nullptr);
  EXPECT_EQ(r.active(Kind::ShardChannel, "x"), 1u);
}

}  // namespace
}  // namespace ringcast::pubsub
