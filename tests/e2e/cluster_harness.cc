#include "cluster_harness.h"

#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace parlab::scheduling {

std::unique_ptr<Daemon> StartCoordinator(const std::vector<std::string>& args,
                                         const std::string& err_path) {
  std::vector<std::string> argv = {PARLAB_COORDINATOR_BIN, "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<Daemon>(argv, err_path);
}

std::unique_ptr<Daemon> StartWorker(const std::vector<std::string>& args,
                                    const std::string& err_path) {
  std::vector<std::string> argv = {PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<Daemon>(argv, err_path);
}

std::unique_ptr<v1::CoordinatorService::Stub> CoordinatorStub(const std::string& address) {
  return v1::CoordinatorService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

std::vector<v1::WorkerStatus> Statuses(const std::string& coordinator) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  v1::ListWorkersResponse response;
  if (!CoordinatorStub(coordinator)->ListWorkers(&context, {}, &response).ok()) return {};
  return {response.statuses().begin(), response.statuses().end()};
}

bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return done();
}

Submitted Submit(const std::string& coordinator, const v1::SubmitRunRequest& request,
                 const std::function<void(const v1::RunEvent&)>& on_event, absl::Duration timeout) {
  Submitted submitted;
  auto stub = CoordinatorStub(coordinator);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  auto reader = stub->SubmitRun(&context, request);
  v1::RunEvent event;
  while (reader->Read(&event)) {
    submitted.events.push_back({absl::Now(), event});
    if (event.has_job_result()) submitted.results.push_back(event.job_result());
    if (event.has_finished()) submitted.finished = true;
    if (on_event) on_event(event);
  }
  submitted.status = reader->Finish();
  return submitted;
}

v1::Plan MakePlan(const std::string& kind, const std::map<std::string, std::string>& params,
                  const std::vector<std::string>& models, const std::vector<int>& concurrency,
                  int repetitions) {
  v1::Plan plan;
  plan.set_name("scheduling-test");
  plan.mutable_workload()->set_kind(kind);
  plan.mutable_workload()->mutable_params()->insert(params.begin(), params.end());
  for (const std::string& model : models) plan.add_models(model);
  for (int level : concurrency) plan.add_concurrency(level);
  plan.set_repetitions(repetitions);
  plan.set_warmup(0);
  return plan;
}

}  // namespace parlab::scheduling
