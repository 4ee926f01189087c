// `parlab models`: the models each worker loaded (--workers, --coordinator, or a local worker
// started as `parlab run` does), with version and ABI version, and the plugins it refused.
#include "models_command.h"

#include <iostream>
#include <memory>

#include "absl/strings/str_format.h"
#include "describe_workers.h"
#include "parlab/report/escape.h"

namespace parlab::cli {
namespace {

void PrintTable(const v1::ListWorkersResponse& response) {
  for (const v1::WorkerDescription& worker : response.workers()) {
    std::cout << "worker " << worker.address() << " (" << worker.machine().hostname() << ")\n";
    std::cout << absl::StrFormat("  %-20s %-9s %-4s %-12s %-8s %s\n", "MODEL", "VERSION", "ABI",
                                 "CONCURRENCY", "BOUNDS", "PATH");
    for (const v1::ModelInfo& model : worker.models()) {
      const std::string bound =
          model.max_concurrency() == 0 ? "any" : absl::StrFormat("<= %d", model.max_concurrency());
      std::cout << absl::StrFormat("  %-20s %-9s %-4d %-12s %-8s %s\n", model.name(),
                                   model.version(), model.abi_version(), bound,
                                   model.concurrency_bounds(), model.path());
    }
    for (const v1::RefusedPlugin& refused : worker.refused()) {
      std::cout << "  refused " << refused.path() << ": " << refused.reason() << "\n";
    }
  }
}

}  // namespace

int ModelsCommand(const CliOptions& options, Interrupt& interrupt) {
  absl::StatusOr<v1::ListWorkersResponse> response = DescribeWorkers(options, interrupt);
  if (!response.ok()) {
    std::cerr << "parlab: " << report::EscapeControl(response.status().message()) << "\n";
    return kExitUsage;
  }
  if (options.format != "json") {
    PrintTable(*response);
    return kExitOk;
  }
  // Only what this command is about: addresses, models, refused plugins.
  for (v1::WorkerDescription& worker : *response->mutable_workers()) {
    worker.clear_machine();
    worker.clear_workloads();
  }
  PrintJson(*response);
  return kExitOk;
}

}  // namespace parlab::cli
