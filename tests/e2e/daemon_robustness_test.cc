// What the daemons tell their operators when something goes wrong: `parlab run` whose
// coordinator dies mid-run names it and still prints every result it received (exit 1), and
// the coordinator writes one logfmt line per event (registration, run start and end, job
// failure) to stderr.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "process.h"
#include "scratch_dir_test.h"

namespace parlab::e2e {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using Json = nlohmann::json;

class DaemonRobustnessTest : public ScratchDirTest {
 protected:
  DaemonRobustnessTest() : ScratchDirTest("parlab-robustness") {}

  std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
};

// The acceptance case of issue 12, item 8: SIGKILL the coordinator after the first job result.
TEST_F(DaemonRobustnessTest, ARunWhoseCoordinatorDiesPrintsWhatItReceivedAndExits1) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  Daemon coordinator({PARLAB_COORDINATOR_BIN, "--listen", "127.0.0.1:0", "--no-store", "--workers",
                      worker.address()});
  ASSERT_TRUE(coordinator.ok()) << coordinator.error();
  Json plan = {{"name", "cut-short"},
               {"workload", {{"kind", "sleep"}, {"params", {{"tasks", 10}, {"ms", 50}}}}},
               {"models", {"sequential", "threads"}},
               {"concurrency", {1, 2}},
               {"repetitions", 1},
               {"warmup", 0},
               {"order", "grouped"}};  // job results stream as each job ends
  bool killed = false;
  Completed run =
      RunToCompletion({PARLAB_CLI_BIN, "run", WritePlan(plan), "--coordinator",
                       coordinator.address(), "--format", "json"},
                      absl::Seconds(60), [&](const std::string& err) {
                        if (!killed && err.find("sequential x1: OK") != std::string::npos) {
                          coordinator.Kill();
                          killed = true;
                        }
                      });
  ASSERT_TRUE(killed) << run.err;
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err,
              HasSubstr("parlab: coordinator " + coordinator.address() + " went away mid-run: "));

  Json report = Json::parse(run.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(report.is_discarded()) << run.out;
  EXPECT_THAT(report.value("run_id", ""), HasSubstr("run-")) << run.out;
  bool sequential_x1 = false;
  for (const Json& row : report["results"]) {
    if (row["model"] == "sequential" && row["concurrency"] == 1 && row["status"] == "OK") {
      sequential_x1 = true;
      EXPECT_EQ(row["samples"].size(), 1u) << row.dump();
    }
  }
  EXPECT_TRUE(sequential_x1) << run.out;
}

// The interleaved order delivers a job's samples after each round (RunEvent.partial_result);
// a run cut short in round 2 prints them, marked partial.
TEST_F(DaemonRobustnessTest, AnInterleavedRunWhoseCoordinatorDiesPrintsItsPartialResults) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  Daemon coordinator({PARLAB_COORDINATOR_BIN, "--listen", "127.0.0.1:0", "--no-store", "--workers",
                      worker.address()});
  ASSERT_TRUE(coordinator.ok()) << coordinator.error();
  Json plan = {{"name", "interleaved-cut-short"},
               {"workload", {{"kind", "sleep"}, {"params", {{"tasks", 4}, {"ms", 50}}}}},
               {"models", {"sequential", "threads"}},
               {"concurrency", {2}},
               {"repetitions", 3},
               {"warmup", 0}};
  bool killed = false;
  Completed run =
      RunToCompletion({PARLAB_CLI_BIN, "run", WritePlan(plan), "--coordinator",
                       coordinator.address(), "--progress", "lines", "--format", "json"},
                      absl::Seconds(60), [&](const std::string& err) {
                        if (!killed && err.find("measure 2/3") != std::string::npos) {
                          coordinator.Kill();
                          killed = true;
                        }
                      });
  ASSERT_TRUE(killed) << run.err;
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("went away mid-run"));
  Json report = Json::parse(run.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(report.is_discarded()) << run.out;
  int partial_jobs = 0;
  for (const Json& row : report["results"]) {
    if (row.value("error", "").find("partial") == std::string::npos) continue;
    ++partial_jobs;
    EXPECT_FALSE(row["samples"].empty()) << row.dump();
  }
  EXPECT_GE(partial_jobs, 1) << run.out;
}

// Item 10: one logfmt line per event on the coordinator's stderr.
TEST_F(DaemonRobustnessTest, TheCoordinatorLogsOneLinePerEvent) {
  const std::filesystem::path log = dir_ / "coordinator.log";
  Daemon coordinator(
      {PARLAB_COORDINATOR_BIN, "--listen", "127.0.0.1:0", "--no-store", "--heartbeat-timeout", "3"},
      log.string());
  ASSERT_TRUE(coordinator.ok()) << coordinator.error();
  Daemon worker(
      {PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0", "--coordinator", coordinator.address()});
  ASSERT_TRUE(worker.ok()) << worker.error();
  // Registration happens in the background: wait for the line rather than guess a delay.
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (ReadFile(log).find("event=worker_registered") == std::string::npos &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }

  Json plan = {{"name", "logged plan"},
               {"workload", {{"kind", "primes.sieve"}, {"params", {{"from", 1000}, {"to", 1100}}}}},
               {"models", {"sequential", "threads"}},
               {"concurrency", {1}},
               {"repetitions", 1},
               {"warmup", 0}};
  Completed ok = RunToCompletion(
      {PARLAB_CLI_BIN, "run", WritePlan(plan), "--coordinator", coordinator.address()});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;

  // A job that fails: the crashing test plugin, from the test plugin directory.
  Daemon crashing({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0", "--plugins",
                   std::string(PARLAB_PLUGIN_DIR) + ":" + PARLAB_TEST_PLUGIN_DIR});
  ASSERT_TRUE(crashing.ok()) << crashing.error();
  Json crash_plan = {
      {"name", "crash"},
      {"workload", {{"kind", "primes.sieve"}, {"params", {{"from", 1000}, {"to", 1100}}}}},
      {"models", {"crash_segv"}},
      {"concurrency", {1}},
      {"repetitions", 1},
      {"warmup", 0}};
  Completed failed = RunToCompletion({PARLAB_CLI_BIN, "run", WritePlan(crash_plan), "--coordinator",
                                      coordinator.address(), "--workers", crashing.address()});
  EXPECT_EQ(failed.exit_code, 1) << failed.err;

  const std::string text = ReadFile(log);
  const std::string address = coordinator.address();
  EXPECT_THAT(text, HasSubstr("parlab-coordinator: event=start address=" + address));
  EXPECT_THAT(text, HasSubstr("parlab-coordinator: event=worker_registered worker=" +
                              worker.address() + " host="));
  EXPECT_THAT(text, ContainsRegex("parlab-coordinator: event=run_start run=run-[^ ]+ "
                                  "plan=\"logged plan\" workers=1 jobs=2 repetitions=2\n"));
  EXPECT_THAT(text, ContainsRegex("parlab-coordinator: event=run_end run=run-[^ ]+ "
                                  "state=finished jobs_ok=2 jobs_failed=0\n"));
  EXPECT_THAT(text, ContainsRegex("parlab-coordinator: event=job_failed run=run-[^ ]+ worker=" +
                                  crashing.address() +
                                  " job=[^ ]+ model=crash_segv concurrency=1 "
                                  "status=JOB_STATUS_FAILED reason=\"[^\"\n]+\"\n"));
  EXPECT_THAT(text, ContainsRegex("event=run_end run=run-[^ ]+ state=finished jobs_ok=0 "
                                  "jobs_failed=1\n"));
  // Every line is one event of this daemon: no stray multi-line output.
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_THAT(line, ContainsRegex("^parlab-coordinator: event=[a-z_]+( |$)")) << line;
  }
}

}  // namespace
}  // namespace parlab::e2e
