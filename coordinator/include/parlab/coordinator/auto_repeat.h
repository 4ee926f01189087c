// Automatic repetitions (the Phoronix Test Suite's dynamic run count): after the plan's
// `repetitions` rounds an interleaved run keeps adding rounds for the jobs whose coefficient of
// variation of wall time is still above `target_cv`, until `max_repetitions` rounds or the
// time budget is spent. The stopping rule is a pure function so it can be tested alone.
//
//   AutoRepeat rule = AutoRepeatOf(plan);
//   std::vector<JobRounds> jobs = ...;   // per job: still OK?, measured walls so far
//   std::vector<size_t> next = JobsForNextRound(jobs, rounds_done, absl::Now() - start, rule);
//   // next empty: the run is over.
#ifndef PARLAB_COORDINATOR_AUTO_REPEAT_H_
#define PARLAB_COORDINATOR_AUTO_REPEAT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::coordinator {

struct AutoRepeat {
  int repetitions = 1;      // rounds every OK job runs, whatever its CV
  double target_cv = 0;     // 0: off (exactly `repetitions` rounds)
  int max_repetitions = 1;  // rounds at most
  // Counted from the start of the run; only limits the rounds beyond `repetitions`.
  absl::Duration time_budget = absl::InfiniteDuration();
};

// The rule a plan asks for: max_repetitions 0 means max(30, repetitions); time_budget_s 0 means
// no limit.
AutoRepeat AutoRepeatOf(const v1::Plan& plan);

// One job as the rule sees it between rounds.
struct JobRounds {
  bool ok = true;             // failed or cancelled jobs never run again
  std::vector<double> walls;  // its measured wall times so far
};

// The jobs (indices into `jobs`) that run in round `rounds_done` (0-based): every OK job while
// rounds_done < repetitions; after that, with target_cv > 0, the OK jobs whose CV is above the
// target (or still unknown), as long as rounds_done < max_repetitions and elapsed < budget.
// Empty when the run is over.
std::vector<size_t> JobsForNextRound(const std::vector<JobRounds>& jobs, int rounds_done,
                                     absl::Duration elapsed, const AutoRepeat& rule);

}  // namespace parlab::coordinator

#endif  // PARLAB_COORDINATOR_AUTO_REPEAT_H_
