// The coordinator daemon's gRPC service: SubmitRun runs a plan (RunPlan) on the request's
// workers or the daemon's own list and streams every RunEvent back; ListWorkers describes the
// daemon's workers. The gRPC health service is on.
//
//   PARLAB_ASSIGN_OR_RETURN(auto server,
//       StartCoordinatorServer("127.0.0.1:0", {"127.0.0.1:4511"}, absl::Seconds(5)));
//   std::cout << "parlab-coordinator listening on " << server->address() << std::endl;
//   server->Wait();
#ifndef PARLAB_COORDINATOR_SERVICE_H_
#define PARLAB_COORDINATOR_SERVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "parlab/v1/parlab.grpc.pb.h"

namespace parlab::coordinator {

class CoordinatorServiceImpl final : public v1::CoordinatorService::Service {
 public:
  CoordinatorServiceImpl(std::vector<std::string> workers, absl::Duration connect_timeout)
      : workers_(std::move(workers)), connect_timeout_(connect_timeout) {}

  grpc::Status SubmitRun(grpc::ServerContext* context, const v1::SubmitRunRequest* request,
                         grpc::ServerWriter<v1::RunEvent>* writer) override;
  grpc::Status ListWorkers(grpc::ServerContext* context, const v1::ListWorkersRequest* request,
                           v1::ListWorkersResponse* response) override;

 private:
  const std::vector<std::string> workers_;
  const absl::Duration connect_timeout_;
};

class CoordinatorServer {
 public:
  CoordinatorServer(std::unique_ptr<CoordinatorServiceImpl> service,
                    std::unique_ptr<grpc::Server> server, std::string address)
      : service_(std::move(service)), server_(std::move(server)), address_(std::move(address)) {}
  ~CoordinatorServer() { Shutdown(); }

  // "127.0.0.1:PORT" with the port actually bound.
  const std::string& address() const { return address_; }
  void Wait() { server_->Wait(); }
  // [thread-safe] Ends in-flight calls (their runs are cancelled) and stops serving.
  void Shutdown() { server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(2))); }

 private:
  std::unique_ptr<CoordinatorServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

// Binds `listen` ("127.0.0.1:0" picks a free port) and starts serving.
[[nodiscard]] absl::StatusOr<std::unique_ptr<CoordinatorServer>> StartCoordinatorServer(
    const std::string& listen, std::vector<std::string> workers, absl::Duration connect_timeout);

}  // namespace parlab::coordinator

#endif  // PARLAB_COORDINATOR_SERVICE_H_
