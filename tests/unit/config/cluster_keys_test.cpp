// cluster.nats: defaults (standalone), a full section, and the mistakes an
// operator can make, each named by file, line and key.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "config.h"
#include "load_helpers.h"

namespace ringcast::config {
namespace {

using test_support::load;
using test_support::error_from;

TEST(ClusterKeys, StandaloneByDefault) {
  const Config c = load("");
  EXPECT_FALSE(c.cluster.enabled());
  EXPECT_EQ(c.cluster.nats.subject_prefix, "ringcast");
  EXPECT_EQ(c.cluster.nats.max_pending, 64ull << 20);
  EXPECT_EQ(c.cluster.nats.reconnect_wait_ms, 250u);
  EXPECT_FALSE(load("cluster:\n  nats:\n    servers: []\n").cluster.enabled());
}

TEST(ClusterKeys, FullSection) {
  const Config c = load(
      "cluster:\n"
      "  nats:\n"
      "    servers: [nats://127.0.0.1:4222, tls://nats-2:4222]\n"
      "    name: node-1\n"
      "    subject_prefix: apps.chat-1\n"
      "    user: alice\n"
      "    password: s3cret\n"
      "    tls: {ca: /etc/ca.pem, cert: /etc/c.pem, key: /etc/c.key}\n"
      "    max_pending: 1mb\n"
      "    reconnect_wait: 0.5\n");
  const NatsConfig& n = c.cluster.nats;
  EXPECT_TRUE(c.cluster.enabled());
  EXPECT_EQ(n.servers, (std::vector<std::string>{"nats://127.0.0.1:4222", "tls://nats-2:4222"}));
  EXPECT_EQ(n.name, "node-1");
  EXPECT_EQ(n.subject_prefix, "apps.chat-1");
  EXPECT_EQ(n.user, "alice");
  EXPECT_EQ(n.password, "s3cret");
  EXPECT_TRUE(n.tls);
  EXPECT_EQ(n.tls_ca, "/etc/ca.pem");
  EXPECT_EQ(n.tls_cert, "/etc/c.pem");
  EXPECT_EQ(n.tls_key, "/etc/c.key");
  EXPECT_EQ(n.max_pending, 1024u * 1024);
  EXPECT_EQ(n.reconnect_wait_ms, 500u);
  EXPECT_EQ(load("cluster: {nats: {servers: nats://h:1, token: t}}").cluster.nats.token, "t");
}

TEST(ClusterKeys, Errors) {
  EXPECT_EQ(error_from("cluster:\n  nats:\n    server: [nats://a:1]\n"),
            "test.yaml:3: cluster.nats.server: unknown key; did you mean 'servers'?");
  EXPECT_EQ(error_from("cluster:\n  nats:\n    servers: [127.0.0.1:4222]\n"),
            "test.yaml:3: cluster.nats.servers[0]: expected a NATS server URL like nats://127.0.0.1:4222 (or "
            "tls://...), got '127.0.0.1:4222'");
  EXPECT_EQ(error_from("cluster: {nats: {servers: [nats://a:1], subject_prefix: a.*}}\n"),
            "test.yaml:1: cluster.nats.subject_prefix: expected NATS subject tokens like ringcast or apps.chat "
            "(letters, digits, _ and -, separated by dots), got 'a.*'");
  EXPECT_NE(error_from("cluster: {nats: {subject_prefix: a..b}}\n").find("subject_prefix: expected"), std::string::npos);
  EXPECT_NE(error_from("cluster: {nats: {subject_prefix: .a}}\n").find("subject_prefix: expected"), std::string::npos);
  EXPECT_EQ(error_from("cluster:\n  nats:\n    servers: [nats://a:1]\n    password: x\n"),
            "test.yaml:4: cluster.nats.password: needs a user");
  EXPECT_EQ(error_from("cluster:\n  nats:\n    user: u\n    token: t\n"),
            "test.yaml:4: cluster.nats.token: give a token or a user and password, not both");
  EXPECT_EQ(error_from("cluster:\n  nats:\n    tls:\n      cert: c.pem\n"),
            "test.yaml:3: cluster.nats.tls: cert and key go together: give both or neither");
  EXPECT_EQ(error_from("cluster:\n  nats:\n    max_pending: 1kb\n"),
            "test.yaml:3: cluster.nats.max_pending: out of range: must be from 64kb to 16gb, got '1kb'");
  EXPECT_EQ(error_from("cluster:\n  nats:\n    reconnect_wait: 0\n"),
            "test.yaml:3: cluster.nats.reconnect_wait: out of range: must be from 0.01 to 60 seconds, got '0'");
  EXPECT_EQ(error_from("cluster: [a]\n"), "test.yaml:1: cluster: expected a map of settings, got a list");
}

TEST(ClusterKeys, UrlPasswordsNeverShow) {
  EXPECT_EQ(redact_urls("nats://alice:s3cret@10.0.0.1:4222"), "nats://***@10.0.0.1:4222");
  EXPECT_EQ(redact_urls("[nats://a:b@h:1, tls://h2:2]"), "[nats://***@h:1, tls://h2:2]");
  EXPECT_EQ(redact_urls("cannot connect to nats://u:p@host: refused; tried tls://t@h2"),
            "cannot connect to nats://***@host: refused; tried tls://***@h2");
  EXPECT_EQ(redact_urls("nats://h:4222/path@x and no password"), "nats://h:4222/path@x and no password");
  EXPECT_EQ(redact_urls("nothing to hide"), "nothing to hide");
  EXPECT_EQ(redact_urls("nats://"), "nats://");
  // A config error quoting a bad URL does not repeat its password.
  const std::string error = error_from("cluster:\n  nats:\n    servers: ['nats://u:pw@a b']\n");
  EXPECT_EQ(error.find("pw"), std::string::npos) << error;
  EXPECT_NE(error.find("cluster.nats.servers[0]"), std::string::npos) << error;
}

}  // namespace
}  // namespace ringcast::config
