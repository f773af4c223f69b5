// Drives one run from the main thread: resolve the target, start workers, wait
// for subscriptions, step through warm-up, measure and drain, print progress,
// and collect the RunResult.
#pragma once

#include <string>

#include "options.h"
#include "result.h"

namespace ringcast::loadgen {

// Returns false (with `error` set) if the run could not take place at all
// (server unreachable, subscriptions not confirmed in time).
bool execute_run(const Options& o, RunResult& result, std::string& error);

}  // namespace ringcast::loadgen
