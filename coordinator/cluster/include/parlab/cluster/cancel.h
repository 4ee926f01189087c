// Cancelling a run from another thread (Ctrl-C in the CLI, a client that hung up on the
// daemon): Cancel() flips a flag and cancels every gRPC call in flight, so a worker kills the
// job's runner instead of finishing it.
//
//   RunCanceller canceller;
//   std::thread watcher([&] { WaitForCtrlC(); canceller.Cancel(); });
//   RunPlan(plan, workers, {.canceller = &canceller}, on_event);
#ifndef PARLAB_CLUSTER_CANCEL_H_
#define PARLAB_CLUSTER_CANCEL_H_

#include <set>

#include "absl/synchronization/mutex.h"
#include "grpcpp/client_context.h"

namespace parlab::cluster {

class RunCanceller {
 public:
  // [thread-safe] Idempotent.
  void Cancel();
  // [thread-safe]
  bool cancelled() const;

  // [thread-safe] Tracks a call so Cancel() can TryCancel it. Returns false (and tracks
  // nothing) when the run is already cancelled: the caller should not start the call.
  bool Register(grpc::ClientContext* context);
  void Unregister(grpc::ClientContext* context);

 private:
  mutable absl::Mutex mutex_;
  bool cancelled_ ABSL_GUARDED_BY(mutex_) = false;
  std::set<grpc::ClientContext*> in_flight_ ABSL_GUARDED_BY(mutex_);
};

// Registers a call for its lifetime.
class ScopedCancellation {
 public:
  ScopedCancellation(RunCanceller* canceller, grpc::ClientContext* context)
      : canceller_(canceller), context_(context) {
    registered_ = canceller_ == nullptr || canceller_->Register(context_);
  }
  ~ScopedCancellation() {
    if (canceller_ != nullptr && registered_) canceller_->Unregister(context_);
  }
  ScopedCancellation(const ScopedCancellation&) = delete;
  ScopedCancellation& operator=(const ScopedCancellation&) = delete;

  // False when the run was cancelled before the call could start.
  bool ok() const { return registered_; }

 private:
  RunCanceller* canceller_;
  grpc::ClientContext* context_;
  bool registered_ = false;
};

}  // namespace parlab::cluster

#endif  // PARLAB_CLUSTER_CANCEL_H_
