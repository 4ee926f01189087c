// Runs one job: validate it, build and prepare the workload, then warm-up and measured
// repetitions of the model's run(), reporting every step as a RunnerEvent to a sink. main()
// wires the sink to stdout frames; tests collect the events in a vector.
//
//   PARLAB_ASSIGN_OR_RETURN(Plugin plugin, LoadPlugin(path));
//   JobOutcome outcome = RunJob(job, plugin, [](const v1::RunnerEvent& e) { ... });
//   return static_cast<int>(outcome);  // the runner's exit code
#ifndef PARLAB_RUNNER_JOB_RUNNER_H_
#define PARLAB_RUNNER_JOB_RUNNER_H_

#include <functional>

#include "absl/status/status.h"
#include "parlab/runner/job_check.h"
#include "parlab/runner/plugin_loader.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::runner {

using EventSink = std::function<void(const v1::RunnerEvent&)>;

// Values are the runner's exit codes.
enum class JobOutcome { kDone = 0, kFailed = 1, kCancelled = 2 };

// CheckJobFitsModel (job_check.h) against the loaded entry, then the affinity and that the job
// names this model: "job.concurrency: must be >= 1, got 0".
[[nodiscard]] absl::Status ValidateJob(const v1::Job& job, const parlab_model_entry_t& model);

// Emits progress before and a sample after each repetition (warm-ups first, flagged), then
// exactly one final event: done, or error (a cancelled job's error is "cancelled").
JobOutcome RunJob(const v1::Job& job, const Plugin& plugin, const EventSink& sink);

// Builds the job's workload and, for a kind that asks for it (WorkloadCapabilities::
// worker_check: python), prepares it, which imports and inspects the module; runs nothing.
// Emits done, or an error naming the field, the file and the Python error.
JobOutcome CheckWorkload(const v1::Job& job, const EventSink& sink);

// The final error event alone (for failures before a job could start, e.g. an unloadable plugin).
JobOutcome ReportError(const EventSink& sink, absl::string_view message);

}  // namespace parlab::runner

#endif  // PARLAB_RUNNER_JOB_RUNNER_H_
