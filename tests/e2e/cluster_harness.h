// Helpers of the scheduling tests: a coordinator daemon and worker daemons on loopback ports
// (tests/e2e/process.h), a gRPC stub to the coordinator, and SubmitRun collected into events.
//
//   Daemon coordinator = StartCoordinator({"--heartbeat-timeout", "2"});
//   Daemon worker = StartWorker({"--coordinator", coordinator.address()});
//   Submitted run = Submit(coordinator.address(), request);
#ifndef PARLAB_TESTS_SCHEDULING_CLUSTER_HARNESS_H_
#define PARLAB_TESTS_SCHEDULING_CLUSTER_HARNESS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "parlab/v1/parlab.grpc.pb.h"
#include "process.h"

namespace parlab::scheduling {

using e2e::Daemon;

// `err_path`: where its stderr (the logfmt event lines) goes; empty: the test's stderr.
std::unique_ptr<Daemon> StartCoordinator(const std::vector<std::string>& args,
                                         const std::string& err_path = "");
std::unique_ptr<Daemon> StartWorker(const std::vector<std::string>& args,
                                    const std::string& err_path = "");

std::unique_ptr<v1::CoordinatorService::Stub> CoordinatorStub(const std::string& address);

// ListWorkers' statuses (empty on an RPC error).
std::vector<v1::WorkerStatus> Statuses(const std::string& coordinator);

// Polls `done` every 50 ms until it holds or `timeout` passes; returns whether it held.
bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout);

struct ReceivedEvent {
  absl::Time at;  // when the client received it
  v1::RunEvent event;
};

struct Submitted {
  grpc::Status status;
  std::vector<ReceivedEvent> events;
  std::vector<v1::JobResult> results;  // the job_result events, in order
  bool finished = false;
};

// SubmitRun to the end (at most `timeout`); `on_event` (optional) sees each event as it comes.
Submitted Submit(const std::string& coordinator, const v1::SubmitRunRequest& request,
                 const std::function<void(const v1::RunEvent&)>& on_event = nullptr,
                 absl::Duration timeout = absl::Seconds(90));

// A plan of `kind` with `params`, under `models` at `concurrency`, interleaved.
v1::Plan MakePlan(const std::string& kind, const std::map<std::string, std::string>& params,
                  const std::vector<std::string>& models, const std::vector<int>& concurrency,
                  int repetitions);

}  // namespace parlab::scheduling

#endif  // PARLAB_TESTS_SCHEDULING_CLUSTER_HARNESS_H_
