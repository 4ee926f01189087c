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

TEST(WorkerFlagsTest, SecurityFlags) {
  absl::StatusOr<WorkerOptions> options = ParseWorkerFlags(
      {"--listen", "0.0.0.0:7471", "--tls-cert", "w.crt", "--tls-key=w.key", "--tls-ca", "ca.crt",
       "--tls-client-auth", "--tokens", "tokens", "--token-file", "w.token", "--tls-server-name",
       "workers.lab", "--insecure"},
      "/bin");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->security.tls_cert, "w.crt");
  EXPECT_EQ(options->security.tls_key, "w.key");
  EXPECT_EQ(options->security.tls_ca, "ca.crt");
  EXPECT_TRUE(options->security.tls_client_auth);
  EXPECT_EQ(options->security.tokens, "tokens");
  EXPECT_EQ(options->security.token_file, "w.token");
  EXPECT_EQ(options->security.tls_server_name, "workers.lab");
  EXPECT_TRUE(options->security.insecure);
  EXPECT_THAT(ParseWorkerFlags({"--tokens="}, "/bin").status().message(),
              HasSubstr("--tokens: must name a file"));
  EXPECT_THAT(WorkerUsage(), HasSubstr("--tls-client-auth"));
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
