// Shard mode (Plan.mode = shard): the plan's tasks are split across the selected workers.
// Every model x concurrency becomes N shard jobs (Job.shard_index / shard_count; the runner
// runs tasks i with i % N == shard_index), started at the same time on the N workers by the
// round loop every run shares (rounds.h). A shard whose worker is lost is re-run once, after
// the rest, on the next worker still alive (JobResult.rerun). The cluster's figure per
// repetition is the slowest shard's wall time; results/cluster_rows.h folds those rows.
//
//   PARLAB_RETURN_IF_ERROR(CheckShardable(plan, workers.size()));
//   std::vector<JobGroup> groups = ShardGroups(PlanJobs(plan, first, "run-1/"), workers.size());
//   auto merged = RunRounds(plan, groups, canceller, hooks);
//   std::vector<v1::JobResult> results =
//       FinishShards(merged, groups, workers, canceller, rerun, emit);
#ifndef PARLAB_COORDINATOR_SHARD_H_
#define PARLAB_COORDINATOR_SHARD_H_

#include <cstddef>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "parlab/cluster/cancel.h"
#include "parlab/cluster/worker_client.h"
#include "parlab/coordinator/rounds.h"
#include "parlab/coordinator/schedule.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::coordinator {

// Whether `plan` can be sharded over `workers` workers: a workload whose registration says
// its tasks can be split (workloads::CapabilitiesOf), and at least one task per shard.
[[nodiscard]] absl::Status CheckShardable(const v1::Plan& plan, size_t workers);

// The groups of a shard run: per planned job, its `workers` shard jobs, shard s on worker s.
std::vector<JobGroup> ShardGroups(const std::vector<PlannedJob>& jobs, size_t workers);

// Runs one shard job again, on worker `worker` (grouped: every repetition in one runner).
using ShardRerun = std::function<v1::JobResult(size_t worker, const v1::Job& job)>;

// After the rounds: every shard result (by job, then shard) goes to `emit` and into the
// returned list; a shard that failed because its worker was lost is re-run on the next worker
// still alive, and its result (rerun = true) follows the others.
std::vector<v1::JobResult> FinishShards(std::vector<std::vector<v1::JobResult>> merged,
                                        const std::vector<JobGroup>& groups,
                                        const std::vector<cluster::ConnectedWorker>& workers,
                                        cluster::RunCanceller* canceller, const ShardRerun& rerun,
                                        const std::function<void(const v1::JobResult&)>& emit);

}  // namespace parlab::coordinator

#endif  // PARLAB_COORDINATOR_SHARD_H_
