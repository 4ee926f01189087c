// A job that never ends (its runner SIGSTOPped: it says nothing and never exits) fails at its
// job_timeout_s with the reason, and the run goes on: the other jobs run and are reported, and
// the run finishes.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "cluster_harness.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/proc.h"

namespace parlab::scheduling {
namespace {

using ::testing::HasSubstr;

// The first child of `parent` that /proc shows within `timeout`; -1 if none.
pid_t FirstChildOf(pid_t parent, absl::Duration timeout) {
  for (const absl::Time give_up = absl::Now() + timeout; absl::Now() < give_up;
       absl::SleepFor(absl::Milliseconds(10))) {
    for (const test_support::ProcInfo& info : test_support::AllProcesses()) {
      if (info.ppid == parent && info.state != 'Z') return info.pid;
    }
  }
  return -1;
}

TEST(JobTimeoutTest, AStoppedRunnersJobFailsAtItsTimeoutAndTheRunReportsTheOthers) {
  auto coordinator = StartCoordinator({});
  auto worker = StartWorker({});
  ASSERT_TRUE(coordinator->ok() && worker->ok());

  v1::SubmitRunRequest request;
  // Each job sleeps 20 × 100 ms: well inside its 5 s unless it is stopped, and long enough for
  // the stopper to find the first runner on a loaded machine (10 × 100 ms once ended first).
  *request.mutable_plan() =
      MakePlan("sleep", {{"tasks", "20"}, {"ms", "100"}}, {"sequential", "threads"}, {2}, 1);
  request.mutable_plan()->set_job_timeout_s(5);
  request.add_workers(worker->address());

  std::atomic<bool> stopping{false};
  std::atomic<pid_t> stopped{-1};
  std::thread stopper;
  auto stop_first_runner = [&](const v1::RunEvent& event) {
    if (!event.has_job_started() || stopping.exchange(true)) return;
    stopper = std::thread([&] {
      const pid_t runner = FirstChildOf(worker->pid(), absl::Seconds(5));
      if (runner > 0 && kill(-runner, SIGSTOP) == 0) stopped = runner;
    });
  };
  const absl::Time start = absl::Now();
  Submitted run = Submit(coordinator->address(), request, stop_first_runner);
  if (stopper.joinable()) stopper.join();
  ASSERT_GT(stopped.load(), 0) << "no runner to stop";
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  ASSERT_TRUE(run.finished);
  EXPECT_LT(absl::Now() - start, absl::Seconds(40));

  ASSERT_EQ(run.results.size(), 2u);
  int timed_out = 0, ok = 0;
  for (const v1::JobResult& result : run.results) {
    if (result.status() == v1::JOB_STATUS_OK) {
      ++ok;
      EXPECT_EQ(result.samples_size(), 1) << result.model();
    } else {
      ++timed_out;
      EXPECT_EQ(result.status(), v1::JOB_STATUS_FAILED);
      EXPECT_THAT(result.error(), HasSubstr("job timed out after 5 s (job_timeout_s)"));
    }
  }
  EXPECT_EQ(timed_out, 1);
  EXPECT_EQ(ok, 1);
  // The stopped runner's group was killed, not left stopped for ever.
  errno = 0;
  EXPECT_EQ(kill(-stopped.load(), 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

}  // namespace
}  // namespace parlab::scheduling
