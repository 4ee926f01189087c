// Shard mode (Plan.mode = shard): the plan's tasks are split across the selected workers.
// Every model x concurrency becomes N shard jobs (Job.shard_index / shard_count; the runner
// runs tasks i with i % N == shard_index), started at the same time on the N workers. A shard
// whose worker is lost is re-run once, after the rest, on the next worker still alive
// (JobResult.rerun). The cluster's figure per repetition is the slowest shard's wall time
// (the cluster is done when its last worker is); ClusterResults builds those rows.
//
//   std::vector<v1::JobResult> results = RunShards(plan, selected, "run-1/", canceller,
//       [&](const ConnectedWorker& w, const v1::Job& job, int round, int rounds) {
//         return RunOneJob(w, job, ...); },
//       [&](const v1::JobResult& r) { Emit(r); });
//   std::vector<v1::JobResult> cluster = ClusterResults(results);  // worker "cluster"
#ifndef PARLAB_COORDINATOR_SHARD_H_
#define PARLAB_COORDINATOR_SHARD_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "parlab/coordinator/cancel.h"
#include "parlab/coordinator/worker_client.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::coordinator {

// The worker address (and hostname) of the cluster-wide rows.
inline constexpr char kClusterWorker[] = "cluster";

// Runs one job on one worker. `round` is the interleaved round (0-based) and `rounds` their
// number; round -1: grouped (every repetition in one runner).
using ShardJobRunner =
    std::function<v1::JobResult(const ConnectedWorker&, const v1::Job&, int round, int rounds)>;
using ShardResultSink = std::function<void(const v1::JobResult&)>;

// Whether `plan` can be sharded over `workers` workers: enough tasks for every shard, and a
// workload whose checks are per task (counter, queue and spawn check the whole repetition or
// need their tasks in flight together, so a share of them cannot run alone).
[[nodiscard]] absl::Status CheckShardable(const v1::Plan& plan, size_t workers);

// Runs every shard job; returns the results (by job, then shard, then the re-runs), each
// also passed to `emit` once final.
std::vector<v1::JobResult> RunShards(const v1::Plan& plan,
                                     const std::vector<ConnectedWorker>& workers,
                                     const std::string& job_id_prefix, RunCanceller* canceller,
                                     const ShardJobRunner& run_job, const ShardResultSink& emit);

// One result per model x concurrency (x sweep value) of shard results: per measured
// repetition index, wall = the slowest shard's, CPU times, context switches and tasks summed,
// max RSS the largest. A re-run replaces the lost shard. FAILED when a shard has no OK result.
// Results without shards, or that hold cluster results already, give nothing.
std::vector<v1::JobResult> ClusterResults(const std::vector<v1::JobResult>& results);

// The "machine" of the cluster rows: hostname "cluster", logical cores summed over `workers`.
v1::WorkerDescription ClusterDescription(const std::vector<v1::WorkerDescription>& workers);

}  // namespace parlab::coordinator

#endif  // PARLAB_COORDINATOR_SHARD_H_
