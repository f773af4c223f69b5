// Scenario file loading with yaml-cpp; every value goes through apply_option,
// so a file and the command line accept exactly the same things.
#include "scenario_file.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace ringcast::loadgen {
namespace {

std::string scalar_text(const YAML::Node& v, std::string_view origin, std::string_view key) {
  if (v.IsScalar()) return v.Scalar();
  if (v.IsSequence()) {  // sizes: [64, 1k] -> "64,1k"
    std::string joined;
    for (const auto& item : v) {
      if (!item.IsScalar())
        throw OptionError(fmt::format("{}:{}: {}: expected a list of scalars", origin, item.Mark().line + 1, key));
      joined += (joined.empty() ? "" : ",") + item.Scalar();
    }
    return joined;
  }
  throw OptionError(fmt::format("{}:{}: {}: expected a value", origin, v.Mark().line + 1, key));
}

}  // namespace

void apply_scenario_yaml(Options& o, std::string_view yaml, std::string_view origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    throw OptionError(fmt::format("{}:{}: {}", origin, e.mark.line + 1, e.msg));
  }
  if (root.IsNull()) return;
  if (!root.IsMap()) throw OptionError(fmt::format("{}: expected a map of option: value", origin));
  if (auto s = root["scenario"]) apply_preset(o, scalar_text(s, origin, "scenario"));
  for (const auto& kv : root) {
    std::string key = kv.first.as<std::string>();
    if (key == "scenario") continue;
    if (key == "file") throw OptionError(fmt::format("{}:{}: file: scenario files do not nest", origin, kv.first.Mark().line + 1));
    std::string value = scalar_text(kv.second, origin, key);
    try {
      apply_option(o, key, value);
    } catch (const OptionError& e) {
      throw OptionError(fmt::format("{}:{}: {}", origin, kv.first.Mark().line + 1, e.what()));
    }
  }
}

void load_scenario_file(Options& o, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw OptionError(fmt::format("cannot read scenario file '{}'", path));
  std::stringstream ss;
  ss << in.rdbuf();
  apply_scenario_yaml(o, ss.str(), path);
}

}  // namespace ringcast::loadgen
