// Each backend (io_uring, epoll) against socketpairs and a loopback listener,
// on one thread: receiving (also through a shortage of buffers), writing
// iovecs, stopping a connection, accepting. Every test runs on both.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <vector>
#include <string>
#include <thread>

#include "io/backend.h"
#include "recorder.h"

namespace ringcast::io {
namespace {

using testing::pump;
using testing::pump_for;
using testing::Recorder;

struct SocketPair {
  int fd[2] = {-1, -1};
  SocketPair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd), 0); }
  ~SocketPair() {
    for (int f : fd)
      if (f >= 0) close(f);
  }
  void send_all(int side, const std::string& bytes) const {
    ASSERT_EQ(::write(fd[side], bytes.data(), bytes.size()), ssize_t(bytes.size()));
  }
};

class BackendTest : public ::testing::TestWithParam<BackendKind> {
 protected:
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);  // as the daemon does: a write to a closed peer fails, it does not kill
    ASSERT_EQ(io->init(), 0);
  }

  Recorder events;
  std::unique_ptr<Backend> io = make_backend(GetParam(), events);
};

TEST_P(BackendTest, ReceivesWhatThePeerWritesUntilItCloses) {
  SocketPair s;
  io->start_receiving(5, s.fd[0]);
  s.send_all(1, "hello ");
  ASSERT_TRUE(pump(*io, events, [&] { return events.data[5] == "hello "; }));
  s.send_all(1, "world");
  ASSERT_TRUE(pump(*io, events, [&] { return events.data[5] == "hello world"; }));
  EXPECT_TRUE(events.ended.empty());

  close(s.fd[1]);
  s.fd[1] = -1;
  ASSERT_TRUE(pump(*io, events, [&] { return !events.ended.empty(); }));
  ASSERT_EQ(events.ended.size(), 1u);
  EXPECT_EQ(events.ended[0], std::make_pair(ConnId(5), 0));  // 0: the peer closed
  pump_for(*io, events, 60);
  EXPECT_EQ(events.ended.size(), 1u);
}

TEST_P(BackendTest, BytesAndThePeersCloseArrivingTogetherBothCome) {
  // A client that sends half a request and hangs up: its last bytes and its
  // close reach the kernel before the backend looks (one readiness event).
  SocketPair s;
  io->start_receiving(8, s.fd[0]);
  pump_for(*io, events, 40);
  s.send_all(1, "*1\r\n$4\r\nPI");
  close(s.fd[1]);
  s.fd[1] = -1;
  ASSERT_TRUE(pump(*io, events, [&] { return !events.ended.empty(); })) << "the close was never seen";
  EXPECT_EQ(events.data[8], "*1\r\n$4\r\nPI");
  EXPECT_EQ(events.ended[0], std::make_pair(ConnId(8), 0));
}

TEST_P(BackendTest, KeepsConnectionsApart) {
  SocketPair a, b;
  io->start_receiving(0, a.fd[0]);
  io->start_receiving(1, b.fd[0]);
  a.send_all(1, "for a");
  b.send_all(1, "for b");
  ASSERT_TRUE(pump(*io, events, [&] { return events.data[0].size() == 5 && events.data[1].size() == 5; }));
  EXPECT_EQ(events.data[0], "for a");
  EXPECT_EQ(events.data[1], "for b");
}

TEST_P(BackendTest, OutOfBuffersIsBackPressureNotAnEnd) {
  // 4 buffers of 8 bytes: 200 bytes already waiting use them up at once, the
  // kernel ends the receive for lack of buffers, and the backend must resume
  // it by itself without reporting an end or losing a byte.
  Recorder small;
  auto tiny = make_backend(GetParam(), small, Options{.receive_buffers = 4, .receive_buffer_size = 8});
  ASSERT_EQ(tiny->init(), 0);
  SocketPair s;
  std::string sent;
  for (int i = 0; i < 200; ++i) sent.push_back(char('a' + i % 26));
  s.send_all(1, sent);
  tiny->start_receiving(3, s.fd[0]);
  ASSERT_TRUE(pump(*tiny, small, [&] { return small.data[3].size() >= sent.size(); }));
  EXPECT_EQ(small.data[3], sent);
  EXPECT_GE(small.data_calls[3], 25);  // never more than one buffer per call
  EXPECT_TRUE(small.ended.empty());
}

TEST_P(BackendTest, WritesIovecsInOneWrite) {
  SocketPair s;
  const std::string parts[] = {"*1\r\n", "$4\r\n", "PING", "\r\n"};
  iovec iov[4];
  for (int i = 0; i < 4; ++i) iov[i] = iovec{const_cast<char*>(parts[i].data()), parts[i].size()};
  io->write(9, s.fd[0], iov, 4);
  ASSERT_TRUE(pump(*io, events, [&] { return !events.written.empty(); }));
  EXPECT_EQ(events.written[0], std::make_pair(ConnId(9), 14));
  char buf[64];
  ASSERT_EQ(read(s.fd[1], buf, sizeof buf), 14);
  EXPECT_EQ(std::string(buf, 14), "*1\r\n$4\r\nPING\r\n");
}

TEST_P(BackendTest, WriteToAClosedPeerFails) {
  SocketPair s;
  close(s.fd[1]);
  s.fd[1] = -1;
  char byte = 'x';
  iovec iov{&byte, 1};
  io->write(2, s.fd[0], &iov, 1);
  ASSERT_TRUE(pump(*io, events, [&] { return !events.written.empty(); }));
  EXPECT_EQ(events.written[0].first, ConnId(2));
  EXPECT_EQ(events.written[0].second, -EPIPE);
}

TEST_P(BackendTest, StopEndsTheReceiveExactlyOnce) {
  SocketPair s;
  io->start_receiving(4, s.fd[0]);
  pump_for(*io, events, 40);  // the receive is armed in the kernel
  io->stop(4, s.fd[0]);
  EXPECT_TRUE(events.ended.empty()) << "never from inside stop()";
  ASSERT_TRUE(pump(*io, events, [&] { return !events.ended.empty(); }));
  pump_for(*io, events, 60);
  ASSERT_EQ(events.ended.size(), 1u);
  EXPECT_EQ(events.ended[0].first, ConnId(4));

  // The id is free again: a new connection may take it.
  SocketPair t;
  io->start_receiving(4, t.fd[0]);
  t.send_all(1, "again");
  ASSERT_TRUE(pump(*io, events, [&] { return events.data[4] == "again"; }));
  EXPECT_EQ(events.ended.size(), 1u);
}

TEST_P(BackendTest, StopFromInsideOnDataEndsTheReceiveOnce) {
  // As a shard closing a connection on a bad request: stop() while the data
  // that prompted it is being handed over.
  SocketPair s;
  events.after_data = [&](ConnId conn) {
    if (conn == 6 && events.data_calls[6] == 1) io->stop(6, s.fd[0]);
  };
  io->start_receiving(6, s.fd[0]);
  s.send_all(1, "QUIT\r\n");
  ASSERT_TRUE(pump(*io, events, [&] { return !events.ended.empty(); }));
  pump_for(*io, events, 60);
  ASSERT_EQ(events.ended.size(), 1u);
  EXPECT_EQ(events.ended[0].first, ConnId(6));
  EXPECT_EQ(events.data_calls[6], 1);
}

TEST_P(BackendTest, StopWhileOutOfBuffersStillEndsOnce) {
  // Connection 1 runs out of buffers, then, in the same batch of
  // completions, connection 2's write completes and its handler stops
  // connection 1 (as closing a client on another's command would): the
  // receive waiting for its restart must end instead, and exactly once.
  Recorder small;
  auto tiny = make_backend(GetParam(), small, Options{.receive_buffers = 2, .receive_buffer_size = 4});
  ASSERT_EQ(tiny->init(), 0);
  SocketPair reader, writer;
  reader.send_all(1, std::string(64, 'z'));
  small.after_written = [&](ConnId) { tiny->stop(1, reader.fd[0]); };
  tiny->start_receiving(1, reader.fd[0]);
  char byte = 'x';
  iovec iov{&byte, 1};
  tiny->write(2, writer.fd[0], &iov, 1);
  ASSERT_TRUE(pump(*tiny, small, [&] { return !small.ended.empty(); }));
  pump_for(*tiny, small, 60);
  ASSERT_EQ(small.ended.size(), 1u);
  EXPECT_EQ(small.ended[0].first, ConnId(1));
  EXPECT_LE(small.data[1].size(), 64u);
}

TEST_P(BackendTest, PauseLeavesUnreadBytesInTheKernel) {
  SocketPair s;
  io->start_receiving(7, s.fd[0]);
  s.send_all(1, "first");
  ASSERT_TRUE(pump(*io, events, [&] { return events.data[7] == "first"; }));
  io->pause_receiving(7);
  EXPECT_TRUE(events.ended.empty()) << "never from inside pause_receiving()";
  ASSERT_TRUE(pump(*io, events, [&] { return !events.ended.empty(); }));
  EXPECT_EQ(events.ended[0], std::make_pair(ConnId(7), -ECANCELED));

  s.send_all(1, "second");
  pump_for(*io, events, 60);
  EXPECT_EQ(events.data[7], "first");
  int waiting = 0;
  ASSERT_EQ(ioctl(s.fd[0], FIONREAD, &waiting), 0);
  EXPECT_EQ(waiting, 6) << "the paused receive took bytes out of the kernel";

  io->start_receiving(7, s.fd[0]);  // resumes with what waited
  ASSERT_TRUE(pump(*io, events, [&] { return events.data[7] == "firstsecond"; }));
  EXPECT_EQ(events.ended.size(), 1u);
}

TEST_P(BackendTest, AWriteLargerThanTheSocketBufferGoesOutWhileThePeerReads) {
  // The caller resumes a short write from the byte it stopped at, as the
  // shard does; every byte must arrive once and in order.
  SocketPair s;
  const int small = 4096;
  ASSERT_EQ(setsockopt(s.fd[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
  std::string sent(1 << 20, '\0');
  for (size_t i = 0; i < sent.size(); ++i) sent[i] = char('a' + i % 23);
  std::string received;
  std::thread reader([&] {
    char buf[65536];
    while (received.size() < sent.size()) {
      const ssize_t n = read(s.fd[1], buf, sizeof buf);
      if (n <= 0) break;
      received.append(buf, size_t(n));
    }
  });
  // However the writing ends, the reader sees the end of the stream and the thread is joined.
  struct EndReader {
    int fd;
    std::thread& reader;
    ~EndReader() {
      shutdown(fd, SHUT_WR);
      if (reader.joinable()) reader.join();
    }
  } end_reader{s.fd[0], reader};
  size_t done = 0;
  int writes = 0;
  while (done < sent.size() && writes < 100000) {
    iovec iov{sent.data() + done, sent.size() - done};
    const size_t before = events.written.size();
    io->write(3, s.fd[0], &iov, 1);
    ++writes;
    ASSERT_TRUE(pump(*io, events, [&] { return events.written.size() > before; }, 10000));
    const int result = events.written.back().second;
    ASSERT_GT(result, 0);
    done += size_t(result);
  }
  shutdown(s.fd[0], SHUT_WR);
  reader.join();
  EXPECT_EQ(done, sent.size());
  EXPECT_TRUE(received == sent) << "received " << received.size() << " bytes, differing from what was sent";
}

// A listener on an ephemeral loopback port.
struct Listener {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  Listener() {
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(fd, 16), 0);
    socklen_t len = sizeof addr;
    EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  }
  ~Listener() { close(fd); }
  int connect_client() const {
    const int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_EQ(connect(c, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
    return c;
  }
};

int highest_open_fd() {
  int highest = 2;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (dirent* entry = readdir(dir)) highest = std::max(highest, atoi(entry->d_name));
    closedir(dir);
  }
  return highest;
}

TEST_P(BackendTest, AcceptsUntilStopped) {
  Listener listener;
  io->start_accepting(listener.fd);
  const int clients[2] = {listener.connect_client(), listener.connect_client()};
  ASSERT_TRUE(pump(*io, events, [&] { return events.accepted.size() == 2; }));
  for (int fd : events.accepted) EXPECT_GE(fd, 0);

  io->stop_accepting();
  pump_for(*io, events, 40);
  const int late = listener.connect_client();  // the backlog takes it
  pump_for(*io, events, 100);
  EXPECT_EQ(events.accepted.size(), 2u);
  EXPECT_TRUE(events.accept_errors.empty());

  for (int fd : events.accepted) close(fd);
  for (int c : clients) close(c);
  close(late);
}

TEST_P(BackendTest, AFailedAcceptPausesUntilTheNextTick) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // Their runtimes need descriptors while the test holds every one (UBSan
  // probes memory through a pipe and then reports a false "invalid vptr").
  GTEST_SKIP() << "runs in the release build only: the sanitizers need free descriptors";
#endif
  Listener listener;
  io->start_accepting(listener.fd);
  const int client = listener.connect_client();  // waits in the backlog
  // No descriptor left for accept: lower the limit just above what is open
  // and take every free one below it.
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = rlim_t(highest_open_fd() + 8);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> fillers;
  for (int fd; (fd = dup(0)) >= 0;) fillers.push_back(fd);
  ASSERT_EQ(errno, EMFILE);

  const int ticks_before = events.ticks;
  ASSERT_TRUE(pump(*io, events, [&] { return events.accept_errors.size() >= 2; }));
  pump_for(*io, events, 100);
  const int ticks = events.ticks - ticks_before;
  for (int fd : fillers) close(fd);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);

  EXPECT_EQ(events.accept_errors[0], -EMFILE);
  EXPECT_LE(int(events.accept_errors.size()), ticks + 1) << "accept was retried without waiting for a tick";
  EXPECT_TRUE(events.accepted.empty());
  // Descriptors are back: the next tick resumes accepting, and the client waiting is taken.
  ASSERT_TRUE(pump(*io, events, [&] { return events.accepted.size() == 1; }));
  for (int fd : events.accepted) close(fd);
  close(client);
}

TEST_P(BackendTest, TicksAfterTheInterval) {
  const auto from = std::chrono::steady_clock::now();
  io->schedule_tick(50);
  events.tick_pending = true;
  while (events.ticks == 0) {
    io->wait(io::Backend::kSleepUntilEvent);
    io->dispatch();
  }
  EXPECT_GE(std::chrono::steady_clock::now() - from, std::chrono::milliseconds(45));
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendTest, ::testing::Values(BackendKind::io_uring, BackendKind::epoll),
                         testing::backend_test_name);

}  // namespace
}  // namespace ringcast::io
