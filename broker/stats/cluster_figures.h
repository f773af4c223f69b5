// The cluster bridge's state and counters, as INFO's # Cluster section, the
// /stats JSON and /metrics show them. Pure data: renderers include it
// without NATS.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ringcast::stats {

struct ClusterFigures {
  std::string status;  // connecting, connected, reconnecting, disconnected, draining, closed
  std::string server;  // the NATS server connected to, empty when none
  uint64_t subjects = 0;         // NATS subscriptions held for local interest
  uint64_t messages_out = 0;     // local publishes passed to NATS
  uint64_t bytes_out = 0;        // their payload bytes
  uint64_t messages_in = 0;      // messages received from NATS
  uint64_t bytes_in = 0;         // their payload bytes
  uint64_t forward_dropped = 0;  // publishes dropped: the queue to the bridge was full
  uint64_t forward_failed = 0;   // publishes NATS refused (buffer full while reconnecting, too large, ...)
  uint64_t in_dropped = 0;       // incoming messages dropped because local delivery fell behind (per shard copy)
  uint64_t reconnects = 0;
  uint64_t disconnects = 0;
  uint64_t pending_bytes = 0;  // queued for the bridge now
};

// INFO's field names and values in INFO's order, after cluster_enabled:1;
// `emit(name, value)` gets a string or a uint64_t.
template <class Emit>
void for_each_cluster_field(const ClusterFigures& f, Emit&& emit) {
  emit(std::string_view("cluster_mode"), std::string("nats"));
  emit(std::string_view("nats_status"), f.status);
  emit(std::string_view("nats_server"), f.server);
  emit(std::string_view("nats_subjects"), f.subjects);
  emit(std::string_view("nats_messages_out"), f.messages_out);
  emit(std::string_view("nats_bytes_out"), f.bytes_out);
  emit(std::string_view("nats_messages_in"), f.messages_in);
  emit(std::string_view("nats_bytes_in"), f.bytes_in);
  emit(std::string_view("nats_forward_dropped"), f.forward_dropped);
  emit(std::string_view("nats_forward_failed"), f.forward_failed);
  emit(std::string_view("nats_in_dropped"), f.in_dropped);
  emit(std::string_view("nats_reconnects"), f.reconnects);
  emit(std::string_view("nats_disconnects"), f.disconnects);
  emit(std::string_view("nats_pending_bytes"), f.pending_bytes);
}

}  // namespace ringcast::stats
