// parlab-worker's flag parsing.
#include "parlab/worker/flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace parlab {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(WorkerFlagsTest, DefaultsAreRelativeToTheExecutable) {
  auto options = ParseWorkerFlags({}, "/opt/parlab/bin");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->listen, "127.0.0.1:0");
  EXPECT_THAT(options->plugin_dirs, ElementsAre("/opt/parlab/lib/parlab/plugins"));
  EXPECT_EQ(options->runner_path, "/opt/parlab/bin/parlab-runner");
}

TEST(WorkerFlagsTest, ParsesBothFlagForms) {
  auto options = ParseWorkerFlags(
      {"--listen=0.0.0.0:7000", "--plugins", "/a:/b", "--runner", "/x/runner"}, "/bin");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->listen, "0.0.0.0:7000");
  EXPECT_THAT(options->plugin_dirs, ElementsAre("/a", "/b"));
  EXPECT_EQ(options->runner_path, "/x/runner");
}

TEST(WorkerFlagsTest, ErrorsNameTheFlagAndTheValue) {
  auto bad_port = ParseWorkerFlags({"--listen", "127.0.0.1:70000"}, "/bin");
  ASSERT_FALSE(bad_port.ok());
  EXPECT_THAT(bad_port.status().message(), HasSubstr("--listen"));
  EXPECT_THAT(bad_port.status().message(), HasSubstr("127.0.0.1:70000"));

  auto unknown = ParseWorkerFlags({"--frobnicate"}, "/bin");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("--frobnicate"));

  auto missing = ParseWorkerFlags({"--plugins"}, "/bin");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("--plugins"));
}

}  // namespace
}  // namespace parlab
