// The subscription-churn mode (`--sub-churn channel|pattern`, scenarios
// `subscription-churn` and `subscription-churn-patterns`): how fast a server
// takes one-name (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE commands, the traffic of
// chat rooms, per-user channels and request/reply patterns.
//
// Each of --subscribers connections writes batches of --batch pairs
// `SUBSCRIBE name` / `UNSUBSCRIBE name` (a fresh name per pair), keeps
// --pipeline batches unanswered, and checks every confirmation in order:
// its kind, its name, and its count (1 after the subscribe, 0 after the
// unsubscribe: the connection holds nothing else). One op is one command.
// Any wrong or missing confirmation fails the run (exit 1).
#pragma once

#include "options.h"

namespace ringcast::loadgen {

// Runs the mode, prints its summary (and writes --json); returns the exit
// status: 0 verified, 1 verification failed, 2 could not run.
int run_sub_churn(const Options& o);

}  // namespace ringcast::loadgen
