// The `history:` section: which channels keep their recent messages, how
// many and for how long, and the node's memory cap on all of them.
#include <string>

#include "field_reader.h"

namespace ringcast::config::detail {
namespace {

constexpr uint64_t kGiB = 1024ull * 1024 * 1024;

// "90", "30s", "10m", "2h", "1d": a whole number of seconds, minutes, hours or days.
uint64_t read_age_ms(const Field& field) {
  constexpr std::string_view kExpected = "a duration like 30s, 10m, 2h or 1d (0: no age limit)";
  std::string text = to_lower_ascii(scalar_text(field, kExpected));
  uint64_t unit_ms = 1000;
  if (!text.empty()) {
    switch (text.back()) {
      case 's': unit_ms = 1000; text.pop_back(); break;
      case 'm': unit_ms = 60 * 1000; text.pop_back(); break;
      case 'h': unit_ms = 3600 * 1000; text.pop_back(); break;
      case 'd': unit_ms = 86400 * 1000; text.pop_back(); break;
      default: break;
    }
  }
  uint64_t n = 0;
  const ParseStatus status = parse_decimal(text, n);
  if (status == ParseStatus::malformed) fail_expected(field, kExpected);
  constexpr uint64_t kMaxMs = 365ull * 86400 * 1000;
  if (status == ParseStatus::out_of_range || n > kMaxMs / unit_ms) fail_out_of_range(field, "up to 365d");
  return n * unit_ms;
}

std::vector<std::string> read_globs(const Field& field) {
  constexpr std::string_view kExpected = "a list of channel globs like [\"orders:*\"]";
  std::vector<std::string> globs;
  if (field.value.IsScalar()) {
    globs.push_back(read_string(field, kExpected));
  } else if (field.value.IsSequence()) {
    size_t index = 0;
    for (const YAML::Node& item : field.value)
      globs.push_back(read_string({item, field.path + "[" + std::to_string(index++) + "]", item.Mark(), field.source},
                                  kExpected));
  } else {
    fail_expected(field, kExpected);
  }
  for (const std::string& g : globs)
    if (g.empty()) fail(field, "a channel glob may not be empty");
  if (globs.empty()) fail(field, "expected at least one channel glob");
  return globs;
}

HistoryRule read_rule(const Field& field) {
  HistoryRule rule;
  bool has_channels = false;
  read_map(field, {
    {"channels", [&](const Field& f) {
       rule.channels = read_globs(f);
       has_channels = true;
     }},
    {"max_messages", [&](const Field& f) { rule.max_messages = read_integer<uint32_t>(f, 1, 10000000); }},
    {"max_age", [&](const Field& f) { rule.max_age_ms = read_age_ms(f); }},
  });
  if (!has_channels) fail(field, "a rule needs channels");
  return rule;
}

}  // namespace

void read_history(const Field& field, HistoryConfig& history) {
  read_map(field, {
    {"rules", [&](const Field& f) {
       if (f.value.IsNull()) return;
       if (!f.value.IsSequence()) fail_expected(f, "a list of rules like {channels: [\"orders:*\"], max_messages: 1000}");
       size_t index = 0;
       for (const YAML::Node& item : f.value)
         history.rules.push_back(
             read_rule({item, f.path + "[" + std::to_string(index++) + "]", item.Mark(), f.source}));
     }},
    {"max_memory", [&](const Field& f) { history.max_memory = read_size(f, {1024 * 1024, 1024 * kGiB}); }},
  });
}

}  // namespace ringcast::config::detail
