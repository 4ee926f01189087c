// Workers cannot be turned against their network (issue 11), through the real binaries: a URL the
// worker does not allow, or a malformed one, is refused before any job with exit 2 naming
// plan.workload.params.url, and a loopback listener standing in for the target sees no connection.
// The control case (the same listener, allowed) shows that the listener does see a run's
// requests, so the refusals cannot pass by accident.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "process.h"

namespace parlab::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

// A TCP listener on 127.0.0.1:0 that counts the connections it accepts and answers each with a
// small 200 response, so that an allowed run succeeds.
class CountingListener {
 public:
  CountingListener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(fd_, 64) != 0) {
      return;
    }
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~CountingListener() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) close(fd_);
  }

  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  std::string Url(const std::string& path = "/probe") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  void Serve() {
    while (!stop_) {
      pollfd pfd{fd_, POLLIN, 0};
      if (poll(&pfd, 1, 50) <= 0) continue;
      const int client = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      accepted_.fetch_add(1);
      char buffer[4096];
      std::string request;
      while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = read(client, buffer, sizeof(buffer));
        if (n <= 0) break;
        request.append(buffer, static_cast<size_t>(n));
      }
      const std::string response =
          "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
      (void)!write(client, response.data(), response.size());
      close(client);
    }
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

class HttpAllowTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const std::string& path : files_) std::filesystem::remove(path);
  }

  std::string WritePlan(const std::string& url, int requests = 3) {
    Json plan = {
        {"name", "http-allow"},
        {"workload", {{"kind", "http.get"}, {"params", {{"url", url}, {"requests", requests}}}}},
        {"models", {"sequential"}},
        {"concurrency", {1}},
        {"repetitions", 1},
        {"warmup", 0}};
    std::string path =
        (std::filesystem::temp_directory_path() / ("parlab-http-allow-" + std::to_string(getpid()) +
                                                   "-" + std::to_string(files_.size()) + ".json"))
            .string();
    std::ofstream(path) << plan.dump();
    files_.push_back(path);
    return path;
  }

  std::vector<std::string> files_;
};

// The control: allowed by its exact HOST:PORT, the run reaches the listener and passes. Without
// this, the refusals below could pass because the listener never saw anything anyway.
TEST_F(HttpAllowTest, AnAllowedUrlIsReached) {
  CountingListener listener;
  ASSERT_NE(listener.port(), 0);
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0", "--plugins", PARLAB_PLUGIN_DIR,
                 "--allow-http", "127.0.0.1:" + std::to_string(listener.port())});
  ASSERT_TRUE(worker.ok()) << worker.error();
  Completed run = RunToCompletion({PARLAB_CLI_BIN, "run", WritePlan(listener.Url(), 3), "--workers",
                                   worker.address(), "--format", "json"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(listener.accepted(), 3);
}

// --allow-http names another loopback port: the listener's port is not allowed, so the run is
// refused before any job, naming the field, the URL and what the worker allows.
TEST_F(HttpAllowTest, AHostTheWorkerDoesNotAllowIsRefusedBeforeAnyRequest) {
  CountingListener listener;
  ASSERT_NE(listener.port(), 0);
  const std::string other = std::to_string(listener.port() == 65535 ? 1 : listener.port() + 1);
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0", "--plugins", PARLAB_PLUGIN_DIR,
                 "--allow-http", "127.0.0.1:" + other + ",10.9.8.7"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  Completed run = RunToCompletion(
      {PARLAB_CLI_BIN, "run", WritePlan(listener.Url()), "--workers", worker.address()});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_THAT(run.err, HasSubstr("plan.workload.params.url: host 127.0.0.1:" +
                                 std::to_string(listener.port()) + " is not allowed"));
  EXPECT_THAT(run.err, HasSubstr("allowed: 127.0.0.1:" + other + ",10.9.8.7"));
  EXPECT_THAT(run.err, HasSubstr(listener.Url()));
  EXPECT_EQ(listener.accepted(), 0);
}

// The same through a coordinator daemon, which checks each worker's allowance before any job.
TEST_F(HttpAllowTest, ACoordinatorRefusesTheRunToo) {
  CountingListener listener;
  ASSERT_NE(listener.port(), 0);
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0", "--plugins", PARLAB_PLUGIN_DIR,
                 "--allow-http", "10.9.8.7:80"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  Daemon coordinator({PARLAB_COORDINATOR_BIN, "--listen", "127.0.0.1:0", "--no-store"});
  ASSERT_TRUE(coordinator.ok()) << coordinator.error();
  Completed run =
      RunToCompletion({PARLAB_CLI_BIN, "run", WritePlan(listener.Url()), "--coordinator",
                       coordinator.address(), "--workers", worker.address()});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_THAT(run.err, HasSubstr("plan.workload.params.url: host 127.0.0.1:"));
  EXPECT_THAT(run.err, HasSubstr("is not allowed by the worker " + worker.address()));
  EXPECT_EQ(listener.accepted(), 0);
}

// Malformed URLs are refused by plan validation of a local run (the auto-started worker), each
// with its reason; the escaped value in the message never carries a raw CR or LF.
TEST_F(HttpAllowTest, MalformedUrlsAreRefusedAtTheCli) {
  CountingListener listener;
  ASSERT_NE(listener.port(), 0);
  const std::string base = "http://127.0.0.1:" + std::to_string(listener.port());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {base + "/x\r\nX-Injected: yes\r\n\r\n", "control character (byte 0x0d"},
      {base + "/x HTTP/1.1\r\nX-Injected: yes", "must not contain a space"},
      {base + "/x\nX-Injected: yes", "control character (byte 0x0a"},
      {base + "/a b", "must not contain a space"},
      {"http://user:pw@127.0.0.1:" + std::to_string(listener.port()) + "/", "userinfo"},
      {"https://127.0.0.1:" + std::to_string(listener.port()) + "/", "must use the http scheme"},
      {"file:///etc/passwd", "must use the http scheme"},
  };
  for (const auto& [url, reason] : cases) {
    Completed run = RunToCompletion(
        {PARLAB_CLI_BIN, "run", WritePlan(url), "--plugins", PARLAB_PLUGIN_DIR, "--no-store"});
    EXPECT_EQ(run.exit_code, 2) << url << ": " << run.err;
    EXPECT_THAT(run.err, HasSubstr("plan.workload.params.url: ")) << url;
    EXPECT_THAT(run.err, HasSubstr(reason)) << url;
    EXPECT_THAT(run.err, Not(HasSubstr("X-Injected: yes\r"))) << url;
    EXPECT_EQ(run.out, "") << url;
  }
  EXPECT_EQ(listener.accepted(), 0);
}

}  // namespace
}  // namespace parlab::e2e
