// What the CLI does with each RunEvent, wherever the run happens (embedded or on a
// coordinator daemon): one plain progress line on stderr, and the descriptions and results
// kept for the final report.
//
//   RunProgress progress(std::cerr);
//   RunPlan(plan, workers, options, [&](const v1::RunEvent& e) { progress.OnEvent(e); });
//   Report(progress.workers(), progress.results());
#ifndef PARLAB_COORDINATOR_CLI_PROGRESS_H_
#define PARLAB_COORDINATOR_CLI_PROGRESS_H_

#include <ostream>
#include <string>
#include <vector>

#include "parlab/v1/parlab.pb.h"

namespace parlab::cli {

class RunProgress {
 public:
  explicit RunProgress(std::ostream& log) : log_(log) {}

  // Not thread-safe; RunPlan serializes its callbacks.
  void OnEvent(const v1::RunEvent& event);

  const std::vector<v1::WorkerDescription>& workers() const { return workers_; }
  const std::vector<v1::JobResult>& results() const { return results_; }
  const std::string& run_id() const { return run_id_; }
  bool finished() const { return finished_; }

 private:
  std::ostream& log_;
  std::vector<v1::WorkerDescription> workers_;
  std::vector<v1::JobResult> results_;
  std::string run_id_;
  bool finished_ = false;
};

}  // namespace parlab::cli

#endif  // PARLAB_COORDINATOR_CLI_PROGRESS_H_
