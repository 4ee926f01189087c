// The worker's own limits through the real daemons and `parlab run` (issue 12): a level above a
// worker's --max-concurrency, or above its --max-job-processes where it has no cgroup to count
// processes, is refused before any job (exit 2, naming the worker and the flag); and a
// registered worker that dies while idle is logged by the coordinator when it goes.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "process.h"
#include "scratch_dir_test.h"

namespace parlab::e2e {
namespace {

using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using Json = nlohmann::json;

class WorkerLimitsTest : public ScratchDirTest {
 protected:
  WorkerLimitsTest() : ScratchDirTest("parlab-worker-limits") {}

  static std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  static bool WaitForText(const std::filesystem::path& path, const std::string& text,
                          absl::Duration timeout) {
    for (const absl::Time deadline = absl::Now() + timeout; absl::Now() < deadline;
         absl::SleepFor(absl::Milliseconds(50))) {
      if (ReadFile(path).find(text) != std::string::npos) return true;
    }
    return false;
  }

  static Json SleepPlan(int concurrency) {
    return {{"name", "limits"},
            {"workload", {{"kind", "sleep"}, {"params", {{"tasks", 4}, {"ms", 1}}}}},
            {"models", {"threads"}},
            {"concurrency", {1, concurrency}},
            {"repetitions", 1},
            {"warmup", 0}};
  }
};

TEST_F(WorkerLimitsTest, ALevelAboveTheWorkersMaxConcurrencyIsRefusedBeforeAnyJob) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0", "--max-concurrency", "8"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  Completed refused = RunToCompletion({PARLAB_CLI_BIN, "run", WritePlan(SleepPlan(9)), "--workers",
                                       worker.address(), "--no-store"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_THAT(refused.err,
              HasSubstr("plan.concurrency[1]: must be <= 8 on worker " + worker.address() +
                        " (its parlab-worker --max-concurrency), "
                        "got 9"));
  Completed ok = RunToCompletion({PARLAB_CLI_BIN, "run", WritePlan(SleepPlan(8)), "--workers",
                                  worker.address(), "--no-store"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

// Without job cgroups (forced, so this runs on every machine) the worker holds each level to
// --max-job-processes, and the coordinator knows it from the description.
TEST_F(WorkerLimitsTest, WithoutCgroupsALevelAboveMaxJobProcessesIsRefusedBeforeAnyJob) {
  const std::filesystem::path log = dir_ / "worker.log";
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0", "--job-cgroups", "off",
                 "--max-job-processes", "16"},
                log.string());
  ASSERT_TRUE(worker.ok()) << worker.error();
  // Which mechanism holds jobs to the limit is logged once, at start.
  EXPECT_TRUE(WaitForText(log, "event=job_limits", absl::Seconds(5)));
  EXPECT_THAT(ReadFile(log), AllOf(HasSubstr("max_job_processes=16 mechanism=check rlimit_nproc="),
                                   HasSubstr(getuid() == 0 ? "rlimit_nproc=\"no (root is exempt)\""
                                                           : "rlimit_nproc=yes"),
                                   HasSubstr("reason=\"--job-cgroups off\"")));
  Completed refused = RunToCompletion({PARLAB_CLI_BIN, "run", WritePlan(SleepPlan(17)), "--workers",
                                       worker.address(), "--no-store"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("plan.concurrency[1]: must be <= 16 on worker " +
                                     worker.address() + " (its --max-job-processes"));
}

// RLIMIT_NPROC where it binds and can be counted. A worker run as an ordinary user gets it; the
// same worker in a PID namespace of its own (a container: /proc shows only the namespace's tasks,
// the kernel counts every task of the uid) leaves it off and says why. Needs root, for the user
// switch and the namespace.
TEST_F(WorkerLimitsTest, AWorkerInAPidNamespaceOfItsOwnLeavesRlimitNprocOffAndSaysWhy) {
  const std::vector<std::string> unshare = {"/usr/bin/unshare", "--pid",   "--fork",
                                            "--kill-child",     "--mount", "--mount-proc"};
  if (getuid() != 0 || !test_support::AsOrdinaryUser(65531) ||
      RunToCompletion({unshare[0], "--pid", "--fork", "--mount", "--mount-proc", "true"})
              .exit_code != 0) {
    GTEST_SKIP() << "needs root, /usr/bin/setpriv and a PID namespace of its own (unshare)";
  }
  std::vector<std::string> argv = *test_support::AsOrdinaryUser(65531);
  argv.insert(argv.end(), {PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0", "--job-cgroups", "off"});
  const std::filesystem::path plain_log = dir_ / "plain.log";
  {
    Daemon worker(argv, plain_log.string());
    ASSERT_TRUE(worker.ok()) << worker.error();
    EXPECT_TRUE(WaitForText(plain_log, "event=job_limits", absl::Seconds(5)));
  }
  EXPECT_THAT(ReadFile(plain_log), HasSubstr("mechanism=check rlimit_nproc=yes "));

  argv.insert(argv.begin(), unshare.begin(), unshare.end());
  const std::filesystem::path namespaced_log = dir_ / "namespaced.log";
  {
    Daemon worker(argv, namespaced_log.string());
    ASSERT_TRUE(worker.ok()) << worker.error();
    EXPECT_TRUE(WaitForText(namespaced_log, "event=job_limits", absl::Seconds(5)));
  }
  EXPECT_THAT(ReadFile(namespaced_log),
              HasSubstr("rlimit_nproc=\"no (in a PID or user namespace of its own, /proc hides "
                        "some of the tasks the kernel counts)\""));
}

TEST_F(WorkerLimitsTest, TheCoordinatorLogsARegisteredWorkerLostWhileIdle) {
  const std::filesystem::path log = dir_ / "coordinator.log";
  Daemon coordinator(
      {PARLAB_COORDINATOR_BIN, "--listen", "127.0.0.1:0", "--no-store", "--heartbeat-timeout", "1"},
      log.string());
  ASSERT_TRUE(coordinator.ok()) << coordinator.error();
  Daemon worker(
      {PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0", "--coordinator", coordinator.address()});
  ASSERT_TRUE(worker.ok()) << worker.error();
  ASSERT_TRUE(
      WaitForText(log, "event=worker_registered worker=" + worker.address(), absl::Seconds(20)));
  worker.Kill();  // no run is going on: only the heartbeats stop
  EXPECT_TRUE(WaitForText(log, "event=worker_lost worker=" + worker.address(), absl::Seconds(10)))
      << ReadFile(log);
  EXPECT_THAT(ReadFile(log),
              ContainsRegex("parlab-coordinator: event=worker_lost worker=" + worker.address() +
                            " state=idle reason=\"no heartbeat for [0-9.]+ s\"\n"));
}

}  // namespace
}  // namespace parlab::e2e
