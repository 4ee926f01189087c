#include "parlab/worker/confined_runner.h"

#include <utility>

#include "absl/time/time.h"
#include "parlab/common/status_macros.h"

namespace parlab {

absl::StatusOr<ConfinedRunner> SpawnConfinedRunner(const std::string& runner_path,
                                                   std::vector<std::string> args,
                                                   std::vector<std::string> env,
                                                   const RunnerConfinement& confinement) {
  ConfinedRunner runner;
  if (confinement.cgroups != nullptr && confinement.cgroups->available()) {
    PARLAB_ASSIGN_OR_RETURN(
        runner.cgroup,
        confinement.cgroups->Create(confinement.cgroup_max_tasks, confinement.cgroup_limit_words));
  }
  args.insert(args.end(), confinement.runner_args.begin(), confinement.runner_args.end());
  RunnerProcess::Options options;
  options.env = std::move(env);
  options.lifeline = true;
  PARLAB_ASSIGN_OR_RETURN(runner.process,
                          RunnerProcess::Spawn(runner_path, std::move(args), options));
  // Into the cgroup before it is given any work: it has forked nothing yet.
  if (runner.cgroup != nullptr) {
    if (absl::Status placed = runner.cgroup->Add(runner.process->pid()); !placed.ok()) {
      runner.process->Terminate(absl::ZeroDuration());
      return placed;
    }
  }
  return runner;
}

std::string ConfinedRunner::KillLeftovers() {
  if (cgroup == nullptr) return "";
  cgroup->KillAll();
  return cgroup->LimitsHit();
}

}  // namespace parlab
