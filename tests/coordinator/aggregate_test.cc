// Aggregation math against hand-computed values.
#include "parlab/coordinator/aggregate.h"

#include "gtest/gtest.h"

namespace parlab::coordinator {
namespace {

v1::Sample MakeSample(int64_t wall_ns, int64_t user_ns = 0, int64_t system_ns = 0,
                      bool warmup = false) {
  v1::Sample sample;
  sample.set_wall_ns(wall_ns);
  sample.set_user_ns(user_ns);
  sample.set_system_ns(system_ns);
  sample.set_warmup(warmup);
  return sample;
}

v1::JobResult MakeResult(const std::string& worker, const std::string& model, int concurrency,
                         std::vector<v1::Sample> samples,
                         v1::JobStatus status = v1::JOB_STATUS_OK) {
  v1::JobResult result;
  result.set_worker_address(worker);
  result.set_model(model);
  result.set_concurrency(concurrency);
  result.set_status(status);
  for (v1::Sample& sample : samples) *result.add_samples() = sample;
  return result;
}

v1::WorkerDescription MakeWorker(const std::string& address, const std::string& host, int cores) {
  v1::WorkerDescription worker;
  worker.set_address(address);
  worker.mutable_machine()->set_hostname(host);
  worker.mutable_machine()->set_logical_cores(cores);
  return worker;
}

TEST(MedianTest, OddEvenAndEmpty) {
  EXPECT_EQ(Median({}), 0);
  EXPECT_EQ(Median({5}), 5);
  EXPECT_EQ(Median({3, 1, 2}), 2);
  EXPECT_EQ(Median({4, 1, 3, 2}), 2.5);
}

TEST(AggregateSamplesTest, IgnoresWarmupsAndComputesStatistics) {
  std::optional<Aggregates> a =
      AggregateSamples({MakeSample(999, 999, 999, /*warmup=*/true), MakeSample(100, 90, 10),
                        MakeSample(300, 280, 20), MakeSample(200, 150, 30)});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->measured_samples, 3);
  EXPECT_EQ(a->median_wall_ns, 200);
  EXPECT_EQ(a->min_wall_ns, 100);
  EXPECT_EQ(a->max_wall_ns, 300);
  EXPECT_EQ(a->mean_wall_ns, 200);
  EXPECT_EQ(a->median_cpu_ns, 180);  // cpu = 100, 300, 180
  EXPECT_FALSE(a->speedup.has_value());
}

TEST(AggregateSamplesTest, OnlyWarmupsGiveNothing) {
  EXPECT_FALSE(AggregateSamples({MakeSample(5, 0, 0, true)}).has_value());
  EXPECT_FALSE(AggregateSamples({}).has_value());
}

class AggregateTest : public ::testing::Test {
 protected:
  AggregateTest() {
    plan_.add_models("sequential");
    plan_.add_models("threads");
    plan_.add_models("thread_pool");
    workers_ = {MakeWorker("a:1", "alpha", 2), MakeWorker("b:1", "beta", 8)};
    // Deliberately out of order: rows come back sorted by worker, plan model order, level.
    results_ = {
        MakeResult("b:1", "thread_pool", 2, {MakeSample(400)}),
        MakeResult("a:1", "thread_pool", 4, {MakeSample(50)}),
        MakeResult("a:1", "thread_pool", 2,
                   {MakeSample(120), MakeSample(80), MakeSample(100), MakeSample(110)}),
        MakeResult("a:1", "threads", 2, {MakeSample(70)}, v1::JOB_STATUS_FAILED),
        MakeResult(
            "a:1", "sequential", 1,
            {MakeSample(999, 0, 0, true), MakeSample(100), MakeSample(300), MakeSample(200)}),
    };
    results_[3].set_error("task 3: wrong count");
  }
  v1::Plan plan_;
  std::vector<v1::WorkerDescription> workers_;
  std::vector<v1::JobResult> results_;
};

TEST_F(AggregateTest, OrdersRowsByWorkerModelAndConcurrency) {
  std::vector<ResultRow> rows = Aggregate(plan_, workers_, results_);
  ASSERT_EQ(rows.size(), 5u);
  std::vector<std::tuple<std::string, std::string, int>> keys;
  for (const ResultRow& row : rows) keys.emplace_back(row.worker, row.model, row.concurrency);
  EXPECT_EQ(keys,
            (std::vector<std::tuple<std::string, std::string, int>>{{"a:1", "sequential", 1},
                                                                    {"a:1", "threads", 2},
                                                                    {"a:1", "thread_pool", 2},
                                                                    {"a:1", "thread_pool", 4},
                                                                    {"b:1", "thread_pool", 2}}));
  EXPECT_EQ(rows[0].machine, "alpha");  // filled from the description
  EXPECT_EQ(rows[0].logical_cores, 2);
}

TEST_F(AggregateTest, SpeedupAndEfficiencyAgainstTheSequentialBaseline) {
  std::vector<ResultRow> rows = Aggregate(plan_, workers_, results_);
  const ResultRow& baseline = rows[0];
  ASSERT_TRUE(baseline.aggregates.has_value());
  EXPECT_EQ(baseline.aggregates->median_wall_ns, 200);
  EXPECT_DOUBLE_EQ(*baseline.aggregates->speedup, 1.0);
  EXPECT_DOUBLE_EQ(*baseline.aggregates->efficiency, 1.0);

  const ResultRow& pool2 = rows[2];  // 80, 100, 110, 120
  ASSERT_TRUE(pool2.aggregates.has_value());
  EXPECT_EQ(pool2.aggregates->median_wall_ns, 105);
  EXPECT_EQ(pool2.aggregates->mean_wall_ns, 102.5);
  EXPECT_EQ(pool2.aggregates->min_wall_ns, 80);
  EXPECT_EQ(pool2.aggregates->max_wall_ns, 120);
  EXPECT_DOUBLE_EQ(*pool2.aggregates->speedup, 200.0 / 105.0);
  EXPECT_DOUBLE_EQ(*pool2.aggregates->efficiency, 200.0 / 105.0 / 2);

  // Concurrency 4 on a 2-core machine: efficiency divides by the 2 cores, not by 4.
  const ResultRow& pool4 = rows[3];
  EXPECT_DOUBLE_EQ(*pool4.aggregates->speedup, 4.0);
  EXPECT_DOUBLE_EQ(*pool4.aggregates->efficiency, 2.0);
}

TEST_F(AggregateTest, FailedRowsKeepSamplesButGetNoTiming) {
  std::vector<ResultRow> rows = Aggregate(plan_, workers_, results_);
  const ResultRow& failed = rows[1];
  EXPECT_EQ(failed.status, v1::JOB_STATUS_FAILED);
  EXPECT_EQ(failed.error, "task 3: wrong count");
  EXPECT_EQ(failed.samples.size(), 1u);
  EXPECT_FALSE(failed.aggregates.has_value());
}

TEST_F(AggregateTest, NoBaselineOnTheMachineMeansNoSpeedup) {
  std::vector<ResultRow> rows = Aggregate(plan_, workers_, results_);
  const ResultRow& other_machine = rows[4];
  ASSERT_TRUE(other_machine.aggregates.has_value());
  EXPECT_EQ(other_machine.aggregates->median_wall_ns, 400);
  EXPECT_FALSE(other_machine.aggregates->speedup.has_value());
  EXPECT_FALSE(other_machine.aggregates->efficiency.has_value());
}

TEST_F(AggregateTest, AFailedBaselineGivesNoSpeedup) {
  results_[4].set_status(v1::JOB_STATUS_FAILED);
  std::vector<ResultRow> rows = Aggregate(plan_, workers_, results_);
  for (const ResultRow& row : rows) {
    if (row.aggregates.has_value()) {
      EXPECT_FALSE(row.aggregates->speedup.has_value()) << row.model;
    }
  }
}

}  // namespace
}  // namespace parlab::coordinator
