// The JSON error body every refusal of the endpoints carries.
#include "http/response.h"

#include "core/json_text.h"

namespace ringcast::http {

Response error_response(int status, std::string_view message) {
  Response r;
  r.status = status;
  r.body = json_error(message);
  r.body += '\n';
  return r;
}

}  // namespace ringcast::http
