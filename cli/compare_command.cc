// `parlab compare A B` / `parlab compare RUN`: load the runs, pick the machines, compare row by
// row (coordinator/compare.h), print.
#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commands.h"
#include "parlab/common/status_macros.h"
#include "parlab/report/compare_reporter.h"
#include "parlab/report/escape.h"
#include "parlab/results/compare.h"
#include "run_source.h"
#include "stored_run_commands.h"

namespace parlab::cli {
namespace {

namespace stats = results::stats;

absl::StatusOr<results::CompareSide> LoadSide(const CliOptions& options, const std::string& text) {
  results::RunSelector selector = results::ParseRunSelector(text);
  PARLAB_ASSIGN_OR_RETURN(v1::RunRecord run, LoadRunFrom(options, selector.run));
  return results::SelectSide(run, selector.host);
}

absl::StatusOr<std::pair<results::CompareSide, results::CompareSide>> LoadSides(
    const CliOptions& options) {
  if (options.compare.size() == 1) {
    results::RunSelector selector = results::ParseRunSelector(options.compare[0]);
    if (!selector.host.empty()) {
      return absl::InvalidArgumentError(
          "compare: one RUN@MACHINE has nothing to compare with; give A and B");
    }
    PARLAB_ASSIGN_OR_RETURN(v1::RunRecord run, LoadRunFrom(options, selector.run));
    return results::SidesOfOneRun(run);
  }
  PARLAB_ASSIGN_OR_RETURN(results::CompareSide a, LoadSide(options, options.compare[0]));
  PARLAB_ASSIGN_OR_RETURN(results::CompareSide b, LoadSide(options, options.compare[1]));
  return std::make_pair(std::move(a), std::move(b));
}

// "threads x4 (sweep 1000): B/A 1.212 [1.150, 1.301], p 0.000183".
std::string GateLine(const results::ComparedRow& row) {
  const stats::Comparison& cmp = *row.comparison;
  return absl::StrFormat(
      "%s x%d%s: B/A %.3f [%.3f, %.3f], p %.3g", report::EscapeControl(row.model), row.concurrency,
      row.sweep_value.empty() ? ""
                              : absl::StrCat(" (", report::EscapeControl(row.sweep_value), ")"),
      cmp.ratio->value, cmp.ratio->ci->low, cmp.ratio->ci->high, cmp.u_test.p_value);
}

// --fail-if-slower: 1 when some row failed the gate, with the rows on stderr.
int GateExit(const results::RunComparison& comparison, const results::SlowdownGate& gate) {
  for (size_t i : gate.inconclusive) {
    std::cerr << "parlab: compare: not failing on " << GateLine(comparison.rows[i])
              << ": its interval is above +" << gate.pct
              << "% but the U test does not call it slower (more repetitions settle it)\n";
  }
  if (gate.failed.empty()) {
    std::cerr << "parlab: compare: no row of B is significantly slower than A by more than "
              << gate.pct << "%\n";
    return kExitOk;
  }
  std::cerr << "parlab: compare: " << gate.failed.size() << " row"
            << (gate.failed.size() == 1 ? "" : "s") << " of B slower than A by more than "
            << gate.pct << "% (95% CI above +" << gate.pct << "% and the U test says slower):\n";
  for (size_t i : gate.failed) std::cerr << "  " << GateLine(comparison.rows[i]) << "\n";
  return kExitJobFailed;  // 1: a runtime failure, as the gate's callers expect
}

}  // namespace

int CompareCommand(const CliOptions& options) {
  absl::StatusOr<std::pair<results::CompareSide, results::CompareSide>> sides = LoadSides(options);
  if (!sides.ok()) {
    std::cerr << "parlab: " << report::EscapeControl(sides.status().message()) << "\n";
    return kExitUsage;
  }
  for (const results::CompareSide* side : {&sides->first, &sides->second}) {
    if (side->run.state() == "incomplete" || side->run.state() == "running") {
      std::cerr << "parlab: run " << side->run.run_id() << " is " << side->run.state()
                << ": only the jobs that ended are compared\n";
    }
  }
  results::RunComparison comparison = results::CompareRuns(sides->first, sides->second);
  if (absl::Status status = report::ReportComparison(comparison, options.format, std::cout);
      !status.ok()) {
    std::cerr << "parlab: " << report::EscapeControl(status.message()) << "\n";
    return kExitUsage;
  }
  if (options.fail_if_slower_pct.has_value()) {
    return GateExit(comparison, results::GateSlowdown(comparison, *options.fail_if_slower_pct));
  }
  return kExitOk;
}

}  // namespace parlab::cli
