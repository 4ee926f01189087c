// Shard mode on the runner side: a job with shard_count > 1 runs only the workload's tasks
// i with i % shard_count == shard_index. The model sees a smaller workload (tasks 0..k-1);
// each of its tasks is the workload's global task shard_index + k * shard_count, so every
// task still verifies its own result (sieve up to from + global index, not from + k).
//
//   PARLAB_ASSIGN_OR_RETURN(std::unique_ptr<workloads::Workload> w, CreateWorkload(spec));
//   PARLAB_ASSIGN_OR_RETURN(w, ShardWorkload(std::move(w), job));  // unchanged if unsharded
#ifndef PARLAB_RUNNER_SHARDED_WORKLOAD_H_
#define PARLAB_RUNNER_SHARDED_WORKLOAD_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "parlab/v1/parlab.pb.h"
#include "parlab/workloads/workload.h"

namespace parlab::runner {

// How many of `total` tasks shard `index` of `count` gets.
uint64_t ShardTaskCount(uint64_t total, uint64_t index, uint64_t count);

// Wraps `workload` when job.shard_count > 1; returns it unchanged for 0 or 1. Errors name the
// field: `job.shard_index: must be in 0..2, got 3`.
[[nodiscard]] absl::StatusOr<std::unique_ptr<workloads::Workload>> ShardWorkload(
    std::unique_ptr<workloads::Workload> workload, const v1::Job& job);

}  // namespace parlab::runner

#endif  // PARLAB_RUNNER_SHARDED_WORKLOAD_H_
