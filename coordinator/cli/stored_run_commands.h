// `parlab compare` and `parlab export`: commands over runs already in the result store (the
// SQLite file of --store, default coordinator::DefaultStorePath()) or a coordinator daemon's
// store (--coordinator). Both exit 0 on success, 2 when a run cannot be found or read.
//
//   parlab compare run-20260101T1200 latest (two runs: every row B against A)
//   parlab compare run-20260101T1200 latest@alpha --format markdown
//   parlab compare run-20260101T1200       (its two machines against each other)
//   parlab export latest --format gbench-json > run.json   (google/benchmark's compare.py)
#ifndef PARLAB_COORDINATOR_CLI_STORED_RUN_COMMANDS_H_
#define PARLAB_COORDINATOR_CLI_STORED_RUN_COMMANDS_H_

#include "args.h"

namespace parlab::cli {

// options.compare: {A, B} (each RUN or RUN@HOST) or {RUN} (a run with exactly two machines).
int CompareCommand(const CliOptions& options);

// options.run_id through the reporter of options.format.
int ExportCommand(const CliOptions& options);

}  // namespace parlab::cli

#endif  // PARLAB_COORDINATOR_CLI_STORED_RUN_COMMANDS_H_
