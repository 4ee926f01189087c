// The cluster rows of a shard run: the slowest shard's wall per repetition, summed tasks,
// re-runs replacing lost shards, and the cluster row the aggregation adds.
#include "parlab/results/cluster_rows.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "parlab/results/aggregate.h"

namespace parlab::results {
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

}  // namespace
}  // namespace parlab::results
