// Parsers for sizes, integers and durations in config values, plus the
// "did you mean" matcher used for unknown keys.
#include "scalar_parsing.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <vector>

#include "config.h"

namespace ringcast::config::detail {
namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = kKiB * 1024;
constexpr uint64_t kGiB = kMiB * 1024;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_digit);
}

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return to_lower(x) == to_lower(y); });
}

std::optional<uint64_t> size_unit_multiplier(std::string_view unit) {
  struct Unit {
    std::string_view name;
    uint64_t multiplier;
  };
  // Exactly memtoll's table: the bare letters are decimal, the "b" forms binary.
  static constexpr std::array<Unit, 7> kUnits{{
      {"b", 1},
      {"k", 1000},
      {"kb", kKiB},
      {"m", 1000 * 1000},
      {"mb", kMiB},
      {"g", 1000 * 1000 * 1000},
      {"gb", kGiB},
  }};
  if (unit.empty()) return 1;
  for (const Unit& candidate : kUnits) {
    if (equals_ignoring_case(unit, candidate.name)) return candidate.multiplier;
  }
  return std::nullopt;
}

// Keys differ from what operators type mostly by case and by Redis's dashes.
std::string normalise_key(std::string_view key) {
  std::string out = to_lower_ascii(key);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

// Optimal string alignment distance: Levenshtein plus adjacent swaps, since
// "prot" for "port" is one slip of the fingers, not two.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + substitution});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

ParseStatus parse_decimal(std::string_view text, uint64_t& out) {
  const bool negative = text.starts_with('-');
  const std::string_view digits = negative ? text.substr(1) : text;
  if (!all_digits(digits)) return ParseStatus::malformed;
  if (negative) return ParseStatus::out_of_range;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  if (error == std::errc::result_out_of_range) return ParseStatus::out_of_range;
  return end == digits.data() + digits.size() ? ParseStatus::ok : ParseStatus::malformed;
}

ParseStatus parse_size_text(std::string_view text, uint64_t& out) {
  const size_t sign_length = text.starts_with('-') ? 1 : 0;
  const size_t unit_start = std::find_if_not(text.begin() + sign_length, text.end(), is_digit) - text.begin();
  const std::optional<uint64_t> multiplier = size_unit_multiplier(text.substr(unit_start));
  if (!multiplier) return ParseStatus::malformed;

  uint64_t count = 0;
  const ParseStatus status = parse_decimal(text.substr(0, unit_start), count);
  if (status != ParseStatus::ok) return status;
  if (count > std::numeric_limits<uint64_t>::max() / *multiplier) return ParseStatus::out_of_range;
  out = count * *multiplier;
  return ParseStatus::ok;
}

ParseStatus parse_seconds_as_ms(std::string_view text, uint64_t& out_ms) {
  const bool negative = text.starts_with('-');
  const std::string_view number = negative ? text.substr(1) : text;
  const size_t dot = number.find('.');
  const std::string_view whole = number.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view{} : number.substr(dot + 1);

  const bool well_formed = (!whole.empty() || !fraction.empty()) && (whole.empty() || all_digits(whole)) &&
                           (fraction.empty() || all_digits(fraction));
  if (!well_formed) return ParseStatus::malformed;
  if (negative) return ParseStatus::out_of_range;

  uint64_t seconds = 0;
  if (!whole.empty() && parse_decimal(whole, seconds) != ParseStatus::ok) return ParseStatus::out_of_range;
  uint64_t millis = 0;
  for (size_t i = 0; i < 3; ++i) millis = millis * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  if (fraction.size() > 3 && fraction[3] >= '5') ++millis;  // may reach 1000; the sum below absorbs it

  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  if (seconds > (kMax - millis) / 1000) return ParseStatus::out_of_range;
  out_ms = seconds * 1000 + millis;
  return ParseStatus::ok;
}

ParseStatus parse_delay_us(std::string_view text, uint64_t& out_us) {
  uint64_t unit_us = 0;
  if (text.ends_with("us")) {
    unit_us = 1;
  } else if (text.ends_with("ms")) {
    unit_us = 1000;
  }
  const std::string_view number = unit_us == 0 ? text : text.substr(0, text.size() - 2);
  if (number.starts_with('-') && number.size() > 1 && all_digits(number.substr(1))) return ParseStatus::out_of_range;
  uint64_t n = 0;
  const ParseStatus status = parse_decimal(number, n);
  if (status != ParseStatus::ok) return status;
  if (unit_us == 0) {
    if (n != 0) return ParseStatus::malformed;  // a bare number would leave its unit to guesswork
    unit_us = 1;
  }
  if (n > std::numeric_limits<uint64_t>::max() / unit_us) return ParseStatus::out_of_range;
  out_us = n * unit_us;
  return ParseStatus::ok;
}

std::string to_lower_ascii(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), to_lower);
  return out;
}

std::string format_size(uint64_t bytes) {
  if (bytes != 0) {
    if (bytes % kGiB == 0) return std::to_string(bytes / kGiB) + "gb";
    if (bytes % kMiB == 0) return std::to_string(bytes / kMiB) + "mb";
    if (bytes % kKiB == 0) return std::to_string(bytes / kKiB) + "kb";
  }
  return std::to_string(bytes);
}

std::optional<std::string_view> closest_match(std::string_view typed,
                                              std::span<const std::string_view> candidates) {
  const std::string wanted = normalise_key(typed);
  std::optional<std::string_view> best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (std::string_view candidate : candidates) {
    const size_t distance = edit_distance(wanted, normalise_key(candidate));
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  // Past two edits, or when nearly every character differs, a suggestion is noise.
  if (best_distance > 2 || best_distance >= wanted.size()) return std::nullopt;
  return best;
}

}  // namespace ringcast::config::detail

namespace ringcast::config {

bool parse_size(std::string_view text, uint64_t& out) {
  return detail::parse_size_text(text, out) == detail::ParseStatus::ok;
}

}  // namespace ringcast::config
