// The checks a job's numbers must pass against the model that will run it, in one place: the
// worker daemon runs them before it spawns a runner (against the ModelInfo it describes), the
// runner again against the plugin entry it loaded (a worker may be older, or absent in tests).
// A target of its own (parlab::job_check) that links no plugin, workload or hwloc code, so the
// worker links it without the runner's library.
//
//   PARLAB_RETURN_IF_ERROR(CheckJobFitsModel(job, entry->name, entry->max_concurrency));
#ifndef PARLAB_RUNNER_JOB_CHECK_H_
#define PARLAB_RUNNER_JOB_CHECK_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::runner {

// INVALID_ARGUMENT naming the field and the value ("job.concurrency: must be >= 1, got 0")
// unless concurrency >= 1 and, when `max_concurrency` > 0, at most `max_concurrency` (the
// model's bound; 0: unbounded); repetitions >= 1; warmup >= 0. Checked in that order.
[[nodiscard]] absl::Status CheckJobFitsModel(const v1::Job& job, absl::string_view model_name,
                                             uint32_t max_concurrency);

}  // namespace parlab::runner

#endif  // PARLAB_RUNNER_JOB_CHECK_H_
