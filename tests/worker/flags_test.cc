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

TEST(WorkerFlagsTest, JobLimitsAndScratch) {
  auto options = ParseWorkerFlags(
      {"--max-job-memory", "512", "--max-job-files", "1024", "--scratch", "/srv/scratch"}, "/bin");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->max_job_memory_mib, 512);
  EXPECT_EQ(options->max_job_files, 1024);
  EXPECT_EQ(options->scratch_root, "/srv/scratch");
  auto none = ParseWorkerFlags({}, "/bin");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->max_job_memory_mib, 0);
  EXPECT_EQ(none->max_job_files, 0);
  EXPECT_EQ(none->lifeline_fd, -1);
}

// --python-path: repeatable, each an existing directory, kept as its real path.
TEST(WorkerFlagsTest, PythonPathIsRepeatableAndMustExist) {
  auto options =
      ParseWorkerFlags({"--python-path", "/tmp/", "--python-path", "/usr/lib/../lib"}, "/bin");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->python_path, (std::vector<std::string>{"/tmp", "/usr/lib"}));
  EXPECT_TRUE(ParseWorkerFlags({}, "/bin")->python_path.empty());
  for (const std::string bad : {"/no/such/dir", "/etc/hostname"}) {
    auto refused = ParseWorkerFlags({"--python-path", bad}, "/bin");
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_THAT(refused.status().message(),
                HasSubstr("--python-path: must be an existing directory, got \"" + bad + "\""));
  }
}

TEST(WorkerFlagsTest, BadJobLimitsNameTheFlagTheValueAndTheLimit) {
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {{"--max-job-memory", "8"},
            "--max-job-memory: must be 0 (no limit) or >= 16 MiB, got 8"},
           {{"--max-job-memory", "lots"}, "--max-job-memory: must be an integer in [0, 1048576]"},
           {{"--max-job-files", "-1"}, "--max-job-files: must be an integer in [0, 1048576], got"},
           {{"--max-job-files", "3"}, "--max-job-files: must be 0 (inherited) or >= 16, got 3"},
           {{"--lifeline", "1"}, "--lifeline: must be a file descriptor >= 3, got \"1\""},
           {{"--lifeline", "987654"}, "--lifeline: file descriptor 987654 is not open"}}) {
    auto options = ParseWorkerFlags(c.args, "/bin");
    ASSERT_FALSE(options.ok()) << c.args[0] << " " << c.args[1];
    EXPECT_THAT(options.status().message(), HasSubstr(c.expected));
  }
}

}  // namespace
}  // namespace parlab
