// The `python` workload's rule on where code may come from. A plan names a module file
// (`"module": "seeds.py"`), never code; the process that runs the job decides which directories
// that name may resolve to: `parlab-worker --python-path DIR` (repeatable) hands them to each
// runner (`parlab-runner --python-path DIR`), and `parlab run`'s auto-started worker gets the
// plan file's own directory. With none set, no Python code runs.
//
//   workloads::SetPythonPath({"/srv/parlab/python"});      // once, before any job
//   absl::StatusOr<std::string> file = ResolvePythonModule("seeds.py", PythonPath());
//   // "/srv/parlab/python/seeds.py", or an error naming plan.workload.params.module
#ifndef PARLAB_WORKLOADS_PYTHON_H_
#define PARLAB_WORKLOADS_PYTHON_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parlab::workloads {

// The directories Python modules may come from in this process. [not thread-safe: set once at
// start-up, before any workload is created]
void SetPythonPath(std::vector<std::string> dirs);
const std::vector<std::string>& PythonPath();

// The real path of `module` (a ".py" file, relative to one of `dirs` or absolute) when it lies
// inside one of `dirs` after every symbolic link is resolved. Errors name the field:
// `plan.workload.params.module: "../x.py" is outside the directories this worker allows Python code
// from (/srv/py)`, `plan.workload.params.module: no file "x.py" in /srv/py`.
[[nodiscard]] absl::StatusOr<std::string> ResolvePythonModule(absl::string_view module,
                                                              const std::vector<std::string>& dirs);

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_PYTHON_H_
