// `parlab workers`: every worker with its state (idle / busy / lost), labels and last-seen
// time, then each reachable worker's machine, models, workloads and refused plugins. Sources:
// --coordinator (its registry, via ListWorkers), --workers / --hostfile / --workers-dns (each
// health-checked here), or an auto-started local worker.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "commands.h"
#include "describe_workers.h"
#include "parlab/cluster/discovery.h"
#include "parlab/cluster/registry.h"
#include "parlab/report/escape.h"

namespace parlab::cli {
namespace {

std::string LastSeen(int64_t unix_ms) {
  if (unix_ms <= 0) return "never";
  const double ago = absl::ToDoubleSeconds(absl::Now() - absl::FromUnixMillis(unix_ms));
  return absl::StrFormat("%.1f s ago", ago < 0 ? 0.0 : ago);
}

void PrintStatusTable(const v1::ListWorkersResponse& response) {
  std::cout << absl::StrFormat("%-24s %-20s %5s  %-20s %-5s %-12s %s\n", "ADDRESS", "HOSTNAME",
                               "CORES", "LABELS", "STATE", "LAST SEEN", "SOURCE");
  for (const v1::WorkerStatus& status : response.statuses()) {
    const v1::WorkerDescription& w = status.description();
    const std::string labels = cluster::FormatLabels(w.labels());
    std::cout << absl::StrFormat("%-24s %-20s %5d  %-20s %-5s %-12s %s\n", w.address(),
                                 w.machine().hostname().empty() ? "-" : w.machine().hostname(),
                                 w.machine().logical_cores(), labels.empty() ? "-" : labels,
                                 status.state(), LastSeen(status.last_seen_unix_ms()),
                                 status.source());
    if (!status.lost_reason().empty()) std::cout << "  lost: " << status.lost_reason() << "\n";
  }
}

// Short form (the default): one line per worker naming its models and workloads.
void PrintSummary(const v1::ListWorkersResponse& response) {
  for (const v1::WorkerDescription& w : response.workers()) {
    std::vector<std::string> models;
    for (const v1::ModelInfo& model : w.models()) models.push_back(model.name());
    std::vector<std::string> workloads;
    for (const v1::WorkloadInfo& workload : w.workloads()) workloads.push_back(workload.kind());
    std::cout << "\n"
              << w.address() << ": models " << absl::StrJoin(models, ", ") << "; workloads "
              << absl::StrJoin(workloads, ", ");
    if (w.refused_size() > 0) std::cout << "; " << w.refused_size() << " plugin(s) refused";
    std::cout << "\n";
  }
  if (response.workers_size() > 0) std::cout << "\n(--long: versions, descriptions, parameters)\n";
}

void PrintDetails(const v1::ListWorkersResponse& response) {
  for (const v1::WorkerDescription& w : response.workers()) {
    const v1::MachineInfo& m = w.machine();
    std::cout << "\nworker " << w.address() << ": " << m.hostname() << ", " << m.cpu_model() << ", "
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

// --workers / --hostfile / --workers-dns: health-check each here, as a coordinator would.
absl::StatusOr<v1::ListWorkersResponse> FromListedWorkers(const CliOptions& options) {
  cluster::RegistryOptions listed;
  listed.workers = options.workers;
  listed.hostfile = options.hostfile;
  listed.workers_dns = options.workers_dns;
  listed.heartbeat_timeout = options.connect_timeout;
  cluster::WorkerRegistry registry(listed);
  absl::StatusOr<std::vector<v1::WorkerStatus>> statuses = registry.Statuses();
  if (!statuses.ok()) return statuses.status();
  v1::ListWorkersResponse response;
  for (v1::WorkerStatus& status : *statuses) {
    if (status.state() != cluster::kStateLost) *response.add_workers() = status.description();
    *response.add_statuses() = std::move(status);
  }
  return response;
}

}  // namespace

int WorkersCommand(const CliOptions& options, Interrupt& interrupt) {
  const bool listed =
      !options.workers.empty() || !options.hostfile.empty() || !options.workers_dns.empty();
  absl::StatusOr<v1::ListWorkersResponse> response = listed && options.coordinator.empty()
                                                         ? FromListedWorkers(options)
                                                         : DescribeWorkers(options, interrupt);
  if (!response.ok()) {
    std::cerr << "parlab: " << report::EscapeControl(response.status().message()) << "\n";
    return kExitUsage;
  }
  // A local worker (or an older coordinator) gives descriptions only: they answered just now.
  if (response->statuses_size() == 0) {
    for (const v1::WorkerDescription& worker : response->workers()) {
      v1::WorkerStatus* status = response->add_statuses();
      *status->mutable_description() = worker;
      status->set_state(cluster::kStateIdle);
      status->set_last_seen_unix_ms(absl::ToUnixMillis(absl::Now()));
      status->set_source(options.coordinator.empty() ? "local" : "list");
    }
  }
  if (options.format == "json") {
    PrintJson(*response);
  } else {
    PrintStatusTable(*response);
    options.long_listing ? PrintDetails(*response) : PrintSummary(*response);
  }
  for (const v1::WorkerStatus& status : response->statuses()) {
    if (status.state() == cluster::kStateLost) return kExitJobFailed;
  }
  return kExitOk;
}

}  // namespace parlab::cli
