// Prometheus text exposition format 0.0.4: metric families with # HELP and
// # TYPE lines, samples with escaped label values.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace ringcast::stats {

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

using Label = std::pair<std::string_view, std::string_view>;

class PrometheusWriter {
 public:
  // Starts a family; its samples follow. `type` is "counter", "gauge" or "untyped".
  void family(std::string_view name, std::string_view type, std::string_view help);
  // One sample of the current family (or of `name` for families with
  // suffixed series). Label names must be valid identifiers; values are escaped.
  void sample(std::string_view name, std::initializer_list<Label> labels, uint64_t value);
  void sample(std::string_view name, std::initializer_list<Label> labels, double value);
  void sample(std::string_view name, uint64_t value) { sample(name, {}, value); }

  // Appends text already in the exposition format (another component's families).
  void append_raw(std::string_view text) { out_ += text; }

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void labels(std::initializer_list<Label> labels);
  std::string out_;
};

// Escaping rules of the format: label values escape backslash, double quote
// and newline; HELP text escapes backslash and newline.
std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view help);
// [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_metric_name(std::string_view name);

}  // namespace ringcast::stats
