// How Redis channel names, which may hold any byte, become NATS subjects, and
// which NATS subscription a local subscription needs.
//
// A subject is `<prefix>.c.<tokens>` (PUBLISH channels) or `<prefix>.s.<tokens>`
// (SPUBLISH shard channels). The channel is cut after every ':', '.' or '/', so
// `user:42:feed` gives the tokens `user%3A`, `42%3A`, `feed`; bytes other than
// letters, digits, '_' and '-' are written %XX, and the last token is always
// there (a lone '%' when empty). Cutting on the separators is what lets a
// pattern's literal prefix become a narrow wildcard: every channel starting
// with `user:42:` has subject tokens starting with `user%3A.42%3A`, so the
// pattern `user:42:*` needs only `<prefix>.c.user%3A.42%3A.>`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pubsub/routed_message.h"

namespace ringcast::cluster {

// What one NATS subscription of this node stands for.
struct Interest {
  pubsub::Kind space = pubsub::Kind::Channel;  // Channel or ShardChannel: which subject space
  bool exact = true;                           // one channel; otherwise every channel starting with `text`
  std::string text;                            // the channel, or whole tokens of a pattern's literal prefix

  bool operator==(const Interest&) const = default;
};

// The NATS interest a local subscription of `kind` to `name` needs: the
// channel itself for SUBSCRIBE and SSUBSCRIBE, and for PSUBSCRIBE the pattern
// itself when it has no glob character, else the wildcard over its literal
// prefix cut after the prefix's last separator.
Interest interest_for(pubsub::Kind kind, std::string_view name);

// `<prefix>.c.<tokens>`, or `<prefix>.c.<tokens>.>` for a wildcard interest
// (`<prefix>.c.>` when it has no whole token).
std::string subject_for(std::string_view prefix, const Interest& interest);
// The subject a message published on `channel` travels on.
std::string message_subject(std::string_view prefix, pubsub::Kind kind, std::string_view channel);

struct ParsedSubject {
  pubsub::Kind kind;
  std::string channel;
};
// The inverse of message_subject; nullopt for anything message_subject
// cannot produce (another prefix, a malformed token), which is then ignored.
std::optional<ParsedSubject> parse_message_subject(std::string_view prefix, std::string_view subject);
// The inverse of subject_for.
std::optional<Interest> parse_interest_subject(std::string_view prefix, std::string_view subject);

}  // namespace ringcast::cluster
