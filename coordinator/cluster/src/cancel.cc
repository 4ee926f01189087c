#include "parlab/cluster/cancel.h"

namespace parlab::cluster {

void RunCanceller::Cancel() {
  absl::MutexLock lock(&mutex_);
  cancelled_ = true;
  for (grpc::ClientContext* context : in_flight_) context->TryCancel();
}

bool RunCanceller::cancelled() const {
  absl::MutexLock lock(&mutex_);
  return cancelled_;
}

bool RunCanceller::Register(grpc::ClientContext* context) {
  absl::MutexLock lock(&mutex_);
  if (cancelled_) return false;
  in_flight_.insert(context);
  return true;
}

void RunCanceller::Unregister(grpc::ClientContext* context) {
  absl::MutexLock lock(&mutex_);
  in_flight_.erase(context);
}

}  // namespace parlab::cluster
