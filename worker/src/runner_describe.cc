#include "parlab/worker/runner_describe.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "parlab/common/status_macros.h"
#include "parlab/worker/runner_process.h"

namespace parlab {
namespace {

// Loading a few plugins takes milliseconds; this only bounds a runner that hangs.
constexpr absl::Duration kDescribeTimeout = absl::Seconds(30);

}  // namespace

absl::StatusOr<v1::WorkerDescription> DescribePlugins(const std::string& runner_path,
                                                      const std::vector<std::string>& plugin_dirs) {
  const std::string dirs = absl::StrJoin(plugin_dirs, ":");
  PARLAB_ASSIGN_OR_RETURN(std::unique_ptr<RunnerProcess> runner,
                          RunnerProcess::Spawn(runner_path, {"--describe", "--plugins", dirs}));
  runner->CloseStdin();

  const absl::Time deadline = absl::Now() + kDescribeTimeout;
  v1::RunnerEvent event;
  bool have_description = false;
  v1::WorkerDescription description;
  std::string error;
  while (absl::Now() < deadline) {
    absl::StatusOr<RunnerProcess::Read> got = runner->Next(&event, absl::Milliseconds(100));
    if (!got.ok()) {
      error = std::string(got.status().message());
      break;
    }
    if (*got == RunnerProcess::Read::kEnd) break;
    if (*got == RunnerProcess::Read::kTimeout) continue;
    if (event.has_description()) {
      description = event.description();
      have_description = true;
    } else if (event.event_case() == v1::RunnerEvent::kError) {
      error = event.error();
    }
  }
  const RunnerExit exit = runner->Finish(absl::Seconds(2));
  const std::string command =
      absl::StrCat("runner \"", runner_path, "\" --describe --plugins ", dirs);
  if (!error.empty()) {
    return absl::InternalError(
        WithRunnerStderr(absl::StrCat(command, ": ", error), runner->stderr_tail()));
  }
  if (!exit.exited || exit.code != 0) {
    return absl::InternalError(
        WithRunnerStderr(absl::StrCat(command, " ", exit.ToString()), runner->stderr_tail()));
  }
  if (!have_description) {
    return absl::InternalError(
        WithRunnerStderr(absl::StrCat(command, " sent no description"), runner->stderr_tail()));
  }
  return description;
}

v1::WorkerDescription DescribePluginsOrRefusal(const std::string& runner_path,
                                               const std::vector<std::string>& plugin_dirs) {
  absl::StatusOr<v1::WorkerDescription> description = DescribePlugins(runner_path, plugin_dirs);
  if (description.ok()) return *std::move(description);
  v1::WorkerDescription refusal;
  v1::RefusedPlugin* refused = refusal.add_refused();
  refused->set_path(runner_path);
  refused->set_reason(std::string(description.status().message()));
  return refusal;
}

}  // namespace parlab
