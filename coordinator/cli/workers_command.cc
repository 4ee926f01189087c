// `parlab workers`: describe the workers (--workers directly, --coordinator via ListWorkers,
// or an auto-started local worker): machine, models, workloads, refused plugins.
#include <iostream>
#include <memory>

#include "absl/strings/str_format.h"
#include "commands.h"
#include "google/protobuf/util/json_util.h"
#include "local_worker.h"
#include "parlab/coordinator/worker_client.h"
#include "parlab/v1/parlab.grpc.pb.h"

namespace parlab::cli {
namespace {

absl::StatusOr<v1::ListWorkersResponse> ListFromCoordinator(const CliOptions& options,
                                                            Interrupt& interrupt) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = coordinator::ConnectChannel(
      "coordinator", options.coordinator, options.connect_timeout, &interrupt.canceller);
  if (!channel.ok()) return channel.status();
  auto stub = v1::CoordinatorService::NewStub(*channel);
  grpc::ClientContext context;
  // The coordinator describes its workers with its own timeout; leave it room for that.
  context.set_deadline(absl::ToChronoTime(absl::Now() + options.connect_timeout * 3));
  v1::ListWorkersResponse response;
  grpc::Status status = stub->ListWorkers(&context, v1::ListWorkersRequest(), &response);
  if (!status.ok()) return coordinator::FromGrpc(status);
  return response;
}

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
  absl::StatusOr<v1::ListWorkersResponse> response;
  std::unique_ptr<LocalWorker> local;
  if (!options.coordinator.empty()) {
    response = ListFromCoordinator(options, interrupt);
  } else {
    std::vector<std::string> addresses = options.workers;
    if (addresses.empty()) {
      auto started = LocalWorker::Start(DefaultWorkerPath(), options.plugins, absl::Seconds(15));
      if (!started.ok()) {
        std::cerr << "parlab: " << started.status().message() << "\n";
        return kExitUsage;
      }
      local = *std::move(started);
      interrupt.local_worker_pgid = local->pid();
      addresses = {local->address()};
    }
    auto described = coordinator::DescribeWorkers(addresses, options.connect_timeout);
    if (described.ok()) {
      response.emplace();
      for (auto& d : *described) *response->add_workers() = std::move(d);
    } else {
      response = described.status();
    }
  }
  if (local != nullptr) {
    interrupt.local_worker_pgid = 0;
    local->Stop();
  }
  if (!response.ok()) {
    std::cerr << "parlab: " << response.status().message() << "\n";
    return kExitUsage;
  }
  if (options.format == "json") {
    std::string json;
    google::protobuf::util::JsonPrintOptions print;
    print.add_whitespace = true;
    print.preserve_proto_field_names = true;
    print.always_print_primitive_fields = true;  // max_concurrency 0 means "unbounded"
    (void)google::protobuf::util::MessageToJsonString(*response, &json, print);
    std::cout << json << "\n";
  } else {
    PrintText(*response);
  }
  return kExitOk;
}

}  // namespace parlab::cli
