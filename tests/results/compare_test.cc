// Comparing two runs (or two machines of one run): row matching, verdicts on synthetic
// samples, machine selection and the "machine-state-changed" warning.
#include "parlab/results/compare.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "compare_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parlab::results {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace ::parlab::results::testing;  // the made-up runs of compare_fixture.h

TEST(CompareTest, VerdictsFollowTheSamples) {
  // B: sequential the same, thread_pool x1 clearly slower (1.5x), x2 clearly faster (0.5x).
  RunComparison c = Compare(MakeRun("run-a", 40, 42, 22), MakeRun("run-b", 40, 63, 11));
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_EQ(c.rows[0].model, "sequential");  // plan order
  EXPECT_EQ(c.rows[2].concurrency, 2);

  const ComparedRow& same = Row(c, "sequential", 1);
  ASSERT_TRUE(same.comparison.has_value());
  EXPECT_EQ(RowVerdict(same), "no significant difference");
  EXPECT_DOUBLE_EQ(same.comparison->ratio->value, 1.0);
  EXPECT_GT(same.comparison->u_test.p_value, 0.5);

  const ComparedRow& slower = Row(c, "thread_pool", 1);
  EXPECT_EQ(RowVerdict(slower), "slower");
  EXPECT_NEAR(slower.comparison->ratio->value, 1.5, 1e-6);  // ns are whole
  ASSERT_TRUE(slower.comparison->ratio->ci.has_value());
  EXPECT_GT(slower.comparison->ratio->ci->low, 1.0);
  EXPECT_LT(slower.comparison->u_test.p_value, 0.05);

  const ComparedRow& faster = Row(c, "thread_pool", 2);
  EXPECT_EQ(RowVerdict(faster), "faster");
  EXPECT_NEAR(faster.comparison->ratio->value, 0.5, 1e-6);
  EXPECT_EQ(faster.a.walls.size(), 8u);  // the warm-up is not a sample
}

TEST(CompareTest, MissingAndFailedRowsAreShownButNotCompared) {
  v1::RunRecord a = MakeRun("run-a", 40, 42, 22);
  v1::RunRecord b = MakeRun("run-b", 40, 42, 22);
  b.mutable_results()->DeleteSubrange(2, 1);  // no thread_pool x2 in B
  b.mutable_results(1)->set_status(v1::JOB_STATUS_FAILED);
  AddResult(b, kAlpha, "threads", 4, 12);  // only in B
  RunComparison c = Compare(a, b);
  ASSERT_EQ(c.rows.size(), 4u);
  EXPECT_EQ(Row(c, "thread_pool", 1).b.status, "FAILED");
  EXPECT_FALSE(Row(c, "thread_pool", 1).comparison.has_value());
  EXPECT_EQ(RowVerdict(Row(c, "thread_pool", 1)), "-");
  EXPECT_EQ(Row(c, "thread_pool", 2).b.status, "missing");
  EXPECT_EQ(Row(c, "threads", 4).a.status, "missing");
  EXPECT_EQ(c.rows.back().model, "threads");  // not in the plan: last
}

TEST(CompareTest, RowsMatchBySweepValue) {
  v1::RunRecord a = MakeRun("run-a", 40, 42, 22);
  v1::RunRecord b = MakeRun("run-b", 40, 42, 22);
  for (v1::RunRecord* run : {&a, &b}) {
    run->mutable_plan()->mutable_sweep()->set_param("to");
    run->mutable_plan()->mutable_sweep()->add_values("2000");
    run->mutable_plan()->mutable_sweep()->add_values("16000");
    for (v1::JobResult& r : *run->mutable_results()) r.set_sweep_value("16000");
  }
  AddResult(a, kAlpha, "sequential", 1, 5);
  a.mutable_results()->rbegin()->set_sweep_value("2000");
  AddResult(b, kAlpha, "sequential", 1, 10);
  b.mutable_results()->rbegin()->set_sweep_value("2000");
  RunComparison c = Compare(a, b);
  ASSERT_EQ(c.rows.size(), 4u);
  EXPECT_EQ(c.sweep_param, "to");
  // sequential 2000 (sweep order) before sequential 16000.
  EXPECT_EQ(c.rows[0].sweep_value, "2000");
  EXPECT_EQ(RowVerdict(c.rows[0]), "slower");
  EXPECT_EQ(c.rows[1].sweep_value, "16000");
  EXPECT_EQ(RowVerdict(c.rows[1]), "no significant difference");
}

TEST(CompareTest, SameRunOnTheSameMachineTwiceWarnsWhenTheMachineChanged) {
  // The same plan on the same machine: the medians agree within their uncertainty, no warning.
  RunComparison steady = Compare(MakeRun("run-a", 40, 42, 22), MakeRun("run-b", 40, 42, 22));
  EXPECT_TRUE(steady.warnings.empty());

  // Everything 30% slower the second time: nothing in the benchmark changed, the machine did.
  v1::RunRecord b = MakeRun("run-b", 52, 54.6, 28.6);
  b.mutable_workers(0)->mutable_machine()->set_load_avg_1m(1.9);
  RunComparison drifted = Compare(MakeRun("run-a", 40, 42, 22), b);
  ASSERT_EQ(drifted.warnings.size(), 1u);
  EXPECT_EQ(drifted.warnings[0].code, "machine-state-changed");
  EXPECT_THAT(drifted.warnings[0].message,
              HasSubstr("alpha ran the same plan in both runs, yet 3 of 3 rows differ"));
  EXPECT_THAT(drifted.warnings[0].message, HasSubstr("load average 0.00, then 1.90"));

  // A different plan (more tasks) explains a difference: no warning.
  v1::RunRecord other_plan = b;
  (*other_plan.mutable_plan()->mutable_workload()->mutable_params())["to"] = "32000";
  EXPECT_TRUE(Compare(MakeRun("run-a", 40, 42, 22), other_plan).warnings.empty());
  // A different machine explains it too.
  v1::RunRecord other_machine = b;
  other_machine.mutable_workers(0)->mutable_machine()->set_hostname("gamma");
  EXPECT_TRUE(Compare(MakeRun("run-a", 40, 42, 22), other_machine).warnings.empty());
}

TEST(CompareTest, SamePlanIgnoresNameAndDescriptionOnly) {
  v1::Plan a = SievePlan();
  v1::Plan b = SievePlan();
  b.set_name("renamed");
  b.set_description("same work");
  EXPECT_TRUE(SamePlan(a, b));
  b.set_repetitions(9);
  EXPECT_FALSE(SamePlan(a, b));
}

TEST(CompareTest, SelectsMachinesOfARun) {
  v1::RunRecord run = MakeRun("run-two", 40, 42, 22);
  *run.add_workers() = Machine(kBeta, "beta");
  AddResult(run, kBeta, "sequential", 1, 20);
  AddResult(run, kBeta, "thread_pool", 1, 21);
  AddResult(run, kBeta, "thread_pool", 2, 11);

  absl::StatusOr<CompareSide> ambiguous = SelectSide(run, "");
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_THAT(std::string(ambiguous.status().message()),
              HasSubstr("ran on 2 machines (alpha@127.0.0.1:4511, beta@127.0.0.1:4512): pick "
                        "one with run-two@HOST"));
  absl::StatusOr<CompareSide> unknown = SelectSide(run, "gamma");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("no machine \"gamma\""));
  ASSERT_TRUE(SelectSide(run, "beta").ok());
  EXPECT_EQ(SelectSide(run, "beta")->machine.address(), kBeta);
  EXPECT_EQ(SelectSide(run, kAlpha)->label, "run-two@alpha");

  absl::StatusOr<std::pair<CompareSide, CompareSide>> sides = SidesOfOneRun(run);
  ASSERT_TRUE(sides.ok()) << sides.status();
  RunComparison c = CompareRuns(sides->first, sides->second);
  EXPECT_EQ(c.a_label, "run-two@alpha");
  EXPECT_EQ(c.b_label, "run-two@beta");
  EXPECT_EQ(RowVerdict(Row(c, "sequential", 1)), "faster");  // beta runs 2x faster
  EXPECT_TRUE(c.warnings.empty());  // two machines: a difference is expected

  EXPECT_FALSE(SidesOfOneRun(MakeRun("run-one", 40, 42, 22)).ok());
  EXPECT_EQ(ParseRunSelector("run-1@beta@127.0.0.1:4512").host, "beta@127.0.0.1:4512");
  EXPECT_EQ(ParseRunSelector("latest").run, "latest");
  EXPECT_EQ(ParseRunSelector("latest").host, "");
}

}  // namespace
}  // namespace parlab::results

namespace parlab::results {
namespace {

using namespace ::parlab::results::testing;  // NOLINT: the made-up runs of compare_fixture.h

// A run whose thread_pool x2 samples are drawn from one log-normal distribution (sigma 5%).
v1::RunRecord NoisyRun(const std::string& id, uint64_t seed, int samples) {
  v1::RunRecord run = MakeRun(id, 40, 42, 22);
  v1::JobResult& pool2 = *run.mutable_results(2);
  pool2.clear_samples();
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> wall(std::log(22e6), 0.05);
  for (int i = 0; i < samples; ++i) {
    v1::Sample* s = pool2.add_samples();
    s->set_index(i);
    s->set_wall_ns(static_cast<int64_t>(wall(rng)));
  }
  return run;
}

TEST(SlowdownGateTest, FailsOnlyTheRowWithAPlantedSignificantSlowdown) {
  // thread_pool x2: 20% slower in B; the other rows the same.
  RunComparison c = Compare(MakeRun("run-a", 40, 42, 22), MakeRun("run-b", 40, 42, 26.4));
  SlowdownGate gate = GateSlowdown(c, 5);
  ASSERT_EQ(gate.failed.size(), 1u);
  EXPECT_EQ(c.rows[gate.failed[0]].model, "thread_pool");
  EXPECT_EQ(c.rows[gate.failed[0]].concurrency, 2);
  EXPECT_TRUE(gate.inconclusive.empty());
  // The slowdown is 20%: a 25% threshold lets it pass, and so does a faster B.
  EXPECT_TRUE(GateSlowdown(c, 25).failed.empty());
  EXPECT_TRUE(GateSlowdown(Compare(MakeRun("a", 40, 42, 26.4), MakeRun("b", 40, 42, 22)), 0)
                  .failed.empty());
}

TEST(SlowdownGateTest, NoiseNeverFails) {
  // Twenty pairs of runs from the same distribution (5% spread): none fails a 5% gate.
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    RunComparison c = Compare(NoisyRun("a", seed, 10), NoisyRun("b", seed + 1000, 10));
    EXPECT_TRUE(GateSlowdown(c, 5).failed.empty()) << "seed " << seed;
  }
  // The same distribution 20% slower does fail it, on every seed.
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    v1::RunRecord slow = NoisyRun("b", seed + 1000, 10);
    for (v1::Sample& s : *slow.mutable_results(2)->mutable_samples()) {
      s.set_wall_ns(static_cast<int64_t>(s.wall_ns() * 1.2));
    }
    EXPECT_EQ(GateSlowdown(Compare(NoisyRun("a", seed, 10), slow), 5).failed.size(), 1u)
        << "seed " << seed;
  }
}

TEST(SlowdownGateTest, TooFewRepetitionsAreInconclusiveNotFailed) {
  // Three samples a side, B 50% slower: the interval clears 5% but the U test cannot reach
  // 0.05 with 3 + 3 values, so the gate does not fail the build, and says why.
  auto three = [](const std::string& id, double pool2_ms) {
    v1::RunRecord run = MakeRun(id, 40, 42, pool2_ms);
    for (v1::JobResult& result : *run.mutable_results()) {
      while (result.samples_size() > 4) result.mutable_samples()->RemoveLast();
    }
    return run;
  };
  RunComparison c = Compare(three("a", 22), three("b", 33));
  SlowdownGate gate = GateSlowdown(c, 5);
  EXPECT_TRUE(gate.failed.empty());
  ASSERT_EQ(gate.inconclusive.size(), 1u);
  EXPECT_EQ(c.rows[gate.inconclusive[0]].concurrency, 2);
}

}  // namespace
}  // namespace parlab::results
