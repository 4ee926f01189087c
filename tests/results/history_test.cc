// History's change flags (results/history.h): a planted step is flagged at exactly the run
// where it happens, in either direction; a series from one distribution flags nothing; a single
// run with a shifted median but too few neighbours is never judged.
#include "parlab/results/history.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace parlab::results {
namespace {

// `runs` runs of `reps` repetitions around 20 ms (log-normal, 3% spread); from run `step_at`
// on, every wall time is multiplied by `factor`.
std::vector<HistoryPoint> Series(uint64_t seed, int runs, int reps, int step_at = -1,
                                 double factor = 1) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> wall(std::log(20e6), 0.03);
  std::vector<HistoryPoint> series;
  for (int r = 0; r < runs; ++r) {
    HistoryPoint point{.run_id = "run-" + std::to_string(r), .started_unix_ms = 1000 * r};
    for (int i = 0; i < reps; ++i) {
      point.walls.push_back(wall(rng) * (step_at >= 0 && r >= step_at ? factor : 1));
    }
    series.push_back(std::move(point));
  }
  return series;
}

TEST(HistoryTest, APlantedSlowdownIsFlaggedAtExactlyThatRun) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    std::vector<HistoryFlag> flags = FlagChanges(Series(seed, 15, 5, 8, 1.2));
    ASSERT_EQ(flags.size(), 1u) << "seed " << seed;
    EXPECT_EQ(flags[0].index, 8u);
    EXPECT_EQ(flags[0].verdict, stats::Verdict::kSlower);
    EXPECT_NEAR(flags[0].ratio, 1.2, 0.05);
    EXPECT_LT(flags[0].p_value, kHistoryAlpha);
    EXPECT_EQ(flags[0].window_runs, static_cast<size_t>(kHistoryWindow));
  }
}

TEST(HistoryTest, AnImprovementIsFlaggedAsFaster) {
  std::vector<HistoryFlag> flags = FlagChanges(Series(7, 10, 5, 4, 0.8));
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].index, 4u);
  EXPECT_EQ(flags[0].verdict, stats::Verdict::kFaster);
}

TEST(HistoryTest, OneDistributionFlagsNothing) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    EXPECT_TRUE(FlagChanges(Series(seed, 30, 5)).empty()) << "seed " << seed;
  }
}

TEST(HistoryTest, NeedsAWindowAndSkipsRunsWithoutSamples) {
  // Run 1 is 50% slower, but has one run before it: too little to judge.
  std::vector<HistoryPoint> series = Series(3, 2, 5, 1, 1.5);
  EXPECT_TRUE(FlagChanges(series).empty());
  // A run without samples (failed) is neither judged nor part of a window.
  std::vector<HistoryPoint> gap = Series(4, 8, 5, 6, 1.3);
  gap[3].walls.clear();
  std::vector<HistoryFlag> flags = FlagChanges(gap);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].index, 6u);
  EXPECT_EQ(flags[0].window_runs, 5u);  // runs 0, 1, 2, 4, 5
}

}  // namespace
}  // namespace parlab::results
