// Reading one YAML setting into a typed value, with errors that name the file,
// the line and the key ("file:line: key.path: problem"). Internal to
// ringcast_config: each section's reader (config.cpp, cluster_config.cpp) uses it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

#include "config.h"
#include "scalar_parsing.h"

namespace ringcast::config::detail {

// One setting being read: its value, its dotted path and where to send the operator.
struct Field {
  YAML::Node value;
  std::string path;
  // The key's position, not the value's: yaml-cpp places an empty value, and an
  // alias, on some other line, and the message names the key anyway.
  YAML::Mark mark;
  std::string_view source;
};

std::string location(std::string_view source, const YAML::Mark& mark);
[[noreturn]] void fail(const Field& field, std::string_view problem);
[[noreturn]] void fail_expected(const Field& field, std::string_view expected);
[[noreturn]] void fail_out_of_range(const Field& field, std::string_view allowed);
const std::string& scalar_text(const Field& field, std::string_view expected);

struct KeyReader {
  std::string_view key;
  std::function<void(const Field&)> read;
};

// Reads a map of settings in document order, so the first mistake in the file
// is the one reported. A null map is a section whose lines are all commented out.
void read_map(const Field& map, std::initializer_list<KeyReader> readers);

template <typename Integer>
Integer read_integer(const Field& field, Integer min, Integer max) {
  const std::string allowed = "from " + std::to_string(min) + " to " + std::to_string(max);
  const std::string expected = "an integer " + allowed;
  uint64_t value = 0;
  const ParseStatus status = detail::parse_decimal(scalar_text(field, expected), value);
  if (status == ParseStatus::malformed) fail_expected(field, expected);
  if (status == ParseStatus::out_of_range || value < min || value > max) fail_out_of_range(field, allowed);
  return static_cast<Integer>(value);
}

struct SizeRange {
  uint64_t min;
  uint64_t max;
};

uint64_t read_size(const Field& field, SizeRange range);
// Any text, where leaving the value empty means the empty string.
std::string read_string(const Field& field, std::string_view expected);
bool read_bool(const Field& field);
// 1-based line of the field's key, 0 when unknown.
int line_of(const Field& field);

// Sections with a file of their own.
void read_cluster(const Field& field, ClusterConfig& cluster);
void read_history(const Field& field, HistoryConfig& history);

}  // namespace ringcast::config::detail
