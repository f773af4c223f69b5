// `ringcast-loadgen report`: reads result files and prints a comparison table,
// medians over repeated runs, and ratios against a baseline target.
#pragma once

#include <string>
#include <vector>

namespace ringcast::loadgen {

// Returns the process exit status (0 ok, 1 some run failed verification, 2 bad input).
int run_report(const std::vector<std::string>& args);

}  // namespace ringcast::loadgen
