#include "parlab/coordinator/service.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "parlab/coordinator/cancel.h"
#include "parlab/coordinator/plan.h"
#include "parlab/coordinator/run_plan.h"
#include "parlab/coordinator/worker_client.h"

namespace parlab::coordinator {

grpc::Status CoordinatorServiceImpl::SubmitRun(grpc::ServerContext* context,
                                               const v1::SubmitRunRequest* request,
                                               grpc::ServerWriter<v1::RunEvent>* writer) {
  absl::Status valid = ValidatePlan(request->plan());
  if (!valid.ok()) return ToGrpc(valid);
  std::vector<std::string> workers(request->workers().begin(), request->workers().end());
  if (workers.empty()) workers = workers_;
  if (workers.empty()) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "workers: the request names none and the coordinator has none "
                        "(start it with --workers)");
  }

  // The sync API has no "client went away" callback: poll, and cancel the run's worker calls
  // (which kills their runners) once the client is gone.
  RunCanceller canceller;
  absl::Notification done;
  std::thread watcher([&] {
    while (!done.WaitForNotificationWithTimeout(absl::Milliseconds(100))) {
      if (context->IsCancelled()) {
        canceller.Cancel();
        return;
      }
    }
  });
  RunOptions options;
  options.connect_timeout = connect_timeout_;
  options.canceller = &canceller;
  absl::StatusOr<RunOutcome> outcome =
      RunPlan(request->plan(), workers, options, [&](const v1::RunEvent& event) {
        if (!writer->Write(event)) canceller.Cancel();
      });
  done.Notify();
  watcher.join();
  if (!outcome.ok()) return ToGrpc(outcome.status());
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::ListWorkers(grpc::ServerContext* context,
                                                 const v1::ListWorkersRequest* request,
                                                 v1::ListWorkersResponse* response) {
  absl::StatusOr<std::vector<v1::WorkerDescription>> workers =
      DescribeWorkers(workers_, connect_timeout_);
  if (!workers.ok()) return ToGrpc(workers.status());
  for (v1::WorkerDescription& worker : *workers) *response->add_workers() = std::move(worker);
  return grpc::Status::OK;
}

absl::StatusOr<std::unique_ptr<CoordinatorServer>> StartCoordinatorServer(
    const std::string& listen, std::vector<std::string> workers, absl::Duration connect_timeout) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: must be HOST:PORT, got \"", listen, "\""));
  }
  grpc::EnableDefaultHealthCheckService(true);
  auto service = std::make_unique<CoordinatorServiceImpl>(std::move(workers), connect_timeout);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(service.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("--listen: cannot bind \"", listen, "\""));
  }
  std::string address = absl::StrCat(listen.substr(0, colon), ":", port);
  return std::make_unique<CoordinatorServer>(std::move(service), std::move(server),
                                             std::move(address));
}

}  // namespace parlab::coordinator
