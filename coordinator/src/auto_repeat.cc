#include "parlab/coordinator/auto_repeat.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "parlab/coordinator/plan.h"
#include "parlab/results/variation.h"

namespace parlab::coordinator {

AutoRepeat AutoRepeatOf(const v1::Plan& plan) {
  AutoRepeat rule;
  rule.repetitions = std::max(plan.repetitions(), 1);
  rule.target_cv = plan.target_cv();
  rule.max_repetitions = rule.repetitions;
  if (rule.target_cv > 0) {
    rule.max_repetitions = plan.max_repetitions() > 0
                               ? std::max(plan.max_repetitions(), rule.repetitions)
                               : std::max(kDefaultMaxRepetitions, rule.repetitions);
    if (plan.time_budget_s() > 0) rule.time_budget = absl::Seconds(plan.time_budget_s());
  }
  return rule;
}

std::vector<size_t> JobsForNextRound(const std::vector<JobRounds>& jobs, int rounds_done,
                                     absl::Duration elapsed, const AutoRepeat& rule) {
  std::vector<size_t> next;
  const bool minimum = rounds_done < rule.repetitions;
  if (!minimum) {
    if (rule.target_cv <= 0 || rounds_done >= rule.max_repetitions) return next;
    if (elapsed >= rule.time_budget) return next;
  }
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (!jobs[i].ok) continue;
    if (!minimum) {
      // A job that met the target stops; its CV cannot change without new samples, so it
      // stays stopped.
      std::optional<double> cv = results::WallCv(jobs[i].walls);
      if (cv.has_value() && *cv <= rule.target_cv) continue;
      // Only jobs that took part in every round so far continue: one that stopped earlier
      // keeps its count.
      if (static_cast<int>(jobs[i].walls.size()) < rounds_done) continue;
    }
    next.push_back(i);
  }
  return next;
}

}  // namespace parlab::coordinator
