// Endpoint placement and per-node receiver counts; see topology.h.
#include "topology.h"

#include <algorithm>

namespace ringcast::loadgen {

bool plan_expectations(const Options& o) {
  if (o.expect != "auto") return o.expect == "plan";
  std::vector<Endpoint> all = publish_endpoints(o);
  for (const Endpoint& e : subscribe_endpoints(o)) all.push_back(e);
  return std::any_of(all.begin(), all.end(), [&](const Endpoint& e) { return !(e == all.front()); });
}

uint32_t Topology::node_index(const Endpoint& e) {
  auto it = std::find(nodes_.begin(), nodes_.end(), e);
  if (it != nodes_.end()) return static_cast<uint32_t>(it - nodes_.begin());
  nodes_.push_back(e);
  return static_cast<uint32_t>(nodes_.size() - 1);
}

Topology::Topology(const Options& o, const Plan& plan) : planned_(plan_expectations(o)) {
  for (const Endpoint& e : publish_endpoints(o)) pub_.push_back(node_index(e));
  for (const Endpoint& e : subscribe_endpoints(o)) sub_.push_back(node_index(e));
  local_.assign(nodes_.size(), std::vector<uint32_t>(plan.channel_count(), 0));
  for (uint32_t j = 0; j < o.subscribers; ++j) {
    std::vector<uint32_t>& counts = local_[subscriber_node(j)];
    if (!o.pattern_mode()) {
      counts[j % o.channels]++;  // the one channel plan.owns() gives j
      continue;
    }
    for (uint32_t c = 0; c < plan.channel_count(); ++c)
      if (plan.owns(j, c)) counts[c]++;
  }
}

std::vector<uint32_t> Topology::channels_on(uint32_t node) const {
  std::vector<uint32_t> cs;
  for (uint32_t c = 0; c < local_[node].size(); ++c)
    if (local_[node][c] > 0) cs.push_back(c);
  return cs;
}

std::vector<uint32_t> Topology::distinct(const std::vector<uint32_t>& v) {
  std::vector<uint32_t> out;
  for (uint32_t n : v)
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  return out;
}

}  // namespace ringcast::loadgen
