// YAML scenario files: a flat map whose keys are loadgen's flag names
// (`scenario: fanout`, `subscribers: 1000`, `sizes: [64, 1k]`).
#pragma once

#include <string>
#include <string_view>

#include "options.h"

namespace ringcast::loadgen {

// Applies a scenario file on top of `o`. A `scenario:` key is applied first
// (it resets the shape), then the other keys in file order. Throws OptionError
// with "FILE:LINE: ..." on unknown keys or bad values.
void load_scenario_file(Options& o, const std::string& path);

// Same, from YAML text; `origin` names it in errors.
void apply_scenario_yaml(Options& o, std::string_view yaml, std::string_view origin);

}  // namespace ringcast::loadgen
