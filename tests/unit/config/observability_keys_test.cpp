// The log format/rotation and metrics (HTTP listener) keys: defaults, values
// read, and errors that name the key and line.
#include <gtest/gtest.h>

#include <string>

#include "config.h"
#include "load_helpers.h"

namespace ringcast::config {
namespace {

using test_support::load;
using test_support::error_from;

TEST(ObservabilityKeys, DefaultsAreOffAndPlainText) {
  const Config c = load("");
  EXPECT_EQ(c.log_format, "text");
  EXPECT_EQ(c.log_max_size, 0u);
  EXPECT_EQ(c.log_max_files, 5u);
  EXPECT_FALSE(c.metrics.enabled);
  EXPECT_EQ(c.metrics.bind, "127.0.0.1");
  EXPECT_EQ(c.metrics.port, 9121);
  EXPECT_EQ(c.metrics.max_connections, 64u);
  EXPECT_EQ(c.metrics.max_connections_per_ip, 24u);
  EXPECT_EQ(c.metrics.timeout_seconds, 10u);
}

TEST(ObservabilityKeys, AreRead) {
  const Config c = load(
      "log: {format: json, max_size: 10mb, max_files: 3}\n"
      "metrics: {enabled: true, bind: 0.0.0.0, port: 9200, max_body: 64kb, max_connections: 8,\n"
      "          max_connections_per_ip: 2, timeout: 30}\n");
  EXPECT_EQ(c.log_format, "json");
  EXPECT_EQ(c.log_max_size, 10u << 20);
  EXPECT_EQ(c.log_max_files, 3u);
  EXPECT_TRUE(c.metrics.enabled);
  EXPECT_EQ(c.metrics.bind, "0.0.0.0");
  EXPECT_EQ(c.metrics.port, 9200);
  EXPECT_EQ(c.metrics.max_body, 64u << 10);
  EXPECT_EQ(c.metrics.max_connections, 8u);
  EXPECT_EQ(c.metrics.max_connections_per_ip, 2u);
  EXPECT_EQ(c.metrics.timeout_seconds, 30u);
}

TEST(ObservabilityKeys, ErrorsNameTheKeyAndLine) {
  EXPECT_EQ(error_from("log:\n  format: xml\n").rfind("test.yaml:2: log.format:", 0), 0u)
      << error_from("log:\n  format: xml\n");
  EXPECT_EQ(error_from("metrics:\n  enabled: maybe\n").rfind("test.yaml:2: metrics.enabled:", 0), 0u)
      << error_from("metrics:\n  enabled: maybe\n");
  EXPECT_EQ(error_from("metrics: {port: 70000}\n").rfind("test.yaml:1: metrics.port:", 0), 0u)
      << error_from("metrics: {port: 70000}\n");
  EXPECT_EQ(error_from("log: {max_files: 0}\n").rfind("test.yaml:1: log.max_files:", 0), 0u)
      << error_from("log: {max_files: 0}\n");
  for (const char* yaml : {"metrics:\n  max_connections_per_ip: 0\n", "metrics:\n  max_connections_per_ip: lots\n",
                           "metrics:\n  timeout: 0\n", "metrics:\n  timeout: 3601\n", "metrics:\n  timeout: 1.5\n"}) {
    const std::string key = std::string(yaml).find("timeout") != std::string::npos ? "metrics.timeout:"
                                                                                    : "metrics.max_connections_per_ip:";
    EXPECT_EQ(error_from(yaml).rfind("test.yaml:2: " + key, 0), 0u) << error_from(yaml);
  }
  EXPECT_NE(error_from("metrics: {colour: red}\n").find("metrics.colour: unknown key"), std::string::npos)
      << error_from("metrics: {colour: red}\n");
}

}  // namespace
}  // namespace ringcast::config
