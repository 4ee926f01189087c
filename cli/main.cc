// parlab: the command-line front end. Thin: parse, install the Ctrl-C watcher, dispatch.
//
//   parlab run plans/cpu-sieve.json --format json
//   parlab workers --workers 10.0.0.5:4511
//   parlab models validate build/plugins/my_model.so
#include <signal.h>

#include <iostream>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "models_command.h"
#include "parlab/common/machine_info.h"
#include "parlab/coordinator/signal_watcher.h"
#include "parlab/report/escape.h"
#include "results_command.h"
#include "stored_run_commands.h"

int main(int argc, char** argv) {
  using namespace parlab::cli;
  absl::StatusOr<CliOptions> options =
      ParseCliArgs(std::vector<std::string>(argv + 1, argv + argc));
  if (!options.ok()) {
    std::cerr << "parlab: " << parlab::report::EscapeControl(options.status().message())
              << "\n(see parlab --help)\n";
    return kExitUsage;
  }
  switch (options->command) {
    case CliCommand::kHelp:
      std::cout << (options->help_topic.empty() ? Usage() : CommandUsage(options->help_topic));
      return kExitOk;
    case CliCommand::kVersion:
      std::cout << "parlab " << parlab::kParlabVersion << "\n";
      return kExitOk;
    default:
      break;
  }
  // One client identity for every channel to a daemon (TLS, token); the local worker and a store
  // file need none.
  if (TalksToDaemons(*options)) {
    absl::StatusOr<parlab::security::ClientSecurity> security = ClientSecurityOf(*options);
    if (!security.ok()) {
      std::cerr << "parlab: " << parlab::report::EscapeControl(security.status().message()) << "\n";
      return kExitUsage;
    }
    parlab::security::SetProcessClientSecurity(*std::move(security));
  }
  // A closed stdout (`parlab run p.json | head`) must be an error we survive, not a signal that
  // kills us before the local worker is stopped.
  signal(SIGPIPE, SIG_IGN);
  // Before any gRPC thread exists, so every thread inherits the blocked SIGINT/SIGTERM.
  Interrupt interrupt;
  parlab::coordinator::SignalWatcher watcher([&interrupt](int) { interrupt.OnSignal(); });
  if (options->command == CliCommand::kWorkers) return WorkersCommand(*options, interrupt);
  if (options->command == CliCommand::kModels) return ModelsCommand(*options, interrupt);
  if (options->command == CliCommand::kModelsValidate) return ValidateCommand(*options, interrupt);
  if (options->command == CliCommand::kResultsList) return ResultsListCommand(*options);
  if (options->command == CliCommand::kResultsShow) return ResultsShowCommand(*options);
  if (options->command == CliCommand::kCompare) return CompareCommand(*options);
  if (options->command == CliCommand::kExport) return ExportCommand(*options);
  if (options->command == CliCommand::kServe) return ServeCommand(*options, interrupt);
  return RunCommand(*options, interrupt);
}
