// Asks a fresh `parlab-runner --check-workload` whether a workload can run on this worker: for
// a python workload it resolves the module in the worker's --python-path, imports it and
// inspects the function and check, in a process of its own (user code never runs in the daemon).
//
//   absl::Status ok = CheckWorkloadWithRunner(runner_path, {"--python-path", "/srv/py"}, spec);
//   // InvalidArgument "plan.workload.params.function: /srv/py/seeds.py has no function 'f'"
#ifndef PARLAB_WORKER_RUNNER_CHECK_H_
#define PARLAB_WORKER_RUNNER_CHECK_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab {

// InvalidArgument with the runner's error when the workload cannot run; Internal when the
// runner could not be run or crashed (its stderr tail included).
[[nodiscard]] absl::Status CheckWorkloadWithRunner(const std::string& runner_path,
                                                   const std::vector<std::string>& runner_args,
                                                   const v1::WorkloadSpec& workload);

}  // namespace parlab

#endif  // PARLAB_WORKER_RUNNER_CHECK_H_
