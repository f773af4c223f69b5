// What a valid config loads to: the shipped file, empty documents, and every key read into its field.
#include <gtest/gtest.h>

#include <string>

#include "config.h"
#include "load_helpers.h"

namespace ringcast::config {
namespace {

using test_support::load;

void expect_same(const OutputLimit& actual, const OutputLimit& expected, const std::string& name) {
  EXPECT_EQ(actual.hard_bytes, expected.hard_bytes) << name;
  EXPECT_EQ(actual.soft_bytes, expected.soft_bytes) << name;
  EXPECT_EQ(actual.soft_seconds, expected.soft_seconds) << name;
}

void expect_defaults(const Config& config) {
  const Config defaults;
  EXPECT_EQ(config.bind, defaults.bind);
  EXPECT_EQ(config.port, defaults.port);
  EXPECT_EQ(config.shards, defaults.shards);
  EXPECT_EQ(config.tcp_backlog, defaults.tcp_backlog);
  EXPECT_EQ(config.maxclients, defaults.maxclients);
  EXPECT_EQ(config.io, defaults.io);
  EXPECT_EQ(config.log_level, defaults.log_level);
  EXPECT_EQ(config.log_file, defaults.log_file);
  EXPECT_EQ(config.max_bulk_len, defaults.max_bulk_len);
  EXPECT_EQ(config.query_buffer_limit, defaults.query_buffer_limit);
  expect_same(config.pubsub_output, defaults.pubsub_output, "pubsub");
  expect_same(config.normal_output, defaults.normal_output, "normal");
  EXPECT_EQ(config.shutdown_timeout_ms, defaults.shutdown_timeout_ms);
  EXPECT_EQ(config.timeout_seconds, defaults.timeout_seconds);
  EXPECT_EQ(config.tcp_keepalive_seconds, defaults.tcp_keepalive_seconds);
  EXPECT_EQ(config.max_subscriptions, defaults.max_subscriptions);
  EXPECT_EQ(config.max_output_memory, defaults.max_output_memory);
  EXPECT_EQ(config.output_policy, defaults.output_policy);
  EXPECT_EQ(config.requirepass, defaults.requirepass);
  EXPECT_TRUE(config.users.empty());
}

TEST(ShippedConfig, LoadsToTheDefaults) {
  const Config config = load_file(RINGCAST_SHIPPED_CONFIG);
  expect_defaults(config);
  // The shipped file should state Redis's values, not just agree with config.h.
  EXPECT_EQ(config.port, 6379);
  EXPECT_EQ(config.max_bulk_len, 536870912u);
  EXPECT_EQ(config.pubsub_output.hard_bytes, 33554432u);
  EXPECT_EQ(config.pubsub_output.soft_bytes, 8388608u);
  EXPECT_EQ(config.pubsub_output.soft_seconds, 60u);
  EXPECT_EQ(config.timeout_seconds, 0u);
  EXPECT_EQ(config.tcp_keepalive_seconds, 300u);
  EXPECT_EQ(config.max_subscriptions, 0u);
  EXPECT_EQ(config.max_output_memory, 0u);
  EXPECT_EQ(config.output_policy, OutputPolicy::disconnect);
  EXPECT_EQ(config.requirepass, "");
  EXPECT_EQ(config.source, RINGCAST_SHIPPED_CONFIG);
}

TEST(EmptyConfig, MeansAllDefaults) {
  for (const char* yaml :
       {"", "\n\n", "# every line commented out\n", "---\n", "~\n", "null\n", "port: 6379\n---\n"}) {
    SCOPED_TRACE(testing::Message() << "yaml: '" << yaml << "'");
    expect_defaults(load(yaml));
  }
}

TEST(EmptyConfig, SectionsWithEveryLineCommentedOutKeepTheirDefaults) {
  expect_defaults(load("log:\n  # level: debug\nlimits:\n  output:\n    pubsub:\n    normal:\n"));
}

TEST(EveryKey, IsReadIntoItsField) {
  const Config config = load(R"(
bind: 0.0.0.0
port: 7000
shards: 4
tcp_backlog: 1024
maxclients: 500
log:
  level: debug
  file: /var/log/ringcast.log
limits:
  max_bulk_len: 1mb
  query_buffer: 2gb
  output:
    pubsub: {hard: 64mb, soft: 16mb, soft_seconds: 30}
    normal:
      hard: 1g
      soft: 1m
      soft_seconds: 5
shutdown_timeout: 2.5
timeout: 30
tcp_keepalive: 60
requirepass: hunter2
users:
  alice: "on >s3cret +@pubsub &news.*"
)");
  EXPECT_EQ(config.bind, "0.0.0.0");
  EXPECT_EQ(config.port, 7000);
  EXPECT_EQ(config.shards, 4u);
  EXPECT_EQ(config.tcp_backlog, 1024u);
  EXPECT_EQ(config.maxclients, 500u);
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_EQ(config.log_file, "/var/log/ringcast.log");
  EXPECT_EQ(config.max_bulk_len, 1048576u);
  EXPECT_EQ(config.query_buffer_limit, 2147483648u);
  expect_same(config.pubsub_output, {64ull << 20, 16ull << 20, 30}, "pubsub");
  expect_same(config.normal_output, {1000000000, 1000000, 5}, "normal");
  EXPECT_EQ(config.shutdown_timeout_ms, 2500u);
  EXPECT_EQ(config.timeout_seconds, 30u);
  EXPECT_EQ(config.tcp_keepalive_seconds, 60u);
  EXPECT_EQ(config.requirepass, "hunter2");
  ASSERT_EQ(config.users.size(), 1u);
  EXPECT_EQ(config.users[0].name, "alice");
}

TEST(EveryKey, LeavesTheOthersAtTheirDefaults) {
  const Config config = load("limits:\n  output:\n    normal: {soft_seconds: 9}\n");
  EXPECT_EQ(config.normal_output.soft_seconds, 9u);
  EXPECT_EQ(config.normal_output.hard_bytes, 0u);
  expect_same(config.pubsub_output, Config{}.pubsub_output, "pubsub");
  EXPECT_EQ(config.port, Config{}.port);
}

TEST(Shards, AutoMeansOnePerCpuWhichIsStoredAsZero) {
  EXPECT_EQ(load("shards: 8\n").shards, 8u);
  EXPECT_EQ(load("shards: auto\n").shards, 0u);
  EXPECT_EQ(load("shards: AUTO\n").shards, 0u);
  EXPECT_EQ(load("shards: 1\n").shards, 1u);
  EXPECT_EQ(load("shards: 64\n").shards, 64u);
}

TEST(Io, NamesTheBackendInAnyCaseAndDefaultsToAuto) {
  EXPECT_EQ(Config{}.io, IoBackend::automatic);
  EXPECT_EQ(load("io: auto\n").io, IoBackend::automatic);
  EXPECT_EQ(load("io: uring\n").io, IoBackend::uring);
  EXPECT_EQ(load("io: EPOLL\n").io, IoBackend::epoll);
  EXPECT_EQ(test_support::error_from("port: 7000\nio: io_uring\n"),
            "test.yaml:2: io: expected one of auto, uring, epoll, got 'io_uring'");
  EXPECT_EQ(test_support::error_from("io: [epoll]\n").substr(0, 15), "test.yaml:1: io");
}

TEST(LogLevel, AcceptsEverySpdlogNameInAnyCaseAndStoresItLowerCase) {
  for (const std::string level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    EXPECT_EQ(load("log: {level: " + level + "}").log_level, level);
  }
  EXPECT_EQ(load("log: {level: WARN}").log_level, "warn");
}

TEST(LogFile, LeftEmptyMeansStandardError) {
  EXPECT_EQ(load("log: {file: /tmp/x.log}").log_file, "/tmp/x.log");
  EXPECT_EQ(load("log:\n  file: \"\"\n").log_file, "");
  EXPECT_EQ(load("log:\n  file:\n").log_file, "");
}

TEST(Integers, AcceptTheBoundsOfTheirRanges) {
  EXPECT_EQ(load("port: 1").port, 1);
  EXPECT_EQ(load("port: 65535").port, 65535);
  EXPECT_EQ(load("port: \"7001\"").port, 7001);  // quoting a number is harmless
  EXPECT_EQ(load("tcp_backlog: 1").tcp_backlog, 1u);
  EXPECT_EQ(load("tcp_backlog: 65535").tcp_backlog, 65535u);
  EXPECT_EQ(load("maxclients: 1").maxclients, 1u);
  EXPECT_EQ(load("maxclients: 1000000").maxclients, 1000000u);
  EXPECT_EQ(load("limits: {output: {pubsub: {soft_seconds: 4294967295}}}").pubsub_output.soft_seconds,
            4294967295u);
}

TEST(Sizes, AcceptPlainBytesUnitsAndTheBoundsOfTheirRanges) {
  EXPECT_EQ(load("limits: {max_bulk_len: 1}").max_bulk_len, 1u);
  EXPECT_EQ(load("limits: {max_bulk_len: 1gb}").max_bulk_len, 1073741824u);
  EXPECT_EQ(load("limits: {max_bulk_len: 1048576}").max_bulk_len, 1048576u);
  EXPECT_EQ(load("limits: {max_bulk_len: 100K}").max_bulk_len, 100000u);
  EXPECT_EQ(load("limits: {query_buffer: 1mb}").query_buffer_limit, 1048576u);
  EXPECT_EQ(load("limits: {query_buffer: 16GB}").query_buffer_limit, 17179869184u);
  EXPECT_EQ(load("limits: {output: {normal: {hard: 0, soft: 0}}}").normal_output.hard_bytes, 0u);
}

TEST(ShutdownTimeout, IsSecondsWithFractionsStoredAsMilliseconds) {
  EXPECT_EQ(load("shutdown_timeout: 0").shutdown_timeout_ms, 0u);
  EXPECT_EQ(load("shutdown_timeout: 0.25").shutdown_timeout_ms, 250u);
  EXPECT_EQ(load("shutdown_timeout: 30").shutdown_timeout_ms, 30000u);
  EXPECT_EQ(load("shutdown_timeout: 3600").shutdown_timeout_ms, 3600000u);
}

TEST(YamlFeatures, AnchorsAndAliasesShareOneLimitBetweenClientClasses) {
  const Config config = load(R"(
limits:
  output:
    pubsub: &same {hard: 1mb, soft: 512kb, soft_seconds: 10}
    normal: *same
)");
  expect_same(config.normal_output, {1048576, 524288, 10}, "normal");
  expect_same(config.pubsub_output, config.normal_output, "pubsub");
}

}  // namespace
}  // namespace ringcast::config
