// One HTTP request as the router sees it, once libmicrohttpd has parsed it
// and its body has arrived: only what the endpoints look at.
#pragma once

#include <string>

namespace ringcast::http {

struct Request {
  std::string method;         // as sent (methods are case-sensitive)
  std::string path;           // the target without its ?query
  std::string authorization;  // the Authorization header's value, empty when absent
  std::string peer;           // the client's address, "ip:port", for logs
  std::string body;
};

}  // namespace ringcast::http
