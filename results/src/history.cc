#include "parlab/results/history.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

namespace parlab::results {

std::vector<HistoryFlag> FlagChanges(const std::vector<HistoryPoint>& series) {
  std::vector<HistoryFlag> flags;
  size_t since = 0;  // the window never reaches back past the last flagged change
  for (size_t i = 0; i < series.size(); ++i) {
    if (series[i].walls.empty()) continue;
    std::vector<double> window;
    size_t runs = 0;
    for (size_t j = i; j > since && runs < static_cast<size_t>(kHistoryWindow);) {
      --j;
      if (series[j].walls.empty()) continue;
      window.insert(window.end(), series[j].walls.begin(), series[j].walls.end());
      ++runs;
    }
    if (runs < static_cast<size_t>(kHistoryMinWindow)) continue;
    // The rank test first: it is cheap, and most runs stop here. The bootstrap interval only
    // for the few that differ.
    const stats::MannWhitney u = stats::MannWhitneyU(window, series[i].walls);
    if (!(u.p_value < kHistoryAlpha)) continue;
    std::optional<stats::Estimate> ratio = stats::RatioOfMedians(series[i].walls, window);
    if (!ratio.has_value() || !ratio->ci.has_value()) continue;
    const stats::Verdict verdict =
        ratio->value > 1 ? stats::Verdict::kSlower : stats::Verdict::kFaster;
    // The whole interval must lie beyond the minimum change, not just the estimate: a median
    // that moved 5% by chance (about 3 standard errors with 5 repetitions of 3% noise) is not
    // flagged, a step of 10% or more is.
    const bool beyond = verdict == stats::Verdict::kSlower
                            ? ratio->ci->low > 1 + kHistoryMinChange
                            : ratio->ci->high < 1 - kHistoryMinChange;
    if (!beyond) continue;
    flags.push_back({.index = i,
                     .verdict = verdict,
                     .ratio = ratio->value,
                     .ratio_ci = ratio->ci,
                     .p_value = u.p_value,
                     .window_runs = runs});
    since = i;  // a new level starts here: later runs are judged against it alone
  }
  return flags;
}

std::vector<RowHistory> BuildHistory(std::vector<v1::RunRecord> runs, const std::string& host) {
  std::stable_sort(runs.begin(), runs.end(), [](const v1::RunRecord& a, const v1::RunRecord& b) {
    return a.started_unix_ms() < b.started_unix_ms();
  });
  std::vector<RowHistory> rows;
  std::map<std::tuple<std::string, int32_t, std::string>, size_t> index;
  std::vector<const v1::RunRecord*> kept;  // the runs with a worker on `host`, in order
  for (const v1::RunRecord& run : runs) {
    auto worker = std::find_if(
        run.workers().begin(), run.workers().end(),
        [&](const v1::WorkerDescription& w) { return w.machine().hostname() == host; });
    if (worker == run.workers().end()) continue;
    for (const v1::JobResult& result : run.results()) {
      if (result.worker_address() != worker->address()) continue;
      auto key = std::make_tuple(result.model(), result.concurrency(), result.sweep_value());
      auto [it, added] = index.emplace(key, rows.size());
      if (added) {
        RowHistory& row = rows.emplace_back();
        row.model = result.model();
        row.concurrency = result.concurrency();
        row.sweep_value = result.sweep_value();
      }
      RowHistory& row = rows[it->second];
      // Runs before this row first appeared get empty points, so every series is aligned.
      while (row.points.size() < kept.size()) {
        const v1::RunRecord& earlier = *kept[row.points.size()];
        row.points.push_back(
            {.run_id = earlier.run_id(), .started_unix_ms = earlier.started_unix_ms()});
      }
      if (row.points.size() > kept.size()) continue;  // a second result of the row: first wins
      HistoryPoint& point = row.points.emplace_back();
      point.run_id = run.run_id();
      point.started_unix_ms = run.started_unix_ms();
      if (result.status() != v1::JOB_STATUS_OK) continue;
      for (const v1::Sample& s : result.samples()) {
        if (!s.warmup()) point.walls.push_back(static_cast<double>(s.wall_ns()));
      }
    }
    kept.push_back(&run);
    // A row this run did not have gets an empty point.
    for (RowHistory& row : rows) {
      if (row.points.size() < kept.size()) {
        row.points.push_back({.run_id = run.run_id(), .started_unix_ms = run.started_unix_ms()});
      }
    }
  }
  // Rows in the order a report lists them: the newest plan's model order, then concurrency,
  // then sweep value as first seen.
  if (!kept.empty()) {
    const auto& models = kept.back()->plan().models();
    auto rank = [&](const std::string& model) {
      return std::find(models.begin(), models.end(), model) - models.begin();
    };
    std::stable_sort(rows.begin(), rows.end(), [&](const RowHistory& a, const RowHistory& b) {
      return std::make_pair(rank(a.model), a.concurrency) <
             std::make_pair(rank(b.model), b.concurrency);
    });
  }
  for (RowHistory& row : rows) row.flags = FlagChanges(row.points);
  return rows;
}

}  // namespace parlab::results
