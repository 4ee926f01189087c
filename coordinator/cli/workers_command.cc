// `parlab workers`: describe the workers (--workers directly, --coordinator via ListWorkers,
// or an auto-started local worker): machine, models, workloads, refused plugins.
#include <iostream>
#include <memory>

#include "absl/strings/str_format.h"
#include "commands.h"
#include "describe_workers.h"

namespace parlab::cli {
namespace {

void PrintText(const v1::ListWorkersResponse& response) {
  for (const v1::WorkerDescription& w : response.workers()) {
    const v1::MachineInfo& m = w.machine();
    std::cout << "worker " << w.address() << ": " << m.hostname() << ", " << m.cpu_model() << ", "
              << m.logical_cores() << " logical cores, "
              << absl::StrFormat("%.1f GiB", static_cast<double>(m.memory_bytes()) / (1 << 30))
              << ", " << m.kernel() << ", parlab " << m.parlab_version() << "\n";
    std::cout << "  models:\n";
    for (const v1::ModelInfo& model : w.models()) {
      std::string bound = model.max_concurrency() == 0
                              ? "any concurrency"
                              : absl::StrFormat("concurrency <= %d", model.max_concurrency());
      std::cout << absl::StrFormat("    %-16s %-8s %-18s %s\n", model.name(), model.version(),
                                   bound, model.description());
    }
    std::cout << "  workloads:\n";
    for (const v1::WorkloadInfo& workload : w.workloads()) {
      std::cout << absl::StrFormat("    %-16s %-8s %s (%s)\n", workload.kind(), workload.version(),
                                   workload.description(), workload.params());
    }
    if (w.refused_size() > 0) {
      std::cout << "  refused plugins:\n";
      for (const v1::RefusedPlugin& refused : w.refused()) {
        std::cout << "    " << refused.path() << ": " << refused.reason() << "\n";
      }
    }
  }
}

}  // namespace

int WorkersCommand(const CliOptions& options, Interrupt& interrupt) {
  absl::StatusOr<v1::ListWorkersResponse> response = DescribeWorkers(options, interrupt);
  if (!response.ok()) {
    std::cerr << "parlab: " << response.status().message() << "\n";
    return kExitUsage;
  }
  if (options.format == "json") {
    PrintJson(*response);
  } else {
    PrintText(*response);
  }
  return kExitOk;
}

}  // namespace parlab::cli
