// Shard mode's pure parts: which plans can be sharded, the cluster rows folded from shard
// results (slowest shard's wall, summed tasks, re-runs replacing lost shards), and the
// per-worker job lock that keeps two runs from sharing a worker.
#include "parlab/coordinator/shard.h"

#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "parlab/coordinator/aggregate.h"
#include "parlab/coordinator/worker_lock.h"

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

v1::Sample Measured(int32_t index, int64_t wall_ns, uint64_t tasks) {
  v1::Sample sample;
  sample.set_index(index);
  sample.set_wall_ns(wall_ns);
  sample.set_user_ns(wall_ns / 2);
  sample.set_tasks(tasks);
  return sample;
}

v1::JobResult Shard(const std::string& worker, int index, int count,
                    std::vector<v1::Sample> samples, v1::JobStatus status = v1::JOB_STATUS_OK) {
  v1::JobResult result;
  result.set_model("sequential");
  result.set_concurrency(1);
  result.set_worker_address(worker);
  result.set_machine(worker);
  result.set_shard_index(index);
  result.set_shard_count(count);
  result.set_status(status);
  v1::Sample warmup = Measured(0, 999'000'000, 5);
  warmup.set_warmup(true);
  *result.add_samples() = warmup;  // never counted
  for (const v1::Sample& sample : samples) *result.add_samples() = sample;
  return result;
}

TEST(ClusterResultsTest, SlowestShardPerRepetitionAndTasksSummed) {
  std::vector<v1::JobResult> results = {
      Shard("a:1", 0, 2, {Measured(0, 100, 2), Measured(1, 300, 2)}),
      Shard("b:1", 1, 2, {Measured(0, 200, 1), Measured(1, 250, 1)})};
  std::vector<v1::JobResult> cluster = ClusterResults(results);
  ASSERT_EQ(cluster.size(), 1u);
  EXPECT_EQ(cluster[0].worker_address(), kClusterWorker);
  EXPECT_EQ(cluster[0].status(), v1::JOB_STATUS_OK);
  EXPECT_EQ(cluster[0].shard_count(), 2);
  ASSERT_EQ(cluster[0].samples_size(), 2);
  EXPECT_EQ(cluster[0].samples(0).wall_ns(), 200);
  EXPECT_EQ(cluster[0].samples(1).wall_ns(), 300);
  EXPECT_EQ(cluster[0].samples(0).tasks(), 3u);
  EXPECT_EQ(cluster[0].samples(0).user_ns(), 150);
  // Folding twice adds nothing; unsharded results give nothing.
  results.push_back(cluster[0]);
  EXPECT_TRUE(ClusterResults(results).empty());
  EXPECT_TRUE(ClusterResults({Shard("a:1", 0, 0, {Measured(0, 1, 1)})}).empty());
}

TEST(ClusterResultsTest, AReRunReplacesTheLostShard) {
  v1::JobResult lost = Shard("b:1", 1, 2, {Measured(0, 200, 1)}, v1::JOB_STATUS_FAILED);
  lost.set_error("worker b:1 lost: no answer for 5 s");
  std::vector<v1::JobResult> results = {Shard("a:1", 0, 2, {Measured(0, 100, 2)}), lost};
  std::vector<v1::JobResult> cluster = ClusterResults(results);
  ASSERT_EQ(cluster.size(), 1u);
  EXPECT_EQ(cluster[0].status(), v1::JOB_STATUS_FAILED);
  EXPECT_THAT(cluster[0].error(), HasSubstr("shard 1: worker b:1 lost"));

  v1::JobResult rerun = Shard("a:1", 1, 2, {Measured(0, 400, 1)});
  rerun.set_rerun(true);
  results.push_back(rerun);
  cluster = ClusterResults(results);
  ASSERT_EQ(cluster.size(), 1u);
  EXPECT_EQ(cluster[0].status(), v1::JOB_STATUS_OK);
  ASSERT_EQ(cluster[0].samples_size(), 1);
  EXPECT_EQ(cluster[0].samples(0).wall_ns(), 400);
}

TEST(ClusterResultsTest, AggregateAddsClusterRowsWithThroughput) {
  v1::WorkerDescription a, b;
  a.set_address("a:1");
  a.mutable_machine()->set_logical_cores(2);
  b.set_address("b:1");
  b.mutable_machine()->set_logical_cores(2);
  std::vector<v1::JobResult> results = {Shard("a:1", 0, 2, {Measured(0, 1'000'000'000, 2)}),
                                        Shard("b:1", 1, 2, {Measured(0, 500'000'000, 2)})};
  std::vector<ResultRow> rows = Aggregate(SievePlan(), {a, b}, results);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].worker, "a:1");
  EXPECT_EQ(rows[0].shard_count, 2);
  EXPECT_EQ(rows[1].shard_index, 1);
  const ResultRow& cluster = rows[2];
  EXPECT_EQ(cluster.worker, kClusterWorker);
  EXPECT_EQ(cluster.logical_cores, 4);
  ASSERT_TRUE(cluster.aggregates.has_value());
  EXPECT_DOUBLE_EQ(cluster.aggregates->median_wall_ns, 1e9);
  ASSERT_TRUE(cluster.aggregates->tasks_per_s.has_value());
  EXPECT_DOUBLE_EQ(*cluster.aggregates->tasks_per_s, 4.0);
}

TEST(WorkerLockTest, OneHolderAtATimeInArrivalOrder) {
  WorkerLocks locks;
  absl::Mutex mutex;
  std::vector<int> order;
  int inside = 0;
  int most_inside = 0;
  std::optional<WorkerLease> first = locks.Acquire("w:1", nullptr);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(locks.Busy("w:1"));
  EXPECT_FALSE(locks.Busy("other:1"));
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      std::optional<WorkerLease> lease = locks.Acquire("w:1", nullptr);
      {
        absl::MutexLock lock(&mutex);
        order.push_back(i);
        most_inside = std::max(most_inside, ++inside);
      }
      absl::SleepFor(absl::Milliseconds(20));
      absl::MutexLock lock(&mutex);
      --inside;
    });
    absl::SleepFor(absl::Milliseconds(50));  // queue them in order 0, 1, 2
  }
  first.reset();
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(most_inside, 1);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  EXPECT_FALSE(locks.Busy("w:1"));
}

TEST(WorkerLockTest, ACancelledWaiterGivesUpItsPlace) {
  WorkerLocks locks;
  std::optional<WorkerLease> held = locks.Acquire("w:1", nullptr);
  RunCanceller canceller;
  std::thread cancel([&] {
    absl::SleepFor(absl::Milliseconds(150));
    canceller.Cancel();
  });
  EXPECT_FALSE(locks.Acquire("w:1", &canceller).has_value());
  cancel.join();
  held.reset();
  EXPECT_TRUE(locks.Acquire("w:1", nullptr).has_value());  // the queue is not stuck
}

}  // namespace
}  // namespace parlab::coordinator
