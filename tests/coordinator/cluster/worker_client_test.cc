// Connecting to a worker: a refused address fails at once, naming it; only silence waits for
// the whole connect timeout.
#include "parlab/cluster/worker_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

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

}  // namespace
}  // namespace parlab::cluster
