// Running a plan on workers. Every worker runs the whole plan (so machines can be compared):
// workers in parallel, one thread each; on one worker the jobs run one after another so they
// never compete for its cores. Before any job starts, every worker must be reachable and must
// have every model of the plan, so a typo fails in seconds rather than an hour into a run.
//
//   RunOptions options;  // connect_timeout 5 s
//   PARLAB_ASSIGN_OR_RETURN(RunOutcome outcome,
//       RunPlan(plan, {"127.0.0.1:4511"}, options, [](const v1::RunEvent& e) { Log(e); }));
//
// A failed job (the workload's check failed, the plugin crashed, the worker died mid-run) is a
// FAILED JobResult, never an error of RunPlan: the other jobs still run and every sample
// already measured is kept. RunPlan itself fails only before the first job (bad plan,
// unreachable worker, unknown model).
#ifndef PARLAB_COORDINATOR_RUN_PLAN_H_
#define PARLAB_COORDINATOR_RUN_PLAN_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "parlab/cluster/cancel.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::coordinator {

struct RunOptions {
  absl::Duration connect_timeout = absl::Seconds(5);
  // Optional; Cancel() stops the run: the jobs in flight end CANCELLED, no new job starts.
  cluster::RunCanceller* canceller = nullptr;
  // Empty: one is generated ("run-20250101T120000-4711").
  std::string run_id;
  // A worker that answers nothing for this long during a job is lost: the job fails, its
  // later jobs are not sent, a shard is re-run elsewhere (docs/cluster.md).
  absl::Duration heartbeat_timeout = absl::Seconds(5);
  // Who registered a worker ("token:NAME"; "" when unknown): a worker reached without TLS has
  // no certificate to name it, so its registration's identity is recorded instead
  // (WorkerDescription.identity, JobResult.worker_identity). Optional.
  std::function<std::string(const std::string& address)> registered_identity;
};

struct RunOutcome {
  std::string run_id;
  std::vector<v1::WorkerDescription> workers;  // in the order the addresses were given
  std::vector<v1::JobResult> results;          // by worker, then in schedule order
  int jobs_ok = 0;
  int jobs_failed = 0;  // FAILED or CANCELLED
  bool cancelled = false;
};

// Called with every event: a WorkerDescription per worker, then job_started / progress /
// job_result per job, finally `finished`. Calls are serialized (never two at once), from the
// workers' threads, so the callback needs no locking of its own but should be quick.
using RunEventCallback = std::function<void(const v1::RunEvent&)>;

[[nodiscard]] absl::StatusOr<RunOutcome> RunPlan(const v1::Plan& plan,
                                                 const std::vector<std::string>& worker_addresses,
                                                 const RunOptions& options,
                                                 const RunEventCallback& on_event);

}  // namespace parlab::coordinator

#endif  // PARLAB_COORDINATOR_RUN_PLAN_H_
