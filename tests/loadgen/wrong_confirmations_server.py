# A RESP server that gets subscription confirmations wrong, for the loadgen
# test that a wrong one fails the run:  wrong_confirmations_server.py PORT
# Answers PING with +PONG and every other command [verb, name, 7] (counts
# are 1 and 0 in the subscription-churn mode); serves until killed.
import socket
import sys
import threading


def serve(conn):
    buf = b""
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
            out = []
            while True:  # complete `*N\r\n$len\r\narg\r\n...` commands
                if not buf.startswith(b"*") or b"\r\n" not in buf:
                    break
                head, rest = buf.split(b"\r\n", 1)
                args, ok = [], True
                for _ in range(int(head[1:])):
                    if b"\r\n" not in rest:
                        ok = False
                        break
                    size, rest = rest.split(b"\r\n", 1)
                    n = int(size[1:])
                    if len(rest) < n + 2:
                        ok = False
                        break
                    args.append(rest[:n])
                    rest = rest[n + 2:]
                if not ok:
                    break
                buf = rest
                verb = args[0].lower()
                if verb == b"ping":
                    out.append(b"+PONG\r\n")
                else:
                    name = args[1] if len(args) > 1 else b""
                    out.append(b"*3\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n:7\r\n" % (len(verb), verb, len(name), name))
            conn.sendall(b"".join(out))


def main():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(sys.argv[1])))
    listener.listen(16)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


main()
