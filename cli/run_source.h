// Where a stored run is read from, for every command that shows a past run (`results show`,
// `compare`, `export`): the coordinator daemon's GetRun when --coordinator is given, else the
// SQLite store named by --store (default: DefaultStorePath()).
//
//   PARLAB_ASSIGN_OR_RETURN(v1::RunRecord run, LoadRunFrom(options, "latest"));
//   std::vector<ResultRow> rows = Aggregate(run.plan(), workers, results);
//
// run_id may be a full id, a unique prefix of one, or "latest". Errors name the store or the
// coordinator: `run "run-2099": not in the store /home/me/.local/share/parlab/runs.db`.
#ifndef PARLAB_COORDINATOR_CLI_RUN_SOURCE_H_
#define PARLAB_COORDINATOR_CLI_RUN_SOURCE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "args.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::cli {

// The store file the options name: --store, else the default one.
std::string StorePathFrom(const CliOptions& options);

[[nodiscard]] absl::StatusOr<v1::RunRecord> LoadRunFrom(const CliOptions& options,
                                                        const std::string& run_id);

// A run reference, the one syntax of `export`, `results show` and `compare`: RUN (a full id, a
// unique prefix or `latest`), optionally @MACHINE (a hostname, a worker address, or
// HOST@ADDRESS when two machines share a hostname) to keep just that machine of the run.
[[nodiscard]] absl::StatusOr<v1::RunRecord> LoadRunReference(const CliOptions& options,
                                                             const std::string& reference);

// Newest first; limit 0: every run.
[[nodiscard]] absl::StatusOr<std::vector<v1::RunSummary>> ListRunsFrom(const CliOptions& options,
                                                                       int limit);

}  // namespace parlab::cli

#endif  // PARLAB_COORDINATOR_CLI_RUN_SOURCE_H_
