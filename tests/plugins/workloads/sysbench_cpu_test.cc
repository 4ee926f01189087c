// sysbench.cpu: one event's count against pi(max_prime - 1) - 1, the check, the parameters.
#include "parlab/workloads/sysbench_cpu.h"

#include <gtest/gtest.h>

#include "test_spec.h"

namespace parlab::workloads {
namespace {

TEST(SysbenchCpu, EventCountsTheOddPrimesBelowMaxPrime) {
  EXPECT_EQ(SysbenchCpuEvent(1), 0u);
  EXPECT_EQ(SysbenchCpuEvent(3), 0u);         // c in [3, 3): nothing
  EXPECT_EQ(SysbenchCpuEvent(4), 1u);         // 3
  EXPECT_EQ(SysbenchCpuEvent(12), 4u);        // 3 5 7 11
  EXPECT_EQ(SysbenchCpuEvent(10000), 1228u);  // pi(9999) - 1
  EXPECT_EQ(SysbenchCpuEvent(20000), 2261u);  // pi(19999) - 1
}

TEST(SysbenchCpu, WrongCountIsAnErrorNamingTaskAndValues) {
  EXPECT_TRUE(CheckSysbenchCpuEvent(7, 10000, 1228, 1228).ok());
  absl::Status wrong = CheckSysbenchCpuEvent(7, 10000, 1229, 1228);
  EXPECT_EQ(wrong.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(wrong.message(),
            "sysbench.cpu task 7 (cpu_max_prime=10000): counted 1229 primes, expected 1228");
}

TEST(SysbenchCpu, ParamsAreValidated) {
  auto defaults = CreateWorkload(MakeSpec("sysbench.cpu", {}));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ((*defaults)->task_count(), 10000u);
  EXPECT_EQ(RefusalOf("sysbench.cpu", {{"events", "0"}}),
            "plan.workload.params.events: must be >= 1, got 0");
  EXPECT_EQ(RefusalOf("sysbench.cpu", {{"cpu_max_prime", "0"}}),
            "plan.workload.params.cpu_max_prime: must be >= 1, got 0");
  EXPECT_EQ(RefusalOf("sysbench.cpu", {{"cpu_max_prime", "x"}}),
            "plan.workload.params.cpu_max_prime: must be an integer, got \"x\"");
  EXPECT_EQ(RefusalOf("sysbench.cpu", {{"cpu-max-prime", "10"}}),
            "plan.workload.params.cpu-max-prime: unknown parameter of sysbench.cpu (valid: events, "
            "cpu_max_prime)");
}

TEST(SysbenchCpu, SmallRunsVerify) {
  RunAllTasks("sysbench.cpu", {{"events", "20"}, {"cpu_max_prime", "2000"}}, 20);
  RunAllTasks("sysbench.cpu", {{"events", "3"}, {"cpu_max_prime", "2"}}, 3);  // empty events
}

}  // namespace
}  // namespace parlab::workloads
