// Statistics of benchmark samples: summaries with 95% confidence intervals, outliers, the
// Mann-Whitney U test, speedup with its uncertainty, Karp-Flatt and an Amdahl fit. Pure
// functions, no I/O, deterministic: the bootstrap draws from a fixed-seed std::mt19937_64, so
// the same samples always give the same intervals. Warnings are data; reporters print them.
//
//   stats::Summary s = stats::Summarize({20.1, 19.5, 20.2, 35.0, 20.0});
//   // s.median == 20.1; s.median_ci (bootstrap), s.mean_ci (Student t); s.outliers == {3}
//   stats::Comparison c = stats::CompareSamples(run_a_walls, run_b_walls);
//   // c.ratio->value == median(b) / median(a); c.verdict: faster / slower / no difference
#ifndef PARLAB_RESULTS_STATS_H_
#define PARLAB_RESULTS_STATS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parlab::results::stats {

inline constexpr double kConfidence = 0.95;
inline constexpr int kBootstrapResamples = 10'000;
inline constexpr uint64_t kBootstrapSeed = 0x7061726c6162ULL;  // "parlab"
// Iglewicz and Hoaglin's cut-off for |modified z-score|.
inline constexpr double kOutlierZ = 3.5;
// The first measured repetition is "much slower" above this multiple of the rest's median.
inline constexpr double kSlowFirstFactor = 1.5;
// Coefficient of variation above which a row is flagged as noisy.
inline constexpr double kHighCv = 0.10;
inline constexpr double kAlpha = 0.05;

struct Interval {
  double low = 0;
  double high = 0;
};

// --- Descriptive statistics -------------------------------------------------------------------

// Mean of the two middle values for an even count; 0 for none.
double Median(std::vector<double> values);
// Hyndman-Fan type 7 (linear interpolation between order statistics, as R's default and
// numpy's "linear"): h = (n - 1) q, x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]).
double Quantile(std::vector<double> values, double q);
double Mean(const std::vector<double>& values);
// Sample standard deviation (divides by n - 1); 0 for fewer than two values.
double SampleStddev(const std::vector<double>& values);

// --- Distributions ----------------------------------------------------------------------------

double NormalCdf(double z);
// I_x(a, b) by its continued fraction (Lentz's method); exact at x = 0 and x = 1.
double RegularizedIncompleteBeta(double a, double b, double x);
double StudentTCdf(double t, double df);
// The t with StudentTCdf(t, df) == p, by bisection on the CDF; NaN unless p in (0, 1), df > 0.
double StudentTQuantile(double p, double df);

// --- Intervals and outliers -------------------------------------------------------------------

// mean +- t(1 - (1 - confidence) / 2, n - 1) * s / sqrt(n); absent for fewer than two values.
std::optional<Interval> MeanInterval(const std::vector<double>& values,
                                     double confidence = kConfidence);
// Percentile bootstrap of the median: `resamples` resamples with replacement, the
// (1 - confidence) / 2 and 1 - (1 - confidence) / 2 type-7 quantiles of their medians.
// Absent for fewer than two values.
std::optional<Interval> BootstrapMedianInterval(const std::vector<double>& values,
                                                double confidence = kConfidence,
                                                int resamples = kBootstrapResamples,
                                                uint64_t seed = kBootstrapSeed);

// 0.6745 (x - median) / MAD, MAD = median |x - median|. When MAD is 0 (more than half the values
// equal) the mean absolute deviation stands in: (x - median) / (1.253314 * MeanAD); all 0 when
// every value is the same.
std::vector<double> ModifiedZScores(const std::vector<double>& values);
// Positions (0-based, in input order) whose |modified z-score| > threshold.
std::vector<size_t> MadOutliers(const std::vector<double>& values, double threshold = kOutlierZ);

// Everything a row reports about one set of samples.
struct Summary {
  int count = 0;
  double min = 0;
  double max = 0;
  double mean = 0;
  double median = 0;
  double stddev = 0;                  // sample standard deviation
  double cv = 0;                      // stddev / mean; 0 when the mean is 0
  double p90 = 0;                     // type-7 quantile
  std::optional<Interval> median_ci;  // BootstrapMedianInterval
  std::optional<Interval> mean_ci;    // MeanInterval
  std::vector<size_t> outliers;       // MadOutliers
};
Summary Summarize(const std::vector<double>& values);

// --- Warnings ---------------------------------------------------------------------------------

enum class WarningCode {
  kOutliers,             // some repetitions are MAD outliers
  kSlowFirstRepetition,  // the first measured repetition > kSlowFirstFactor x median of the rest
  kHighVariation,        // cv > kHighCv
  kMediansDiffer,        // CompareSamples: the medians differ beyond their uncertainty
  kTooFewSamples,        // CompareSamples: the U test cannot reach alpha with these sizes
  kSharedHost,           // Aggregate: another worker of the run ran on the same host
  kSuperlinear,          // Aggregate: efficiency > kMaxCredibleEfficiency on CPU-bound work
};
struct Warning {
  WarningCode code;
  std::string message;  // one sentence for people, without the row's name
};
// "outliers", "slow-first-repetition", "high-variation", "medians-differ", "too-few-samples",
// "shared-host", "superlinear".
std::string WarningCodeName(WarningCode code);

// Warnings about one row's samples, given in the order they were measured; repetitions are
// named 1-based in that order.
std::vector<Warning> SampleWarnings(const std::vector<double>& measured_in_order,
                                    const Summary& summary);

// --- Two-sample tests -------------------------------------------------------------------------

struct MannWhitney {
  double u = 0;        // U of the first sample: pairs (a_i, b_j) with a_i > b_j, ties counting 1/2
  double p_value = 1;  // two-sided
  bool exact = false;
};
// Exact p (the permutation distribution of U, by dynamic programming) when there are no ties and
// both samples have at most kMannWhitneyExactMax values; otherwise the normal approximation with
// tie-corrected variance and a 0.5 continuity correction. Both samples need values (else p = 1).
inline constexpr size_t kMannWhitneyExactMax = 20;
MannWhitney MannWhitneyU(const std::vector<double>& a, const std::vector<double>& b);

// A point estimate with its 95% interval (absent when it cannot be estimated).
struct Estimate {
  double value = 0;
  std::optional<Interval> ci;
};
// median(numerator) / median(denominator), with a percentile-bootstrap interval that resamples
// both samples independently (same resample count and seed as the median's). Absent when the
// denominator's median is not positive; no interval unless both have at least two values.
std::optional<Estimate> RatioOfMedians(const std::vector<double>& numerator,
                                       const std::vector<double>& denominator,
                                       double confidence = kConfidence,
                                       int resamples = kBootstrapResamples,
                                       uint64_t seed = kBootstrapSeed);

enum class Verdict { kFaster, kSlower, kNoSignificantDifference };
// "faster", "slower", "no significant difference".
std::string VerdictName(Verdict verdict);

// b against a (times: lower is faster), like google/benchmark's tools/compare.py.
struct Comparison {
  std::optional<Estimate> ratio;  // median(b) / median(a): below 1 means b is faster
  MannWhitney u_test;             // of b against a
  Verdict verdict = Verdict::kNoSignificantDifference;  // U test at alpha, direction of ratio
  // False when the ratio's 95% interval and the U test disagree (an interval excluding 1 next to
  // "no significant difference", or the reverse); the verdict always follows the U test.
  bool interval_agrees = true;
  // kMediansDiffer when the U test rejects at alpha or the ratio's interval excludes 1;
  // kTooFewSamples when even the most extreme outcome could not reach alpha.
  std::vector<Warning> warnings;
};
Comparison CompareSamples(const std::vector<double>& a, const std::vector<double>& b,
                          double alpha = kAlpha);

// --- Scaling ----------------------------------------------------------------------------------

// Karp-Flatt experimentally determined serial fraction e = (1/S - 1/p) / (1 - 1/p); absent
// unless p > 1 and S > 0.
std::optional<double> KarpFlatt(double speedup, double p);

// Amdahl's law: S(p) = 1 / (f + (1 - f) / p).
double AmdahlSpeedup(double serial_fraction, double p);

struct ScalingPoint {
  double units = 0;  // p
  double speedup = 0;
};
struct AmdahlFit {
  double serial_fraction = 0;  // f in [0, 1]
  double rms_residual = 0;     // sqrt(mean (S_i - S(p_i))^2), in speedup units
  int points = 0;
};
// Least squares in speedup space over f in [0, 1] (a grid, then golden-section refinement; the
// loss is smooth in f). Absent unless some point has p > 1.
std::optional<AmdahlFit> FitAmdahl(const std::vector<ScalingPoint>& points);

}  // namespace parlab::results::stats

#endif  // PARLAB_RESULTS_STATS_H_
