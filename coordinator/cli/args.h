// Command-line parsing for the `parlab` CLI, kept apart from main() so it is unit-tested.
//
//   PARLAB_ASSIGN_OR_RETURN(CliOptions options, ParseCliArgs(argc, argv));
//   if (options.command == CliCommand::kRun) ...
//
// Errors name the argument and the value: `--format: must be table or json, got "xml"`.
#ifndef PARLAB_COORDINATOR_CLI_ARGS_H_
#define PARLAB_COORDINATOR_CLI_ARGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace parlab::cli {

enum class CliCommand { kHelp, kVersion, kRun, kWorkers, kModels, kModelsValidate };

struct CliOptions {
  CliCommand command = CliCommand::kHelp;
  std::string plan_path;             // run
  std::string plugin_path;           // models validate PATH.so
  std::vector<std::string> workers;  // --workers a:1,b:2
  std::string coordinator;           // --coordinator ADDR
  std::string format = "table";      // --format table|json
  absl::Duration connect_timeout = absl::Seconds(5);
  std::string plugins;  // --plugins DIR[:DIR]: for the auto-started local worker
};

extern const char kUsage[];

[[nodiscard]] absl::StatusOr<CliOptions> ParseCliArgs(const std::vector<std::string>& args);

}  // namespace parlab::cli

#endif  // PARLAB_COORDINATOR_CLI_ARGS_H_
