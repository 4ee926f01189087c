// Statistics for benchmark samples. Sample counts are small (tens), so clarity beats speed
// everywhere except the bootstrap loops, which use nth_element rather than a full sort.
#include "parlab/results/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace parlab::results::stats {
namespace {

// Median of a scratch buffer (reordered). nth_element keeps the bootstrap at O(n) a resample.
double MedianInPlace(std::vector<double>& values) {
  size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  double lower = *std::max_element(values.begin(), values.begin() + mid);
  return (lower + upper) / 2;
}

// A uniform index below n. `rng() % n` is biased by at most n / 2^64 and, unlike
// std::uniform_int_distribution, gives the same sequence with every standard library.
size_t Draw(std::mt19937_64& rng, size_t n) { return static_cast<size_t>(rng() % n); }

void Resample(const std::vector<double>& from, std::mt19937_64& rng, std::vector<double>& to) {
  to.resize(from.size());
  for (double& value : to) value = from[Draw(rng, from.size())];
}

Interval PercentileInterval(std::vector<double> estimates, double confidence) {
  double tail = (1 - confidence) / 2;
  std::sort(estimates.begin(), estimates.end());
  return Interval{Quantile(estimates, tail), Quantile(estimates, 1 - tail)};
}

// Continued fraction of the incomplete beta function (Numerical Recipes' betacf, Lentz).
double BetaContinuedFraction(double a, double b, double x) {
  constexpr int kMaxIterations = 500;
  constexpr double kEpsilon = 1e-15;
  constexpr double kTiny = 1e-300;
  auto guard = [](double v) { return std::fabs(v) < kTiny ? kTiny : v; };
  double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1;
  double d = 1 / guard(1 - qab * x / qap);
  double h = d;
  for (int m = 1; m <= kMaxIterations; ++m) {
    double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 / guard(1 + aa * d);
    c = guard(1 + aa / c);
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 / guard(1 + aa * d);
    c = guard(1 + aa / c);
    double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < kEpsilon) break;
  }
  return h;
}

bool HasTies(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return std::adjacent_find(values.begin(), values.end()) != values.end();
}

// counts[u] = how many of the C(m + n, m) orderings of m a's and n b's give U = u (pairs with
// a above b). The largest value is an a (it beats all n b's) or a b: f(m, n, u) =
// f(m - 1, n, u - n) + f(m, n - 1, u).
std::vector<double> ExactUDistribution(size_t m, size_t n) {
  // table[i][j] = distribution for sizes (i, j), built row by row.
  std::vector<std::vector<std::vector<double>>> table(m + 1,
                                                      std::vector<std::vector<double>>(n + 1));
  for (size_t i = 0; i <= m; ++i) {
    for (size_t j = 0; j <= n; ++j) {
      std::vector<double>& f = table[i][j];
      f.assign(i * j + 1, 0);
      if (i == 0 || j == 0) {
        f[0] = 1;
        continue;
      }
      const std::vector<double>& a_top = table[i - 1][j];
      for (size_t u = 0; u < a_top.size(); ++u) f[u + j] += a_top[u];
      const std::vector<double>& b_top = table[i][j - 1];
      for (size_t u = 0; u < b_top.size(); ++u) f[u] += b_top[u];
    }
  }
  return table[m][n];
}

// Mid-ranks (1-based, ties share their average rank) of a followed by b.
std::vector<double> MidRanks(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t l, size_t r) { return values[l] < values[r]; });
  std::vector<double> ranks(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

double TieCorrection(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (size_t i = 0; i < values.size();) {
    size_t j = i;
    while (j + 1 < values.size() && values[j + 1] == values[i]) ++j;
    double t = static_cast<double>(j - i + 1);
    sum += t * t * t - t;
    i = j + 1;
  }
  return sum;
}

// The value as a percentage with as many decimals as it takes to differ from the threshold it
// exceeds (compared unrounded): "10.4%", never "10%" next to "is above 10%".
std::string PercentAbove(double value, double threshold) {
  const std::string limit = absl::StrFormat("%.0f%%", threshold * 100);
  std::string text;
  for (int decimals = 0; decimals <= 4; ++decimals) {
    text = absl::StrFormat("%.*f%%", decimals, value * 100);
    if (text != limit && (decimals > 0 || value * 100 >= threshold * 100 + 0.5)) break;
  }
  return text;
}

}  // namespace

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  return MedianInPlace(values);
}

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  double h = (static_cast<double>(values.size()) - 1) * std::clamp(q, 0.0, 1.0);
  size_t low = static_cast<size_t>(std::floor(h));
  if (low + 1 >= values.size()) return values.back();
  return values[low] + (h - static_cast<double>(low)) * (values[low + 1] - values[low]);
}

double Mean(const std::vector<double>& values) {
  if (values.empty()) return 0;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double SampleStddev(const std::vector<double>& values) {
  if (values.size() < 2) return 0;
  double mean = Mean(values);
  double sum = 0;
  for (double v : values) sum += (v - mean) * (v - mean);
  return std::sqrt(sum / static_cast<double>(values.size() - 1));
}

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double RegularizedIncompleteBeta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) +
                          b * std::log1p(-x));
  // The continued fraction converges fast only below the mean; use the symmetry above it.
  if (x < (a + 1) / (a + b + 2)) return front * BetaContinuedFraction(a, b, x) / a;
  return 1 - front * BetaContinuedFraction(b, a, 1 - x) / b;
}

double StudentTCdf(double t, double df) {
  double tail = 0.5 * RegularizedIncompleteBeta(df / 2, 0.5, df / (df + t * t));
  return t >= 0 ? 1 - tail : tail;
}

double StudentTQuantile(double p, double df) {
  if (!(p > 0 && p < 1 && df > 0)) return std::nan("");
  if (p == 0.5) return 0;
  double upper = std::max(p, 1 - p);
  double low = 0, high = 1;
  while (StudentTCdf(high, df) < upper && high < 1e12) high *= 2;
  for (int i = 0; i < 200 && high - low > 1e-13 * high; ++i) {
    double mid = (low + high) / 2;
    (StudentTCdf(mid, df) < upper ? low : high) = mid;
  }
  double t = (low + high) / 2;
  return p > 0.5 ? t : -t;
}

std::optional<Interval> MeanInterval(const std::vector<double>& values, double confidence) {
  if (values.size() < 2) return std::nullopt;
  double n = static_cast<double>(values.size());
  double half =
      StudentTQuantile(1 - (1 - confidence) / 2, n - 1) * SampleStddev(values) / std::sqrt(n);
  double mean = Mean(values);
  return Interval{mean - half, mean + half};
}

std::optional<Interval> BootstrapMedianInterval(const std::vector<double>& values,
                                                double confidence, int resamples, uint64_t seed) {
  if (values.size() < 2 || resamples < 1) return std::nullopt;
  std::mt19937_64 rng(seed);
  std::vector<double> scratch;
  std::vector<double> medians(static_cast<size_t>(resamples));
  for (double& median : medians) {
    Resample(values, rng, scratch);
    median = MedianInPlace(scratch);
  }
  return PercentileInterval(std::move(medians), confidence);
}

std::vector<double> ModifiedZScores(const std::vector<double>& values) {
  std::vector<double> scores(values.size(), 0);
  if (values.empty()) return scores;
  double median = Median(values);
  std::vector<double> deviations;
  for (double v : values) deviations.push_back(std::fabs(v - median));
  double mad = Median(deviations);
  double scale = 0;  // z = (x - median) / scale
  if (mad > 0) {
    scale = mad / 0.6745;
  } else {
    double mean_ad = Mean(deviations);
    if (mean_ad == 0) return scores;
    scale = 1.253314 * mean_ad;
  }
  for (size_t i = 0; i < values.size(); ++i) scores[i] = (values[i] - median) / scale;
  return scores;
}

std::vector<size_t> MadOutliers(const std::vector<double>& values, double threshold) {
  std::vector<double> scores = ModifiedZScores(values);
  std::vector<size_t> outliers;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (std::fabs(scores[i]) > threshold) outliers.push_back(i);
  }
  return outliers;
}

Summary Summarize(const std::vector<double>& values) {
  Summary s;
  if (values.empty()) return s;
  s.count = static_cast<int>(values.size());
  s.min = *std::min_element(values.begin(), values.end());
  s.max = *std::max_element(values.begin(), values.end());
  s.mean = Mean(values);
  s.median = Median(values);
  s.stddev = SampleStddev(values);
  s.cv = s.mean != 0 ? s.stddev / s.mean : 0;
  s.p90 = Quantile(values, 0.9);
  s.median_ci = BootstrapMedianInterval(values);
  s.mean_ci = MeanInterval(values);
  s.outliers = MadOutliers(values);
  return s;
}

std::string WarningCodeName(WarningCode code) {
  switch (code) {
    case WarningCode::kOutliers:
      return "outliers";
    case WarningCode::kSlowFirstRepetition:
      return "slow-first-repetition";
    case WarningCode::kHighVariation:
      return "high-variation";
    case WarningCode::kMediansDiffer:
      return "medians-differ";
    case WarningCode::kTooFewSamples:
      return "too-few-samples";
    case WarningCode::kSharedHost:
      return "shared-host";
    case WarningCode::kSuperlinear:
      return "superlinear";
  }
  return "unknown";
}

std::vector<Warning> SampleWarnings(const std::vector<double>& measured_in_order,
                                    const Summary& summary) {
  std::vector<Warning> warnings;
  if (!summary.outliers.empty()) {
    std::vector<size_t> repetitions;
    for (size_t i : summary.outliers) repetitions.push_back(i + 1);
    warnings.push_back(
        {WarningCode::kOutliers,
         absl::StrCat(summary.outliers.size() == 1 ? "statistical outlier in repetition "
                                                   : "statistical outliers in repetitions ",
                      absl::StrJoin(repetitions, ", "),
                      " (|modified z-score| > 3.5); consider re-running on a quieter machine")});
  }
  if (measured_in_order.size() >= 3) {
    std::vector<double> rest(measured_in_order.begin() + 1, measured_in_order.end());
    double rest_median = Median(rest);
    if (rest_median > 0 && measured_in_order.front() > kSlowFirstFactor * rest_median) {
      warnings.push_back(
          {WarningCode::kSlowFirstRepetition,
           absl::StrFormat("the first measured repetition took %.1fx the median of the rest "
                           "(cold caches?); consider more warm-ups",
                           measured_in_order.front() / rest_median)});
    }
  }
  if (summary.count >= 2 && summary.cv > kHighCv) {
    warnings.push_back(
        {WarningCode::kHighVariation,
         absl::StrFormat("coefficient of variation %s is above %.0f%%: timings are noisy",
                         PercentAbove(summary.cv, kHighCv), kHighCv * 100)});
  }
  return warnings;
}

MannWhitney MannWhitneyU(const std::vector<double>& a, const std::vector<double>& b) {
  MannWhitney result;
  if (a.empty() || b.empty()) return result;
  std::vector<double> all(a);
  all.insert(all.end(), b.begin(), b.end());
  std::vector<double> ranks = MidRanks(all);
  double n1 = static_cast<double>(a.size()), n2 = static_cast<double>(b.size());
  double rank_sum = std::accumulate(ranks.begin(), ranks.begin() + a.size(), 0.0);
  result.u = rank_sum - n1 * (n1 + 1) / 2;

  if (a.size() <= kMannWhitneyExactMax && b.size() <= kMannWhitneyExactMax && !HasTies(all)) {
    std::vector<double> counts = ExactUDistribution(a.size(), b.size());
    double total = std::accumulate(counts.begin(), counts.end(), 0.0);
    // Without ties U is an integer; by symmetry P(U >= u) = P(U <= n1 n2 - u).
    auto at_most = [&](double u) {
      double sum = 0;
      for (size_t k = 0; k < counts.size() && static_cast<double>(k) <= u + 1e-9; ++k) {
        sum += counts[k];
      }
      return sum / total;
    };
    double lower = at_most(result.u);
    double upper = at_most(n1 * n2 - result.u);
    result.p_value = std::min(1.0, 2 * std::min(lower, upper));
    result.exact = true;
    return result;
  }
  double n = n1 + n2;
  double variance = n1 * n2 / 12 * ((n + 1) - TieCorrection(all) / (n * (n - 1)));
  if (variance <= 0) return result;  // every value tied: no evidence either way
  double z = std::max(0.0, std::fabs(result.u - n1 * n2 / 2) - 0.5) / std::sqrt(variance);
  result.p_value = std::min(1.0, std::erfc(z / std::sqrt(2.0)));
  return result;
}

std::optional<Estimate> RatioOfMedians(const std::vector<double>& numerator,
                                       const std::vector<double>& denominator, double confidence,
                                       int resamples, uint64_t seed) {
  if (numerator.empty() || denominator.empty()) return std::nullopt;
  double denominator_median = Median(denominator);
  if (!(denominator_median > 0)) return std::nullopt;
  Estimate estimate{Median(numerator) / denominator_median, std::nullopt};
  if (numerator.size() < 2 || denominator.size() < 2 || resamples < 1) return estimate;
  std::mt19937_64 rng(seed);
  std::vector<double> top, bottom, ratios;
  ratios.reserve(static_cast<size_t>(resamples));
  for (int i = 0; i < resamples; ++i) {
    Resample(numerator, rng, top);
    Resample(denominator, rng, bottom);
    double below = MedianInPlace(bottom);
    if (below > 0) ratios.push_back(MedianInPlace(top) / below);
  }
  if (!ratios.empty()) estimate.ci = PercentileInterval(std::move(ratios), confidence);
  return estimate;
}

std::string VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kFaster:
      return "faster";
    case Verdict::kSlower:
      return "slower";
    case Verdict::kNoSignificantDifference:
      return "no significant difference";
  }
  return "unknown";
}

Comparison CompareSamples(const std::vector<double>& a, const std::vector<double>& b,
                          double alpha) {
  Comparison comparison;
  comparison.ratio = RatioOfMedians(b, a);
  comparison.u_test = MannWhitneyU(b, a);
  bool significant = comparison.u_test.p_value < alpha;
  if (significant && comparison.ratio.has_value() && comparison.ratio->value != 1) {
    comparison.verdict = comparison.ratio->value < 1 ? Verdict::kFaster : Verdict::kSlower;
  }
  bool interval_excludes_one = comparison.ratio.has_value() && comparison.ratio->ci.has_value() &&
                               (comparison.ratio->ci->low > 1 || comparison.ratio->ci->high < 1);
  if (comparison.ratio.has_value() && comparison.ratio->ci.has_value()) {
    comparison.interval_agrees = significant == interval_excludes_one;
  }
  if (significant || interval_excludes_one) {
    std::string ratio =
        comparison.ratio.has_value() ? absl::StrFormat("%.3f", comparison.ratio->value) : "?";
    std::string interval = interval_excludes_one
                               ? absl::StrFormat(" [95%% CI %.3f..%.3f]", comparison.ratio->ci->low,
                                                 comparison.ratio->ci->high)
                               : "";
    comparison.warnings.push_back(
        {WarningCode::kMediansDiffer,
         absl::StrFormat("the medians differ more than their uncertainty explains: ratio %s%s, "
                         "Mann-Whitney p = %.3g",
                         ratio, interval, comparison.u_test.p_value)});
  }
  // The smallest two-sided exact p is 2 / C(n1 + n2, n1) (every b above every a).
  if (!a.empty() && !b.empty()) {
    double n1 = static_cast<double>(a.size()), n2 = static_cast<double>(b.size());
    double log_choose = std::lgamma(n1 + n2 + 1) - std::lgamma(n1 + 1) - std::lgamma(n2 + 1);
    double smallest_p = 2 * std::exp(-log_choose);
    if (smallest_p >= alpha) {
      comparison.warnings.push_back(
          {WarningCode::kTooFewSamples,
           absl::StrFormat("%d and %d samples cannot show a significant difference at "
                           "alpha = %.2f (smallest possible p = %.3g); run more repetitions",
                           a.size(), b.size(), alpha, smallest_p)});
    }
  }
  return comparison;
}

std::optional<double> KarpFlatt(double speedup, double p) {
  if (!(p > 1) || !(speedup > 0)) return std::nullopt;
  return (1 / speedup - 1 / p) / (1 - 1 / p);
}

double AmdahlSpeedup(double serial_fraction, double p) {
  return 1 / (serial_fraction + (1 - serial_fraction) / p);
}

std::optional<AmdahlFit> FitAmdahl(const std::vector<ScalingPoint>& points) {
  bool any_parallel = false;
  for (const ScalingPoint& point : points) {
    if (!(point.units > 0) || !std::isfinite(point.speedup)) return std::nullopt;
    any_parallel |= point.units > 1;
  }
  if (!any_parallel) return std::nullopt;
  auto loss = [&](double f) {
    double sum = 0;
    for (const ScalingPoint& point : points) {
      double r = point.speedup - AmdahlSpeedup(f, point.units);
      sum += r * r;
    }
    return sum;
  };
  // A grid finds the basin (the loss need not be convex in f), golden section polishes it.
  constexpr int kGrid = 1000;
  int best = 0;
  for (int i = 1; i <= kGrid; ++i) {
    if (loss(static_cast<double>(i) / kGrid) < loss(static_cast<double>(best) / kGrid)) best = i;
  }
  double low = std::max(0.0, (best - 1.0) / kGrid), high = std::min(1.0, (best + 1.0) / kGrid);
  const double kInverseGolden = (std::sqrt(5.0) - 1) / 2;
  for (int i = 0; i < 100 && high - low > 1e-12; ++i) {
    double x1 = high - kInverseGolden * (high - low);
    double x2 = low + kInverseGolden * (high - low);
    if (loss(x1) < loss(x2)) {
      high = x2;
    } else {
      low = x1;
    }
  }
  double f = (low + high) / 2;
  if (loss(static_cast<double>(best) / kGrid) < loss(f)) f = static_cast<double>(best) / kGrid;
  AmdahlFit fit;
  fit.serial_fraction = f;
  fit.points = static_cast<int>(points.size());
  fit.rms_residual = std::sqrt(loss(f) / static_cast<double>(points.size()));
  return fit;
}

}  // namespace parlab::results::stats
