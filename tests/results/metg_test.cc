// METG(50%) on made-up sweeps whose crossing is known.
#include "parlab/results/metg.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metg_fixture.h"

namespace parlab::results {
namespace {

using ::testing::HasSubstr;
using testing::Point;
using testing::Row;

TEST(Metg50Test, InterpolatesLinearlyBetweenTheNeighboursAround50Percent) {
  MetgNote note;
  // 1000 ns: 90%, 100 ns: 60%, 10 ns: 20% (given out of order on purpose).
  std::optional<double> metg = Metg50({Point(10, 0.2), Point(1000, 0.9), Point(100, 0.6)}, &note);
  ASSERT_TRUE(metg.has_value()) << static_cast<int>(note);
  // Between (10, 0.2) and (100, 0.6): 10 + (0.5 - 0.2) / 0.4 * 90 = 77.5.
  EXPECT_DOUBLE_EQ(*metg, 77.5);
  EXPECT_EQ(note, MetgNote::kNone);
}

TEST(Metg50Test, ExactlyFiftyPercentIsTheMetg) {
  std::optional<double> metg = Metg50({Point(400, 0.8), Point(200, 0.5), Point(100, 0.3)});
  ASSERT_TRUE(metg.has_value());
  EXPECT_DOUBLE_EQ(*metg, 200);
}

TEST(Metg50Test, TakesTheSmallestGranularityThatStillReaches50Percent) {
  // Noise: 100 ns dips below 50%, 50 ns is back above it; the smallest point >= 50% is 50 ns.
  std::optional<double> metg =
      Metg50({Point(1000, 0.9), Point(100, 0.45), Point(50, 0.55), Point(10, 0.05)});
  ASSERT_TRUE(metg.has_value());
  EXPECT_DOUBLE_EQ(*metg, 10 + (0.5 - 0.05) / 0.5 * 40);
}

TEST(Metg50Test, AbsentWhenNeverReached) {
  MetgNote note;
  EXPECT_FALSE(Metg50({Point(1000, 0.4), Point(100, 0.1)}, &note).has_value());
  EXPECT_EQ(note, MetgNote::kNeverReached);
}

TEST(Metg50Test, AbsentWhenEvenTheSmallestPointReachesIt) {
  MetgNote note;
  EXPECT_FALSE(Metg50({Point(1000, 0.99), Point(2500, 0.97)}, &note).has_value());
  EXPECT_EQ(note, MetgNote::kBelowSmallestPoint);
}

TEST(Metg50Test, NoPoints) {
  MetgNote note;
  EXPECT_FALSE(Metg50({}, &note).has_value());
  EXPECT_EQ(note, MetgNote::kNoPoints);
}

TEST(ComputeMetgTest, GranularityAndEfficiencyPerPoint) {
  // Three points of 1000 tasks; sequential takes 1 ms, 100 us, 10 us. thread_pool at 4 runs on
  // p = min(4, 2 cores) = 2 units.
  std::vector<ResultRow> rows = {
      Row("sequential", 1, "big", 1000, 1e6),    Row("sequential", 1, "mid", 1000, 1e5),
      Row("sequential", 1, "small", 1000, 1e4),  Row("thread_pool", 4, "big", 1000, 0.55e6),
      Row("thread_pool", 4, "mid", 1000, 0.8e5), Row("thread_pool", 4, "small", 1000, 2.5e4)};
  std::vector<MetgCurve> curves = ComputeMetg(rows);
  ASSERT_EQ(curves.size(), 1u);  // sequential is the baseline, not a curve
  const MetgCurve& curve = curves[0];
  EXPECT_EQ(curve.model, "thread_pool");
  EXPECT_EQ(curve.p, 2);
  ASSERT_EQ(curve.points.size(), 3u);
  EXPECT_EQ(curve.points[0].sweep_value, "big");                        // largest granularity first
  EXPECT_DOUBLE_EQ(curve.points[0].granularity_ns, 0.55e6 * 2 / 1000);  // 1100 ns
  EXPECT_NEAR(curve.points[0].efficiency, 1e6 / (2 * 0.55e6), 1e-12);   // 91%
  EXPECT_NEAR(curve.points[1].efficiency, 1e5 / (2 * 0.8e5), 1e-12);    // 62.5% at 160 ns
  EXPECT_NEAR(curve.points[2].efficiency, 1e4 / (2 * 2.5e4), 1e-12);    // 20% at 50 ns
  ASSERT_TRUE(curve.metg_ns.has_value()) << static_cast<int>(curve.note);
  // Between (50 ns, 0.2) and (160 ns, 0.625).
  EXPECT_NEAR(*curve.metg_ns, 50 + (0.5 - 0.2) / (0.625 - 0.2) * 110, 1e-9);
}

TEST(ComputeMetgTest, BaselineMustBeAtTheSamePoint) {
  std::vector<ResultRow> rows = {Row("sequential", 1, "big", 100, 1e6),
                                 Row("threads", 2, "big", 100, 0.5e6),
                                 Row("threads", 2, "small", 100, 0.5e4)};
  std::vector<MetgCurve> curves = ComputeMetg(rows);
  ASSERT_EQ(curves.size(), 1u);
  ASSERT_EQ(curves[0].points.size(), 1u);  // "small" has no sequential row
  EXPECT_EQ(curves[0].points[0].sweep_value, "big");
  EXPECT_EQ(curves[0].note, MetgNote::kBelowSmallestPoint);
}

}  // namespace
}  // namespace parlab::results
