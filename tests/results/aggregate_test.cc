// Aggregation math against hand-computed values.
#include "parlab/results/aggregate.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parlab::results {
namespace {

using ::testing::HasSubstr;

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

TEST(AggregateSamplesTest, IntervalsOutliersAndWarnings) {
  // Measured walls 100, 101, 99, 100, 160, 100 with their plan indices 0..5; index 4 is far
  // out (MAD 0.5: z = 0.6745 * 60 / 0.5).
  std::vector<v1::Sample> samples = {MakeSample(999, 0, 0, /*warmup=*/true)};
  int32_t index = 0;
  for (int64_t wall : {100, 101, 99, 100, 160, 100}) {
    samples.push_back(MakeSample(wall));
    samples.back().set_index(index++);
  }
  std::optional<Aggregates> a = AggregateSamples(samples);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->median_wall_ns, 100);
  EXPECT_DOUBLE_EQ(a->stddev_wall_ns, stats::SampleStddev({100, 101, 99, 100, 160, 100}));
  EXPECT_DOUBLE_EQ(a->cv, a->stddev_wall_ns / a->mean_wall_ns);
  EXPECT_DOUBLE_EQ(a->p90_wall_ns, 130.5);  // h = 4.5 between 101 and 160
  ASSERT_TRUE(a->median_ci.has_value());
  EXPECT_LE(a->median_ci->low, 100);
  EXPECT_GE(a->median_ci->high, 100);
  ASSERT_TRUE(a->mean_ci.has_value());
  EXPECT_LT(a->mean_ci->low, a->mean_wall_ns);
  EXPECT_EQ(a->outliers, std::vector<int32_t>{4});
  ASSERT_FALSE(a->warnings.empty());
  EXPECT_EQ(a->warnings[0].code, stats::WarningCode::kOutliers);
  EXPECT_FALSE(a->speedup_ci.has_value());  // filled by Aggregate, which knows the baseline

  std::optional<Aggregates> single = AggregateSamples({MakeSample(100)});
  ASSERT_TRUE(single.has_value());
  EXPECT_FALSE(single->median_ci.has_value());
  EXPECT_FALSE(single->mean_ci.has_value());
  EXPECT_EQ(single->stddev_wall_ns, 0);
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

TEST_F(AggregateTest, SpeedupIntervalKarpFlattAndAmdahl) {
  std::vector<ResultRow> rows = Aggregate(plan_, workers_, results_);
  const Aggregates& baseline = *rows[0].aggregates;
  ASSERT_TRUE(baseline.speedup_ci.has_value());  // the baseline against itself
  EXPECT_EQ(baseline.speedup_ci->low, 1);
  EXPECT_EQ(baseline.speedup_ci->high, 1);
  EXPECT_FALSE(baseline.karp_flatt.has_value());
  EXPECT_FALSE(baseline.amdahl.has_value());  // one level, p = 1

  // Baseline 100, 200, 300 against 80, 100, 110, 120: speedups of resampled medians range
  // from 100/120 to 300/80, and the interval holds the point estimate 200/105.
  const Aggregates& pool2 = *rows[2].aggregates;
  ASSERT_TRUE(pool2.speedup_ci.has_value());
  EXPECT_GE(pool2.speedup_ci->low, 100.0 / 120);
  EXPECT_LE(pool2.speedup_ci->high, 300.0 / 80);
  EXPECT_LT(pool2.speedup_ci->low, 200.0 / 105);
  EXPECT_GT(pool2.speedup_ci->high, 200.0 / 105);
  EXPECT_DOUBLE_EQ(*pool2.karp_flatt, (105.0 / 200 - 0.5) / 0.5);
  // x4 on 2 cores: p = 2 and S = 4, so Karp-Flatt goes negative (superlinear).
  const Aggregates& pool4 = *rows[3].aggregates;
  EXPECT_FALSE(pool4.speedup_ci.has_value());  // one sample: no interval
  EXPECT_DOUBLE_EQ(*pool4.karp_flatt, -0.5);
  // The fit covers both thread_pool levels (both at p = 2) and is on each of its rows.
  ASSERT_TRUE(pool2.amdahl.has_value() && pool4.amdahl.has_value());
  EXPECT_EQ(pool2.amdahl->points, 2);
  EXPECT_EQ(pool2.amdahl->serial_fraction, pool4.amdahl->serial_fraction);
  EXPECT_EQ(pool2.amdahl->serial_fraction, 0);           // the mean speedup at p = 2 is above 2
  EXPECT_FALSE(rows[4].aggregates->amdahl.has_value());  // other machine: no baseline
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

// A sweep: rows are keyed by sweep value too, and each row's baseline is `sequential` at the
// same value.
TEST(AggregateSweepTest, BaselineAtTheSameSweepValue) {
  v1::Plan plan;
  plan.add_models("sequential");
  plan.add_models("threads");
  plan.mutable_sweep()->set_param("to");
  plan.mutable_sweep()->add_values("16000");
  plan.mutable_sweep()->add_values("2000");
  std::vector<v1::JobResult> results = {MakeResult("a:1", "threads", 2, {MakeSample(50)}),
                                        MakeResult("a:1", "threads", 2, {MakeSample(600)}),
                                        MakeResult("a:1", "sequential", 1, {MakeSample(100)}),
                                        MakeResult("a:1", "sequential", 1, {MakeSample(1000)})};
  results[0].set_sweep_value("2000");
  results[1].set_sweep_value("16000");
  results[2].set_sweep_value("2000");
  results[3].set_sweep_value("16000");
  std::vector<ResultRow> rows = Aggregate(plan, {MakeWorker("a:1", "alpha", 2)}, results);
  ASSERT_EQ(rows.size(), 4u);
  std::vector<std::pair<std::string, std::string>> keys;
  for (const ResultRow& row : rows) keys.emplace_back(row.model, row.sweep_value);
  EXPECT_EQ(keys, (std::vector<std::pair<std::string, std::string>>{{"sequential", "16000"},
                                                                    {"sequential", "2000"},
                                                                    {"threads", "16000"},
                                                                    {"threads", "2000"}}));
  ASSERT_TRUE(rows[2].aggregates->speedup.has_value());
  EXPECT_DOUBLE_EQ(*rows[2].aggregates->speedup, 1000.0 / 600.0);
  EXPECT_DOUBLE_EQ(*rows[3].aggregates->speedup, 100.0 / 50.0);
}

TEST(AggregateTargetCvTest, ReportsWhetherTheTargetWasMet) {
  v1::Plan plan;
  plan.add_models("sequential");
  plan.add_models("threads");
  plan.set_target_cv(0.02);
  std::vector<v1::JobResult> results = {
      MakeResult("a:1", "sequential", 1, {MakeSample(100), MakeSample(101), MakeSample(99)}),
      MakeResult("a:1", "threads", 2, {MakeSample(1000), MakeSample(1041)})};  // CV 2.84%
  std::vector<ResultRow> rows = Aggregate(plan, {MakeWorker("a:1", "alpha", 2)}, results);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].aggregates->target_cv_met, std::optional<bool>(true));
  EXPECT_EQ(rows[1].aggregates->target_cv_met, std::optional<bool>(false));
  bool warned = false;
  for (const stats::Warning& warning : rows[1].aggregates->warnings) {
    warned |= warning.message == "CV 2.8% above target 2% after 2 repetitions";
  }
  EXPECT_TRUE(warned);
  plan.set_target_cv(0);
  rows = Aggregate(plan, {MakeWorker("a:1", "alpha", 2)}, results);
  EXPECT_FALSE(rows[1].aggregates->target_cv_met.has_value());
}

// Two workers on one host contend for its cores: every row of theirs says so. Efficiency far
// above 100% on CPU-bound work is flagged as a measurement problem; on waits it is a result.
TEST(AggregateWarningsTest, SharedHostsAndSuperlinearCpuBoundRows) {
  v1::WorkerDescription a, b, c;
  a.set_address("a:1");
  b.set_address("b:1");
  c.set_address("c:1");
  a.mutable_machine()->set_hostname("vm");
  b.mutable_machine()->set_hostname("vm");
  c.mutable_machine()->set_hostname("other");
  auto row = [](const std::string& worker, double efficiency, double cpu_share) {
    ResultRow r;
    r.worker = worker;
    r.model = "threads";
    r.concurrency = 2;
    r.logical_cores = 2;
    Aggregates agg;
    agg.median_wall_ns = 1e9;
    agg.median_cpu_ns = cpu_share * 1e9;
    agg.efficiency = efficiency;
    r.aggregates = agg;
    return r;
  };
  std::vector<ResultRow> rows = {row("a:1", 0.9, 1.8), row("c:1", 2.94, 1.9),
                                 row("c:1", 2.94, 0.01)};
  AddMeasurementWarnings({a, b, c}, rows);
  ASSERT_EQ(rows[0].aggregates->warnings.size(), 1u);
  EXPECT_EQ(rows[0].aggregates->warnings[0].code, stats::WarningCode::kSharedHost);
  EXPECT_THAT(rows[0].aggregates->warnings[0].message,
              HasSubstr("2 workers of this run share host vm (a:1, b:1)"));
  ASSERT_EQ(rows[1].aggregates->warnings.size(), 1u);  // CPU-bound at 294%: a problem
  EXPECT_EQ(rows[1].aggregates->warnings[0].code, stats::WarningCode::kSuperlinear);
  EXPECT_THAT(rows[1].aggregates->warnings[0].message,
              HasSubstr("efficiency 294% on CPU-bound work is a measurement problem"));
  EXPECT_TRUE(rows[2].aggregates->warnings.empty());  // waits overlap: a real result
}

}  // namespace
}  // namespace parlab::results
