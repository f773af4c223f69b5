// HTTP request parser: every case runs with the input cut into chunks of
// every size from 1 byte up, as a socket may deliver it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/request_parser.h"

namespace ringcast::http {
namespace {

struct Outcome {
  std::vector<Request> requests;
  int error_status = 0;
  std::string error_message;
  bool awaiting_body = false;
  bool expects_continue = false;
};

// Feeds `input` in `chunk`-byte pieces the way the server does: append,
// parse, drop consumed bytes after each request.
Outcome feed(const std::string& input, size_t chunk, ParseLimits limits = {}) {
  Outcome out;
  RequestParser parser(limits);
  std::string buffered;
  for (size_t pos = 0; pos < input.size() && out.error_status == 0; pos += chunk) {
    buffered += input.substr(pos, chunk);
    for (;;) {
      const ParseResult r = parser.parse(buffered);
      if (r.status == ParseStatus::NeedMore) {
        out.awaiting_body = parser.awaiting_body();
        out.expects_continue = parser.expects_continue();
        break;
      }
      if (r.status == ParseStatus::Error) {
        out.error_status = parser.error_status();
        out.error_message = parser.error_message();
        break;
      }
      out.requests.push_back(std::move(parser.request()));
      buffered.erase(0, r.consumed);
      parser.reset();
      if (buffered.empty()) break;
    }
  }
  return out;
}

// Runs `check` on the outcome of every chunk size from 1 to the whole input.
template <class Check>
void for_every_split(const std::string& input, Check check, ParseLimits limits = {}) {
  for (size_t chunk = 1; chunk <= input.size(); ++chunk) {
    SCOPED_TRACE("chunk size " + std::to_string(chunk));
    check(feed(input, chunk, limits));
  }
}

TEST(RequestParser, SimpleGet) {
  for_every_split("GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Agent: curl\r\n\r\n", [](const Outcome& o) {
    ASSERT_EQ(o.requests.size(), 1u);
    const Request& r = o.requests[0];
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.target, "/metrics");
    EXPECT_EQ(r.path, "/metrics");
    EXPECT_EQ(r.minor_version, 1);
    EXPECT_TRUE(r.keep_alive);
    EXPECT_EQ(r.header("host"), "x");
    EXPECT_EQ(r.header("user-agent"), "curl");
    EXPECT_TRUE(r.body.empty());
  });
}

TEST(RequestParser, PostWithBodyAndQuery) {
  const std::string body = "{\"channel\":\"a\",\"message\":\"b\"}";
  const std::string input = "POST /publish?x=1 HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) +
                            "\r\nContent-Type: application/json\r\n\r\n" + body;
  for_every_split(input, [&](const Outcome& o) {
    ASSERT_EQ(o.requests.size(), 1u);
    EXPECT_EQ(o.requests[0].path, "/publish");
    EXPECT_EQ(o.requests[0].target, "/publish?x=1");
    EXPECT_EQ(o.requests[0].body, body);
  });
}

TEST(RequestParser, PipelinedRequestsAndBareLf) {
  const std::string input =
      "POST /publish HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
      "GET /healthz HTTP/1.1\nConnection: close\n\n"
      "\r\nGET /stats HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n";
  for_every_split(input, [](const Outcome& o) {
    ASSERT_EQ(o.requests.size(), 3u);
    EXPECT_EQ(o.requests[0].body, "abc");
    EXPECT_EQ(o.requests[1].path, "/healthz");
    EXPECT_FALSE(o.requests[1].keep_alive);
    EXPECT_EQ(o.requests[2].path, "/stats");
    EXPECT_EQ(o.requests[2].minor_version, 0);
    EXPECT_TRUE(o.requests[2].keep_alive);
  });
}

TEST(RequestParser, Http10ClosesByDefault) {
  for_every_split("GET / HTTP/1.0\r\n\r\n", [](const Outcome& o) {
    ASSERT_EQ(o.requests.size(), 1u);
    EXPECT_FALSE(o.requests[0].keep_alive);
  });
}

TEST(RequestParser, HeaderNamesLowercasedValuesTrimmed) {
  for_every_split("GET / HTTP/1.1\r\nX-Thing:   spaced value \t\r\nCONNECTION: keep-alive, Close\r\n\r\n",
                  [](const Outcome& o) {
                    ASSERT_EQ(o.requests.size(), 1u);
                    EXPECT_EQ(o.requests[0].header("x-thing"), "spaced value");
                    EXPECT_FALSE(o.requests[0].keep_alive);
                  });
}

TEST(RequestParser, ExpectContinueReportedBeforeBody) {
  const std::string head = "POST /publish HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";
  const Outcome o = feed(head, head.size());
  EXPECT_TRUE(o.requests.empty());
  EXPECT_TRUE(o.awaiting_body);
  EXPECT_TRUE(o.expects_continue);
  for_every_split(head + "hello", [](const Outcome& o) {
    ASSERT_EQ(o.requests.size(), 1u);
    EXPECT_EQ(o.requests[0].body, "hello");
  });
}

TEST(RequestParser, IncompleteIsNeedMore) {
  for (const std::string input : {"GET / HTTP/1.1\r\nHost: x\r\n", "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"}) {
    for_every_split(input, [](const Outcome& o) {
      EXPECT_TRUE(o.requests.empty());
      EXPECT_EQ(o.error_status, 0);
    });
  }
}

struct BadCase {
  std::string input;
  int status;
  std::string message_part;
};

TEST(RequestParser, BadInputGetsTheRightStatus) {
  const std::vector<BadCase> cases = {
      {"GARBAGE\r\n\r\n", 400, "malformed request line"},
      {"GET  / HTTP/1.1\r\n\r\n", 400, "malformed request line"},
      {"GET / HTTP/1.1 extra\r\n\r\n", 400, "malformed request line"},
      {"G(T / HTTP/1.1\r\n\r\n", 400, "invalid method"},
      {"GET metrics HTTP/1.1\r\n\r\n", 400, "starting with '/'"},
      {"GET http://x/metrics HTTP/1.1\r\n\r\n", 400, "starting with '/'"},
      {"GET / HTTQ/1.1\r\n\r\n", 400, "invalid HTTP version"},
      {"GET / HTTP/2.0\r\n\r\n", 505, "not supported"},
      {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400, "malformed header line"},
      {"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400, "malformed header line"},
      {"GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", 400, "malformed header line"},
      {"GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n", 400, "control character"},
      {std::string("GET / HTTP/1.1\r\nX: a\0z\r\n\r\n", 26), 400, "control character"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411, "Content-Length"},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "invalid Content-Length"},
      {"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400, "invalid Content-Length"},
      {"POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", 400, "invalid Content-Length"},
      {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400, "invalid Content-Length"},
      {"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400, "conflicting"},
      {"POST / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n", 413, "larger than the limit of 1000 bytes"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.input);
    for_every_split(
        c.input,
        [&](const Outcome& o) {
          EXPECT_TRUE(o.requests.empty());
          EXPECT_EQ(o.error_status, c.status);
          EXPECT_NE(o.error_message.find(c.message_part), std::string::npos) << o.error_message;
        },
        ParseLimits{16 * 1024, 1000});
  }
}

TEST(RequestParser, DuplicateEqualContentLengthIsFine) {
  const Outcome o = feed("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", 1);
  ASSERT_EQ(o.requests.size(), 1u);
  EXPECT_EQ(o.requests[0].body, "ok");
}

TEST(RequestParser, BodyAtTheLimitIsAccepted) {
  const std::string body(1000, 'x');
  const Outcome o = feed("POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\n" + body, 7, ParseLimits{16 * 1024, 1000});
  ASSERT_EQ(o.requests.size(), 1u);
  EXPECT_EQ(o.requests[0].body, body);
}

TEST(RequestParser, HeaderLimit) {
  const std::string big = "GET / HTTP/1.1\r\nX: " + std::string(300, 'a') + "\r\n\r\n";
  for (size_t chunk : {size_t(1), size_t(13), big.size()}) {
    const Outcome o = feed(big, chunk, ParseLimits{256, 1000});
    EXPECT_EQ(o.error_status, 431);
    EXPECT_NE(o.error_message.find("256 bytes"), std::string::npos);
  }
  // Exactly at the limit (blank line included) still parses.
  std::string exact = "GET / HTTP/1.1\r\nX: ";
  exact += std::string(256 - exact.size() - 4, 'b') + "\r\n\r\n";
  ASSERT_EQ(exact.size(), 256u);
  EXPECT_EQ(feed(exact, 1, ParseLimits{256, 1000}).requests.size(), 1u);
  // A line that never ends (no newline at all) is cut off too.
  EXPECT_EQ(feed(std::string(1000, 'G'), 100, ParseLimits{256, 1000}).error_status, 431);
}

TEST(RequestParser, ErrorIsSticky) {
  RequestParser p;
  EXPECT_EQ(p.parse("BAD\r\n\r\n").status, ParseStatus::Error);
  EXPECT_EQ(p.parse("GET / HTTP/1.1\r\n\r\n").status, ParseStatus::Error);
  p.reset();
  EXPECT_EQ(p.parse("GET / HTTP/1.1\r\n\r\n").status, ParseStatus::Done);
}

}  // namespace
}  // namespace ringcast::http
