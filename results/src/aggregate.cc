#include "parlab/results/aggregate.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "parlab/results/cluster_rows.h"
#include "parlab/results/samples.h"
#include "parlab/results/variation.h"

namespace parlab::results {

double Median(std::vector<int64_t> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t mid = values.size() / 2;
  if (values.size() % 2 == 1) return static_cast<double>(values[mid]);
  return (static_cast<double>(values[mid - 1]) + static_cast<double>(values[mid])) / 2;
}

namespace {

// The p of efficiency, Karp-Flatt and Amdahl: units that can run at once on this machine.
int32_t ParallelUnits(const ResultRow& row) {
  int32_t units = row.concurrency;
  if (row.logical_cores > 0) units = std::min(units, row.logical_cores);
  return std::max(units, 1);
}

}  // namespace

std::optional<Aggregates> AggregateSamples(const std::vector<v1::Sample>& samples) {
  std::vector<int64_t> walls;
  std::vector<int64_t> cpus;
  std::vector<int32_t> indices;
  for (const v1::Sample& sample : samples) {
    if (sample.warmup()) continue;
    walls.push_back(sample.wall_ns());
    cpus.push_back(sample.user_ns() + sample.system_ns());
    indices.push_back(sample.index());
  }
  if (walls.empty()) return std::nullopt;
  Aggregates aggregates;
  aggregates.measured_samples = static_cast<int>(walls.size());
  aggregates.median_wall_ns = Median(walls);
  aggregates.min_wall_ns = *std::min_element(walls.begin(), walls.end());
  aggregates.max_wall_ns = *std::max_element(walls.begin(), walls.end());
  double sum = 0;
  for (int64_t wall : walls) sum += static_cast<double>(wall);
  aggregates.mean_wall_ns = sum / static_cast<double>(walls.size());
  aggregates.median_cpu_ns = Median(cpus);

  std::vector<double> measured = MeasuredWalls(samples);
  stats::Summary summary = stats::Summarize(measured);
  aggregates.stddev_wall_ns = summary.stddev;
  aggregates.cv = summary.cv;
  aggregates.p90_wall_ns = summary.p90;
  aggregates.median_ci = summary.median_ci;
  aggregates.mean_ci = summary.mean_ci;
  for (size_t position : summary.outliers) aggregates.outliers.push_back(indices[position]);
  aggregates.warnings = stats::SampleWarnings(measured, summary);
  std::vector<int64_t> tasks;
  for (const v1::Sample& sample : samples) {
    if (!sample.warmup() && sample.tasks() > 0) {
      tasks.push_back(static_cast<int64_t>(sample.tasks()));
    }
  }
  if (!tasks.empty() && aggregates.median_wall_ns > 0) {
    aggregates.tasks_per_s = Median(tasks) / (aggregates.median_wall_ns / 1e9);
  }
  return aggregates;
}

std::vector<ResultRow> Aggregate(const v1::Plan& plan,
                                 const std::vector<v1::WorkerDescription>& workers,
                                 const std::vector<v1::JobResult>& results) {
  // Shard mode: the shards' rows plus one cluster row per job (shard.h), aggregated alike.
  if (std::vector<v1::JobResult> cluster = ClusterResults(results); !cluster.empty()) {
    std::vector<v1::WorkerDescription> with_cluster = workers;
    with_cluster.push_back(ClusterDescription(workers));
    std::vector<v1::JobResult> all = results;
    all.insert(all.end(), cluster.begin(), cluster.end());
    return Aggregate(plan, with_cluster, all);
  }
  std::map<std::string, size_t> worker_rank;
  std::map<std::string, const v1::WorkerDescription*> worker_by_address;
  for (size_t i = 0; i < workers.size(); ++i) {
    worker_rank.emplace(workers[i].address(), i);
    worker_by_address.emplace(workers[i].address(), &workers[i]);
  }
  std::map<std::string, size_t> model_rank;
  for (int i = 0; i < plan.models_size(); ++i) model_rank.emplace(plan.models(i), i);

  std::vector<ResultRow> rows;
  for (const v1::JobResult& result : results) {
    ResultRow row;
    row.worker = result.worker_address();
    row.machine = result.machine();
    row.worker_identity = result.worker_identity();
    auto described = worker_by_address.find(row.worker);
    if (described != worker_by_address.end()) {
      row.logical_cores = described->second->machine().logical_cores();
      if (row.machine.empty()) row.machine = described->second->machine().hostname();
    }
    row.model = result.model();
    row.concurrency = result.concurrency();
    row.sweep_value = result.sweep_value();
    row.shard_index = result.shard_index();
    row.shard_count = result.shard_count();
    row.rerun = result.rerun();
    row.status = result.status();
    row.error = result.error();
    row.samples.assign(result.samples().begin(), result.samples().end());
    if (row.status == v1::JOB_STATUS_OK) row.aggregates = AggregateSamples(row.samples);
    if (row.aggregates.has_value() && plan.target_cv() > 0) {
      std::optional<std::string> missed =
          TargetCvMissed(MeasuredWalls(row.samples), plan.target_cv());
      row.aggregates->target_cv_met = !missed.has_value();
      if (missed.has_value()) {
        row.aggregates->warnings.push_back({stats::WarningCode::kHighVariation, *missed});
      }
    }
    rows.push_back(std::move(row));
  }

  // Unknown workers and models sort last, in their original order (stable sort).
  auto rank = [](const std::map<std::string, size_t>& ranks, const std::string& key) {
    auto it = ranks.find(key);
    return it == ranks.end() ? ranks.size() : it->second;
  };
  std::map<std::string, size_t> sweep_rank;
  for (int i = 0; i < plan.sweep().values_size(); ++i)
    sweep_rank.emplace(plan.sweep().values(i), i);
  std::stable_sort(rows.begin(), rows.end(), [&](const ResultRow& a, const ResultRow& b) {
    return std::make_tuple(rank(worker_rank, a.worker), rank(model_rank, a.model), a.concurrency,
                           rank(sweep_rank, a.sweep_value)) <
           std::make_tuple(rank(worker_rank, b.worker), rank(model_rank, b.model), b.concurrency,
                           rank(sweep_rank, b.sweep_value));
  });

  // The baseline of a row: `sequential` on the same machine at the same sweep point.
  std::map<std::pair<std::string, std::string>, const ResultRow*> baseline_by_worker;
  for (const ResultRow& row : rows) {
    if (row.model == kBaselineModel && row.concurrency == 1 && row.aggregates.has_value() &&
        row.aggregates->median_wall_ns > 0) {
      baseline_by_worker.emplace(std::make_pair(row.worker, row.sweep_value), &row);
    }
  }
  for (ResultRow& row : rows) {
    auto baseline = baseline_by_worker.find({row.worker, row.sweep_value});
    if (!row.aggregates.has_value() || baseline == baseline_by_worker.end() ||
        row.aggregates->median_wall_ns <= 0) {
      continue;
    }
    Aggregates& a = *row.aggregates;
    double speedup = baseline->second->aggregates->median_wall_ns / a.median_wall_ns;
    int32_t units = ParallelUnits(row);
    a.speedup = speedup;
    a.efficiency = speedup / units;
    a.karp_flatt = stats::KarpFlatt(speedup, units);
    if (baseline->second == &row) {
      a.speedup_ci = stats::Interval{1, 1};  // the baseline against itself, by definition
    } else if (std::optional<stats::Estimate> ratio = stats::RatioOfMedians(
                   MeasuredWalls(baseline->second->samples), MeasuredWalls(row.samples));
               ratio.has_value()) {
      a.speedup_ci = ratio->ci;
    }
  }

  // Amdahl per machine x model, over that model's rows with a speedup.
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<stats::ScalingPoint>>
      points;  // by machine x model x sweep point
  for (const ResultRow& row : rows) {
    if (row.aggregates.has_value() && row.aggregates->speedup.has_value()) {
      points[{row.worker, row.model, row.sweep_value}].push_back(
          {static_cast<double>(ParallelUnits(row)), *row.aggregates->speedup});
    }
  }
  for (ResultRow& row : rows) {
    auto model_points = points.find({row.worker, row.model, row.sweep_value});
    if (row.aggregates.has_value() && model_points != points.end()) {
      row.aggregates->amdahl = stats::FitAmdahl(model_points->second);
    }
  }
  AddMeasurementWarnings(workers, rows);
  return rows;
}

void AddMeasurementWarnings(const std::vector<v1::WorkerDescription>& workers,
                            std::vector<ResultRow>& rows) {
  std::map<std::string, std::vector<std::string>> by_host;  // hostname -> worker addresses
  for (const v1::WorkerDescription& worker : workers) {
    if (worker.address() == kClusterWorker || worker.machine().hostname().empty()) continue;
    by_host[worker.machine().hostname()].push_back(worker.address());
  }
  std::map<std::string, std::string> shared;  // worker address -> its warning
  for (const auto& [host, addresses] : by_host) {
    if (addresses.size() < 2) continue;
    for (const std::string& address : addresses) {
      shared[address] = absl::StrCat(addresses.size(), " workers of this run share host ", host,
                                     " (", absl::StrJoin(addresses, ", "),
                                     "): they contended for its cores, so its timings and "
                                     "efficiencies are not those of a machine of its own");
    }
  }
  for (ResultRow& row : rows) {
    if (!row.aggregates.has_value()) continue;
    Aggregates& a = *row.aggregates;
    if (auto it = shared.find(row.worker); it != shared.end()) {
      a.warnings.push_back({stats::WarningCode::kSharedHost, it->second});
    }
    const double cpu_share = a.median_wall_ns > 0 ? a.median_cpu_ns / a.median_wall_ns : 0;
    // A row busy on every unit (CPU time ~ wall x p) is CPU-bound; waits (sleep, I/O) overlap
    // legitimately beyond the core count and are not flagged.
    if (a.efficiency.has_value() && *a.efficiency > kMaxCredibleEfficiency &&
        cpu_share >= kCpuBoundShare * ParallelUnits(row)) {
      a.warnings.push_back(
          {stats::WarningCode::kSuperlinear,
           absl::StrFormat("efficiency %.0f%% on CPU-bound work is a measurement problem, not a "
                           "result (the baseline was slowed, or units shared cores with "
                           "something else)",
                           *a.efficiency * 100)});
    }
  }
}

}  // namespace parlab::results
