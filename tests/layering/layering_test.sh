#!/usr/bin/env bash
# The rules of broker/'s layers that the compiler cannot see: system headers
# are visible to every layer, so only a look at the sources can tell that
# io_uring stays inside the I/O layer. (Includes of another layer's headers
# are refused by the build itself: see ringcast_layer in broker/CMakeLists.txt.)
#   tests/layering/layering_test.sh <repository root>
set -euo pipefail
cd "$1/broker"
status=0

outside_io=$(grep -rl 'liburing\.h\|io_uring_\|IORING_' --include='*.h' --include='*.cpp' . | grep -v '^\./io/' || true)
if [ -n "$outside_io" ]; then
  echo "io_uring used outside broker/io:"; echo "$outside_io"; status=1
fi

# Wiring stays wiring: the server's header is for main, the server and the HTTP backend over it.
server_users=$(grep -rl '#include "server/server.h"' --include='*.h' --include='*.cpp' . | sort)
if [ "$(echo "$server_users" | grep -c .)" -gt 3 ]; then
  echo "server/server.h included by more than three files:"; echo "$server_users"; status=1
fi

# Pub/sub, the engine, commands and the cluster bridge know no shard and no server.
upward=$(grep -rlE '#include "(shard|server)/' --include='*.h' --include='*.cpp' pubsub engine commands cluster output stats || true)
if [ -n "$upward" ]; then
  echo "lower layers including shard/ or server/:"; echo "$upward"; status=1
fi

[ $status -eq 0 ] && echo "layering: ok"
exit $status
