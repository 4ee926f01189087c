// A runner started for plan-supplied work, held to what the worker allows: a job's runner, and
// a workload check's, whose python import runs user code too. Both get the job limits as runner
// flags (rlimits the runner sets before it loads anything), a lifeline (if the worker dies,
// the runner's process group dies), and, where the worker has them, a cgroup of their own that
// the runner enters before it is given any work.
//
//   PARLAB_ASSIGN_OR_RETURN(ConfinedRunner runner,
//                           SpawnConfinedRunner(runner_path, {"--check-workload"}, {},
//                           confinement));
//   PARLAB_RETURN_IF_ERROR(runner.process->SendFrame(job));
//   ... read its events ...
//   runner.process->Finish(absl::Seconds(2));
//   std::string limit_hit = runner.KillLeftovers();  // "the job reached its process limit ..."
#ifndef PARLAB_WORKER_CONFINED_RUNNER_H_
#define PARLAB_WORKER_CONFINED_RUNNER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "parlab/worker/job_cgroup.h"
#include "parlab/worker/runner_process.h"

namespace parlab {

struct RunnerConfinement {
  // Extra runner flags: the job limits (--max-memory-mib N, --max-open-files N, --max-processes
  // N), where http.get may go (--allow-http) and where python modules may come from
  // (--python-path DIR).
  std::vector<std::string> runner_args;
  // Where each runner's cgroup comes from (parlab/worker/job_cgroup.h), or null / not
  // available(): none. pids.max `cgroup_max_tasks`; a reached limit is named with
  // `cgroup_limit_words` ("--max-job-processes 64, plus 16 for the runner itself").
  JobCgroups* cgroups = nullptr;
  int32_t cgroup_max_tasks = 0;
  std::string cgroup_limit_words;
};

struct ConfinedRunner {
  // Declared first, so destroyed last: the runner is reaped (its group killed) before whatever
  // is left in its cgroup is killed and the cgroup removed. Null without cgroups.
  std::unique_ptr<JobCgroup> cgroup;
  std::unique_ptr<RunnerProcess> process;

  // Once the runner has ended: kills what is left in its cgroup (a child that left the runner's
  // process group) and returns the limit the cgroup enforced, in words, or "" (also without a
  // cgroup). A reached limit is the likeliest reason of a failure: callers name it first.
  std::string KillLeftovers();
};

// Starts `runner_path` with `args` plus the confinement's flags, `env` as its environment
// (empty: ours) and a lifeline, inside a fresh cgroup where there are cgroups. The error names
// what failed (the cgroup's file and errno, or the spawn); nothing is left running then.
[[nodiscard]] absl::StatusOr<ConfinedRunner> SpawnConfinedRunner(
    const std::string& runner_path, std::vector<std::string> args, std::vector<std::string> env,
    const RunnerConfinement& confinement);

}  // namespace parlab

#endif  // PARLAB_WORKER_CONFINED_RUNNER_H_
