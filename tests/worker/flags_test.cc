// parlab-worker's flag parsing.
#include "parlab/worker/flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "parlab/common/run_limits.h"
#include "parlab/worker/worker_service.h"

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
  EXPECT_FALSE(options->print_version);
}

TEST(WorkerFlagsTest, VersionIsAskedForNotServed) {
  auto options = ParseWorkerFlags({"--version"}, "/bin");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->print_version);
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

TEST(WorkerFlagsTest, AllowHttpIsLoopbackUnlessTheOperatorSaysOtherwise) {
  auto defaults = ParseWorkerFlags({}, "/bin");
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_THAT(defaults->allow_http.entries(), ElementsAre("loopback"));
  auto listed = ParseWorkerFlags({"--allow-http", "10.0.0.5:8080,loopback"}, "/bin");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_THAT(listed->allow_http.entries(), ElementsAre("10.0.0.5:8080", "loopback"));
  auto bad = ParseWorkerFlags({"--allow-http", "intranet.lab"}, "/bin");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("--allow-http: not an IPv4 address"));
  EXPECT_THAT(bad.status().message(), HasSubstr("\"intranet.lab\""));
}

// A job sent straight to a worker (RunJob without a coordinator or a plan) is checked against
// the worker's allowance before any runner starts.
TEST(WorkerValidateJobTest, RefusesAUrlTheWorkerDoesNotAllow) {
  v1::WorkerDescription worker;
  v1::ModelInfo* model = worker.add_models();
  model->set_name("sequential");
  model->set_max_concurrency(1);
  v1::Job job;
  job.set_model("sequential");
  job.set_concurrency(1);
  job.set_repetitions(1);
  job.mutable_workload()->set_kind("http.get");
  (*job.mutable_workload()->mutable_params())["url"] = "http://10.0.0.5:8080/x";
  // A worker of the default allowance (an empty list: loopback only).
  absl::StatusOr<v1::ModelInfo> refused = ValidateJob(worker, job);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(),
              HasSubstr("plan.workload.params.url: host 10.0.0.5:8080 is not allowed by the worker "
                        "(allowed: loopback;"));
  worker.add_allow_http("10.0.0.5:8080");
  EXPECT_TRUE(ValidateJob(worker, job).ok());
  (*job.mutable_workload()->mutable_params())["url"] = "http://10.0.0.5:8080/x\r\nX: y";
  EXPECT_THAT(ValidateJob(worker, job).status().message(),
              HasSubstr("plan.workload.params.url: must not contain a control character"));
  // The per-job request cap: 10,000 requests x 11 runs.
  (*job.mutable_workload()->mutable_params())["url"] = "http://10.0.0.5:8080/x";
  (*job.mutable_workload()->mutable_params())["requests"] = "10000";
  job.set_repetitions(10);
  job.set_warmup(1);
  EXPECT_THAT(ValidateJob(worker, job).status().message(),
              HasSubstr("must be <= 100000 per job, got 10000 x 11"));
  // A number no plan could carry does not wrap around the check.
  (*job.mutable_workload()->mutable_params())["requests"] = "9223372036854775808";
  job.set_repetitions(2);
  job.set_warmup(0);
  EXPECT_THAT(ValidateJob(worker, job).status().message(), HasSubstr("per job, got"));
}

// --max-concurrency, --max-job-processes and --job-cgroups: defaults from the machine's PUs,
// bounds named.
TEST(WorkerFlagsTest, ConcurrencyAndProcessLimitsHaveMachineDefaultsAndBounds) {
  auto defaults = ParseWorkerFlags({}, "/bin");
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  const int64_t pus = std::max<long>(1, sysconf(_SC_NPROCESSORS_ONLN));
  EXPECT_EQ(defaults->max_concurrency, limits::DefaultMaxConcurrency(pus));
  EXPECT_EQ(defaults->max_job_processes, limits::DefaultMaxJobProcesses(pus));
  EXPECT_GE(defaults->max_concurrency, 10'000);
  EXPECT_GE(defaults->max_job_processes, 1'024);
  EXPECT_TRUE(defaults->job_cgroups);
  EXPECT_EQ(limits::DefaultMaxJobProcesses(2), 1'024);
  EXPECT_EQ(limits::DefaultMaxJobProcesses(256), 8'192);
  EXPECT_EQ(limits::DefaultMaxConcurrency(2), 10'000);

  auto set = ParseWorkerFlags(
      {"--max-concurrency", "500", "--max-job-processes", "64", "--job-cgroups", "off"}, "/bin");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->max_concurrency, 500);
  EXPECT_EQ(set->max_job_processes, 64);
  EXPECT_FALSE(set->job_cgroups);

  EXPECT_THAT(ParseWorkerFlags({"--max-concurrency", "0"}, "/bin").status().message(),
              HasSubstr("--max-concurrency: must be at least 1, got 0"));
  EXPECT_THAT(ParseWorkerFlags({"--max-concurrency", "100001"}, "/bin").status().message(),
              HasSubstr("--max-concurrency: must be an integer in [0, 100000], got \"100001\""));
  EXPECT_THAT(ParseWorkerFlags({"--max-job-processes", "8"}, "/bin").status().message(),
              HasSubstr("--max-job-processes: must be at least 16, got 8"));
  EXPECT_THAT(ParseWorkerFlags({"--job-cgroups", "yes"}, "/bin").status().message(),
              HasSubstr("--job-cgroups: must be auto or off, got \"yes\""));
}

// A job sent straight to a worker meets the limits of a plan (parlab/common/run_limits.h),
// against what this worker publishes.
TEST(WorkerValidateJobTest, AppliesThePlanLimitsAndTheWorkersOwn) {
  v1::WorkerDescription worker;
  v1::ModelInfo* model = worker.add_models();
  model->set_name("threads");
  v1::Job job;
  job.set_model("threads");
  job.set_concurrency(64);
  job.set_repetitions(1);
  job.mutable_workload()->set_kind("sleep");
  EXPECT_TRUE(ValidateJob(worker, job).ok());

  job.set_repetitions(20'000);
  EXPECT_EQ(ValidateJob(worker, job).status().message(),
            "job.repetitions: must be <= 10000, got 20000");
  job.set_repetitions(1);
  (*job.mutable_workload()->mutable_params())["ms"] = std::string(5000, '9');
  EXPECT_THAT(ValidateJob(worker, job).status().message(),
              HasSubstr("job.workload.params.ms: must be at most 4096 bytes, got 5000 bytes"));
  job.mutable_workload()->clear_params();

  worker.set_max_concurrency(32);
  EXPECT_EQ(ValidateJob(worker, job).status().message(),
            "job.concurrency: must be <= 32 (this worker's maximum concurrency, parlab-worker "
            "--max-concurrency), got 64");
  worker.set_max_concurrency(0);  // a worker that publishes none: max(10000, 64 x PUs)
  EXPECT_TRUE(ValidateJob(worker, job).ok());

  // No cgroup: concurrency is held to --max-job-processes; with one, the cgroup counts.
  worker.set_max_job_processes(16);
  worker.set_job_process_limit("check");
  EXPECT_THAT(ValidateJob(worker, job).status().message(),
              HasSubstr("job.concurrency: must be <= 16 on this worker (--max-job-processes 16"));
  worker.set_job_process_limit("cgroup2");
  EXPECT_TRUE(ValidateJob(worker, job).ok());
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
