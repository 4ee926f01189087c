// RunnerProcess against ordinary programs (/bin/sh): process groups, signals, stderr tails.
#include "parlab/worker/runner_process.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "worker_harness.h"

namespace parlab::testing {
namespace {

using ::testing::HasSubstr;

TEST(RunnerProcessTest, ReportsTheSignalThatKilledIt) {
  auto runner = RunnerProcess::Spawn("/bin/sh", {"-c", "echo about to crash >&2; kill -SEGV $$"});
  ASSERT_TRUE(runner.ok()) << runner.status();
  RunnerExit exit = (*runner)->Finish(absl::Seconds(10));
  EXPECT_FALSE(exit.exited);
  EXPECT_EQ(exit.signal, SIGSEGV);
  EXPECT_EQ(exit.ToString(), "died from signal 11 (SIGSEGV, Segmentation fault)");
  EXPECT_THAT((*runner)->stderr_tail(), HasSubstr("about to crash"));
}

TEST(RunnerProcessTest, ReportsTheExitCodeAndEndOfStream) {
  auto runner = RunnerProcess::Spawn("/bin/sh", {"-c", "exit 3"});
  ASSERT_TRUE(runner.ok()) << runner.status();
  v1::RunnerEvent event;
  absl::StatusOr<RunnerProcess::Read> got = RunnerProcess::Read::kTimeout;
  for (int i = 0; i < 100 && got.ok() && *got == RunnerProcess::Read::kTimeout; ++i) {
    got = (*runner)->Next(&event, absl::Milliseconds(100));
  }
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, RunnerProcess::Read::kEnd);
  RunnerExit exit = (*runner)->Finish(absl::Seconds(10));
  EXPECT_TRUE(exit.exited);
  EXPECT_EQ(exit.code, 3);
}

TEST(RunnerProcessTest, TerminateKillsTheWholeGroupEvenWhenTermIsIgnored) {
  // The child ignores SIGTERM, so only the SIGKILL after the grace period stops it; its own
  // background child must die with it.
  auto runner = RunnerProcess::Spawn("/bin/sh", {"-c", "trap '' TERM; sleep 100 & sleep 100"});
  ASSERT_TRUE(runner.ok()) << runner.status();
  const pid_t pid = (*runner)->pid();
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(ChildrenOf(pid).size(), 2u);
  const absl::Time start = absl::Now();
  RunnerExit exit = (*runner)->Terminate(absl::Milliseconds(300));
  EXPECT_FALSE(exit.exited);
  EXPECT_EQ(exit.signal, SIGKILL);
  EXPECT_TRUE(WaitForGroupGone(pid, absl::Seconds(2)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(RunnerProcessTest, MissingExecutableIsAnErrorNamingIt) {
  auto runner = RunnerProcess::Spawn("/nonexistent/runner", {});
  ASSERT_FALSE(runner.ok());
  EXPECT_THAT(runner.status().message(), HasSubstr("/nonexistent/runner"));
}

TEST(RunnerProcessTest, WritingToADeadRunnerIsAnErrorNotSigpipe) {
  auto runner = RunnerProcess::Spawn("/bin/sh", {"-c", "exec 0<&-; exit 0"});
  ASSERT_TRUE(runner.ok()) << runner.status();
  (*runner)->Finish(absl::Seconds(10));
  v1::Job job;
  job.set_job_id(std::string(1 << 20, 'x'));  // larger than a pipe buffer
  EXPECT_FALSE((*runner)->SendFrame(job).ok());
}

}  // namespace
}  // namespace parlab::testing
