// What each worker runs for a plan, decided from its description before any job starts: one
// job per model x concurrency level (x sweep value), and the check that the worker has every
// model the plan names.
//
//   std::vector<PlannedJob> jobs = PlanJobs(plan, worker, "run-1/w0/");
//   PARLAB_RETURN_IF_ERROR(CheckWorkerHasPlan(plan, worker));
#ifndef PARLAB_COORDINATOR_SCHEDULE_H_
#define PARLAB_COORDINATOR_SCHEDULE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::coordinator {

// One scheduled job. A non-empty skip_reason means the job cannot run on this worker (a level
// above the model's bounded max_concurrency); it is reported FAILED without being sent.
struct PlannedJob {
  v1::Job job;
  std::string skip_reason;
};

// The jobs a worker runs for `plan`, in order: for each model, for each concurrency level.
// Models with max_concurrency == 1 run once, at concurrency 1 (the speedup baseline), whatever
// levels the plan lists. A plan with a sweep gets one job per level per sweep value (in value
// order), with workload.params[sweep.param] and Job.sweep_value set and ":PARAM=VALUE" in its id.
// Every job carries plan.job_timeout_s, or DefaultJobTimeoutSeconds(plan) when that is 0.
std::vector<PlannedJob> PlanJobs(const v1::Plan& plan, const v1::WorkerDescription& worker,
                                 const std::string& job_id_prefix);

// The wall-clock limit of a job when the plan sets no `job_timeout_s`: 300 s per run the job
// makes (warm-ups + repetitions), and at least 900 s. A repetition of a benchmark kernel takes
// seconds, so only a runner that is stopped or deadlocked ever reaches it; the run then goes on
// with its other jobs instead of waiting for ever.
inline constexpr double kJobSecondsPerRun = 300;
inline constexpr double kMinJobTimeoutSeconds = 900;
double DefaultJobTimeoutSeconds(const v1::Plan& plan);

// Checks that `worker` has every model (and the workload kind) of `plan`:
// `plan.models[2]: unknown model "foo" on worker 127.0.0.1:4511 (it has: a, b)`.
[[nodiscard]] absl::Status CheckWorkerHasPlan(const v1::Plan& plan,
                                              const v1::WorkerDescription& worker);

}  // namespace parlab::coordinator

#endif  // PARLAB_COORDINATOR_SCHEDULE_H_
