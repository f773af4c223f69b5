// ACL LOG's grouping, order and bound (Redis 7.0's addACLLogEntry), and the
// refusal counters INFO shows.
#include "acl/access_log.h"

#include <gtest/gtest.h>

#include <string>

namespace ringcast::acl {
namespace {

AccessLogEntry entry(Denial reason, std::string object, std::string user, std::string client = "id=1") {
  AccessLogEntry e;
  e.reason = reason;
  e.context = "toplevel";
  e.object = std::move(object);
  e.username = std::move(user);
  e.client_info = std::move(client);
  return e;
}

TEST(AccessLog, RepeatsWithinAMinuteAreOneEntryMovedToTheFront) {
  AccessLog log;
  log.add(entry(Denial::auth, "AUTH", "bob", "id=1"), 1000);
  log.add(entry(Denial::command, "publish", "alice"), 2000);
  log.add(entry(Denial::auth, "AUTH", "bob", "id=7"), 3000);
  const auto entries = log.newest(10);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].object, "AUTH");
  EXPECT_EQ(entries[0].count, 2u);
  EXPECT_EQ(entries[0].created_ms, 3000);
  EXPECT_EQ(entries[0].client_info, "id=7");  // the latest client's
  EXPECT_EQ(entries[1].object, "publish");
  EXPECT_EQ(entries[1].count, 1u);
}

TEST(AccessLog, ADifferenceInAnyKeyOrAnOldEntryStartsANewOne) {
  AccessLog log;
  log.add(entry(Denial::auth, "AUTH", "bob"), 0);
  log.add(entry(Denial::auth, "auth", "bob"), 1);   // object as typed
  log.add(entry(Denial::auth, "AUTH", "bobby"), 2);  // user
  log.add(entry(Denial::channel, "AUTH", "bob"), 3);  // reason
  AccessLogEntry http = entry(Denial::auth, "AUTH", "bob");
  http.context = "http";
  log.add(std::move(http), 4);
  log.add(entry(Denial::auth, "AUTH", "bob"), AccessLog::kGroupingMs + 1);  // the first is too old
  EXPECT_EQ(log.newest(100).size(), 6u);
}

TEST(AccessLog, KeepsTheNewest128) {
  AccessLog log;
  for (int i = 0; i < 200; ++i) log.add(entry(Denial::channel, "ch" + std::to_string(i), "u"), i);
  const auto entries = log.newest(1000);
  ASSERT_EQ(entries.size(), AccessLog::kMaxEntries);
  EXPECT_EQ(entries.front().object, "ch199");
  EXPECT_EQ(entries.back().object, "ch72");
  EXPECT_EQ(log.newest(3).size(), 3u);
  EXPECT_EQ(log.newest(0).size(), 0u);
}

TEST(AccessLog, CountersSurviveReset) {
  AccessLog log;
  log.add(entry(Denial::auth, "AUTH", "x"), 0);
  log.add(entry(Denial::auth, "AUTH", "x"), 1);
  log.add(entry(Denial::command, "info", "x"), 2);
  log.add(entry(Denial::channel, "secret", "x"), 3);
  log.reset();
  EXPECT_TRUE(log.newest(10).empty());
  const AccessDenials d = log.denials();
  EXPECT_EQ(d.auth, 2u);
  EXPECT_EQ(d.command, 1u);
  EXPECT_EQ(d.channel, 1u);
}

}  // namespace
}  // namespace ringcast::acl
