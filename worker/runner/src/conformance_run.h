// One run() of a model under observation, for `parlab-runner --validate`: the real workload
// and HostJob (so results are verified as in a real job), wrapped in a parlab_job_t that counts
// the tasks in flight (in shared memory, so tasks in forked children count), while a
// UnitSampler watches threads and child processes. Optionally cancels the job mid-run.
//
//   ConformanceJob job;
//   job.workload = sleep_spec;
//   job.concurrency = 4;
//   PARLAB_ASSIGN_OR_RETURN(ConformanceRun run, RunObserved(plugin, job));
//   if (run.peak_in_flight > job.concurrency) ...
#ifndef PARLAB_RUNNER_SRC_CONFORMANCE_RUN_H_
#define PARLAB_RUNNER_SRC_CONFORMANCE_RUN_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "parlab/runner/plugin_loader.h"
#include "parlab/runner/unit_sampler.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::runner {

struct ConformanceJob {
  v1::WorkloadSpec workload;
  uint32_t concurrency = 1;
  // > 0: cancel the job this long after run() starts (SIGTERM to our process group when we
  // lead one, as the worker daemon does, so forked children see it too).
  std::chrono::milliseconds cancel_after{0};
  // A run() still going this long after the start (or the cancel) calls on_hang.
  std::chrono::milliseconds hang_after{std::chrono::seconds(30)};
  std::function<void()> on_hang;
};

struct ConformanceRun {
  int32_t status = PARLAB_OK;  // what run() returned
  std::string error;           // its error message
  uint64_t task_count = 0;
  uint64_t completed = 0;       // verified task completions
  uint32_t peak_in_flight = 0;  // most tasks inside run_task / between first and last step
  int extra_threads = 0;        // most threads alive at once beyond those before run()
  int peak_children = 0;        // most child processes alive at once
  std::chrono::milliseconds wall{0};
  std::chrono::milliseconds cancel_to_return{-1};  // -1: not cancelled before run() returned
  UnitCounts leftover;  // threads beyond the baseline, children, still alive after run()
};

// Fails only when the job cannot be set up (bad workload); the model's faults are in the result.
[[nodiscard]] absl::StatusOr<ConformanceRun> RunObserved(const Plugin& plugin,
                                                         const ConformanceJob& job);

}  // namespace parlab::runner

#endif  // PARLAB_RUNNER_SRC_CONFORMANCE_RUN_H_
