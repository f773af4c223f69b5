#!/bin/bash
# Container health check: sends PING to ringcast on this host and expects
# +PONG. Plain bash (/dev/tcp), so the image needs no redis-cli.
# Usage: healthcheck.sh [port]   (default: $RINGCAST_PORT or 6379)
port="${1:-${RINGCAST_PORT:-6379}}"
exec 3<>"/dev/tcp/127.0.0.1/${port}" 2>/dev/null || { echo "ringcast: no listener on port ${port}"; exit 1; }
printf '*1\r\n$4\r\nPING\r\n' >&3
if ! IFS= read -r -t 2 reply <&3; then
  echo "ringcast: no reply to PING within 2s"
  exit 1
fi
reply="${reply%$'\r'}"
[ "$reply" = "+PONG" ] || { echo "ringcast: unexpected reply to PING: ${reply}"; exit 1; }
