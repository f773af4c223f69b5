// The `history` and `arguments` of COMMAND DOCS for ringcast's own commands,
// which redis-server cannot describe: written by hand, in the shape Redis
// gives its own (RESP3 bytes, as command_docs_data.cpp holds them).
#include "commands/command_docs.h"

namespace ringcast::commands {

const DocsExtra kOwnDocsExtras[] = {
    // As Redis documents CLIENT NO-EVICT's ON|OFF.
    {"client|no-echo",
     "",
     "*1\r\n%3\r\n$4\r\nname\r\n$7\r\nenabled\r\n$4\r\ntype\r\n$5\r\noneof\r\n$9\r\narguments\r\n"
     "*2\r\n%3\r\n$4\r\nname\r\n$2\r\non\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$2\r\n"
     "ON\r\n%3\r\n$4\r\nname\r\n$3\r\noff\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$3\r\n"
     "OFF\r\n"},
    // PUBLISH's arguments, the message repeatable.
    {"mpublish",
     "",
     "*2\r\n%2\r\n$4\r\nname\r\n$7\r\nchannel\r\n$4\r\ntype\r\n$6\r\nstring\r\n%3\r\n$4\r\nname\r\n"
     "$7\r\nmessage\r\n$4\r\ntype\r\n$6\r\nstring\r\n$5\r\nflags\r\n~1\r\n+multiple\r\n"},
    {"history",
     "",
     "*3\r\n%2\r\n$4\r\nname\r\n$7\r\nchannel\r\n$4\r\ntype\r\n$6\r\nstring\r\n%4\r\n$4\r\nname\r\n"
     "$6\r\noffset\r\n$4\r\ntype\r\n$7\r\ninteger\r\n$5\r\ntoken\r\n$5\r\nSINCE\r\n$5\r\nflags\r\n~1\r\n"
     "+optional\r\n%4\r\n$4\r\nname\r\n$5\r\ncount\r\n$4\r\ntype\r\n$7\r\ninteger\r\n$5\r\ntoken\r\n"
     "$5\r\nCOUNT\r\n$5\r\nflags\r\n~1\r\n+optional\r\n"},
    {"resume",
     "",
     "*3\r\n%2\r\n$4\r\nname\r\n$7\r\nchannel\r\n$4\r\ntype\r\n$6\r\nstring\r\n%2\r\n$4\r\nname\r\n"
     "$5\r\nepoch\r\n$4\r\ntype\r\n$7\r\ninteger\r\n%2\r\n$4\r\nname\r\n$6\r\noffset\r\n$4\r\ntype\r\n"
     "$7\r\ninteger\r\n"},
};
const size_t kOwnDocsExtrasCount = sizeof kOwnDocsExtras / sizeof kOwnDocsExtras[0];

}  // namespace ringcast::commands
