// Comparing two runs (or two machines of one run): row matching, verdicts on synthetic
// samples, machine selection and the "machine-state-changed" warning.
#include "parlab/results/compare.h"

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
