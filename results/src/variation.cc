#include "parlab/results/variation.h"

#include <cmath>

#include "absl/strings/str_format.h"

namespace parlab::results {

std::optional<double> WallCv(const std::vector<double>& walls) {
  if (walls.size() < 2) return std::nullopt;
  double sum = 0;
  for (double wall : walls) sum += wall;
  const double mean = sum / static_cast<double>(walls.size());
  if (mean == 0) return std::nullopt;
  double squares = 0;
  for (double wall : walls) squares += (wall - mean) * (wall - mean);
  return std::sqrt(squares / static_cast<double>(walls.size() - 1)) / mean;
}

std::optional<std::string> TargetCvMissed(const std::vector<double>& walls, double target_cv) {
  if (target_cv <= 0) return std::nullopt;
  std::optional<double> cv = WallCv(walls);
  if (cv.has_value() && *cv <= target_cv) return std::nullopt;
  return absl::StrFormat("CV %s above target %s after %d repetitions",
                         cv.has_value() ? absl::StrFormat("%.1f%%", *cv * 100) : "unknown",
                         absl::StrFormat("%g%%", target_cv * 100), walls.size());
}

}  // namespace parlab::results
