// The WorkerService gRPC implementation: Describe answers from the description taken at
// start-up (or at the last SIGHUP, see UpdatePlugins); RunJob runs one job at a time in a fresh
// runner process and streams its events.
//
//   WorkerServiceImpl service(runner_path, DescribePluginsOrRefusal(runner_path, dirs));
//   builder.RegisterService(&service);
//   ... after binding:  service.SetAddress("127.0.0.1:50051");
//   ... on SIGTERM:     service.BeginShutdown();  server->Shutdown(deadline);
#ifndef PARLAB_WORKER_WORKER_SERVICE_H_
#define PARLAB_WORKER_WORKER_SERVICE_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "parlab/security/net_security.h"
#include "parlab/v1/parlab.grpc.pb.h"
#include "parlab/v1/parlab.pb.h"
#include "parlab/worker/confined_runner.h"
#include "parlab/worker/job_cgroup.h"

namespace parlab {

// The checks a job must pass before a runner starts: returns the model it names, or
// INVALID_ARGUMENT (a missing or out-of-range field) / NOT_FOUND (unknown model or workload).
// The limits every plan meets (parlab/common/run_limits.h) against the worker's published
// max_concurrency; the numbers by runner::CheckJobFitsModel, as the runner checks them again;
// without job cgroups (job_process_limit "check"), concurrency against max_job_processes.
[[nodiscard]] absl::StatusOr<v1::ModelInfo> ValidateJob(const v1::WorkerDescription& worker,
                                                        const v1::Job& job);

class WorkerServiceImpl final : public v1::WorkerService::Service {
 public:
  // `description` is what the runner reported at start-up; its machine is filled in here.
  WorkerServiceImpl(std::string runner_path, v1::WorkerDescription description);

  // What every job's runner gets besides its job: the scratch root, the runner flags (limits,
  // --allow-http, --python-path; a workload check's runner gets them too) and the limits in
  // words (JobTarget's fields). Set before the server starts.
  void SetJobEnvironment(std::string scratch_root, std::vector<std::string> runner_limit_args,
                         std::string limits_description);

  // Each job's (and workload check's) cgroup comes from `cgroups` (none when it is not
  // available()), with pids.max max_job_processes + kRunnerOwnTasks. Set before the server
  // starts.
  void SetJobCgroups(std::unique_ptr<JobCgroups> cgroups, int32_t max_job_processes);

  // Who may call (TLS, tokens; docs/security.md): Describe and RunJob need the submit role.
  // Default: an open server. Set before the server starts; must outlive the service.
  void SetSecurity(const security::ServerSecurity* security) { security_ = security; }

  // The address clients reach this worker at; known only once the server has bound its port.
  void SetAddress(const std::string& address);
  // Replaces the models, workloads and refused plugins with a fresh description (SIGHUP);
  // machine and address stay. Jobs already running keep the plugin they started with; later
  // jobs see the new set.
  void UpdatePlugins(const v1::WorkerDescription& description);
  // Cancels the running job and every job still waiting for its turn.
  void BeginShutdown() { shutting_down_ = true; }
  // [thread-safe] What Describe answers; what the worker announces to a coordinator.
  v1::WorkerDescription Description();
  // [thread-safe] Whether a job is running now (the heartbeat's busy flag).
  bool busy() const { return running_jobs_.load() > 0; }

  grpc::Status Describe(grpc::ServerContext* context, const v1::DescribeRequest* request,
                        v1::WorkerDescription* response) override;
  // Checks a workload in a fresh runner (python: imports the module) before any job runs;
  // a workload that cannot run here is an OK call whose response names the error.
  grpc::Status CheckWorkload(grpc::ServerContext* context, const v1::CheckWorkloadRequest* request,
                             v1::CheckWorkloadResponse* response) override;
  grpc::Status RunJob(grpc::ServerContext* context, const v1::RunJobRequest* request,
                      grpc::ServerWriter<v1::JobEvent>* writer) override;

 private:
  const std::string runner_path_;
  const security::ServerSecurity* security_ = nullptr;
  std::string scratch_root_;
  std::string limits_description_;
  std::unique_ptr<JobCgroups> cgroups_;
  RunnerConfinement confinement_;  // its cgroups point into cgroups_
  std::mutex description_mutex_;
  v1::WorkerDescription description_;  // guarded by description_mutex_
  // One job at a time: benchmarks running side by side would disturb each other's timings.
  std::timed_mutex job_mutex_;
  std::atomic<bool> shutting_down_{false};
  std::atomic<int> running_jobs_{0};
};

}  // namespace parlab

#endif  // PARLAB_WORKER_WORKER_SERVICE_H_
