// `parlab models` and `parlab models validate PATH.so`: what a model author uses to see which
// models a worker loaded and whether a new plugin keeps the ABI contract.
//
//   parlab models                              # the auto-started local worker's models
//   parlab models --workers 10.0.0.5:4511 --format json
//   parlab models validate build/plugins/std_async.so   # exit 0: every check passed
#ifndef PARLAB_COORDINATOR_CLI_MODELS_COMMAND_H_
#define PARLAB_COORDINATOR_CLI_MODELS_COMMAND_H_

#include "args.h"
#include "commands.h"

namespace parlab::cli {

// Lists name, version, ABI version, concurrency bound and path of every model of every worker,
// and the plugins each refused. Exit 0, or 2 when no worker could be described.
int ModelsCommand(const CliOptions& options, Interrupt& interrupt);

// Runs `parlab-runner --validate --plugin PATH` (the runner next to this binary, in its own
// process group: the plugin is never loaded into the CLI) and prints its per-check report.
// Exit 0 every check passed, 1 a check failed (named), 2 the plugin file or runner is missing.
int ValidateCommand(const CliOptions& options, Interrupt& interrupt);

}  // namespace parlab::cli

#endif  // PARLAB_COORDINATOR_CLI_MODELS_COMMAND_H_
