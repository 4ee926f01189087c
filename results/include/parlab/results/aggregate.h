// From raw job results to one row per machine x model x concurrency, with the statistics the
// reporters print. Only measured (non-warm-up) samples of OK jobs count: a failed job's
// samples are kept in the row but never turned into a timing. The statistics themselves
// (intervals, outliers, Amdahl) live in stats.h; this file decides what a row gets.
//
//   std::vector<ResultRow> rows = Aggregate(plan, outcome.workers, outcome.results);
//   // rows[i].aggregates->speedup: median wall of `sequential` at concurrency 1 on the same
//   // machine / this row's median wall.
#ifndef PARLAB_RESULTS_AGGREGATE_H_
#define PARLAB_RESULTS_AGGREGATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "parlab/results/stats.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::results {

// Efficiency above this on CPU-bound work (the baseline busy at least kCpuBoundShare of its
// wall time) is a measurement problem, not a result: the row gets a kSuperlinear warning.
inline constexpr double kMaxCredibleEfficiency = 1.10;
inline constexpr double kCpuBoundShare = 0.8;

struct Aggregates {
  int measured_samples = 0;
  double median_wall_ns = 0;  // an even count takes the mean of the two middle values
  int64_t min_wall_ns = 0;
  int64_t max_wall_ns = 0;
  double mean_wall_ns = 0;
  double median_cpu_ns = 0;  // user + system
  // Absent when the machine has no OK `sequential` concurrency-1 row to compare with.
  std::optional<double> speedup;
  // speedup / min(concurrency, logical cores of the machine).
  std::optional<double> efficiency;

  // Wall-time statistics (stats::Summarize); intervals are 95% and absent for one sample.
  double stddev_wall_ns = 0;                 // sample standard deviation
  double cv = 0;                             // stddev / mean
  double p90_wall_ns = 0;                    // type-7 quantile
  std::optional<stats::Interval> median_ci;  // percentile bootstrap, fixed seed
  std::optional<stats::Interval> mean_ci;    // Student t
  // The `index` of each measured sample flagged by the modified z-score (|z| > 3.5).
  std::vector<int32_t> outliers;
  // Bootstrap interval of the speedup (baseline and row resampled independently); exactly
  // [1, 1] on the baseline row itself, absent when either side has one sample.
  std::optional<stats::Interval> speedup_ci;
  // Karp-Flatt serial fraction at p = min(concurrency, logical cores); absent for p <= 1.
  std::optional<double> karp_flatt;
  // The Amdahl fit of this row's model across its concurrency levels on this machine (the
  // same value on every row of the model); absent without a speedup at some p > 1.
  std::optional<stats::AmdahlFit> amdahl;
  std::vector<stats::Warning> warnings;  // stats::SampleWarnings, in measurement order
  // Verified tasks per second: the measured samples' task count / median wall time (shard
  // mode: the cluster row's throughput counts every shard's tasks). Absent without tasks.
  std::optional<double> tasks_per_s;
  // Plans with target_cv: whether the CV reached it within max_repetitions / the time budget
  // (measured_samples says how many repetitions ran); absent without a target. A miss also
  // adds a kHighVariation warning: "CV 4.1% above target 2% after 30 repetitions".
  std::optional<bool> target_cv_met;
};

struct ResultRow {
  std::string worker;   // the worker's address: the key of a "machine"
  std::string machine;  // its hostname
  // Who the coordinator authenticated the worker as (JobResult.worker_identity: "cert:SUBJECT"),
  // "" over plaintext.
  std::string worker_identity;
  int32_t logical_cores = 0;
  std::string model;
  int32_t concurrency = 0;
  // The GranularitySweep value the row ran at ("" without a sweep): rows are keyed by it too,
  // and the speedup baseline is `sequential` at the same value.
  std::string sweep_value;
  // Shard mode (shard.h): which shard of how many this row ran (shard_count 0: not sharded),
  // and whether it re-ran a lost worker's shard. The cluster-wide rows have worker "cluster"
  // (kClusterWorker) and shard_count = the number of shards.
  int32_t shard_index = 0;
  int32_t shard_count = 0;
  bool rerun = false;
  v1::JobStatus status = v1::JOB_STATUS_UNSPECIFIED;
  std::string error;
  std::vector<v1::Sample> samples;       // all of them, warm-ups flagged
  std::optional<Aggregates> aggregates;  // OK rows with at least one measured sample
};

// Median of the values (mean of the two middle ones for an even count); 0 for none.
double Median(std::vector<int64_t> values);

// Statistics of one job's measured samples, without speedup (that needs the baseline row).
std::optional<Aggregates> AggregateSamples(const std::vector<v1::Sample>& samples);

// Adds to the rows: kSharedHost on every row of a worker whose hostname another worker of the
// run shares (they contended for its cores), kSuperlinear on CPU-bound rows whose efficiency
// exceeds kMaxCredibleEfficiency. Aggregate() calls it; exposed for tests.
void AddMeasurementWarnings(const std::vector<v1::WorkerDescription>& workers,
                            std::vector<ResultRow>& rows);

// One row per result, ordered by worker (as in `workers`), then plan model order, then
// concurrency, then sweep value (plan order); speedup, its interval, efficiency, Karp-Flatt and the
// Amdahl fit filled where the baseline exists.
std::vector<ResultRow> Aggregate(const v1::Plan& plan,
                                 const std::vector<v1::WorkerDescription>& workers,
                                 const std::vector<v1::JobResult>& results);

}  // namespace parlab::results

#endif  // PARLAB_RESULTS_AGGREGATE_H_
