// primes.is_prime: the trial-division kernel against a few known primes, the per-task check,
// parameter validation, and small verified runs with and without chunks.
#include "parlab/workloads/primes_is_prime.h"

#include <gtest/gtest.h>

#include "test_spec.h"

namespace parlab::workloads {
namespace {

TEST(PrimesIsPrime, KernelKnowsSmallNumbers) {
  for (uint64_t k : {0, 1, 4, 9, 15, 25, 49, 91, 121, 9999, 10001}) {
    EXPECT_FALSE(IsPrimeTrialDivision(k)) << k;
  }
  for (uint64_t k : {2, 3, 5, 7, 11, 13, 97, 7919, 9973, 1000003}) {
    EXPECT_TRUE(IsPrimeTrialDivision(k)) << k;
  }
  uint64_t count = 0;
  for (uint64_t k = 1; k <= 10000; ++k) count += IsPrimeTrialDivision(k) ? 1 : 0;
  EXPECT_EQ(count, 1229u);  // pi(10^4)
}

TEST(PrimesIsPrime, WrongCountIsAnErrorNamingTaskAndValues) {
  EXPECT_TRUE(CheckIsPrimeCount(3, 31, 40, 2, 2).ok());
  absl::Status wrong = CheckIsPrimeCount(3, 31, 40, 3, 2);
  EXPECT_EQ(wrong.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(wrong.message(), "primes.is_prime task 3 (k=31..40): found 3 primes, expected 2");
}

TEST(PrimesIsPrime, ParamsAreValidated) {
  auto defaults = CreateWorkload(MakeSpec("primes.is_prime", {}));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ((*defaults)->task_count(), 10000u);
  auto chunked = CreateWorkload(MakeSpec("primes.is_prime", {{"n", "1001"}, {"chunk", "100"}}));
  ASSERT_TRUE(chunked.ok()) << chunked.status();
  EXPECT_EQ((*chunked)->task_count(), 11u);  // the last chunk holds only k = 1001
  EXPECT_EQ(RefusalOf("primes.is_prime", {{"n", "0"}}),
            "plan.workload.params.n: must be >= 1, got 0");
  EXPECT_EQ(RefusalOf("primes.is_prime", {{"n", "100000001"}}),
            "plan.workload.params.n: must be <= 100000000, got 100000001");
  EXPECT_EQ(RefusalOf("primes.is_prime", {{"n", "10"}, {"chunk", "0"}}),
            "plan.workload.params.chunk: must be >= 1, got 0");
  EXPECT_EQ(RefusalOf("primes.is_prime", {{"n", "10"}, {"chunk", "11"}}),
            "plan.workload.params.chunk: must be <= 10, got 11");
  EXPECT_EQ(RefusalOf("primes.is_prime", {{"k", "10"}}),
            "plan.workload.params.k: unknown parameter of primes.is_prime (valid: n, chunk)");
}

TEST(PrimesIsPrime, SmallRunsVerify) {
  RunAllTasks("primes.is_prime", {{"n", "500"}}, 500);
  RunAllTasks("primes.is_prime", {{"n", "1001"}, {"chunk", "100"}}, 11);
  RunAllTasks("primes.is_prime", {{"n", "2"}, {"chunk", "2"}}, 1);
}

}  // namespace
}  // namespace parlab::workloads
