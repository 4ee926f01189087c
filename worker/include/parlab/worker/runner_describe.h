// Asks `parlab-runner --describe` which models and workloads the plugin folders hold: the
// daemon does this once at start-up and serves the answer from Describe.
//
//   v1::WorkerDescription d = DescribePluginsOrRefusal(runner_path, {"/usr/lib/parlab/plugins"});
//   for (const auto& refused : d.refused()) std::cerr << refused.path() << ": " <<
//   refused.reason();
#ifndef PARLAB_WORKER_RUNNER_DESCRIBE_H_
#define PARLAB_WORKER_RUNNER_DESCRIBE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab {

// Runs `runner_path --describe --plugins DIR[:DIR...]` and returns its one description frame.
// Fails when the runner cannot start, crashes, exits non-zero or sends no description.
[[nodiscard]] absl::StatusOr<v1::WorkerDescription> DescribePlugins(
    const std::string& runner_path, const std::vector<std::string>& plugin_dirs);

// Like DescribePlugins, but a failing runner yields a description with no models and one
// refused entry (path: the runner, reason: the error), so that the daemon can still start and
// say what is wrong.
v1::WorkerDescription DescribePluginsOrRefusal(const std::string& runner_path,
                                               const std::vector<std::string>& plugin_dirs);

}  // namespace parlab

#endif  // PARLAB_WORKER_RUNNER_DESCRIBE_H_
