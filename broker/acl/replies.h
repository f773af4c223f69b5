// Redis 7.0.15's exact error texts for authentication and ACL refusals, as
// ReplyWriter::error takes them (code included, no leading '-', no CRLF).
#pragma once

#include <string>
#include <string_view>

namespace ringcast::acl {

// Any command but AUTH, HELLO, QUIT, RESET before authenticating.
inline constexpr std::string_view kNoAuthError = "NOAUTH Authentication required.";
// HELLO without AUTH on a connection that has not authenticated (HELLO's own check,
// made after its protocol version and options were parsed and any AUTH tried).
inline constexpr std::string_view kHelloNoAuthError =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> "
    "option can be used to authenticate the client and select the RESP protocol version at the same time";
// AUTH and HELLO AUTH with an unknown user, a disabled one, or a wrong password.
inline constexpr std::string_view kWrongPassError = "WRONGPASS invalid username-password pair or user is disabled.";
// AUTH <password> while the default user is nopass.
inline constexpr std::string_view kAuthWithoutPasswordError =
    "ERR AUTH <password> called without any password configured for the default user. Are you sure your "
    "configuration is correct?";
// AUTH with more than two arguments.
inline constexpr std::string_view kAuthSyntaxError = "ERR syntax error";
// A channel (or a PSUBSCRIBE pattern) the user may not use; nothing of the command is done.
inline constexpr std::string_view kNoPermChannelError =
    "NOPERM this user has no permissions to access one of the channels used as arguments";

// A command the user may not run, by its full name: "publish", "client|list".
std::string noperm_command_error(std::string_view fullname);

}  // namespace ringcast::acl
