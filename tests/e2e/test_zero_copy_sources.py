# Zero-copy fan-out for messages that do not come from a local PUBLISH (ringcast only): an HTTP
# POST /publish (metrics listener on an ephemeral port) and a message from another node through
# NATS are held once for all stalled subscribers, RESP2 and RESP3, not once per subscriber.

import http.client
import json
import re
import unittest

from cluster_testcase import ClusterTestCase, skip_unless_ringcast_cluster
from harness import RawClient, ServerTestCase, cmd, skip_unless_ringcast
from zero_copy_check import CHANNEL, SUBSCRIBERS, Subscribers, check_zero_copy

METRICS = "metrics:\n  enabled: true\n  bind: 127.0.0.1\n  port: 0\n  max_body: 2mb\n"
HTTP_BODY = 1 << 20  # messages per POST: an array up to about this many bytes of payload


def http_port(test, server):
    line = server.wait_for_log("HTTP listening on 127.0.0.1:", timeout=5)
    test.assertIsNotNone(line, "no HTTP listener line in the log")
    return int(re.search(r"HTTP listening on 127\.0\.0\.1:(\d+)", line).group(1))


def publish_over_http(test, port):
    """A send_all that POSTs the payloads to /publish in arrays of about HTTP_BODY bytes."""
    def send_all(payloads):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            i = 0
            while i < len(payloads):
                batch, size = [], 0
                while i < len(payloads) and (not batch or size + len(payloads[i]) <= HTTP_BODY):
                    batch.append({"channel": CHANNEL.decode(), "message": payloads[i].decode()})
                    size += len(payloads[i])
                    i += 1
                conn.request("POST", "/publish", body=json.dumps(batch), headers={"Content-Type": "application/json"})
                reply = conn.getresponse()
                body = reply.read()
                test.assertEqual(reply.status, 200, body)
                test.assertEqual(json.loads(body), [{"receivers": SUBSCRIBERS}] * len(batch))
        finally:
            conn.close()
    return send_all


@skip_unless_ringcast("the HTTP API is ringcast's")
class HttpZeroCopyTest(ServerTestCase):
    def check(self, size):
        self.server = self.start_server(shards=2, config_text=METRICS)
        port = http_port(self, self.server)
        subs = Subscribers(self, self.server.port)
        pub = RawClient(self.server.port, timeout=30)
        self.addCleanup(pub.close)
        subs.fill(pub)
        check_zero_copy(self, self.server, subs, size, publish_over_http(self, port))

    def test_513_byte_messages_over_http(self):
        self.check(513)

    def test_64_kib_messages_over_http(self):
        self.check(64 * 1024)


@skip_unless_ringcast_cluster
class RemoteZeroCopyTest(ClusterTestCase):
    def check(self, size):
        nats = self.start_nats(1)
        sender, receiver = self.start_nodes(nats, count=2)
        self.server = receiver
        # The receiver's interest in the channel must reach the sender through NATS first: one
        # subscriber that reads takes probes until they arrive, before the stalled ones join the
        # same subject (so they are owed no probe).
        self.sync_interest(self.client(sender.port), [self.sub(receiver, "SUBSCRIBE", CHANNEL)], CHANNEL)
        subs = Subscribers(self, receiver.port)
        filler = RawClient(receiver.port, timeout=30)
        self.addCleanup(filler.close)
        subs.fill(filler)
        check_zero_copy(self, receiver, subs, size, publish_remote(self, sender.port))

    def test_513_byte_messages_from_another_node(self):
        self.check(513)

    def test_64_kib_messages_from_another_node(self):
        self.check(64 * 1024)


def publish_remote(test, port):
    """A send_all that PUBLISHes on the other node (whose own count is 0)."""
    def send_all(payloads):
        pub = RawClient(port, timeout=30)
        try:
            pub.send(b"".join(cmd("PUBLISH", CHANNEL, p) for p in payloads))
            got = pub.read_exact(4 * len(payloads), timeout=60)
            test.assertEqual(got, b":0\r\n" * len(payloads), "the sender node has no subscriber of its own")
        finally:
            pub.close()
    return send_all


if __name__ == "__main__":
    unittest.main()
