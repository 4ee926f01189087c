// `parlab models`: the models each worker loaded (--workers, --coordinator, or a local worker
// started as `parlab run` does), with version and ABI version, and the plugins it refused.
#include "models_command.h"

#include <iostream>
#include <memory>

#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "local_worker.h"
#include "parlab/coordinator/worker_client.h"
#include "parlab/v1/parlab.grpc.pb.h"

namespace parlab::cli {
namespace {

absl::StatusOr<v1::ListWorkersResponse> FromCoordinator(const CliOptions& options,
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

absl::StatusOr<v1::ListWorkersResponse> FromWorkers(const CliOptions& options,
                                                    Interrupt& interrupt) {
  std::vector<std::string> addresses = options.workers;
  std::unique_ptr<LocalWorker> local;
  if (addresses.empty()) {
    absl::StatusOr<std::unique_ptr<LocalWorker>> started =
        LocalWorker::Start(DefaultWorkerPath(), options.plugins, absl::Seconds(15));
    if (!started.ok()) return started.status();
    local = *std::move(started);
    interrupt.local_worker_pgid = local->pid();
    addresses = {local->address()};
  }
  auto described = coordinator::DescribeWorkers(addresses, options.connect_timeout);
  if (local != nullptr) {
    interrupt.local_worker_pgid = 0;
    local->Stop();
  }
  if (!described.ok()) return described.status();
  v1::ListWorkersResponse response;
  for (auto& d : *described) *response.add_workers() = std::move(d);
  return response;
}

void PrintTable(const v1::ListWorkersResponse& response) {
  for (const v1::WorkerDescription& worker : response.workers()) {
    std::cout << "worker " << worker.address() << " (" << worker.machine().hostname() << ")\n";
    std::cout << absl::StrFormat("  %-20s %-9s %-4s %-12s %-8s %s\n", "MODEL", "VERSION", "ABI",
                                 "CONCURRENCY", "BOUNDS", "PATH");
    for (const v1::ModelInfo& model : worker.models()) {
      const std::string bound = model.max_concurrency() == 0
                                    ? "any"
                                    : absl::StrFormat("<= %d", model.max_concurrency());
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
  absl::StatusOr<v1::ListWorkersResponse> response =
      options.coordinator.empty() ? FromWorkers(options, interrupt)
                                  : FromCoordinator(options, interrupt);
  if (!response.ok()) {
    std::cerr << "parlab: " << response.status().message() << "\n";
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
  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.add_whitespace = true;
  print.preserve_proto_field_names = true;
  print.always_print_primitive_fields = true;  // max_concurrency 0 means "unbounded"
  (void)google::protobuf::util::MessageToJsonString(*response, &json, print);
  std::cout << json << "\n";
  return kExitOk;
}

}  // namespace parlab::cli
