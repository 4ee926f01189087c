// Connecting to a worker: a refused address fails at once, naming it; a slow handshake (a TLS
// handshake storm: 256 workers on 2 cores) is waited for, not called refused; only silence waits
// for the whole connect timeout; a kept channel is reused, not handshaken again.
#include "parlab/cluster/worker_client.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "parlab/security/net_security.h"
#include "support/lab_certs.h"

namespace parlab::cluster {
namespace {

using ::testing::HasSubstr;

// A loopback port nothing listens on: bound, then closed.
std::string RefusedAddress() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  close(fd);
  return "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
}

TEST(ConnectChannelTest, ARefusedConnectionFailsWithoutWaitingForTheTimeout) {
  const std::string address = RefusedAddress();
  const absl::Time start = absl::Now();
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      ConnectChannel("worker", address, absl::Seconds(60), nullptr);
  ASSERT_FALSE(channel.ok());
  EXPECT_TRUE(absl::IsUnavailable(channel.status())) << channel.status();
  EXPECT_THAT(std::string(channel.status().message()),
              HasSubstr("worker " + address + ": unreachable (connection refused"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));  // far from the 60 s timeout
}

// A gRPC server whose methods all answer UNIMPLEMENTED: enough for a channel to connect.
class BareServer {
 public:
  explicit BareServer(std::shared_ptr<grpc::ServerCredentials> credentials) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~BareServer() {
    if (server_ != nullptr) server_->Shutdown();
  }
  int port() const { return port_; }

 private:
  int port_ = 0;
  v1::WorkerService::Service service_;
  std::unique_ptr<grpc::Server> server_;
};

// A loopback TCP proxy to `upstream_port` that holds every new connection for `delay` before
// passing bytes either way: the client's connect succeeds at once, its handshake (TLS, HTTP/2
// settings) answers only after `delay`, as a worker's does when hundreds of handshakes queue
// on two cores. Counts the connections it accepted.
class SlowProxy {
 public:
  SlowProxy(int upstream_port, absl::Duration delay)
      : upstream_port_(upstream_port), delay_(delay) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(listen(listener_, 64), 0);
    EXPECT_EQ(getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { Accept(); });
  }
  ~SlowProxy() {
    stop_ = true;
    acceptor_.join();
    absl::MutexLock lock(&mutex_);
    for (std::thread& thread : pipes_) thread.join();
    close(listener_);
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  int accepted() const { return accepted_.load(); }

 private:
  void Accept() {
    while (!stop_) {
      pollfd fd{.fd = listener_, .events = POLLIN, .revents = 0};
      if (poll(&fd, 1, 20) <= 0) continue;
      int client = accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      accepted_.fetch_add(1);
      absl::MutexLock lock(&mutex_);
      pipes_.emplace_back([this, client] { Pipe(client); });
    }
  }

  void Pipe(int client) {
    for (absl::Time until = absl::Now() + delay_; !stop_ && absl::Now() < until;) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    int upstream = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(upstream_port_));
    if (!stop_ && connect(upstream, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
      pollfd fds[2] = {{.fd = client, .events = POLLIN, .revents = 0},
                       {.fd = upstream, .events = POLLIN, .revents = 0}};
      char buffer[16384];
      bool open = true;
      while (open && !stop_) {
        if (poll(fds, 2, 20) <= 0) continue;
        for (int i = 0; i < 2 && open; ++i) {
          if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
          const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
          open = n > 0 && write(fds[1 - i].fd, buffer, static_cast<size_t>(n)) == n;
        }
      }
    }
    close(upstream);
    close(client);
  }

  const int upstream_port_;
  const absl::Duration delay_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  absl::Mutex mutex_;
  std::vector<std::thread> pipes_ ABSL_GUARDED_BY(mutex_);
};

// Before the fix each connection attempt had a 100 ms deadline (GRPC_ARG_MIN_RECONNECT_BACKOFF_MS
// is gRPC's minimum connect timeout, not a backoff), so a handshake answered after 1.5 s never
// completed: the channel went to TRANSIENT_FAILURE and the worker was called refused.
TEST(ConnectChannelTest, ASlowHandshakeIsWaitedForNotCalledRefused) {
  BareServer server(grpc::InsecureServerCredentials());
  SlowProxy proxy(server.port(), absl::Milliseconds(1500));
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      ConnectChannel("worker", proxy.address(), absl::Seconds(20), nullptr);
  EXPECT_TRUE(channel.ok()) << channel.status();
}

// The same over TLS: the 256-worker TLS broadcast of docs/performance.md in miniature.
TEST(ConnectChannelTest, ASlowTlsHandshakeIsWaitedForNotCalledRefused) {
  absl::StatusOr<test_support::LabCerts> certs = test_support::LabCerts::Make({"127.0.0.1"});
  ASSERT_TRUE(certs.ok()) << certs.status();
  security::DaemonSecurityFlags flags;
  flags.tls_cert = certs->Cert("127.0.0.1");
  flags.tls_key = certs->Key("127.0.0.1");
  flags.tls_ca = certs->ca();
  absl::StatusOr<std::unique_ptr<security::ServerSecurity>> server_security =
      security::ServerSecurity::Create(flags, "127.0.0.1:0", "test-worker");
  ASSERT_TRUE(server_security.ok()) << server_security.status();
  absl::StatusOr<security::ClientSecurity> client = security::DaemonClientSecurity(flags);
  ASSERT_TRUE(client.ok()) << client.status();
  security::SetProcessClientSecurity(*client);
  BareServer server((*server_security)->credentials());
  SlowProxy proxy(server.port(), absl::Milliseconds(1500));
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      ConnectChannel("worker", proxy.address(), absl::Seconds(20), nullptr);
  EXPECT_TRUE(channel.ok()) << channel.status();
  security::SetProcessClientSecurity(security::ClientSecurity());
}

// A coordinator keeps one channel per worker: the second run on a worker makes no new
// connection (no new TLS handshake); without KeepChannels every call connects anew.
TEST(ConnectChannelTest, AKeptChannelIsReusedAndNotConnectedAgain) {
  BareServer server(grpc::InsecureServerCredentials());
  SlowProxy proxy(server.port(), absl::ZeroDuration());
  KeepChannels(true);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> first =
      ConnectChannel("worker", proxy.address(), absl::Seconds(20), nullptr);
  ASSERT_TRUE(first.ok()) << first.status();
  bool reused = false;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> second =
      ConnectChannel("worker", proxy.address(), absl::Seconds(20), nullptr, &reused);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(reused);
  EXPECT_EQ(first->get(), second->get());
  EXPECT_EQ(proxy.accepted(), 1);

  KeepChannels(false);  // drops the kept channel: the next call connects again
  first->reset();
  second->reset();
  absl::StatusOr<std::shared_ptr<grpc::Channel>> third =
      ConnectChannel("worker", proxy.address(), absl::Seconds(20), nullptr, &reused);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_FALSE(reused);
  EXPECT_EQ(proxy.accepted(), 2);
}

// A registering worker's channel is warmed: the connection (and its TLS handshake) is made in
// the background before any call, and the first call reuses it. Without KeepChannels (a
// one-shot CLI) warming does nothing.
TEST(ConnectChannelTest, AWarmedChannelConnectsBeforeAnyCall) {
  BareServer server(grpc::InsecureServerCredentials());
  SlowProxy proxy(server.port(), absl::ZeroDuration());
  WarmChannel(proxy.address());
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(proxy.accepted(), 0);

  KeepChannels(true);
  WarmChannel(proxy.address());
  for (absl::Time until = absl::Now() + absl::Seconds(20);
       proxy.accepted() == 0 && absl::Now() < until;) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(proxy.accepted(), 1);
  bool reused = false;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      ConnectChannel("worker", proxy.address(), absl::Seconds(20), nullptr, &reused);
  ASSERT_TRUE(channel.ok()) << channel.status();
  EXPECT_TRUE(reused);
  EXPECT_EQ(proxy.accepted(), 1);
  channel->reset();
  KeepChannels(false);
}

// A kept channel whose worker went away is dropped: the address is called refused, as it
// would be without keeping, and not waited on for the whole timeout.
TEST(ConnectChannelTest, AKeptChannelToAStoppedServerIsDroppedAndRefused) {
  auto server = std::make_unique<BareServer>(grpc::InsecureServerCredentials());
  const std::string address = absl::StrCat("127.0.0.1:", server->port());
  KeepChannels(true);
  {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        ConnectChannel("worker", address, absl::Seconds(20), nullptr);
    ASSERT_TRUE(channel.ok()) << channel.status();
  }
  server.reset();
  const absl::Time start = absl::Now();
  absl::StatusOr<std::shared_ptr<grpc::Channel>> again =
      ConnectChannel("worker", address, absl::Seconds(60), nullptr);
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(std::string(again.status().message()), HasSubstr("unreachable (connection refused"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
  KeepChannels(false);
}

}  // namespace
}  // namespace parlab::cluster
