// Small text helpers the reports share: numbers with SI suffixes, JSON strings.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace ringcast::loadgen {

// 1234567 -> "1.23M", 4321 -> "4.3k", 12 -> "12".
inline std::string si(double v) {
  if (v >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

// The body of a JSON string holding `s` (without the quotes).
inline std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", c);
    else out += c;
  }
  return out;
}

}  // namespace ringcast::loadgen
