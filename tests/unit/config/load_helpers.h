// Loading YAML text in the config tests: the config, or the exact error it gives.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "config.h"

namespace ringcast::config::test_support {

inline Config load(std::string_view yaml) { return load_string(yaml, "test.yaml"); }

// The message ConfigError carries for `yaml`, or a test failure if it loads.
inline std::string error_from(std::string_view yaml) {
  try {
    load_string(yaml, "test.yaml");
  } catch (const ConfigError& error) {
    return error.what();
  }
  ADD_FAILURE() << "loaded without error:\n" << yaml;
  return {};
}

}  // namespace ringcast::config::test_support
