#include "parlab/worker/runner_check.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "parlab/common/status_macros.h"
#include "parlab/worker/runner_process.h"

namespace parlab {
namespace {

// Starting CPython and importing a module takes tens of milliseconds; a module whose top level
// runs for longer than this is not one to benchmark.
constexpr absl::Duration kCheckTimeout = absl::Seconds(30);

}  // namespace

absl::Status CheckWorkloadWithRunner(const std::string& runner_path,
                                     const RunnerConfinement& confinement,
                                     const v1::WorkloadSpec& workload) {
  PARLAB_ASSIGN_OR_RETURN(ConfinedRunner confined,
                          SpawnConfinedRunner(runner_path, {"--check-workload"}, {}, confinement));
  RunnerProcess* const runner = confined.process.get();
  v1::Job job;
  *job.mutable_workload() = workload;
  // A failed write means the runner is already gone (its limits could not be set, say): what it
  // reported and how it ended tell the real story, so they are read all the same.
  const absl::Status sent = runner->SendFrame(job);
  runner->CloseStdin();

  const absl::Time deadline = absl::Now() + kCheckTimeout;
  v1::RunnerEvent event;
  bool done = false;
  std::string error;
  std::string read_error;
  bool timed_out = true;
  // Until its one event, the end of its stream, or the deadline. Not until the end of the stream
  // after the event: a process the module forked holds a copy of the runner's stdout until
  // Finish() kills the group.
  while (absl::Now() < deadline) {
    absl::StatusOr<RunnerProcess::Read> got = runner->Next(&event, absl::Milliseconds(100));
    if (got.ok() && *got == RunnerProcess::Read::kTimeout) continue;
    timed_out = false;
    if (!got.ok()) {
      read_error = std::string(got.status().message());
    } else if (*got == RunnerProcess::Read::kEvent) {
      if (event.event_case() == v1::RunnerEvent::kError) error = event.error();
      done = event.done();
    }
    break;
  }
  const RunnerExit exit = runner->Finish(absl::Seconds(2));
  const std::string limit_hit = confined.KillLeftovers();
  const std::string limit = limit_hit.empty() ? "" : absl::StrCat(limit_hit, ": ");
  if (!error.empty()) return absl::InvalidArgumentError(absl::StrCat(limit, error));
  if (done) return absl::OkStatus();
  const std::string what =
      timed_out ? absl::StrCat("took longer than ", absl::FormatDuration(kCheckTimeout))
                : (read_error.empty() ? exit.ToString() : read_error);
  const std::string unsent = sent.ok() ? "" : absl::StrCat(" (", sent.message(), ")");
  return absl::InternalError(WithRunnerStderr(
      absl::StrCat(limit, "runner \"", runner_path, "\" --check-workload: ", what, unsent),
      runner->stderr_tail()));
}

}  // namespace parlab
