// timeout, tcp_keepalive, limits.max_subscriptions, limits.max_output_memory
// and limits.output.policy: defaults, valid values, and every way to get them wrong.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "config.h"
#include "load_helpers.h"

namespace ringcast::config {
namespace {

using test_support::load;
using test_support::error_from;

TEST(ReliabilityDefaults, AsRedisShipsThem) {
  const Config config = load("");
  EXPECT_EQ(config.timeout_seconds, 0u);
  EXPECT_EQ(config.tcp_keepalive_seconds, 300u);
  EXPECT_EQ(config.max_subscriptions, 0u);
  EXPECT_EQ(config.max_output_memory, 0u);
  EXPECT_EQ(config.output_policy, OutputPolicy::disconnect);
}

TEST(Timeout, SecondsWithZeroForNever) {
  EXPECT_EQ(load("timeout: 0").timeout_seconds, 0u);
  EXPECT_EQ(load("timeout: 300").timeout_seconds, 300u);
  EXPECT_EQ(load("timeout: 2147483647").timeout_seconds, 2147483647u);
}

TEST(Timeout, Errors) {
  EXPECT_EQ(error_from("timeout: soon\n"),
            "test.yaml:1: timeout: expected an integer from 0 to 2147483647, got 'soon'");
  EXPECT_EQ(error_from("port: 1\ntimeout: [1]\n"),
            "test.yaml:2: timeout: expected an integer from 0 to 2147483647, got a list");
  EXPECT_EQ(error_from("timeout: 2147483648\n"),
            "test.yaml:1: timeout: out of range: must be from 0 to 2147483647, got '2147483648'");
  EXPECT_EQ(error_from("timeout: -1\n"), "test.yaml:1: timeout: out of range: must be from 0 to 2147483647, got '-1'");
  EXPECT_EQ(error_from("timeout: 1.5\n"), "test.yaml:1: timeout: expected an integer from 0 to 2147483647, got '1.5'");
}

TEST(TcpKeepalive, SecondsWithZeroForOff) {
  EXPECT_EQ(load("tcp_keepalive: 0").tcp_keepalive_seconds, 0u);
  EXPECT_EQ(load("tcp_keepalive: 60").tcp_keepalive_seconds, 60u);
  EXPECT_EQ(load("tcp_keepalive: 32767").tcp_keepalive_seconds, 32767u);
}

TEST(TcpKeepalive, Errors) {
  EXPECT_EQ(error_from("tcp_keepalive: {a: 1}\n"),
            "test.yaml:1: tcp_keepalive: expected an integer from 0 to 32767, got a map");
  EXPECT_EQ(error_from("tcp_keepalive: 32768\n"),
            "test.yaml:1: tcp_keepalive: out of range: must be from 0 to 32767, got '32768'");
  EXPECT_EQ(error_from("tcp_keepalive: 5m\n"),
            "test.yaml:1: tcp_keepalive: expected an integer from 0 to 32767, got '5m'");
  EXPECT_EQ(error_from("tcp-keepalive: 60\n"),
            "test.yaml:1: tcp-keepalive: unknown key; did you mean 'tcp_keepalive'?");
}

TEST(MaxSubscriptions, CountWithZeroForUnlimited) {
  EXPECT_EQ(load("limits: {max_subscriptions: 0}").max_subscriptions, 0u);
  EXPECT_EQ(load("limits: {max_subscriptions: 10000}").max_subscriptions, 10000u);
  EXPECT_EQ(load("limits: {max_subscriptions: 4294967295}").max_subscriptions, 4294967295u);
}

TEST(MaxSubscriptions, Errors) {
  EXPECT_EQ(error_from("limits:\n  max_subscriptions: many\n"),
            "test.yaml:2: limits.max_subscriptions: expected an integer from 0 to 4294967295, got 'many'");
  EXPECT_EQ(error_from("limits:\n  max_subscriptions: 4294967296\n"),
            "test.yaml:2: limits.max_subscriptions: out of range: must be from 0 to 4294967295, got '4294967296'");
  EXPECT_EQ(error_from("limits:\n  max_subscriptions: -5\n"),
            "test.yaml:2: limits.max_subscriptions: out of range: must be from 0 to 4294967295, got '-5'");
  EXPECT_EQ(error_from("limits:\n  max_subscriptions: [1]\n"),
            "test.yaml:2: limits.max_subscriptions: expected an integer from 0 to 4294967295, got a list");
}

TEST(MaxOutputMemory, SizeWithZeroForUnlimited) {
  EXPECT_EQ(load("limits: {max_output_memory: 0}").max_output_memory, 0u);
  EXPECT_EQ(load("limits: {max_output_memory: 2gb}").max_output_memory, 2147483648u);
  EXPECT_EQ(load("limits: {max_output_memory: 100m}").max_output_memory, 100000000u);
  EXPECT_EQ(load("limits: {max_output_memory: 12345}").max_output_memory, 12345u);
}

TEST(MaxOutputMemory, Errors) {
  EXPECT_EQ(error_from("limits:\n  max_output_memory: lots\n"),
            "test.yaml:2: limits.max_output_memory: expected a size like 32mb (bytes, or a number with k, kb, m, mb, "
            "g or gb), got 'lots'");
  EXPECT_EQ(error_from("limits:\n  max_output_memory: -1mb\n"),
            "test.yaml:2: limits.max_output_memory: out of range: must be from 0 to 18446744073709551615, got "
            "'-1mb'");
  EXPECT_EQ(error_from("limits:\n  max_output_memory: 17179869184gb\n")
                .find("test.yaml:2: limits.max_output_memory: out of range"),
            0u);
  EXPECT_EQ(error_from("limits:\n  max_output_memory: {hard: 1}\n"),
            "test.yaml:2: limits.max_output_memory: expected a size like 32mb (bytes, or a number with k, kb, m, mb, "
            "g or gb), got a map");
}

TEST(OutputPolicy, EitherValueInAnyCase) {
  EXPECT_EQ(load("limits: {output: {policy: disconnect}}").output_policy, OutputPolicy::disconnect);
  EXPECT_EQ(load("limits: {output: {policy: drop-oldest}}").output_policy, OutputPolicy::drop_oldest);
  EXPECT_EQ(load("limits: {output: {policy: Drop-Oldest}}").output_policy, OutputPolicy::drop_oldest);
}

TEST(OutputPolicy, PolicySitsBesideTheClientClasses) {
  const Config config = load("limits:\n  output:\n    pubsub: {hard: 1mb}\n    policy: drop-oldest\n");
  EXPECT_EQ(config.pubsub_output.hard_bytes, 1048576u);
  EXPECT_EQ(config.output_policy, OutputPolicy::drop_oldest);
}

TEST(OutputPolicy, BadValueNamesTheAllowedOnes) {
  EXPECT_EQ(error_from("limits:\n  output:\n    policy: drop\n"),
            "test.yaml:3: limits.output.policy: expected one of disconnect, drop-oldest, got 'drop'");
  EXPECT_EQ(error_from("limits:\n  output:\n    policy: drop_oldest\n"),
            "test.yaml:3: limits.output.policy: expected one of disconnect, drop-oldest, got 'drop_oldest'");
  EXPECT_EQ(error_from("limits:\n  output:\n    policy: [disconnect]\n"),
            "test.yaml:3: limits.output.policy: expected one of disconnect, drop-oldest, got a list");
  EXPECT_EQ(error_from("limits:\n  output:\n    policy:\n"),
            "test.yaml:3: limits.output.policy: expected one of disconnect, drop-oldest, got nothing");
}

TEST(ReliabilityKeys, RepeatedKeyIsRejected) {
  EXPECT_EQ(error_from("timeout: 1\ntimeout: 2\n"), "test.yaml:2: timeout: duplicate key; first set on line 1");
}

}  // namespace
}  // namespace ringcast::config
