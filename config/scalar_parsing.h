// Text-to-value parsing for config scalars, kept apart from YAML so it can be tested alone.
// Internal to ringcast_config: callers outside config/ should use config.h.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ringcast::config::detail {

// A well-formed number outside what the target can hold (negative, or past
// uint64) is out_of_range rather than malformed, so the error message can
// state the allowed range instead of the expected syntax.
enum class ParseStatus { ok, malformed, out_of_range };

// Plain decimal digits, as Redis's string2ll would take them, without a sign.
ParseStatus parse_decimal(std::string_view text, uint64_t& out);

// Redis memtoll syntax: digits then an optional b, k, kb, m, mb, g or gb.
ParseStatus parse_size_text(std::string_view text, uint64_t& out);

// "5", "0.25", ".5" seconds, rounded to the nearest millisecond. No exponents:
// operators write durations, not floats.
ParseStatus parse_seconds_as_ms(std::string_view text, uint64_t& out_ms);

// "500us", "1ms", or "0": a whole number of microseconds or milliseconds.
ParseStatus parse_delay_us(std::string_view text, uint64_t& out_us);

// Log levels and "auto" are matched without regard to case; only ASCII is folded.
std::string to_lower_ascii(std::string_view text);

// Shortest exact spelling in the units operators write: 4294967296 -> "4gb".
std::string format_size(uint64_t bytes);

// The candidate an operator most plausibly meant, if any is close enough
// (case, '-' versus '_', and a typo or two are forgiven).
std::optional<std::string_view> closest_match(std::string_view typed,
                                              std::span<const std::string_view> candidates);

}  // namespace ringcast::config::detail
