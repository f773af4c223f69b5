// Validates and extracts publish requests with simdjson's DOM API. Strings
// keep every byte JSON escapes can express, \u0000 included.
#include "http/publish_body.h"

#include <simdjson.h>

#include "http/basic_auth.h"

namespace ringcast::http {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

const char* type_name(element_type t) {
  switch (t) {
    case element_type::ARRAY: return "an array";
    case element_type::OBJECT: return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return "a number";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "something else";
}

// Reads one {"channel", "message" | "message_base64"} object. `where` prefixes
// errors ("item 3: ") when the body is an array.
std::string read_item(element value, const std::string& where, PublishItem& item) {
  if (value.type() != element_type::OBJECT)
    return where + "expected an object with \"channel\" and \"message\", got " + type_name(value.type());
  bool have_channel = false, have_message = false, have_base64 = false;
  for (auto field : simdjson::dom::object(value)) {
    const std::string_view key = field.key;
    bool* seen = key == "channel" ? &have_channel
                 : key == "message" ? &have_message
                 : key == "message_base64" ? &have_base64
                                          : nullptr;
    if (seen == nullptr) continue;  // unknown fields are ignored, for forward compatibility
    if (*seen) return where + "duplicate field \"" + std::string(key) + "\"";
    *seen = true;
    if (field.value.type() != element_type::STRING)
      return where + "field \"" + std::string(key) + "\" must be a string, got " + type_name(field.value.type());
    const std::string_view text = field.value.get_string().value_unsafe();
    if (key == "channel") {
      item.channel = text;
    } else if (key == "message") {
      item.message = text;
    } else {
      std::optional<std::string> bytes = base64_decode(text);
      if (!bytes) return where + "field \"message_base64\" is not valid base64";
      item.message = std::move(*bytes);
    }
  }
  if (!have_channel) return where + "missing field \"channel\"";
  if (have_message && have_base64) return where + "give \"message\" or \"message_base64\", not both";
  if (!have_message && !have_base64) return where + "missing field \"message\"";
  return {};
}

}  // namespace

struct PublishBodyParser::Impl {
  simdjson::dom::parser parser;
};

PublishBodyParser::PublishBodyParser() : impl_(std::make_unique<Impl>()) {}
PublishBodyParser::~PublishBodyParser() = default;

std::string PublishBodyParser::parse(std::string_view json, PublishBody& out) {
  out.items.clear();
  out.is_array = false;
  element root;
  // realloc_if_needed: the body is not padded, so simdjson copies it into
  // its own padded buffer (bodies are small and bounded by max_body).
  if (auto error = impl_->parser.parse(json.data(), json.size(), true).get(root); error)
    return std::string("malformed JSON: ") + simdjson::error_message(error);
  if (root.type() == element_type::OBJECT) {
    out.items.emplace_back();
    return read_item(root, {}, out.items.back());
  }
  if (root.type() != element_type::ARRAY)
    return std::string("expected a JSON object {\"channel\": ..., \"message\": ...} or an array of them, got ") +
           type_name(root.type());
  out.is_array = true;
  size_t index = 0;
  for (element value : simdjson::dom::array(root)) {
    out.items.emplace_back();
    if (std::string err = read_item(value, "item " + std::to_string(index) + ": ", out.items.back()); !err.empty())
      return err;
    ++index;
  }
  if (out.items.empty()) return "empty array: nothing to publish";
  return {};
}

}  // namespace ringcast::http
