// Asks a fresh `parlab-runner --check-workload` whether a workload can run on this worker: for
// a python workload it resolves the module in the worker's --python-path, imports it and
// inspects the function and check, in a process of its own (user code never runs in the daemon).
//
// The import runs the module's top level, so the runner is confined as a job's is
// (parlab/worker/confined_runner.h): limits, lifeline, cgroup.
//
//   absl::Status ok = CheckWorkloadWithRunner(runner_path, confinement, spec);
//   // InvalidArgument "plan.workload.params.function: /srv/py/seeds.py has no function 'f'"
#ifndef PARLAB_WORKER_RUNNER_CHECK_H_
#define PARLAB_WORKER_RUNNER_CHECK_H_

#include <string>

#include "absl/status/status.h"
#include "parlab/v1/parlab.pb.h"
#include "parlab/worker/confined_runner.h"

namespace parlab {

// InvalidArgument with the runner's error when the workload cannot run; Internal when the
// runner could not be run or crashed (its stderr tail included).
[[nodiscard]] absl::Status CheckWorkloadWithRunner(const std::string& runner_path,
                                                   const RunnerConfinement& confinement,
                                                   const v1::WorkloadSpec& workload);

}  // namespace parlab

#endif  // PARLAB_WORKER_RUNNER_CHECK_H_
