// Cluster-wide rows of a shard run: the shards of one model x concurrency folded into one
// result, as if one machine had run every task.
#include "parlab/results/cluster_rows.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace parlab::results {

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
        combined.set_error(
            absl::StrCat("shard ", s, ": ", part == nullptr ? "no result" : part->error()));
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

}  // namespace parlab::results
