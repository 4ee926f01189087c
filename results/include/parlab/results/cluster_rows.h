// The cluster-wide rows of a shard run (Plan.mode = shard): per model x concurrency (x sweep
// value), the N shard results folded into one result of the "cluster" machine. Pure: the
// coordinator's shard loop produces the shard results, the aggregation reads these rows.
//
//   std::vector<v1::JobResult> cluster = ClusterResults(results);  // worker "cluster"
//   workers.push_back(ClusterDescription(workers));
#ifndef PARLAB_RESULTS_CLUSTER_ROWS_H_
#define PARLAB_RESULTS_CLUSTER_ROWS_H_

#include <vector>

#include "parlab/v1/parlab.pb.h"

namespace parlab::results {

// The worker address (and hostname) of the cluster-wide rows.
inline constexpr char kClusterWorker[] = "cluster";

// One result per model x concurrency (x sweep value) of shard results: per measured
// repetition index, wall = the slowest shard's, CPU times, context switches and tasks summed,
// max RSS the largest. A re-run replaces the lost shard. FAILED when a shard has no OK result.
// Results without shards, or that hold cluster results already, give nothing.
std::vector<v1::JobResult> ClusterResults(const std::vector<v1::JobResult>& results);

// The "machine" of the cluster rows: hostname "cluster", logical cores summed over `workers`.
v1::WorkerDescription ClusterDescription(const std::vector<v1::WorkerDescription>& workers);

}  // namespace parlab::results

#endif  // PARLAB_RESULTS_CLUSTER_ROWS_H_
