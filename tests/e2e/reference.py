# A redis-server (Debian's 7.0.15, the behaviour reference) started next to the server under test,
# for tests that compare the two side by side in one run. Stopped by PID on cleanup.

from harness import Server


def start_reference(test):
    srv = Server()
    srv.kind = "redis"  # whatever RINGCAST_TEST_SERVER says: this one is the reference
    test.addCleanup(srv.cleanup)
    test.addCleanup(srv.stop)
    srv.start()
    return srv
