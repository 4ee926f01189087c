// `parlab compare` and `parlab export`: commands over runs already in the result store (the
// SQLite file of --store, default DefaultStorePath()) or a coordinator daemon's
// store (--coordinator). Both exit 0 on success, 2 when a run cannot be found or read.
//
//   parlab compare run-20260101T1200 latest (two runs: every row B against A)
//   parlab compare run-20260101T1200 latest@alpha --format markdown
//   parlab compare run-20260101T1200       (its two machines against each other)
//   parlab export latest --format gbench-json > run.json   (google/benchmark's compare.py)
#ifndef PARLAB_COORDINATOR_CLI_STORED_RUN_COMMANDS_H_
#define PARLAB_COORDINATOR_CLI_STORED_RUN_COMMANDS_H_

#include <functional>

#include "absl/strings/string_view.h"
#include "args.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::cli {

// options.compare: {A, B} (each RUN or RUN@HOST) or {RUN} (a run with exactly two machines).
int CompareCommand(const CliOptions& options);

// options.run_id through the reporter of options.format.
int ExportCommand(const CliOptions& options);

// What export and `results show` share: load options.run_id, re-aggregate, report in
// options.format; a run still running or incomplete gets a note that only the jobs that ended
// are `verb` ("exported", "shown"). `before_report`, if set, sees the run first.
int ReportStoredRun(const CliOptions& options, absl::string_view verb,
                    const std::function<void(const v1::RunRecord&)>& before_report = nullptr);

}  // namespace parlab::cli

#endif  // PARLAB_COORDINATOR_CLI_STORED_RUN_COMMANDS_H_
