#include "parlab/results/history.h"

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
    stats::Comparison cmp = stats::CompareSamples(window, series[i].walls, kHistoryAlpha);
    if (cmp.verdict == stats::Verdict::kNoSignificantDifference || !cmp.ratio.has_value()) {
      continue;
    }
    // The whole interval must lie beyond the minimum change, not just the estimate: a median
    // that moved 5% by chance (about 3 standard errors with 5 repetitions of 3% noise) is not
    // flagged, a step of 10% or more is.
    if (!cmp.ratio->ci.has_value()) continue;
    const bool slower = cmp.ratio->ci->low > 1 + kHistoryMinChange;
    const bool faster = cmp.ratio->ci->high < 1 - kHistoryMinChange;
    if (!(cmp.verdict == stats::Verdict::kSlower ? slower : faster)) continue;
    flags.push_back({.index = i,
                     .verdict = cmp.verdict,
                     .ratio = cmp.ratio->value,
                     .ratio_ci = cmp.ratio->ci,
                     .p_value = cmp.u_test.p_value,
                     .window_runs = runs});
    since = i;  // a new level starts here: later runs are judged against it alone
  }
  return flags;
}

}  // namespace parlab::results
