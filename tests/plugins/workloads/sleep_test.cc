// The sleep workload: blocking waits at least ms, and the stepping protocol (kWait, then kDone).
#include <gtest/gtest.h>
#include <time.h>

#include <string>

#include "parlab/workloads/workload.h"

namespace parlab::workloads {
namespace {

int64_t NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::unique_ptr<Workload> MakeSleep(int tasks, int ms) {
  v1::WorkloadSpec spec;
  spec.set_kind("sleep");
  (*spec.mutable_params())["tasks"] = std::to_string(tasks);
  (*spec.mutable_params())["ms"] = std::to_string(ms);
  auto workload = CreateWorkload(spec);
  EXPECT_TRUE(workload.ok()) << workload.status();
  EXPECT_TRUE((*workload)->Prepare().ok());
  return *std::move(workload);
}

TEST(Sleep, RunTaskWaitsAtLeastMs) {
  auto workload = MakeSleep(3, 20);
  const int64_t start = NowNs();
  ASSERT_TRUE(workload->RunTask(2).ok());
  EXPECT_GE(NowNs() - start, 20'000'000);
  EXPECT_EQ(workload->RunTask(3).code(), absl::StatusCode::kOutOfRange);
}

TEST(Sleep, StepWaitsOnATimerThenFinishes) {
  auto workload = MakeSleep(1, 20);
  std::unique_ptr<TaskState> state;
  parlab_wait_t wait{};
  const int64_t start = NowNs();
  auto first = workload->Step(0, state, wait);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(*first, StepResult::kWait);
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(wait.kind, static_cast<uint32_t>(PARLAB_WAIT_TIMER));
  EXPECT_GT(wait.timeout_ns, 0u);
  EXPECT_LE(wait.timeout_ns, 20'000'000u);

  // Stepping again too early must keep waiting, for the remaining time only.
  auto early = workload->Step(0, state, wait);
  ASSERT_TRUE(early.ok());
  ASSERT_EQ(*early, StepResult::kWait);
  EXPECT_LE(wait.timeout_ns, 20'000'000u);

  // Wait as the model would, then the task is done, and at least ms have passed.
  const timespec pause{0, static_cast<long>(wait.timeout_ns)};
  nanosleep(&pause, nullptr);
  StepResult result = StepResult::kWait;
  while (result == StepResult::kWait) {  // a short nanosleep is allowed to wake early
    auto next = workload->Step(0, state, wait);
    ASSERT_TRUE(next.ok()) << next.status();
    result = *next;
    if (result == StepResult::kWait) {
      const timespec rest{0, static_cast<long>(wait.timeout_ns)};
      nanosleep(&rest, nullptr);
    }
  }
  EXPECT_GE(NowNs() - start, 20'000'000);
}

TEST(Sleep, ZeroMsStillWaitsOnceThenFinishes) {
  auto workload = MakeSleep(1, 0);
  std::unique_ptr<TaskState> state;
  parlab_wait_t wait{};
  auto first = workload->Step(0, state, wait);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, StepResult::kWait);
  EXPECT_EQ(wait.timeout_ns, 0u);
  auto second = workload->Step(0, state, wait);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, StepResult::kDone);
}

}  // namespace
}  // namespace parlab::workloads
