// Which plans shard mode can split: the workload's declared capability and a task per worker.
#include "parlab/coordinator/shard.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parlab::coordinator {
namespace {

using ::testing::HasSubstr;

v1::Plan SievePlan() {
  v1::Plan plan;
  plan.set_name("p");
  plan.mutable_workload()->set_kind("primes.sieve");
  (*plan.mutable_workload()->mutable_params())["from"] = "1000";
  (*plan.mutable_workload()->mutable_params())["to"] = "1003";  // 3 tasks: `to` is exclusive
  plan.add_models("sequential");
  plan.add_concurrency(1);
  plan.set_repetitions(2);
  return plan;
}

TEST(ShardableTest, NeedsATaskPerWorkerAndPerTaskChecks) {
  EXPECT_TRUE(CheckShardable(SievePlan(), 3).ok());
  absl::Status too_many = CheckShardable(SievePlan(), 4);
  EXPECT_THAT(std::string(too_many.message()),
              HasSubstr("workload primes.sieve has 3 tasks, 4 workers are selected"));
  v1::Plan counter = SievePlan();
  counter.mutable_workload()->set_kind("counter");
  counter.mutable_workload()->clear_params();
  EXPECT_THAT(std::string(CheckShardable(counter, 2).message()),
              HasSubstr("shard cannot split workload counter"));
}

}  // namespace
}  // namespace parlab::coordinator
