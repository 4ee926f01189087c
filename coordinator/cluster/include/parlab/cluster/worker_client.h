// Reaching a daemon (a worker or a coordinator) with a bounded wait, so an unreachable address
// fails in seconds with a message that names it, instead of hanging in gRPC's reconnect loop.
//
//   PARLAB_ASSIGN_OR_RETURN(ConnectedWorker w,
//                           ConnectWorker("127.0.0.1:4511", absl::Seconds(5), nullptr));
//   std::cout << w.description.machine().hostname();
#ifndef PARLAB_CLUSTER_WORKER_CLIENT_H_
#define PARLAB_CLUSTER_WORKER_CLIENT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "parlab/cluster/cancel.h"
#include "parlab/v1/parlab.grpc.pb.h"

namespace parlab::cluster {

// "5 s", "0.5 s": how timeouts appear in messages.
std::string FormatSeconds(absl::Duration duration);

// Opens a channel to `address` (or takes the kept one, see KeepChannels) and waits until it is
// connected. Errors: `worker 127.0.0.1:1: unreachable (no connection within 5 s)` (role =
// "worker"), `...: unreachable (connection refused ...)` when the channel is still failing after
// half a second (a refused connection or a failed TLS handshake: a slow handshake is waited for),
// Cancelled when `canceller` (may be null) fires while waiting. `reused` (may be null): whether
// the channel was a kept one.
[[nodiscard]] absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectChannel(
    absl::string_view role, const std::string& address, absl::Duration timeout,
    const RunCanceller* canceller);
[[nodiscard]] absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectChannel(
    absl::string_view role, const std::string& address, absl::Duration timeout,
    const RunCanceller* canceller, bool* reused);

// Whether ConnectChannel keeps one channel per address (and client identity) for later calls,
// so that a long-lived coordinator pays each worker's TCP and TLS handshakes once, not once per
// run (docs/performance.md, "TLS and tokens"). Off by default (a one-shot CLI gains nothing);
// parlab-coordinator turns it on at start and off (dropping the channels) before it exits. A
// channel that fails to connect, or whose call fails, is dropped. [thread-safe]
void KeepChannels(bool keep);
// Starts connecting the kept channel to `address` in the background (no call, no wait), so
// that a run finds the TCP and TLS handshakes done: the coordinator calls it when a worker
// registers. Does nothing unless KeepChannels is on. [thread-safe]
void WarmChannel(const std::string& address);
// Drops `channel` if it is the one kept for `address` (a call on it failed). [thread-safe]
void ForgetChannel(const std::string& address, const grpc::Channel* channel);

// Whether a worker was lost during a run (no answer within `timeout`, or its connection
// closed mid-job), and why. Shared by every job of the run on that worker: once lost, its
// remaining jobs are not sent (they fail with the same reason).
class WorkerHealth {
 public:
  // [thread-safe] Records the loss; true the first time (the caller announces it).
  bool MarkLost(const std::string& reason) {
    absl::MutexLock lock(&mutex_);
    if (lost_) return false;
    lost_ = true;
    reason_ = reason;
    return true;
  }
  // [thread-safe] "worker 10.0.0.3:7471 lost: no answer for 5 s", or nullopt.
  std::optional<std::string> lost_reason() const {
    absl::MutexLock lock(&mutex_);
    if (!lost_) return std::nullopt;
    return reason_;
  }
  // How long a worker may stay silent during a job (parlab-coordinator --heartbeat-timeout).
  absl::Duration timeout = absl::Seconds(5);

 private:
  mutable absl::Mutex mutex_;
  bool lost_ ABSL_GUARDED_BY(mutex_) = false;
  std::string reason_ ABSL_GUARDED_BY(mutex_);
};

struct ConnectedWorker {
  std::string address;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::WorkerService::Stub> stub;
  // address and identity filled in; machine as the worker reported it
  v1::WorkerDescription description;
  std::shared_ptr<WorkerHealth> health = std::make_shared<WorkerHealth>();
};

// An empty result for `job` on `worker`: the identity fields (job id, model, concurrency, sweep
// value, shard) and where it ran, before any outcome is known.
v1::JobResult ResultShell(const v1::Job& job, const ConnectedWorker& worker);

// Connects and calls Describe, both within `timeout` each.
[[nodiscard]] absl::StatusOr<ConnectedWorker> ConnectWorker(const std::string& address,
                                                            absl::Duration timeout,
                                                            const RunCanceller* canceller);

// Connects to every worker at once, so N unreachable workers cost one timeout, not N. The
// first failure, in address order, is the error.
[[nodiscard]] absl::StatusOr<std::vector<ConnectedWorker>> ConnectWorkers(
    const std::vector<std::string>& addresses, absl::Duration timeout,
    const RunCanceller* canceller);

// Describes every worker (in parallel, each within `timeout`); the first failure, in address
// order, is the error.
[[nodiscard]] absl::StatusOr<std::vector<v1::WorkerDescription>> DescribeWorkers(
    const std::vector<std::string>& addresses, absl::Duration timeout);

}  // namespace parlab::cluster

#endif  // PARLAB_CLUSTER_WORKER_CLIENT_H_
