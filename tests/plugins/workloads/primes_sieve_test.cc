// The sieve kernel against known values of pi(n), and the verification that catches a wrong one.
#include "parlab/workloads/primes_sieve.h"

#include <gtest/gtest.h>

#include "parlab/workloads/workload.h"

namespace parlab::workloads {
namespace {

TEST(PrimesSieve, KernelMatchesKnownPi) {
  EXPECT_EQ(CountPrimesSieve(0), 0u);
  EXPECT_EQ(CountPrimesSieve(1), 0u);
  EXPECT_EQ(CountPrimesSieve(2), 1u);
  EXPECT_EQ(CountPrimesSieve(10), 4u);
  EXPECT_EQ(CountPrimesSieve(100), 25u);
  EXPECT_EQ(CountPrimesSieve(1000), 168u);
  EXPECT_EQ(CountPrimesSieve(10000), 1229u);
  EXPECT_EQ(CountPrimesSieve(15999), 1862u);
  EXPECT_EQ(CountPrimesSieve(1000000), 78498u);
}

TEST(PrimesSieve, ReferenceTableMatchesKernel) {
  PrimeCountTable table(1000, 1300);
  EXPECT_EQ(table.Pi(1000), 168u);
  for (uint64_t n = 1000; n < 1300; ++n) EXPECT_EQ(table.Pi(n), CountPrimesSieve(n)) << n;
  PrimeCountTable full(2, 16000);
  EXPECT_EQ(full.Pi(2), 1u);
  EXPECT_EQ(full.Pi(15999), 1862u);
}

TEST(PrimesSieve, WrongCountIsAnError) {
  EXPECT_TRUE(CheckPrimeCount(5, 1005, 169, 169).ok());
  absl::Status wrong = CheckPrimeCount(5, 1005, 170, 169);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.message(), "primes.sieve task 5 (n=1005): counted 170 primes, expected 169");
}

TEST(PrimesSieve, TasksRunAndVerifyAfterPrepare) {
  v1::WorkloadSpec spec;
  spec.set_kind("primes.sieve");
  (*spec.mutable_params())["from"] = "1000";
  (*spec.mutable_params())["to"] = "1300";
  auto workload = CreateWorkload(spec);
  ASSERT_TRUE(workload.ok()) << workload.status();
  // Without the reference table there is nothing to verify against: refuse, do not pass.
  EXPECT_EQ((*workload)->RunTask(0).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE((*workload)->Prepare().ok());
  for (uint64_t i = 0; i < (*workload)->task_count(); ++i) {
    ASSERT_TRUE((*workload)->RunTask(i).ok()) << i;
  }
  EXPECT_EQ((*workload)->RunTask(300).code(), absl::StatusCode::kOutOfRange);
}

TEST(PrimesSieve, StepFormRunsTheWholeTaskInOneStep) {
  v1::WorkloadSpec spec;
  spec.set_kind("primes.sieve");
  auto workload = CreateWorkload(spec);
  ASSERT_TRUE(workload.ok());
  ASSERT_TRUE((*workload)->Prepare().ok());
  std::unique_ptr<TaskState> state;
  parlab_wait_t wait{};
  auto step = (*workload)->Step(14999, state, wait);
  ASSERT_TRUE(step.ok()) << step.status();
  EXPECT_EQ(*step, StepResult::kDone);
}

}  // namespace
}  // namespace parlab::workloads
