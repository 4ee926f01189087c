#include "parlab/coordinator/run_totals.h"

#include <algorithm>

#include "parlab/coordinator/schedule.h"

namespace parlab::coordinator {

RunTotals ComputeRunTotals(const v1::Plan& plan,
                           const std::vector<v1::WorkerDescription>& workers) {
  const int64_t rounds = std::max(plan.repetitions(), 1);
  const int64_t warmup = std::max(plan.warmup(), 0);
  const bool grouped = plan.order() == v1::REPETITION_ORDER_GROUPED;
  // Interleaved: one launch per round, each with its warm-ups and one measured repetition.
  // Grouped: one launch with every warm-up and measured repetition.
  const int64_t launches_per_job = grouped ? 1 : rounds;
  const int64_t repetitions_per_launch = grouped ? warmup + rounds : warmup + 1;

  RunTotals totals;
  for (const v1::WorkerDescription& worker : workers) {
    // PlanJobs has one job per sweep value already, and shard mode gives every worker a
    // shard of every job: either way, a worker's launches are its planned jobs.
    for (const PlannedJob& planned : PlanJobs(plan, worker, "")) {
      if (!planned.skip_reason.empty()) continue;
      totals.jobs += static_cast<int32_t>(launches_per_job);
      totals.repetitions += launches_per_job * repetitions_per_launch;
    }
  }
  return totals;
}

v1::RunEvent RunStartedEvent(const std::string& run_id, const RunTotals& totals) {
  v1::RunEvent event;
  event.mutable_started()->set_run_id(run_id);
  event.mutable_started()->set_total_jobs(totals.jobs);
  event.mutable_started()->set_total_repetitions(totals.repetitions);
  return event;
}

}  // namespace parlab::coordinator
