// Shard mode: split every job's tasks across the selected workers, run the shards together,
// re-run a lost worker's shards elsewhere, and fold the shards into cluster-wide results.
#include "parlab/coordinator/shard.h"

#include <algorithm>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "parlab/common/status_macros.h"
#include "parlab/coordinator/run_plan.h"
#include "parlab/workloads/workload.h"

namespace parlab::coordinator {
namespace {

int CountMeasured(const v1::JobResult& result) {
  int measured = 0;
  for (const v1::Sample& sample : result.samples()) measured += sample.warmup() ? 0 : 1;
  return measured;
}

v1::Job ShardJob(const v1::Job& job, int shard, int shards) {
  v1::Job sharded = job;
  sharded.set_job_id(absl::StrCat(job.job_id(), "/shard", shard));
  sharded.set_shard_index(shard);
  sharded.set_shard_count(shards);
  return sharded;
}

// Identity fields of a shard result, whatever the runner callback filled in.
void Stamp(const v1::Job& job, v1::JobResult& result) {
  result.set_shard_index(job.shard_index());
  result.set_shard_count(job.shard_count());
  result.set_sweep_value(job.sweep_value());
}

// Runs `count` calls at once, one thread each, and waits for all of them.
void RunTogether(size_t count, const std::function<void(size_t)>& body) {
  std::vector<std::thread> threads;
  for (size_t i = 0; i < count; ++i) threads.emplace_back([&, i] { body(i); });
  for (std::thread& thread : threads) thread.join();
}

bool Cancelled(const RunCanceller* canceller) {
  return canceller != nullptr && canceller->cancelled();
}

// Interleaved: rounds of one measured repetition each, jobs shuffled per round (as broadcast
// does), the N shards of a job started together. merged[j][s] collects shard s of job j.
void RunInterleavedShards(const v1::Plan& plan, const std::vector<PlannedJob>& jobs,
                          const std::vector<ConnectedWorker>& workers, RunCanceller* canceller,
                          const ShardJobRunner& run_job,
                          std::vector<std::vector<v1::JobResult>>& merged) {
  const int shards = static_cast<int>(workers.size());
  const int rounds = plan.repetitions();
  std::vector<size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), 0);
  for (int round = 0; round < rounds; ++round) {
    std::mt19937 shuffle_seed(static_cast<uint32_t>(round));
    std::shuffle(order.begin(), order.end(), shuffle_seed);
    for (size_t j : order) {
      if (Cancelled(canceller) || !jobs[j].skip_reason.empty()) continue;
      RunTogether(workers.size(), [&](size_t s) {
        v1::JobResult& into = merged[j][s];
        if (into.status() != v1::JOB_STATUS_OK) return;  // failed before: not run again
        v1::Job job = ShardJob(jobs[j].job, static_cast<int>(s), shards);
        job.set_job_id(absl::StrCat(job.job_id(), "#", round + 1));
        job.set_repetitions(1);
        v1::JobResult result = run_job(workers[s], job, round, rounds);
        for (const v1::Sample& sample : result.samples()) {
          v1::Sample* added = into.add_samples();
          *added = sample;
          if (!sample.warmup()) added->set_index(round);
        }
        if (result.status() != v1::JOB_STATUS_OK) {
          into.set_status(result.status());
          into.set_error(absl::StrCat("repetition ", round + 1, ": ", result.error()));
        }
      });
    }
  }
  for (std::vector<v1::JobResult>& shard_results : merged) {
    for (v1::JobResult& result : shard_results) {
      if (result.status() == v1::JOB_STATUS_OK && CountMeasured(result) != rounds) {
        result.set_status(v1::JOB_STATUS_CANCELLED);
        result.set_error(absl::StrCat("cancelled after ", CountMeasured(result), " of ", rounds,
                                      " repetitions"));
      }
    }
  }
}

// Grouped: each job's shards run together, every repetition in one runner per shard.
void RunGroupedShards(const std::vector<PlannedJob>& jobs,
                      const std::vector<ConnectedWorker>& workers, RunCanceller* canceller,
                      const ShardJobRunner& run_job,
                      std::vector<std::vector<v1::JobResult>>& merged) {
  const int shards = static_cast<int>(workers.size());
  for (size_t j = 0; j < jobs.size(); ++j) {
    if (!jobs[j].skip_reason.empty()) continue;
    if (Cancelled(canceller)) {
      for (v1::JobResult& result : merged[j]) {
        result.set_status(v1::JOB_STATUS_CANCELLED);
        result.set_error("cancelled before it started");
      }
      continue;
    }
    RunTogether(workers.size(), [&](size_t s) {
      v1::Job job = ShardJob(jobs[j].job, static_cast<int>(s), shards);
      v1::JobResult result = run_job(workers[s], job, -1, 0);
      Stamp(job, result);
      merged[j][s] = std::move(result);
    });
  }
}

// The next worker after `lost` (cyclically) that is still alive, or -1.
int Replacement(const std::vector<ConnectedWorker>& workers, size_t lost) {
  for (size_t step = 1; step < workers.size(); ++step) {
    const size_t k = (lost + step) % workers.size();
    if (!workers[k].health->lost_reason().has_value()) return static_cast<int>(k);
  }
  return -1;
}

}  // namespace

absl::Status CheckShardable(const v1::Plan& plan, size_t workers) {
  const std::string& kind = plan.workload().kind();
  if (kind == "counter" || kind == "queue" || kind == "spawn") {
    return absl::InvalidArgumentError(absl::StrCat(
        "plan.mode: shard cannot split workload ", kind,
        ": its check covers the whole repetition (or its tasks must run together); use "
        "broadcast"));
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

std::vector<v1::JobResult> RunShards(const v1::Plan& plan,
                                     const std::vector<ConnectedWorker>& workers,
                                     const std::string& job_id_prefix, RunCanceller* canceller,
                                     const ShardJobRunner& run_job, const ShardResultSink& emit) {
  const int shards = static_cast<int>(workers.size());
  // Every worker has every model (checked before), so the first one's bounds decide.
  const std::vector<PlannedJob> jobs = PlanJobs(plan, workers[0].description, job_id_prefix);
  std::vector<std::vector<v1::JobResult>> merged(jobs.size());
  for (size_t j = 0; j < jobs.size(); ++j) {
    for (int s = 0; s < shards; ++s) {
      v1::JobResult shell = ResultShell(ShardJob(jobs[j].job, s, shards), workers[s]);
      shell.set_status(jobs[j].skip_reason.empty() ? v1::JOB_STATUS_OK : v1::JOB_STATUS_FAILED);
      shell.set_error(jobs[j].skip_reason);
      merged[j].push_back(std::move(shell));
    }
  }
  if (plan.order() == v1::REPETITION_ORDER_GROUPED) {
    RunGroupedShards(jobs, workers, canceller, run_job, merged);
  } else {
    RunInterleavedShards(plan, jobs, workers, canceller, run_job, merged);
  }

  std::vector<v1::JobResult> results;
  struct Rerun {
    size_t job;
    int shard;
    int worker;
  };
  std::vector<Rerun> reruns;
  for (size_t j = 0; j < jobs.size(); ++j) {
    for (int s = 0; s < shards; ++s) {
      v1::JobResult& result = merged[j][s];
      if (result.status() == v1::JOB_STATUS_FAILED && jobs[j].skip_reason.empty() &&
          workers[s].health->lost_reason().has_value() && !Cancelled(canceller)) {
        const int k = Replacement(workers, static_cast<size_t>(s));
        if (k < 0) {
          absl::StrAppend(result.mutable_error(), " (no other worker left to re-run the shard)");
        } else {
          reruns.push_back({j, s, k});
        }
      }
      emit(result);
      results.push_back(std::move(result));
    }
  }
  // Re-runs at once; WorkerLocks queues two of them that land on the same worker.
  std::vector<v1::JobResult> rerun_results(reruns.size());
  RunTogether(reruns.size(), [&](size_t i) {
    const Rerun& rerun = reruns[i];
    v1::Job job = ShardJob(jobs[rerun.job].job, rerun.shard, shards);
    job.set_job_id(absl::StrCat(job.job_id(), "/rerun"));
    v1::JobResult result = run_job(workers[rerun.worker], job, -1, 0);
    Stamp(job, result);
    result.set_rerun(true);
    rerun_results[i] = std::move(result);
  });
  for (v1::JobResult& result : rerun_results) {
    emit(result);
    results.push_back(std::move(result));
  }
  return results;
}

std::vector<v1::JobResult> ClusterResults(const std::vector<v1::JobResult>& results) {
  for (const v1::JobResult& result : results) {
    if (result.worker_address() == kClusterWorker) return {};  // folded already
  }
  using Key = std::tuple<std::string, int32_t, std::string>;  // model, concurrency, sweep
  std::map<Key, std::vector<const v1::JobResult*>> shards;    // by shard index
  std::vector<Key> order;
  for (const v1::JobResult& result : results) {
    if (result.shard_count() <= 1 || result.worker_address() == kClusterWorker) continue;
    Key key{result.model(), result.concurrency(), result.sweep_value()};
    auto [it, added] = shards.try_emplace(key, result.shard_count(), nullptr);
    if (added) order.push_back(key);
    if (result.shard_index() < 0 || result.shard_index() >= result.shard_count()) continue;
    const v1::JobResult*& slot = it->second[static_cast<size_t>(result.shard_index())];
    // An OK re-run replaces the lost shard; otherwise the first result stays.
    if (slot == nullptr || (result.rerun() && result.status() == v1::JOB_STATUS_OK)) {
      slot = &result;
    }
  }
  std::vector<v1::JobResult> cluster;
  for (const Key& key : order) {
    const std::vector<const v1::JobResult*>& parts = shards[key];
    v1::JobResult combined;
    combined.set_job_id(absl::StrCat(kClusterWorker, "/", std::get<0>(key), "@", std::get<1>(key)));
    combined.set_model(std::get<0>(key));
    combined.set_concurrency(std::get<1>(key));
    combined.set_sweep_value(std::get<2>(key));
    combined.set_machine(kClusterWorker);
    combined.set_worker_address(kClusterWorker);
    combined.set_shard_count(static_cast<int32_t>(parts.size()));
    combined.set_status(v1::JOB_STATUS_OK);
    std::map<int32_t, v1::Sample> by_index;
    std::map<int32_t, size_t> seen_in;
    for (size_t s = 0; s < parts.size(); ++s) {
      const v1::JobResult* part = parts[s];
      if (part == nullptr || part->status() != v1::JOB_STATUS_OK) {
        combined.set_status(v1::JOB_STATUS_FAILED);
        combined.set_error(absl::StrCat("shard ", s, ": ",
                                        part == nullptr ? "no result" : part->error()));
        break;
      }
      for (const v1::Sample& sample : part->samples()) {
        if (sample.warmup()) continue;
        v1::Sample& total = by_index[sample.index()];
        total.set_index(sample.index());
        total.set_wall_ns(std::max(total.wall_ns(), sample.wall_ns()));
        total.set_user_ns(total.user_ns() + sample.user_ns());
        total.set_system_ns(total.system_ns() + sample.system_ns());
        total.set_voluntary_ctx_switches(total.voluntary_ctx_switches() +
                                         sample.voluntary_ctx_switches());
        total.set_involuntary_ctx_switches(total.involuntary_ctx_switches() +
                                           sample.involuntary_ctx_switches());
        total.set_max_rss_kib(std::max(total.max_rss_kib(), sample.max_rss_kib()));
        total.set_tasks(total.tasks() + sample.tasks());
        ++seen_in[sample.index()];
      }
    }
    if (combined.status() == v1::JOB_STATUS_OK) {
      // Only repetitions every shard measured make a cluster repetition.
      for (const auto& [index, sample] : by_index) {
        if (seen_in[index] == parts.size()) *combined.add_samples() = sample;
      }
    }
    cluster.push_back(std::move(combined));
  }
  return cluster;
}

v1::WorkerDescription ClusterDescription(const std::vector<v1::WorkerDescription>& workers) {
  v1::WorkerDescription cluster;
  cluster.set_address(kClusterWorker);
  cluster.mutable_machine()->set_hostname(kClusterWorker);
  int32_t cores = 0;
  for (const v1::WorkerDescription& worker : workers) {
    if (worker.address() != kClusterWorker) cores += worker.machine().logical_cores();
  }
  cluster.mutable_machine()->set_logical_cores(cores);
  cluster.mutable_machine()->set_cpu_model(absl::StrCat(workers.size(), " workers"));
  return cluster;
}

}  // namespace parlab::coordinator
