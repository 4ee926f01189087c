// The CLI's cluster flags (--select, --mode, --hostfile, --workers-dns) and what they change:
// the plan's mode and selection, and the worker list a command uses.
//
//   if (IsClusterFlag(arg)) PARLAB_RETURN_IF_ERROR(ParseClusterFlag(arg, value, options));
//   ApplyClusterFlags(options, plan);                       // --select / --mode override
//   PARLAB_ASSIGN_OR_RETURN(std::vector<std::string> w, ResolveWorkers(options));
#ifndef PARLAB_COORDINATOR_CLI_CLUSTER_ARGS_H_
#define PARLAB_COORDINATOR_CLI_CLUSTER_ARGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "args.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::cli {

bool IsClusterFlag(const std::string& flag);

// Errors name the flag and the value: `--select: expected KEY=VALUE[,KEY=VALUE], got "rack"`.
[[nodiscard]] absl::Status ParseClusterFlag(const std::string& flag, const std::string& value,
                                            CliOptions& options);

// --select replaces plan.select, --mode plan.mode (the plan file's values otherwise).
void ApplyClusterFlags(const CliOptions& options, v1::Plan& plan);

// --workers, then the --hostfile's, then every address --workers-dns resolves to (without
// duplicates). Empty when none of them is given.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> ResolveWorkers(const CliOptions& options);

}  // namespace parlab::cli

#endif  // PARLAB_COORDINATOR_CLI_CLUSTER_ARGS_H_
