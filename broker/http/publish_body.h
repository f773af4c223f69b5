// The body of POST /publish: {"channel": "...", "message": "..."} or a
// non-empty array of such objects, parsed with simdjson. Pure: no I/O.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ringcast::http {

struct PublishItem {
  std::string channel;
  std::string message;  // any bytes: from "message", or decoded from "message_base64"
};

struct PublishBody {
  std::vector<PublishItem> items;
  bool is_array = false;  // the reply mirrors the shape: one object or an array
};

// Reuses simdjson's buffers across requests; one per HTTP thread.
class PublishBodyParser {
 public:
  PublishBodyParser();
  ~PublishBodyParser();
  PublishBodyParser(const PublishBodyParser&) = delete;
  PublishBodyParser& operator=(const PublishBodyParser&) = delete;

  // Fills `out` and returns empty, or returns what is wrong in words a
  // client can act on ("item 2: missing field \"channel\"").
  std::string parse(std::string_view json, PublishBody& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ringcast::http
