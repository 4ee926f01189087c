// Shard mode: split every job's tasks across the selected workers and re-run a lost worker's
// shards elsewhere. The rounds themselves are the shared loop of rounds.cc.
#include "parlab/coordinator/shard.h"

#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "parlab/common/status_macros.h"
#include "parlab/workloads/workload.h"

namespace parlab::coordinator {
namespace {

v1::Job ShardJob(const v1::Job& job, int shard, int shards) {
  v1::Job sharded = job;
  sharded.set_job_id(absl::StrCat(job.job_id(), "/shard", shard));
  sharded.set_shard_index(shard);
  sharded.set_shard_count(shards);
  return sharded;
}

// The next worker after `lost` (cyclically) that is still alive, or -1.
int Replacement(const std::vector<cluster::ConnectedWorker>& workers, size_t lost) {
  for (size_t step = 1; step < workers.size(); ++step) {
    const size_t k = (lost + step) % workers.size();
    if (!workers[k].health->lost_reason().has_value()) return static_cast<int>(k);
  }
  return -1;
}

}  // namespace

absl::Status CheckShardable(const v1::Plan& plan, size_t workers) {
  const std::string& kind = plan.workload().kind();
  PARLAB_ASSIGN_OR_RETURN(workloads::WorkloadCapabilities capabilities,
                          workloads::CapabilitiesOf(kind));
  if (!capabilities.shardable) {
    return absl::InvalidArgumentError(absl::StrCat("plan.mode: shard cannot split workload ", kind,
                                                   ": ", capabilities.not_shardable_reason,
                                                   "; use broadcast"));
  }
  PARLAB_ASSIGN_OR_RETURN(std::unique_ptr<workloads::Workload> workload,
                          workloads::CreateWorkload(plan.workload()));
  if (workload->task_count() < workers) {
    return absl::InvalidArgumentError(absl::StrCat(
        "plan.mode: shard needs at least one task per worker: workload ", kind, " has ",
        workload->task_count(), " tasks, ", workers, " workers are selected"));
  }
  return absl::OkStatus();
}

std::vector<JobGroup> ShardGroups(const std::vector<PlannedJob>& jobs, size_t workers) {
  const int shards = static_cast<int>(workers);
  std::vector<JobGroup> groups;
  for (const PlannedJob& planned : jobs) {
    JobGroup group;
    group.skip_reason = planned.skip_reason;
    for (int s = 0; s < shards; ++s) {
      group.members.push_back({static_cast<size_t>(s), ShardJob(planned.job, s, shards)});
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

std::vector<v1::JobResult> FinishShards(std::vector<std::vector<v1::JobResult>> merged,
                                        const std::vector<JobGroup>& groups,
                                        const std::vector<cluster::ConnectedWorker>& workers,
                                        cluster::RunCanceller* canceller, const ShardRerun& rerun,
                                        const std::function<void(const v1::JobResult&)>& emit) {
  struct Rerun {
    v1::Job job;
    int worker;
  };
  std::vector<Rerun> reruns;
  std::vector<v1::JobResult> results;
  const bool cancelled = canceller != nullptr && canceller->cancelled();
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t s = 0; s < merged[g].size(); ++s) {
      v1::JobResult& result = merged[g][s];
      if (result.status() == v1::JOB_STATUS_FAILED && groups[g].skip_reason.empty() &&
          workers[s].health->lost_reason().has_value() && !cancelled) {
        const int k = Replacement(workers, s);
        if (k < 0) {
          absl::StrAppend(result.mutable_error(), " (no other worker left to re-run the shard)");
        } else {
          v1::Job job = groups[g].members[s].job;
          job.set_job_id(absl::StrCat(job.job_id(), "/rerun"));
          reruns.push_back({std::move(job), k});
        }
      }
      emit(result);
      results.push_back(std::move(result));
    }
  }
  // Re-runs at once; WorkerLocks queues two of them that land on the same worker.
  std::vector<v1::JobResult> rerun_results(reruns.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < reruns.size(); ++i) {
    threads.emplace_back([&, i] {
      rerun_results[i] = rerun(static_cast<size_t>(reruns[i].worker), reruns[i].job);
      rerun_results[i].set_rerun(true);
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (v1::JobResult& result : rerun_results) {
    emit(result);
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace parlab::coordinator
