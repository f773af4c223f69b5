// Where each connection goes, and what that means for verification. On one
// node the server's PUBLISH reply counts every receiver, so the sum of replies
// is the exact number of deliveries owed. Across cluster nodes a reply counts
// only the receivers on the node it was sent to, so the deliveries owed come
// from the plan instead: each publish is owed once to every subscriber of its
// channel, wherever that subscriber is connected, and each reply must equal
// the planned receivers on the publisher's own node.
#pragma once

#include <cstdint>
#include <vector>

#include "options.h"
#include "plan.h"

namespace ringcast::loadgen {

// True when expected deliveries come from the plan: --expect plan, or auto
// with endpoints that name more than one node.
bool plan_expectations(const Options& o);

class Topology {
 public:
  Topology(const Options& o, const Plan& plan);

  // Distinct endpoints ("nodes"), publish endpoints first, in order of appearance.
  const std::vector<Endpoint>& nodes() const { return nodes_; }
  bool single_node() const { return nodes_.size() == 1; }
  bool planned() const { return planned_; }

  // Node index of publisher p, stable subscriber j, churning subscriber n.
  uint32_t publisher_node(uint32_t p) const { return pub_[p % pub_.size()]; }
  uint32_t subscriber_node(uint32_t j) const { return sub_[j % sub_.size()]; }
  uint32_t churner_node(uint64_t n) const { return sub_[n % sub_.size()]; }
  // Distinct nodes publishers / subscribers use.
  std::vector<uint32_t> publish_nodes() const { return distinct(pub_); }
  std::vector<uint32_t> subscribe_nodes() const { return distinct(sub_); }

  // Stable subscribers of channel index c connected to `node`: what a PUBLISH
  // on c sent to that node must reply (the whole plan.receivers(c) on one node).
  uint32_t local_receivers(uint32_t node, uint32_t c) const { return local_[node][c]; }
  // Channel indices with at least one stable subscriber on `node`.
  std::vector<uint32_t> channels_on(uint32_t node) const;

 private:
  static std::vector<uint32_t> distinct(const std::vector<uint32_t>& v);
  uint32_t node_index(const Endpoint& e);

  std::vector<Endpoint> nodes_;
  std::vector<uint32_t> pub_;  // node of each --publish-to entry
  std::vector<uint32_t> sub_;  // node of each --subscribe-to entry
  std::vector<std::vector<uint32_t>> local_;  // [node][channel] stable subscribers
  bool planned_ = false;
};

}  // namespace ringcast::loadgen
