// The field readers shared by the config sections (see field_reader.h).
#include "field_reader.h"

#include <algorithm>
#include <optional>
#include <span>
#include <vector>

namespace ringcast::config::detail {

std::string location(std::string_view source, const YAML::Mark& mark) {
  if (mark.is_null()) return std::string(source);
  return std::string(source) + ":" + std::to_string(mark.line + 1);
}

[[noreturn]] void fail(const Field& field, std::string_view problem) {
  std::string message = location(field.source, field.mark) + ": ";
  if (!field.path.empty()) message += field.path + ": ";
  // A server URL quoted back may hold a password.
  message += redact_urls(problem);
  throw ConfigError(message);
}

namespace {

// A value as it appears after "got", in terms the operator will recognise.
std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "nothing";
  }
}

}  // namespace

[[noreturn]] void fail_expected(const Field& field, std::string_view expected) {
  fail(field, "expected " + std::string(expected) + ", got " + describe(field.value));
}

[[noreturn]] void fail_out_of_range(const Field& field, std::string_view allowed) {
  fail(field, "out of range: must be " + std::string(allowed) + ", got " + describe(field.value));
}

const std::string& scalar_text(const Field& field, std::string_view expected) {
  if (!field.value.IsScalar()) fail_expected(field, expected);
  return field.value.Scalar();
}

namespace {

std::string unknown_key_problem(std::string_view key, std::span<const std::string_view> known) {
  if (const auto suggestion = detail::closest_match(key, known)) {
    return "unknown key; did you mean '" + std::string(*suggestion) + "'?";
  }
  std::string problem = "unknown key; expected one of ";
  std::string_view separator;
  for (std::string_view name : known) {
    problem.append(separator).append(name);
    separator = ", ";
  }
  return problem;
}

}  // namespace

void read_map(const Field& map, std::initializer_list<KeyReader> readers) {
  if (map.value.IsNull()) return;
  if (!map.value.IsMap()) fail_expected(map, "a map of settings");

  std::vector<std::string_view> known;
  for (const KeyReader& reader : readers) known.push_back(reader.key);
  // yaml-cpp keeps both copies of a repeated key; silently taking one would hide an edit.
  std::vector<std::optional<int>> first_line(known.size());

  for (const auto& entry : map.value) {
    const YAML::Node& key_node = entry.first;
    if (!key_node.IsScalar()) fail_expected({key_node, map.path, key_node.Mark(), map.source}, "a key name");
    const std::string& key = key_node.Scalar();
    const std::string path = map.path.empty() ? key : map.path + "." + key;
    const Field field{entry.second, path, key_node.Mark(), map.source};

    const size_t index = std::find(known.begin(), known.end(), key) - known.begin();
    if (index == known.size()) fail(field, unknown_key_problem(key, known));
    if (first_line[index]) {
      fail(field, "duplicate key; first set on line " + std::to_string(*first_line[index] + 1));
    }
    first_line[index] = field.mark.line;
    readers.begin()[index].read(field);
  }
}

uint64_t read_size(const Field& field, SizeRange range) {
  constexpr std::string_view kExpected = "a size like 32mb (bytes, or a number with k, kb, m, mb, g or gb)";
  uint64_t bytes = 0;
  const ParseStatus status = detail::parse_size_text(scalar_text(field, kExpected), bytes);
  if (status == ParseStatus::malformed) fail_expected(field, kExpected);
  if (status == ParseStatus::out_of_range || bytes < range.min || bytes > range.max) {
    const std::string allowed = detail::format_size(range.min) + " to " + detail::format_size(range.max);
    fail_out_of_range(field, "from " + allowed);
  }
  return bytes;
}

std::string read_string(const Field& field, std::string_view expected) {
  if (field.value.IsNull()) return {};
  return scalar_text(field, expected);
}

bool read_bool(const Field& field) {
  constexpr std::string_view kExpected = "true or false";
  const std::string text = detail::to_lower_ascii(scalar_text(field, kExpected));
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  fail_expected(field, kExpected);
}

int line_of(const Field& field) { return field.mark.is_null() ? 0 : field.mark.line + 1; }

}  // namespace ringcast::config::detail
