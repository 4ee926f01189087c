// History: the same plan on the same machine over time, one series per row (model x
// concurrency x sweep value), and which runs changed it. Each run's repetitions are compared
// with the pooled repetitions of the runs before it (at most kHistoryWindow of them, never
// reaching back past the last flagged change) by the Mann-Whitney U test, as Bencher does with
// its thresholds; a run is flagged when the test rejects at kHistoryAlpha AND the 95% interval
// of the ratio of medians (this run / the window) lies wholly beyond kHistoryMinChange.
// docs/report.md says why this and not a change-point search.
//
//   std::vector<HistoryPoint> series = ...;            // oldest first, one per stored run
//   std::vector<HistoryFlag> flags = FlagChanges(series);
//   // flags[0].index: the run where the series got slower (or faster)
#ifndef PARLAB_RESULTS_HISTORY_H_
#define PARLAB_RESULTS_HISTORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "parlab/results/stats.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::results {

// The preceding window: up to this many runs, and at least kHistoryMinWindow of them before a
// run is judged at all (one run alone is too little to call anything a change).
inline constexpr int kHistoryWindow = 5;
inline constexpr int kHistoryMinWindow = 2;
// One test per run of a long series: a stricter alpha than compare's 0.05 keeps false alarms
// rare (at 0.05 one run in twenty of an unchanged series would be flagged).
inline constexpr double kHistoryAlpha = 0.01;
// A change whose interval reaches within 5% of no change is not flagged, however significant.
inline constexpr double kHistoryMinChange = 0.05;

struct HistoryPoint {
  std::string run_id;
  int64_t started_unix_ms = 0;
  std::vector<double> walls;  // the row's measured wall times in this run, ns
};

struct HistoryFlag {
  size_t index = 0;                                  // into the series
  stats::Verdict verdict = stats::Verdict::kSlower;  // kSlower: a regression; kFaster: improvement
  double ratio = 1;                                  // median(this run) / median(window)
  std::optional<stats::Interval> ratio_ci;
  double p_value = 1;
  size_t window_runs = 0;  // how many runs the window pooled
};

// Oldest first in, flags in series order out. Points without walls are skipped (and never part
// of a window).
std::vector<HistoryFlag> FlagChanges(const std::vector<HistoryPoint>& series);

// One row's history: its series over the runs (oldest first, a point per run, walls empty
// where the row failed or was missing) and the runs flagged in it.
struct RowHistory {
  std::string model;
  int32_t concurrency = 0;
  std::string sweep_value;
  std::vector<HistoryPoint> points;
  std::vector<HistoryFlag> flags;
};

// The runs (any order; the caller picks those of one plan) on the machine whose hostname is
// `host`: per row (model x concurrency x sweep value; in the newest plan's model order, then by
// concurrency) its series by start time and FlagChanges over it. Runs without a worker of that
// hostname are left out.
std::vector<RowHistory> BuildHistory(std::vector<v1::RunRecord> runs, const std::string& host);

}  // namespace parlab::results

#endif  // PARLAB_RESULTS_HISTORY_H_
