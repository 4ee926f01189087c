#include "describe_workers.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "local_worker.h"
#include "parlab/cluster/worker_client.h"
#include "parlab/common/grpc_status.h"
#include "parlab/v1/parlab.grpc.pb.h"

namespace parlab::cli {
namespace {

absl::StatusOr<v1::ListWorkersResponse> FromCoordinator(const CliOptions& options,
                                                        Interrupt& interrupt) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = cluster::ConnectChannel(
      "coordinator", options.coordinator, options.connect_timeout, &interrupt.canceller);
  if (!channel.ok()) return channel.status();
  auto stub = v1::CoordinatorService::NewStub(*channel);
  grpc::ClientContext context;
  // The coordinator describes its workers with its own timeout; leave it room for that.
  context.set_deadline(absl::ToChronoTime(absl::Now() + options.connect_timeout * 3));
  v1::ListWorkersResponse response;
  grpc::Status status = stub->ListWorkers(&context, v1::ListWorkersRequest(), &response);
  if (!status.ok()) return FromGrpcStatus(status);
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
  auto described = cluster::DescribeWorkers(addresses, options.connect_timeout);
  if (local != nullptr) {
    interrupt.local_worker_pgid = 0;
    local->Stop();
  }
  if (!described.ok()) return described.status();
  v1::ListWorkersResponse response;
  for (auto& d : *described) *response.add_workers() = std::move(d);
  return response;
}

}  // namespace

absl::StatusOr<v1::ListWorkersResponse> DescribeWorkers(const CliOptions& options,
                                                        Interrupt& interrupt) {
  return options.coordinator.empty() ? FromWorkers(options, interrupt)
                                     : FromCoordinator(options, interrupt);
}

void PrintJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.add_whitespace = true;
  print.preserve_proto_field_names = true;
  print.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, print);
  std::cout << json << "\n";
}

}  // namespace parlab::cli
