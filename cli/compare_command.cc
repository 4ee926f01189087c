// `parlab compare A B` / `parlab compare RUN`: load the runs, pick the machines, compare row by
// row (coordinator/compare.h), print.
#include <iostream>
#include <utility>

#include "commands.h"
#include "parlab/common/status_macros.h"
#include "parlab/report/compare_reporter.h"
#include "parlab/report/escape.h"
#include "parlab/results/compare.h"
#include "run_source.h"
#include "stored_run_commands.h"

namespace parlab::cli {
namespace {

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
  return kExitOk;
}

}  // namespace parlab::cli
