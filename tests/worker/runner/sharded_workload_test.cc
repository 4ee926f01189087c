// Shard mode in the runner: a shard runs the tasks i % count == index, at their global indices,
// and every shard together covers each task exactly once.
#include "parlab/runner/sharded_workload.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parlab::runner {
namespace {

using ::testing::HasSubstr;

TEST(ShardedWorkloadTest, TaskCounts) {
  EXPECT_EQ(ShardTaskCount(10, 0, 0), 10u);
  EXPECT_EQ(ShardTaskCount(10, 0, 1), 10u);
  EXPECT_EQ(ShardTaskCount(10, 0, 3), 4u);  // 0 3 6 9
  EXPECT_EQ(ShardTaskCount(10, 1, 3), 3u);  // 1 4 7
  EXPECT_EQ(ShardTaskCount(10, 2, 3), 3u);  // 2 5 8
  EXPECT_EQ(ShardTaskCount(2, 2, 3), 0u);
}

// A workload that records which global task indices ran.
class Recording : public workloads::Workload {
 public:
  explicit Recording(std::set<uint64_t>* ran) : ran_(ran) {}
  uint64_t task_count() const override { return 11; }
  absl::Status RunTask(uint64_t index) override {
    if (!ran_->insert(index).second) return absl::InternalError("task ran twice");
    return index < 11 ? absl::OkStatus() : absl::OutOfRangeError("no such task");
  }

 private:
  std::set<uint64_t>* ran_;
};

TEST(ShardedWorkloadTest, ShardsCoverEveryTaskOnceAtGlobalIndices) {
  std::set<uint64_t> ran;
  uint64_t total = 0;
  for (int index = 0; index < 3; ++index) {
    v1::Job job;
    job.set_shard_index(index);
    job.set_shard_count(3);
    absl::StatusOr<std::unique_ptr<workloads::Workload>> shard =
        ShardWorkload(std::make_unique<Recording>(&ran), job);
    ASSERT_TRUE(shard.ok()) << shard.status();
    total += (*shard)->task_count();
    for (uint64_t local = 0; local < (*shard)->task_count(); ++local) {
      ASSERT_TRUE((*shard)->RunTask(local).ok());
    }
  }
  EXPECT_EQ(total, 11u);
  EXPECT_EQ(ran.size(), 11u);
  EXPECT_EQ(*ran.rbegin(), 10u);
}

TEST(ShardedWorkloadTest, RealSieveTasksVerifyAtTheirGlobalIndex) {
  v1::WorkloadSpec spec;
  spec.set_kind("primes.sieve");
  (*spec.mutable_params())["from"] = "1000";
  (*spec.mutable_params())["to"] = "1020";
  v1::Job job;
  job.set_shard_index(1);
  job.set_shard_count(4);
  absl::StatusOr<std::unique_ptr<workloads::Workload>> shard =
      ShardWorkload(*workloads::CreateWorkload(spec), job);
  ASSERT_TRUE(shard.ok()) << shard.status();
  ASSERT_EQ((*shard)->task_count(), 5u);  // 1 5 9 13 17 of 0..19
  ASSERT_TRUE((*shard)->Prepare().ok());
  for (uint64_t local = 0; local < 5; ++local) EXPECT_TRUE((*shard)->RunTask(local).ok());
}

TEST(ShardedWorkloadTest, UnshardedJobsKeepTheWorkloadAndBadIndicesAreNamed) {
  std::set<uint64_t> ran;
  v1::Job job;
  EXPECT_EQ((*ShardWorkload(std::make_unique<Recording>(&ran), job))->task_count(), 11u);
  job.set_shard_count(3);
  job.set_shard_index(3);
  EXPECT_THAT(std::string(ShardWorkload(std::make_unique<Recording>(&ran), job).status().message()),
              HasSubstr("job.shard_index: must be in 0..2, got 3"));
  job.set_shard_count(-1);
  EXPECT_THAT(std::string(ShardWorkload(std::make_unique<Recording>(&ran), job).status().message()),
              HasSubstr("job.shard_count: must be >= 0, got -1"));
}

}  // namespace
}  // namespace parlab::runner
