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

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server.h"
#include "parlab/cluster/registry.h"
#include "parlab/security/net_security.h"
#include "parlab/store/store.h"
#include "parlab/v1/parlab.grpc.pb.h"

namespace parlab::coordinator {

class CoordinatorServiceImpl final : public v1::CoordinatorService::Service {
 public:
  // `discovery`: hostfile, DNS name and heartbeat timeout of the registry (docs/cluster.md);
  // `workers` joins its list.
  CoordinatorServiceImpl(std::vector<std::string> workers, absl::Duration connect_timeout,
                         cluster::RegistryOptions discovery = {});

  grpc::Status SubmitRun(grpc::ServerContext* context, const v1::SubmitRunRequest* request,
                         grpc::ServerWriter<v1::RunEvent>* writer) override;
  grpc::Status ListWorkers(grpc::ServerContext* context, const v1::ListWorkersRequest* request,
                           v1::ListWorkersResponse* response) override;
  grpc::Status RegisterWorker(grpc::ServerContext* context,
                              const v1::RegisterWorkerRequest* request,
                              v1::RegisterWorkerResponse* response) override;
  grpc::Status Heartbeat(grpc::ServerContext* context, const v1::HeartbeatRequest* request,
                         v1::HeartbeatResponse* response) override;
  // The worker stopped cleanly: its registration goes now, not at the heartbeat timeout.
  grpc::Status DeregisterWorker(grpc::ServerContext* context,
                                const v1::DeregisterWorkerRequest* request,
                                v1::DeregisterWorkerResponse* response) override;

  // The store runs are recorded in and ListRuns/GetRun read (docs/results-store.md); null:
  // runs are not kept. Set before serving.
  void set_store(std::shared_ptr<store::ResultStore> store) { store_ = std::move(store); }
  grpc::Status ListRuns(grpc::ServerContext* context, const v1::ListRunsRequest* request,
                        v1::ListRunsResponse* response) override;
  grpc::Status GetRun(grpc::ServerContext* context, const v1::GetRunRequest* request,
                      v1::RunRecord* response) override;
  // Runs cut short from now on are stored "incomplete" rather than "cancelled": the
  // coordinator stopped, nobody cancelled them.
  void OnShutdown() { shutting_down_ = true; }

  cluster::WorkerRegistry& registry() { return registry_; }

  // Who may call what (docs/security.md): SubmitRun, ListWorkers, ListRuns and GetRun need the
  // submit role, RegisterWorker, Heartbeat and DeregisterWorker the worker role; SubmitRun.workers
  // naming an address the coordinator does not know needs admin. Default: open (everyone is admin).
  // Set before serving; owned by the service.
  void set_security(std::unique_ptr<security::ServerSecurity> security) {
    security_ = std::move(security);
  }
  const security::ServerSecurity& security() const { return *security_; }

 private:
  // Authorize() of the security, logging a refusal.
  grpc::Status Allow(const grpc::ServerContext& context, security::Role need,
                     absl::string_view method, security::Caller* caller) const;

  const std::vector<std::string> workers_;
  const absl::Duration connect_timeout_;
  cluster::WorkerRegistry registry_;
  std::shared_ptr<store::ResultStore> store_;
  std::unique_ptr<security::ServerSecurity> security_ = security::ServerSecurity::Open();
  std::atomic<bool> shutting_down_{false};
};

class CoordinatorServer {
 public:
  CoordinatorServer(std::unique_ptr<CoordinatorServiceImpl> service,
                    std::unique_ptr<grpc::Server> server, std::string address)
      : service_(std::move(service)), server_(std::move(server)), address_(std::move(address)) {}
  ~CoordinatorServer() { Shutdown(); }

  // "127.0.0.1:PORT" with the port actually bound.
  const std::string& address() const { return address_; }
  CoordinatorServiceImpl& service() { return *service_; }
  void Wait() { server_->Wait(); }
  // [thread-safe] Ends in-flight calls (their runs are cancelled) and stops serving.
  void Shutdown() {
    // Probes see NOT_SERVING while the runs drain (idempotent, so the destructor may call it).
    if (grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService()) {
      health->Shutdown();
    }
    service_->OnShutdown();
    server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  }

 private:
  std::unique_ptr<CoordinatorServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

// Binds `listen` ("127.0.0.1:0" picks a free port) and starts serving. `store` may be null;
// `security` null: an open server (plaintext, no tokens), which only a loopback address may be.
[[nodiscard]] absl::StatusOr<std::unique_ptr<CoordinatorServer>> StartCoordinatorServer(
    const std::string& listen, std::vector<std::string> workers, absl::Duration connect_timeout,
    cluster::RegistryOptions discovery = {}, std::shared_ptr<store::ResultStore> store = nullptr,
    std::unique_ptr<security::ServerSecurity> security = nullptr);

}  // namespace parlab::coordinator

#endif  // PARLAB_COORDINATOR_SERVICE_H_
