// `parlab compare A B` / `parlab compare RUN`: load the runs, pick the machines, compare row by
// row (coordinator/compare.h), print.
#include <iostream>
#include <utility>

#include "commands.h"
#include "parlab/common/status_macros.h"
#include "parlab/coordinator/compare.h"
#include "run_source.h"
#include "stored_run_commands.h"

namespace parlab::cli {
namespace {

absl::StatusOr<coordinator::CompareSide> LoadSide(const CliOptions& options,
                                                  const std::string& text) {
  coordinator::RunSelector selector = coordinator::ParseRunSelector(text);
  PARLAB_ASSIGN_OR_RETURN(v1::RunRecord run, LoadRunFrom(options, selector.run));
  return coordinator::SelectSide(run, selector.host);
}

absl::StatusOr<std::pair<coordinator::CompareSide, coordinator::CompareSide>> LoadSides(
    const CliOptions& options) {
  if (options.compare.size() == 1) {
    coordinator::RunSelector selector = coordinator::ParseRunSelector(options.compare[0]);
    if (!selector.host.empty()) {
      return absl::InvalidArgumentError(
          "compare: one RUN@HOST has nothing to compare with; give A and B");
    }
    PARLAB_ASSIGN_OR_RETURN(v1::RunRecord run, LoadRunFrom(options, selector.run));
    return coordinator::SidesOfOneRun(run);
  }
  PARLAB_ASSIGN_OR_RETURN(coordinator::CompareSide a, LoadSide(options, options.compare[0]));
  PARLAB_ASSIGN_OR_RETURN(coordinator::CompareSide b, LoadSide(options, options.compare[1]));
  return std::make_pair(std::move(a), std::move(b));
}

}  // namespace

int CompareCommand(const CliOptions& options) {
  absl::StatusOr<std::pair<coordinator::CompareSide, coordinator::CompareSide>> sides =
      LoadSides(options);
  if (!sides.ok()) {
    std::cerr << "parlab: " << sides.status().message() << "\n";
    return kExitUsage;
  }
  for (const coordinator::CompareSide* side : {&sides->first, &sides->second}) {
    if (side->run.state() == "incomplete" || side->run.state() == "running") {
      std::cerr << "parlab: run " << side->run.run_id() << " is " << side->run.state()
                << ": only the jobs that ended are compared\n";
    }
  }
  coordinator::RunComparison comparison = coordinator::CompareRuns(sides->first, sides->second);
  if (absl::Status status = coordinator::ReportComparison(comparison, options.format, std::cout);
      !status.ok()) {
    std::cerr << "parlab: " << status.message() << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace parlab::cli
