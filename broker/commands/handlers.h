// Command handlers, grouped by the file that implements them.
#pragma once

#include <string>
#include <string_view>

#include "acl/access_log.h"
#include "commands/command_table.h"

namespace ringcast::commands {

// pubsub_commands.cpp
void subscribe(Request& req);
void unsubscribe(Request& req);
void psubscribe(Request& req);
void punsubscribe(Request& req);
void ssubscribe(Request& req);
void sunsubscribe(Request& req);
void publish(Request& req);
void spublish(Request& req);
void mpublish(Request& req);

// history_commands.cpp
void history(Request& req);
void resume(Request& req);
void pubsub_channels(Request& req);
void pubsub_numsub(Request& req);
void pubsub_numpat(Request& req);
void pubsub_shardchannels(Request& req);
void pubsub_shardnumsub(Request& req);
void pubsub_help(Request& req);

// connection_commands.cpp
void auth(Request& req);
void ping(Request& req);
void echo(Request& req);
void hello(Request& req);
void reset(Request& req);
void quit(Request& req);
void select(Request& req);

// connection_commands.cpp, shared with CLIENT SETNAME: replies the error itself.
bool set_client_name(Request& req, std::string_view name);

// client_command.cpp
void client_id(Request& req);
void client_setname(Request& req);
void client_getname(Request& req);
void client_info(Request& req);
void client_list(Request& req);
void client_kill(Request& req);
void client_reply(Request& req);
void client_no_echo(Request& req);
void client_help(Request& req);
// CLIENT INFO's line for the requesting client, without the newline.
std::string client_info_text(Request& req);

// acl_command.cpp
void acl_log(Request& req);
void acl_whoami(Request& req);
void acl_help(Request& req);
// Counts a refusal and adds it to ACL LOG: `object` is the command, the
// channel, or AUTH/HELLO as typed; `username` the user asked for or the
// connection's.
void log_denial(Request& req, acl::Denial reason, std::string_view object, std::string_view username);

// command_command.cpp
void command_all(Request& req);
void command_count(Request& req);
void command_list(Request& req);
void command_info(Request& req);
void command_docs(Request& req);
void command_help(Request& req);

// info_command.cpp
void info(Request& req);

}  // namespace ringcast::commands
