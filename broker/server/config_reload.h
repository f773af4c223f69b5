// What a SIGHUP reload changes: which settings differ between the running
// configuration and the file, split into those applied live and those that
// need a restart.
#pragma once

#include <string>
#include <vector>

#include "config.h"

namespace ringcast {

struct ConfigChanges {
  std::vector<std::string> applied;         // "limits.query_buffer: 1073741824 -> 1048576"
  std::vector<std::string> need_restart;    // "port: 6379 -> 6380 (needs a restart; kept 6379)"
};

ConfigChanges compare_configs(const config::Config& running, const config::Config& loaded);

// The configuration to run with after a reload: `loaded`, but with the
// settings that need a restart kept as they are.
config::Config merge_reloadable(const config::Config& running, const config::Config& loaded);

}  // namespace ringcast
