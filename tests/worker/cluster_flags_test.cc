// parlab-worker's cluster flags (--coordinator, --label, --advertise, --heartbeat-interval)
// and the address it announces.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "parlab/worker/announcer.h"
#include "parlab/worker/flags.h"

namespace parlab {
namespace {

using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

TEST(ClusterFlagsTest, ParsesLabelsCoordinatorAdvertiseAndInterval) {
  auto options =
      ParseWorkerFlags({"--coordinator", "10.0.0.1:7470", "--label", "rack=a", "--label=gen=zen3",
                        "--advertise", "node7:7471", "--heartbeat-interval", "0.25"},
                       "/bin");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->coordinator, "10.0.0.1:7470");
  EXPECT_EQ(options->advertise, "node7:7471");
  EXPECT_THAT(options->labels, UnorderedElementsAre(Pair("rack", "a"), Pair("gen", "zen3")));
  EXPECT_EQ(options->heartbeat_interval, absl::Milliseconds(250));
}

TEST(ClusterFlagsTest, DefaultsAreStandalone) {
  auto options = ParseWorkerFlags({}, "/bin");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->coordinator.empty());
  EXPECT_TRUE(options->labels.empty());
  EXPECT_EQ(options->heartbeat_interval, absl::Seconds(1));
}

TEST(ClusterFlagsTest, ErrorsNameTheFlagAndTheValue) {
  auto message = [](std::vector<std::string> args) {
    return std::string(ParseWorkerFlags(args, "/bin").status().message());
  };
  EXPECT_THAT(message({"--label", "rack"}), HasSubstr("--label: expected KEY=VALUE, got \"rack\""));
  EXPECT_THAT(message({"--label", "=a"}), HasSubstr("--label: expected KEY=VALUE"));
  EXPECT_THAT(message({"--coordinator", "host"}),
              HasSubstr("--coordinator: expected HOST:PORT with PORT in 1..65535, got \"host\""));
  EXPECT_THAT(message({"--advertise", "h:0"}), HasSubstr("--advertise: expected HOST:PORT"));
  EXPECT_THAT(
      message({"--heartbeat-interval", "0"}),
      HasSubstr("--heartbeat-interval: must be a number of seconds in (0, 3600], got \"0\""));
}

TEST(ClusterFlagsTest, AnnouncedAddress) {
  EXPECT_EQ(AnnouncedAddress("node7:7471", "127.0.0.1:5000"), "node7:7471");
  EXPECT_EQ(AnnouncedAddress("", "127.0.0.1:5000"), "127.0.0.1:5000");
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof(host) - 1), 0);
  EXPECT_EQ(AnnouncedAddress("", "0.0.0.0:5000"), std::string(host) + ":5000");
}

}  // namespace
}  // namespace parlab
