#include "parlab/cluster/liveness.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace parlab::cluster {

LivenessWatch::LivenessWatch(const ConnectedWorker& worker, grpc::ClientContext* context) {
  thread_ = std::thread([this, &worker, context] { Loop(worker, context); });
}

void LivenessWatch::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void LivenessWatch::Loop(const ConnectedWorker& worker, grpc::ClientContext* context) {
  const absl::Duration timeout = worker.health->timeout;
  const absl::Duration interval = std::min(absl::Seconds(1), timeout / 3);
  absl::Time last_answer = absl::Now();
  while (!stop_.WaitForNotificationWithTimeout(interval)) {
    // The ping may wait until the worker's time is up, no longer: a cut link never answers.
    const absl::Time give_up = last_answer + timeout;
    grpc::ClientContext ping;
    ping.set_deadline(absl::ToChronoTime(std::max(give_up, absl::Now() + absl::Milliseconds(100))));
    v1::WorkerDescription ignored;
    if (worker.stub->Describe(&ping, v1::DescribeRequest(), &ignored).ok()) {
      last_answer = absl::Now();
    } else if (absl::Now() >= give_up && !stop_.HasBeenNotified()) {
      silent_ = true;
      context->TryCancel();
      return;
    }
  }
}

std::optional<std::string> JudgeLoss(const ConnectedWorker& worker, const LivenessWatch& watch,
                                     const grpc::Status& status, bool* first) {
  std::string reason;
  if (watch.silent()) {
    reason = absl::StrCat("worker ", worker.address, " lost: no answer for ",
                          FormatSeconds(worker.health->timeout));
  } else if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    reason = absl::StrCat("worker ", worker.address, " lost: connection closed (",
                          status.error_message(), ")");
  } else {
    return std::nullopt;
  }
  const bool noticed_first = worker.health->MarkLost(reason);
  if (first != nullptr) *first = noticed_first;
  // Every job of the worker carries the first reason, so the summary reads alike.
  return worker.health->lost_reason();
}

}  // namespace parlab::cluster
