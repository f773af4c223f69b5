// Lookup of the generated COMMAND DOCS extras, and RESP3 to RESP2.
#include "commands/command_docs.h"

#include <charconv>

namespace ringcast::commands {

const DocsExtra* docs_extra(std::string_view name) {
  for (size_t i = 0; i < kDocsExtrasCount; ++i)
    if (kDocsExtras[i].name == name) return &kDocsExtras[i];
  for (size_t i = 0; i < kOwnDocsExtrasCount; ++i)
    if (kOwnDocsExtras[i].name == name) return &kOwnDocsExtras[i];
  return nullptr;
}

size_t append_value(std::string& out, std::string_view resp3, int proto) {
  const size_t eol = resp3.find("\r\n");
  const char type = resp3[0];
  const std::string_view number = resp3.substr(1, eol - 1);
  size_t used = eol + 2;
  int64_t n = 0;
  std::from_chars(number.data(), number.data() + number.size(), n);
  switch (type) {
    case '$':
      out.append(resp3.substr(0, used + size_t(n) + 2));
      return used + size_t(n) + 2;
    case '*':
    case '%':
    case '~': {
      const int64_t elements = type == '%' ? 2 * n : n;
      if (proto >= 3 || type == '*') {
        out.append(resp3.substr(0, used));
      } else {
        out += '*';
        out += std::to_string(elements);
        out += "\r\n";
      }
      for (int64_t i = 0; i < elements; ++i) used += append_value(out, resp3.substr(used), proto);
      return used;
    }
    default:  // simple string, integer
      out.append(resp3.substr(0, used));
      return used;
  }
}

}  // namespace ringcast::commands
