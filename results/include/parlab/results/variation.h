// How much a job's wall times vary, for the auto-repeat stopping rule (coordinator) and the
// rows' warnings (aggregate): one definition of the coefficient of variation for both.
//
//   std::optional<double> cv = WallCv({1.0e6, 1.1e6, 0.9e6});     // 0.1
//   if (auto missed = TargetCvMissed(walls, 0.02)) warn(*missed);  // "CV 10.0% above target 2%..."
#ifndef PARLAB_RESULTS_VARIATION_H_
#define PARLAB_RESULTS_VARIATION_H_

#include <optional>
#include <string>
#include <vector>

namespace parlab::results {

// Sample standard deviation / mean, as stats::Summarize computes it; absent for fewer than two
// values (one repetition says nothing about variation) or a zero mean.
std::optional<double> WallCv(const std::vector<double>& walls);

// The warning of a job that ended above its target, or nullopt when it met it (or target_cv is
// 0): "CV 4.1% above target 2% after 30 repetitions".
std::optional<std::string> TargetCvMissed(const std::vector<double>& walls, double target_cv);

}  // namespace parlab::results

#endif  // PARLAB_RESULTS_VARIATION_H_
