// Ctrl-C on `parlab run`: the run is cancelled on every worker, partial results are printed,
// the exit status is 130, and no process is left behind: no parlab-runner, no child forked by
// the `processes` model, no auto-started worker, no zombie. Also with a second Ctrl-C, which
// quits at once.
//
// The test process is a child subreaper, so anything orphaned on the way re-parents to it and
// stays visible to the /proc scan of its descendants instead of vanishing under init.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "process_tree.h"

namespace parlab::cluster_test {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr int kRepetitions = 10;

// Two sleeping children per repetition, so SIGINT lands while they sleep.
std::string SleepPlan(int ms) {
  Json plan = {{"name", "interrupt"},
               {"workload", {{"kind", "sleep"}, {"params", {{"tasks", 2}, {"ms", ms}}}}},
               {"models", {"processes"}},
               {"concurrency", {2}},
               {"repetitions", kRepetitions},
               {"warmup", 0}};
  return plan.dump();
}

std::string Describe(const std::vector<ProcInfo>& processes) {
  std::vector<std::string> lines;
  for (const ProcInfo& info : processes) lines.push_back(info.ToString());
  return absl::StrJoin(lines, "\n");
}

std::vector<ProcInfo> Except(std::vector<ProcInfo> processes, const std::vector<pid_t>& keep) {
  processes.erase(std::remove_if(processes.begin(), processes.end(),
                                 [&](const ProcInfo& info) {
                                   return std::find(keep.begin(), keep.end(), info.pid) !=
                                          keep.end();
                                 }),
                  processes.end());
  return processes;
}

class InterruptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(BecomeSubreaper()) << "prctl(PR_SET_CHILD_SUBREAPER)";
    dir_ =
        std::filesystem::temp_directory_path() / ("parlab-interrupt-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    // Runs must not write into the user's result store.
    setenv("PARLAB_STORE", (dir_ / "store.db").c_str(), 1);
    plan_ = (dir_ / "plan.json").string();
    std::ofstream(plan_) << SleepPlan(1500);
  }

  void TearDown() override {
    KillDescendants({});
    std::filesystem::remove_all(dir_);
  }

  // Starts `parlab run` with `extra` flags, interrupts it once the second repetition is under
  // way, and checks the exit status, the partial results and the process tree. `keep`: the
  // processes the test started itself and that must stay (a separately started worker).
  void InterruptRun(const std::vector<std::string>& extra, const std::vector<pid_t>& keep,
                    bool expect_partial_results = true) {
    std::vector<std::string> argv = {PARLAB_CLI_BIN, "run", plan_, "--format", "json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Child run(argv);
    ASSERT_TRUE(run.started()) << run.error();
    // "measure 2/10": the first repetition is complete, the second one's children sleep.
    ASSERT_TRUE(run.WaitForOutput(
        [](const std::string&, const std::string& err) {
          return err.find("measure 2/" + std::to_string(kRepetitions)) != std::string::npos;
        },
        absl::Seconds(60)))
        << run.err();
    ASSERT_NO_FATAL_FAILURE(ExpectSleepingChildren());

    run.Signal(SIGINT);
    std::optional<int> code = run.Wait(absl::Seconds(30));
    ASSERT_TRUE(code.has_value()) << "parlab did not exit within 30 s of SIGINT\n" << run.err();
    EXPECT_EQ(*code, 130) << run.err();
    EXPECT_THAT(run.err(), HasSubstr("interrupted"));

    if (expect_partial_results) ExpectPartialResults(run.out(), run.err());
    ExpectNothingLeft(keep);
  }

  // The scan must see what it is meant to catch: the runner and its two forked children
  // (each sleeps >= 1.5 s, so they are there to be seen, even on a loaded machine).
  static void ExpectSleepingChildren() {
    std::vector<ProcInfo> before;
    int runners = 0;
    for (const absl::Time give_up = absl::Now() + absl::Seconds(5);
         runners < 3 && absl::Now() < give_up; absl::SleepFor(absl::Milliseconds(20))) {
      before = Descendants(getpid());
      runners = 0;
      for (const ProcInfo& info : before) runners += info.comm == "parlab-runner" ? 1 : 0;
    }
    ASSERT_GE(runners, 3) << "expected a runner and 2 forked children:\n" << Describe(before);
  }

  // Partial results: the measured repetitions are printed, the job is CANCELLED.
  static void ExpectPartialResults(const std::string& out, const std::string& err) {
    Json doc = Json::parse(out, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(doc.is_discarded()) << "stdout is not JSON:\n" << out << err;
    ASSERT_EQ(doc["results"].size(), 1u) << out;
    const Json& result = doc["results"][0];
    EXPECT_EQ(result["status"], "CANCELLED") << out;
    int measured = 0;
    for (const Json& sample : result["samples"]) measured += sample["warmup"].get<bool>() ? 0 : 1;
    EXPECT_GE(measured, 1) << out;
    EXPECT_LT(measured, kRepetitions) << out;
  }

  // Waits up to `patience` for the processes the run started to go.
  static void ExpectNothingLeft(const std::vector<pid_t>& keep,
                                absl::Duration patience = absl::Seconds(10)) {
    // Nothing may be left but what the test started itself. Orphans that died re-parent to
    // us as zombies: reaping them is our job as the subreaper, and they are dead, so they do
    // not count. A zombie whose parent is alive and does not reap it does.
    std::vector<ProcInfo> left;
    const absl::Time deadline = absl::Now() + patience;
    do {
      ReapAdoptedZombies(keep);
      left = Except(Descendants(getpid()), keep);
      if (left.empty()) break;
      absl::SleepFor(absl::Milliseconds(50));
    } while (absl::Now() < deadline);
    EXPECT_TRUE(left.empty()) << "left behind " << patience << " after parlab exited:\n"
                              << Describe(left);
  }

  std::filesystem::path dir_;
  std::string plan_;
};

// No address: parlab starts a local worker itself and must stop it, its runner and the
// runner's children.
TEST_F(InterruptTest, CtrlCWithAnAutoStartedWorkerLeavesNoProcess) { InterruptRun({}, {}); }

// --workers: a worker daemon the user started stays up, but the job it was running is
// cancelled: its runner and the runner's children are gone.
TEST_F(InterruptTest, CtrlCWithASeparateWorkerStopsItsRunner) {
  Child worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.started()) << worker.error();
  const std::string address = worker.WaitForListening(absl::Seconds(20));
  ASSERT_FALSE(address.empty()) << worker.err();
  InterruptRun({"--workers", address}, {worker.pid()});
  // The worker survived the cancel and still serves.
  EXPECT_FALSE(worker.Wait(absl::ZeroDuration()).has_value()) << worker.err();
}

// Through a coordinator daemon: the CLI's cancel reaches the daemon, which cancels the job on
// the worker.
TEST_F(InterruptTest, CtrlCThroughACoordinatorDaemonStopsTheRunner) {
  Child worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.started()) << worker.error();
  const std::string worker_address = worker.WaitForListening(absl::Seconds(20));
  ASSERT_FALSE(worker_address.empty()) << worker.err();
  Child coordinator({PARLAB_COORDINATOR_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(coordinator.started()) << coordinator.error();
  const std::string coordinator_address = coordinator.WaitForListening(absl::Seconds(20));
  ASSERT_FALSE(coordinator_address.empty()) << coordinator.err();
  // The results would come back on the stream that Ctrl-C cancels (there is no CancelRun
  // RPC), so this variant checks the exit status and the process tree only.
  InterruptRun({"--coordinator", coordinator_address, "--workers", worker_address},
               {worker.pid(), coordinator.pid()}, /*expect_partial_results=*/false);
}

}  // namespace
}  // namespace parlab::cluster_test

namespace parlab::cluster_test {
namespace {

// A second Ctrl-C quits at once, but the auto-started worker must still take its runner and
// the runner's children down: they sleep 20 s, so anything orphaned is still alive at the check.
TEST_F(InterruptTest, ASecondCtrlCQuitsAtOnceAndLeavesNoProcess) {
  const std::string plan = (dir_ / "long.json").string();
  std::ofstream(plan) << SleepPlan(20000);
  Child run({PARLAB_CLI_BIN, "run", plan, "--format", "json"});
  ASSERT_TRUE(run.started()) << run.error();
  ASSERT_TRUE(run.WaitForOutput(
      [](const std::string&, const std::string& err) {
        return err.find("measure 1/" + std::to_string(kRepetitions)) != std::string::npos;
      },
      absl::Seconds(60)))
      << run.err();
  ASSERT_NO_FATAL_FAILURE(ExpectSleepingChildren());
  // Close together, yet apart enough that the signals do not merge into one: the second one
  // lands before the worker has even acted on the cancel (it checks every 100 ms).
  run.Signal(SIGINT);
  absl::SleepFor(absl::Milliseconds(20));
  run.Signal(SIGINT);
  std::optional<int> code = run.Wait(absl::Seconds(5));
  ASSERT_TRUE(code.has_value()) << "a second Ctrl-C must quit at once\n" << run.err();
  EXPECT_EQ(*code, 130) << run.err();
  ExpectNothingLeft({}, absl::Seconds(8));
}

}  // namespace
}  // namespace parlab::cluster_test

namespace parlab::cluster_test {
namespace {

// kill -9 of `parlab run` runs none of its clean-up, yet its auto-started worker must not stay
// up and listening: the worker sees its lifeline close, shuts down and takes its runner and the
// runner's children (sleeping 20 s, so alive at the check if orphaned) with it.
TEST_F(InterruptTest, KillDashNineOfParlabRunLeavesNoWorkerAndNoRunner) {
  const std::string plan = (dir_ / "long.json").string();
  std::ofstream(plan) << SleepPlan(20000);
  Child run({PARLAB_CLI_BIN, "run", plan, "--format", "json"});
  ASSERT_TRUE(run.started()) << run.error();
  ASSERT_TRUE(run.WaitForOutput(
      [](const std::string&, const std::string& err) {
        return err.find("measure 1/" + std::to_string(kRepetitions)) != std::string::npos;
      },
      absl::Seconds(60)))
      << run.err();
  ASSERT_NO_FATAL_FAILURE(ExpectSleepingChildren());
  run.Kill();  // SIGKILL to parlab's group; the worker and the runner lead groups of their own
  ExpectNothingLeft({}, absl::Seconds(5));
}

}  // namespace
}  // namespace parlab::cluster_test
