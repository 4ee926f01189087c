// How much work a run will do, announced up front (RunEvent.started) so a client can show a
// progress bar with an ETA before the first repetition ends.
//
//   RunTotals totals = ComputeRunTotals(plan, {worker_a, worker_b});
//   // totals.jobs: runner launches; totals.repetitions: warm-ups + measured, over all workers
//
// A pure function of the plan and the workers' descriptions: it counts what PlanJobs schedules
// (jobs a worker must skip never run, so they do not count). Automatic extra rounds
// (Plan.target_cv) cannot be known in advance: the totals are the planned minimum.
#ifndef PARLAB_COORDINATOR_RUN_TOTALS_H_
#define PARLAB_COORDINATOR_RUN_TOTALS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "parlab/v1/parlab.pb.h"

namespace parlab::coordinator {

struct RunTotals {
  int32_t jobs = 0;         // runner launches (a job of an interleaved plan: once per round)
  int64_t repetitions = 0;  // warm-ups + measured repetitions across those launches
};

RunTotals ComputeRunTotals(const v1::Plan& plan, const std::vector<v1::WorkerDescription>& workers);

// The RunEvent a run opens with.
v1::RunEvent RunStartedEvent(const std::string& run_id, const RunTotals& totals);

}  // namespace parlab::coordinator

#endif  // PARLAB_COORDINATOR_RUN_TOTALS_H_
