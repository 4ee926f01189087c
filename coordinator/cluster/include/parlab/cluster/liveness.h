// Noticing a worker that dies in the middle of a job. A SIGKILLed worker closes its TCP
// connection and the job's stream fails at once; a cut link (a pulled cable, a network
// namespace torn down) closes nothing, so a LivenessWatch pings the worker on the job's own
// channel (Describe, every timeout/3 at most 1 s) and, after `timeout` without an answer,
// cancels the job's call. Either way the job becomes FAILED "worker ADDR lost: ..." within the
// timeout and the worker is marked lost for the rest of the run (WorkerHealth).
//
//   grpc::ClientContext context;
//   auto reader = worker.stub->RunJob(&context, request);
//   LivenessWatch watch(worker, &context);
//   while (reader->Read(&event)) ...
//   grpc::Status status = reader->Finish();
//   watch.Stop();
//   if (auto lost = JudgeLoss(worker, watch, status, cancelled)) result.set_error(*lost);
#ifndef PARLAB_CLUSTER_LIVENESS_H_
#define PARLAB_CLUSTER_LIVENESS_H_

#include <optional>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "grpcpp/client_context.h"
#include "parlab/cluster/worker_client.h"

namespace parlab::cluster {

class LivenessWatch {
 public:
  // Starts pinging at once; the timeout is worker.health->timeout.
  LivenessWatch(const ConnectedWorker& worker, grpc::ClientContext* context);
  ~LivenessWatch() { Stop(); }
  LivenessWatch(const LivenessWatch&) = delete;
  LivenessWatch& operator=(const LivenessWatch&) = delete;

  // Ends the pings; returns within one ping's deadline.
  void Stop();
  // After Stop(): true when the watch gave up on the worker and cancelled the call.
  bool silent() const { return silent_; }

 private:
  void Loop(const ConnectedWorker& worker, grpc::ClientContext* context);

  absl::Notification stop_;
  bool silent_ = false;  // written by the thread, read after join
  std::thread thread_;
};

// After a job call that ended without a result and was not cancelled by the run: whether it
// means the worker is lost. If so, marks worker.health and returns "worker ADDR lost: no
// answer for 5 s" or "worker ADDR lost: connection closed (...)"; `first` (may be null) says
// whether this call noticed it first (so announces it with RunEvent.worker_lost).
std::optional<std::string> JudgeLoss(const ConnectedWorker& worker, const LivenessWatch& watch,
                                     const grpc::Status& status, bool* first);

}  // namespace parlab::cluster

#endif  // PARLAB_CLUSTER_LIVENESS_H_
