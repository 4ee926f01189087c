// Statistics against known values: textbook t quantiles, hand-computed medians and quantiles,
// Mann-Whitney p-values from exact enumeration (and scipy's documented example), bootstrap
// intervals whose percentiles are far from any boundary, Karp-Flatt of made-up speedups.
#include "parlab/results/stats.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parlab::results::stats {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<WarningCode> Codes(const std::vector<Warning>& warnings) {
  std::vector<WarningCode> codes;
  for (const Warning& warning : warnings) codes.push_back(warning.code);
  return codes;
}

TEST(DescriptiveTest, MedianQuantileMeanStddev) {
  EXPECT_EQ(Median({}), 0);
  EXPECT_EQ(Median({3, 1, 2}), 2);
  EXPECT_EQ(Median({4, 1, 3, 2}), 2.5);
  // Type 7 (numpy.percentile's default): h = 9 * 0.9 = 8.1 -> 9 + 0.1 * (10 - 9).
  EXPECT_DOUBLE_EQ(Quantile({10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 0.9), 9.1);
  EXPECT_DOUBLE_EQ(Quantile({1, 2, 3, 4}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(Quantile({1, 2, 3, 4}, 1.0), 4);
  EXPECT_DOUBLE_EQ(Quantile({7}, 0.9), 7);
  EXPECT_DOUBLE_EQ(Mean({2, 4, 4, 4, 5, 5, 7, 9}), 5);
  // Population sd 2; the sample sd divides by n - 1: sqrt(32 / 7).
  EXPECT_DOUBLE_EQ(SampleStddev({2, 4, 4, 4, 5, 5, 7, 9}), std::sqrt(32.0 / 7));
  EXPECT_EQ(SampleStddev({5}), 0);
}

TEST(DistributionTest, IncompleteBetaIdentities) {
  EXPECT_NEAR(RegularizedIncompleteBeta(1, 1, 0.3), 0.3, 1e-12);      // uniform
  EXPECT_NEAR(RegularizedIncompleteBeta(3, 1, 0.5), 0.125, 1e-12);    // x^a
  EXPECT_NEAR(RegularizedIncompleteBeta(7.5, 7.5, 0.5), 0.5, 1e-12);  // symmetric
  EXPECT_EQ(RegularizedIncompleteBeta(2, 3, 0), 0);
  EXPECT_EQ(RegularizedIncompleteBeta(2, 3, 1), 1);
}

TEST(DistributionTest, StudentTQuantilesMatchTables) {
  EXPECT_NEAR(StudentTQuantile(0.975, 1), 12.7062, 1e-4);
  EXPECT_NEAR(StudentTQuantile(0.975, 4), 2.7764, 1e-4);
  EXPECT_NEAR(StudentTQuantile(0.975, 9), 2.2622, 1e-4);
  EXPECT_NEAR(StudentTQuantile(0.975, 30), 2.0423, 1e-4);
  EXPECT_NEAR(StudentTQuantile(0.95, 10), 1.8125, 1e-4);
  EXPECT_NEAR(StudentTQuantile(0.025, 4), -2.7764, 1e-4);
  EXPECT_NEAR(StudentTQuantile(0.975, 1e6), 1.95996, 1e-4);  // tends to the normal
  EXPECT_EQ(StudentTQuantile(0.5, 3), 0);
  EXPECT_TRUE(std::isnan(StudentTQuantile(1.0, 3)));
  EXPECT_TRUE(std::isnan(StudentTQuantile(0.9, 0)));
  EXPECT_NEAR(StudentTCdf(2.7764451, 4), 0.975, 1e-7);
  EXPECT_NEAR(NormalCdf(1.959964), 0.975, 1e-7);
}

TEST(IntervalTest, MeanIntervalUsesStudentT) {
  // mean 14, s = sqrt(10), n = 5: 14 +- 2.776445 * sqrt(10) / sqrt(5).
  std::optional<Interval> ci = MeanInterval({10, 12, 14, 16, 18});
  ASSERT_TRUE(ci.has_value());
  double half = 2.7764451 * std::sqrt(2.0);
  EXPECT_NEAR(ci->low, 14 - half, 1e-6);
  EXPECT_NEAR(ci->high, 14 + half, 1e-6);
  EXPECT_FALSE(MeanInterval({14}).has_value());
}

TEST(IntervalTest, BootstrapMedianIntervalHasKnownPercentiles) {
  // Resampling 1..9, P(median <= 1) = 0.0014 and P(median <= 2) = 0.030 (binomial), so the 2.5%
  // percentile is 2; symmetrically the 97.5% one is 8. 10,000 resamples sit several standard
  // errors away from either boundary, whatever the seed.
  std::vector<double> values = {5, 3, 9, 1, 7, 2, 8, 4, 6};
  for (uint64_t seed : {kBootstrapSeed, uint64_t{1}, uint64_t{42}}) {
    std::optional<Interval> ci = BootstrapMedianInterval(values, 0.95, 10'000, seed);
    ASSERT_TRUE(ci.has_value());
    EXPECT_EQ(ci->low, 2) << seed;
    EXPECT_EQ(ci->high, 8) << seed;
  }
  std::optional<Interval> constant = BootstrapMedianInterval({4, 4, 4});
  ASSERT_TRUE(constant.has_value());
  EXPECT_EQ(constant->low, 4);
  EXPECT_EQ(constant->high, 4);
  EXPECT_FALSE(BootstrapMedianInterval({4}).has_value());
}

TEST(IntervalTest, BootstrapIsDeterministic) {
  std::vector<double> values = {10.2, 9.7, 11.5, 10.0, 10.9, 9.9, 12.3, 10.4};
  std::optional<Interval> first = BootstrapMedianInterval(values);
  std::optional<Interval> second = BootstrapMedianInterval(values);
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(first->low, second->low);
  EXPECT_EQ(first->high, second->high);
  EXPECT_LE(first->low, Median(values));
  EXPECT_GE(first->high, Median(values));
}

TEST(OutlierTest, ModifiedZScoreFlagsTheFarValue) {
  // median 10.1, |deviations| 0.1 0.4 0.6 0.1 0.3 19.9 -> MAD 0.35.
  std::vector<double> values = {10, 10.5, 9.5, 10.2, 9.8, 30};
  std::vector<double> z = ModifiedZScores(values);
  ASSERT_EQ(z.size(), values.size());
  EXPECT_NEAR(z[5], 0.6745 * 19.9 / 0.35, 1e-9);
  EXPECT_NEAR(z[2], 0.6745 * -0.6 / 0.35, 1e-9);
  EXPECT_THAT(MadOutliers(values), ElementsAre(5));
  EXPECT_THAT(MadOutliers({10, 10.5, 9.5, 10.2, 9.8, 10.1}), IsEmpty());
}

TEST(OutlierTest, ZeroMadFallsBackToMeanAbsoluteDeviation) {
  // MAD 0; MeanAD = 4 / 5 = 0.8 -> z = 4 / (1.253314 * 0.8) = 3.99.
  EXPECT_NEAR(ModifiedZScores({5, 5, 5, 5, 9})[4], 4 / (1.253314 * 0.8), 1e-9);
  EXPECT_THAT(MadOutliers({5, 5, 5, 5, 9}), ElementsAre(4));
  EXPECT_THAT(MadOutliers({5, 5, 5}), IsEmpty());
}

TEST(SummaryTest, SummarizeFillsEveryField) {
  Summary s = Summarize({20, 24, 40});
  EXPECT_EQ(s.count, 3);
  EXPECT_EQ(s.min, 20);
  EXPECT_EQ(s.max, 40);
  EXPECT_EQ(s.median, 24);
  EXPECT_DOUBLE_EQ(s.mean, 28);
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(112.0));
  EXPECT_DOUBLE_EQ(s.cv, std::sqrt(112.0) / 28);
  EXPECT_DOUBLE_EQ(s.p90, 36.8);  // h = 1.8: 24 + 0.8 * 16
  ASSERT_TRUE(s.median_ci.has_value());
  // Resampled medians: 20 or 40 each with probability 7/27, so the 2.5% and 97.5% percentiles
  // are the extremes.
  EXPECT_EQ(s.median_ci->low, 20);
  EXPECT_EQ(s.median_ci->high, 40);
  ASSERT_TRUE(s.mean_ci.has_value());
  EXPECT_NEAR(s.mean_ci->high - 28, 4.302653 * std::sqrt(112.0 / 3), 1e-4);  // t(0.975, 2)
  EXPECT_THAT(s.outliers, IsEmpty());
  EXPECT_EQ(Summarize({}).count, 0);
}

TEST(WarningTest, SlowFirstRepetitionOutliersAndNoise) {
  std::vector<double> measured = {50, 20, 21, 19, 20, 22};
  std::vector<Warning> warnings = SampleWarnings(measured, Summarize(measured));
  EXPECT_THAT(Codes(warnings),
              ElementsAre(WarningCode::kOutliers, WarningCode::kSlowFirstRepetition,
                          WarningCode::kHighVariation));
  EXPECT_THAT(warnings[0].message, HasSubstr("outlier in repetition 1 "));
  EXPECT_THAT(warnings[1].message, HasSubstr("2.5x the median of the rest"));
  EXPECT_EQ(WarningCodeName(warnings[1].code), "slow-first-repetition");
}

// The threshold is compared unrounded, and the value printed with the decimals it takes to
// differ from it: never "coefficient of variation 10% is above 10%".
TEST(WarningTest, HighVariationJustAboveTheThresholdReadsAbove) {
  std::vector<double> measured = {100, 100, 100, 100, 100, 100, 100, 100, 100, 133};
  Summary summary = Summarize(measured);
  ASSERT_GT(summary.cv, kHighCv);
  ASSERT_LT(summary.cv, kHighCv + 0.005);
  std::vector<Warning> warnings = SampleWarnings(measured, summary);
  ASSERT_FALSE(warnings.empty());
  const std::string& message = warnings.back().message;
  EXPECT_THAT(message, HasSubstr("is above 10%"));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("variation 10% is above")));
  EXPECT_THAT(message, ::testing::MatchesRegex("coefficient of variation 10\\.[0-9]+% is above.*"));
}

TEST(WarningTest, QuietSamplesGiveNoWarning) {
  std::vector<double> measured = {20, 20.1, 19.9, 20.05, 19.95};
  EXPECT_THAT(SampleWarnings(measured, Summarize(measured)), IsEmpty());
  // A slow first repetition at 1.4x the rest's median stays under the 1.5x threshold.
  std::vector<double> mild = {28, 20, 20.5, 19.5, 20};
  EXPECT_THAT(Codes(SampleWarnings(mild, Summarize(mild))),
              ::testing::Not(::testing::Contains(WarningCode::kSlowFirstRepetition)));
}

TEST(MannWhitneyTest, ExactPValuesMatchEnumeration) {
  // scipy.stats.mannwhitneyu docs: males vs females, U1 = 17, exact p = 1/9.
  MannWhitney males = MannWhitneyU({19, 22, 16, 29, 24}, {20, 11, 17, 12});
  EXPECT_TRUE(males.exact);
  EXPECT_EQ(males.u, 17);
  EXPECT_NEAR(males.p_value, 1.0 / 9, 1e-12);
  // Complete separation: 2 / C(10, 5) = 2 / 252 either way round.
  MannWhitney separated = MannWhitneyU({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10});
  EXPECT_EQ(separated.u, 0);
  EXPECT_NEAR(separated.p_value, 2.0 / 252, 1e-12);
  EXPECT_EQ(MannWhitneyU({6, 7, 8, 9, 10}, {1, 2, 3, 4, 5}).u, 25);
  EXPECT_NEAR(MannWhitneyU({6, 7, 8, 9, 10}, {1, 2, 3, 4, 5}).p_value, 2.0 / 252, 1e-12);
  // Unequal sizes, interleaved: 2 * P(U <= 16) over all C(15, 7) = 6435 splits.
  MannWhitney mixed = MannWhitneyU({3, 1, 4, 1.5, 5, 9, 2.6}, {2.7, 1.8, 2.8, 8, 4.5, 9.5, 10, 12});
  EXPECT_TRUE(mixed.exact);
  EXPECT_EQ(mixed.u, 16);
  EXPECT_NEAR(mixed.p_value, 0.18927738927738927, 1e-12);
}

TEST(MannWhitneyTest, NormalApproximationWithTiesAndLargeSamples) {
  // Ties: mid-ranks, tie-corrected variance, continuity correction (scipy "asymptotic").
  MannWhitney tied = MannWhitneyU({1, 2, 2, 3, 4, 4, 5}, {3, 4, 5, 5, 6, 7, 7, 8});
  EXPECT_FALSE(tied.exact);
  EXPECT_EQ(tied.u, 6.5);
  EXPECT_NEAR(tied.p_value, 0.014107907274540643, 1e-9);
  std::vector<double> a, b;
  for (int i = 0; i < 30; ++i) {
    a.push_back(i);
    b.push_back(i + 10.5);
  }
  MannWhitney large = MannWhitneyU(a, b);
  EXPECT_FALSE(large.exact);  // 30 > kMannWhitneyExactMax
  EXPECT_EQ(large.u, 190);
  EXPECT_NEAR(large.p_value, 0.00012477053789099963, 1e-12);
  EXPECT_EQ(MannWhitneyU({4, 4, 4}, {4, 4}).p_value, 1);  // all tied
  EXPECT_EQ(MannWhitneyU({}, {1}).p_value, 1);
}

TEST(RatioTest, RatioOfMediansWithBootstrapInterval) {
  std::optional<Estimate> flat = RatioOfMedians({10, 10, 10}, {5, 5, 5});
  ASSERT_TRUE(flat.has_value() && flat->ci.has_value());
  EXPECT_EQ(flat->value, 2);
  EXPECT_EQ(flat->ci->low, 2);
  EXPECT_EQ(flat->ci->high, 2);
  // Resampled medians: {20, 24, 40} w.p. 7/27, 13/27, 7/27; {19, 20, 21} w.p. 1/4, 1/2, 1/4.
  // The extreme ratios 20/21 and 40/19 each have probability 0.065 > 0.025.
  std::optional<Estimate> spread = RatioOfMedians({40, 20, 24}, {21, 19});
  ASSERT_TRUE(spread.has_value() && spread->ci.has_value());
  EXPECT_DOUBLE_EQ(spread->value, 1.2);
  EXPECT_DOUBLE_EQ(spread->ci->low, 20.0 / 21);
  EXPECT_DOUBLE_EQ(spread->ci->high, 40.0 / 19);
  std::optional<Estimate> single = RatioOfMedians({10}, {5, 5});
  ASSERT_TRUE(single.has_value());
  EXPECT_FALSE(single->ci.has_value());
  EXPECT_FALSE(RatioOfMedians({1}, {0}).has_value());
}

// Two runs of one plan on one machine, synthetic: the same distribution must not warn; a shift
// by a fifth must warn and give the direction.
std::vector<double> Wave(double center, double phase, double step) {
  std::vector<double> values;
  for (int i = 0; i < 15; ++i) values.push_back(center + 3 * std::sin(i * step + phase));
  return values;
}

TEST(CompareTest, SameDistributionShowsNoDifference) {
  Comparison c = CompareSamples(Wave(100, 0, 1.7), Wave(100, 0.5, 2.3));
  EXPECT_EQ(c.verdict, Verdict::kNoSignificantDifference);
  EXPECT_GT(c.u_test.p_value, 0.05);
  ASSERT_TRUE(c.ratio.has_value() && c.ratio->ci.has_value());
  EXPECT_LE(c.ratio->ci->low, 1);
  EXPECT_GE(c.ratio->ci->high, 1);
  EXPECT_THAT(c.warnings, IsEmpty());
  EXPECT_EQ(VerdictName(c.verdict), "no significant difference");
  EXPECT_TRUE(c.interval_agrees);
}

TEST(CompareTest, ShiftedMediansWarnAndGiveTheDirection) {
  Comparison slower = CompareSamples(Wave(100, 0, 1.7), Wave(120, 0.5, 2.3));
  EXPECT_EQ(slower.verdict, Verdict::kSlower);
  EXPECT_LT(slower.u_test.p_value, 0.001);
  ASSERT_TRUE(slower.ratio.has_value());
  EXPECT_NEAR(slower.ratio->value, 1.2, 0.05);
  EXPECT_THAT(Codes(slower.warnings), ElementsAre(WarningCode::kMediansDiffer));
  EXPECT_THAT(slower.warnings[0].message, HasSubstr("medians differ"));
  EXPECT_TRUE(slower.interval_agrees);

  Comparison faster = CompareSamples(Wave(100, 0, 1.7), Wave(80, 0.5, 2.3));
  EXPECT_EQ(faster.verdict, Verdict::kFaster);
  EXPECT_LT(faster.ratio->value, 1);
}

TEST(CompareTest, TooFewSamplesCannotBeSignificant) {
  // Three against three: the smallest two-sided p is 2 / 20 = 0.1, so no verdict is possible.
  Comparison c = CompareSamples({10, 11, 12}, {20, 21, 22});
  EXPECT_EQ(c.verdict, Verdict::kNoSignificantDifference);
  EXPECT_NEAR(c.u_test.p_value, 0.1, 1e-12);
  EXPECT_THAT(Codes(c.warnings), ::testing::Contains(WarningCode::kTooFewSamples));
  // But the bootstrap interval of the ratio (20/12 .. 22/10) excludes 1, so it still warns,
  // and the comparison says that the interval and the test disagree.
  EXPECT_THAT(Codes(c.warnings), ::testing::Contains(WarningCode::kMediansDiffer));
  EXPECT_FALSE(c.interval_agrees);
}

TEST(ScalingTest, KarpFlattOfMadeUpSpeedups) {
  EXPECT_NEAR(*KarpFlatt(1.8, 2), 1.0 / 9, 1e-12);                // (1/1.8 - 1/2) / (1/2)
  EXPECT_NEAR(*KarpFlatt(3.2, 4), 1.0 / 12, 1e-12);               // (0.3125 - 0.25) / 0.75
  EXPECT_NEAR(*KarpFlatt(2, 2), 0, 1e-12);                        // linear speedup: no serial part
  EXPECT_NEAR(*KarpFlatt(1, 4), 1, 1e-12);                        // no speedup: all serial
  EXPECT_NEAR(*KarpFlatt(AmdahlSpeedup(0.2, 8), 8), 0.2, 1e-12);  // Amdahl's f comes back
  EXPECT_FALSE(KarpFlatt(1.5, 1).has_value());
  EXPECT_FALSE(KarpFlatt(0, 2).has_value());
}

TEST(ScalingTest, AmdahlFitRecoversTheSerialFraction) {
  std::vector<ScalingPoint> exact;
  for (double p : {1, 2, 4, 8}) exact.push_back({p, AmdahlSpeedup(0.1, p)});
  std::optional<AmdahlFit> fit = FitAmdahl(exact);
  ASSERT_TRUE(fit.has_value());
  EXPECT_NEAR(fit->serial_fraction, 0.1, 1e-6);
  EXPECT_NEAR(fit->rms_residual, 0, 1e-6);
  EXPECT_EQ(fit->points, 4);

  // Both parallel points have Karp-Flatt 1/9; the x1 point misses by 0.03: rms 0.03 / sqrt(3).
  std::optional<AmdahlFit> noisy = FitAmdahl({{2, 1.8}, {4, 3.0}, {1, 0.97}});
  ASSERT_TRUE(noisy.has_value());
  EXPECT_NEAR(noisy->serial_fraction, 1.0 / 9, 1e-6);
  EXPECT_NEAR(noisy->rms_residual, 0.03 / std::sqrt(3.0), 1e-6);

  EXPECT_NEAR(FitAmdahl({{2, 2.5}})->serial_fraction, 0, 1e-9);  // superlinear: clamped to 0
  EXPECT_NEAR(FitAmdahl({{2, 1}, {4, 1}})->serial_fraction, 1, 1e-9);
  EXPECT_FALSE(FitAmdahl({{1, 1}}).has_value());
  EXPECT_FALSE(FitAmdahl({}).has_value());
}

}  // namespace
}  // namespace parlab::results::stats
