// `parlab results list` and `parlab results show RUN`: the runs kept in the result store (the
// SQLite file of --store, default DefaultStorePath(), or a coordinator daemon's
// store with --coordinator).
//
//   parlab results list --limit 10
//   parlab results show latest --format json
//   parlab results show run-20260101T1200 --coordinator 10.0.0.2:4510
#ifndef PARLAB_COORDINATOR_CLI_RESULTS_COMMAND_H_
#define PARLAB_COORDINATOR_CLI_RESULTS_COMMAND_H_

#include <ostream>
#include <vector>

#include "args.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::cli {

// One line per run, newest first (--format table), or a JSON array. Exit 0, or 2 when the store
// or coordinator cannot be read.
int ResultsListCommand(const CliOptions& options);

// Re-aggregates the stored samples and prints them through the reporter of --format, exactly
// as `parlab run` would have. Exit 0, or 2 when the run is not found.
int ResultsShowCommand(const CliOptions& options);

// The text of `results list` (tested directly).
void PrintRunTable(const std::vector<v1::RunSummary>& runs, std::ostream& out);
void PrintRunJson(const std::vector<v1::RunSummary>& runs, std::ostream& out);

}  // namespace parlab::cli

#endif  // PARLAB_COORDINATOR_CLI_RESULTS_COMMAND_H_
