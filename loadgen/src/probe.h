// Cross-node readiness. A subscription confirmed on one cluster node reaches
// the other nodes only once NATS has propagated the interest, so a publish on
// node A right after the confirmation on node B may not reach B yet. Before
// warm-up, a probe subscriber on every subscribe node subscribes to the
// channels that node's subscribers use, and a probe publisher on every publish
// node publishes a probe on each of them, again every 100 ms, until one of
// each has arrived. Probes travel on the real channels, so they prove the
// routes of the very subjects the run uses (not just of some other subject);
// the run's subscribers recognise probes and ignore them.
#pragma once

#include <string>
#include <string_view>

#include "run_context.h"

namespace ringcast::loadgen {

// Probe payloads: this prefix, then "<publish node> <channel index>". It cannot
// be mistaken for a run payload, whose first two bytes are the "RL" magic.
inline constexpr std::string_view kProbePrefix = "ringcast-loadgen-probe ";

inline bool is_probe_payload(std::string_view payload) { return payload.starts_with(kProbePrefix); }

// Probes every (publish node, subscribe node) pair of ctx.topo, then drops the
// probe subscriptions again (confirmed), so they change no PUBLISH reply of the
// run. Returns an empty string when every probe arrived within `timeout_s`,
// else what did not.
std::string wait_for_routes(const RunContext& ctx, double timeout_s);

// Resume runs, before any subscriber connects: checks that every channel
// keeps history (HISTORY answers) and publishes one probe-prefixed message on
// each, so its stream exists and has an epoch when the subscribers' first
// `RESUME channel 0 0` arrives. On a stream that does not exist yet that
// RESUME confirms epoch 0, and the epoch made by the first publish is never
// told to a live subscriber: its next resume could not recover. Returns an
// empty string on success, else what went wrong.
std::string prime_history(const RunContext& ctx, double timeout_s);

}  // namespace ringcast::loadgen
