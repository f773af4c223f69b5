// Unit tests for multi-endpoint runs: endpoint options, where connections go,
// per-node receiver counts, which expectation applies, and the verdict when
// expected deliveries come from the plan (publishes x subscribers).
#include <gtest/gtest.h>

#include <string>

#include "options.h"
#include "payload.h"
#include "plan.h"
#include "probe.h"
#include "result.h"
#include "topology.h"

using namespace ringcast::loadgen;

TEST(Endpoints, ParseAndReject) {
  Endpoint e = parse_endpoint("127.0.0.1:7001");
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 7001);
  EXPECT_EQ(e.str(), "127.0.0.1:7001");
  EXPECT_EQ(parse_endpoint_list("127.0.0.1:1,,10.0.0.2:2").size(), 2u);
  EXPECT_THROW(parse_endpoint("127.0.0.1"), OptionError);
  EXPECT_THROW(parse_endpoint("127.0.0.1:0"), OptionError);
  EXPECT_THROW(parse_endpoint("127.0.0.1:70000"), OptionError);
  EXPECT_THROW(parse_endpoint("localhost:7001"), OptionError);  // IPv4 literals, as --host
  EXPECT_THROW(parse_endpoint(":7001"), OptionError);
  EXPECT_THROW(parse_endpoint_list(","), OptionError);
}

TEST(Endpoints, DefaultsAndEndpointsFlag) {
  Options o = parse_cli({"--port", "7000"});
  ASSERT_EQ(publish_endpoints(o).size(), 1u);
  EXPECT_EQ(publish_endpoints(o)[0].str(), "127.0.0.1:7000");
  EXPECT_EQ(subscribe_endpoints(o)[0].str(), "127.0.0.1:7000");
  EXPECT_FALSE(plan_expectations(o));

  o = parse_cli({"--scenario", "cluster", "--endpoints", "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3"});
  ASSERT_EQ(o.publish_to.size(), 1u);
  EXPECT_EQ(o.publish_to[0].port, 1);
  ASSERT_EQ(o.subscribe_to.size(), 2u);
  EXPECT_EQ(o.subscribe_to[1].port, 3);
  EXPECT_TRUE(plan_expectations(o));
  EXPECT_EQ(o.sizes, std::vector<uint64_t>{64});

  o = parse_cli({"--endpoints", "127.0.0.1:5"});  // one endpoint does both
  EXPECT_EQ(o.subscribe_to[0].port, 5);
  EXPECT_FALSE(plan_expectations(o));
  // The same address listed twice is still one node.
  o = parse_cli({"--endpoints", "127.0.0.1:5,127.0.0.1:5,127.0.0.1:5"});
  EXPECT_FALSE(plan_expectations(o));
  EXPECT_TRUE(parse_cli({"--endpoints", "127.0.0.1:5", "--expect", "plan"}).expect == "plan");
  EXPECT_FALSE(plan_expectations(parse_cli({"--publish-to", "127.0.0.1:5", "--subscribe-to", "127.0.0.1:6",
                                            "--expect", "replies"})));
  EXPECT_THROW(parse_cli({"--expect", "maybe"}), OptionError);
  // What a churner should get cannot be planned.
  EXPECT_THROW(parse_cli({"--scenario", "churn", "--endpoints", "127.0.0.1:1,127.0.0.1:2"}), OptionError);
  EXPECT_EQ(parse_cli({"--server-pid", "10,20"}).server_pids, (std::vector<int>{10, 20}));
  EXPECT_THROW(parse_cli({"--server-pid", "0"}), OptionError);
}

TEST(Topology, RoundRobinAndLocalReceivers) {
  // 10 subscribers on 4 channels over two subscribe nodes; publishers on a third.
  Options o = parse_cli({"--subscribers", "10", "--channels", "4", "--publishers", "3", "--endpoints",
                         "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3"});
  Plan plan(o);
  Topology t(o, plan);
  ASSERT_EQ(t.nodes().size(), 3u);
  EXPECT_TRUE(t.planned());
  EXPECT_EQ(t.publisher_node(0), 0u);
  EXPECT_EQ(t.publisher_node(2), 0u);
  EXPECT_EQ(t.subscriber_node(0), 1u);
  EXPECT_EQ(t.subscriber_node(1), 2u);
  EXPECT_EQ(t.subscriber_node(4), 1u);
  EXPECT_EQ(t.publish_nodes(), std::vector<uint32_t>{0});
  EXPECT_EQ(t.subscribe_nodes(), (std::vector<uint32_t>{1, 2}));
  // Channel j % 4, node 1 + j % 2: node 1 holds even subscribers (channels 0 and 2).
  EXPECT_EQ(t.local_receivers(1, 0), 3u);  // subscribers 0, 4, 8
  EXPECT_EQ(t.local_receivers(2, 0), 0u);
  EXPECT_EQ(t.local_receivers(2, 1), 3u);  // 1, 5, 9
  EXPECT_EQ(t.local_receivers(0, 1), 0u);  // a publish node without subscribers replies 0
  EXPECT_EQ(t.channels_on(1), (std::vector<uint32_t>{0, 2}));
  for (uint32_t c = 0; c < plan.channel_count(); ++c) {
    uint32_t sum = 0;
    for (uint32_t n = 0; n < t.nodes().size(); ++n) sum += t.local_receivers(n, c);
    EXPECT_EQ(sum, plan.receivers(c)) << c;  // every subscriber is on exactly one node
  }
}

TEST(Topology, PatternModeCountsMatchingPatterns) {
  Options o = parse_cli({"--patterns", "6", "--subscribers", "3", "--nonmatching", "50", "--publish-to",
                         "127.0.0.1:1", "--subscribe-to", "127.0.0.1:1,127.0.0.1:2"});
  Plan plan(o);
  Topology t(o, plan);
  ASSERT_EQ(t.nodes().size(), 2u);
  // Subscriber j holds patterns j and j+3; subscribers 0 and 2 are on node 0.
  EXPECT_EQ(t.channels_on(0), (std::vector<uint32_t>{0, 2, 3, 5}));
  EXPECT_EQ(t.channels_on(1), (std::vector<uint32_t>{1, 4}));
  for (uint32_t c = 6; c < plan.channel_count(); ++c) EXPECT_EQ(t.local_receivers(0, c) + t.local_receivers(1, c), 0u);
  EXPECT_EQ(plan.subscribe_channels_command({1, 4}),
            "*3\r\n$10\r\nPSUBSCRIBE\r\n$6\r\nlg:1:*\r\n$6\r\nlg:4:*\r\n");
  EXPECT_EQ(plan.unsubscribe_all_command(), "*1\r\n$12\r\nPUNSUBSCRIBE\r\n");
}

TEST(Topology, SingleNodeKeepsReplyIdentity) {
  Options o = parse_cli({"--subscribers", "5", "--endpoints", "127.0.0.1:9,127.0.0.1:9"});
  Plan plan(o);
  Topology t(o, plan);
  EXPECT_TRUE(t.single_node());
  EXPECT_FALSE(t.planned());
  EXPECT_EQ(t.local_receivers(0, 0), plan.receivers(0));
}

TEST(Probe, PayloadsAreNeverRunPayloads) {
  EXPECT_TRUE(is_probe_payload("ringcast-loadgen-probe 0 17"));
  EXPECT_FALSE(is_probe_payload("ringcast-loadgen"));
  std::string run(kPayloadHeaderSize, '\0');
  PayloadHeader h;
  h.length = kPayloadHeaderSize;
  encode_payload(h, run.data());
  EXPECT_FALSE(is_probe_payload(run));
  PayloadHeader out;
  EXPECT_NE(decode_payload("ringcast-loadgen-probe 0 17 and some more filler bytes", out), PayloadStatus::kOk);
}

namespace {
// A cross-node run: 2 publishers on node A, 100 subscribers of one channel on B and C.
Options cluster_options() {
  return parse_cli({"--scenario", "cluster", "--endpoints", "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3"});
}
}  // namespace

TEST(PlannedVerdict, ExpectedIsPublishesTimesSubscribers) {
  Options o = cluster_options();
  RunResult r;
  r.window_s = 1;
  Counters& t = r.totals;
  // 1000 measured publishes answered; node A has no subscribers, so each reply is 0.
  t[kPublishesMeasured] = t[kRepliesMeasured] = 1000;
  t[kReplySumMeasured] = 0;
  t[kFastExpectedMeasured] = t[kFastExpectedAll] = 1000 * 100;
  t[kFastDeliveriesMeasured] = t[kFastDeliveriesAll] = t[kDeliveriesMeasured] = 1000 * 100;
  r.finish(o);
  EXPECT_TRUE(r.verified) << (r.problems.empty() ? "" : r.problems[0]);
  EXPECT_EQ(r.expected, 100000u);

  // One subscriber on a node without its route misses the last 7 messages: loss, not success.
  t[kFastDeliveriesMeasured] -= 7;
  t[kFastDeliveriesAll] -= 7;
  r.finish(o);
  EXPECT_FALSE(r.verified);
  EXPECT_EQ(r.lost, 7u);

  // Warm-up deliveries count too: flow control can stop a lossy run before its window.
  t[kFastDeliveriesMeasured] += 7;
  t[kFastExpectedAll] += 500;
  t[kFastDeliveriesAll] += 7 + 400;
  r.finish(o);
  EXPECT_FALSE(r.verified);
  EXPECT_EQ(r.lost, 0u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("100 lost from warm-up"), std::string::npos) << r.problems[0];

  // A reply that counts another node's receivers is a failure, named as such.
  t[kFastDeliveriesAll] += 100;
  t[kReplyMismatch] = 1;
  r.finish(o);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("publisher's node"), std::string::npos) << r.problems[0];
}

TEST(PlannedVerdict, SingleNodeStillUsesReplySum) {
  Options o = parse_cli({"--scenario", "cluster"});
  RunResult r;
  r.window_s = 1;
  r.totals[kPublishesMeasured] = r.totals[kRepliesMeasured] = 10;
  r.totals[kReplySumMeasured] = r.totals[kReplySumAll] = 1000;
  r.totals[kDeliveriesMeasured] = r.totals[kDeliveriesAll] = 1000;
  r.totals[kFastExpectedMeasured] = 5;  // ignored on one node
  r.finish(o);
  EXPECT_TRUE(r.verified);
  EXPECT_EQ(r.expected, 1000u);
}
