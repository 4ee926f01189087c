// Reaching a daemon (a worker or a coordinator) with a bounded wait, so an unreachable address
// fails in seconds with a message that names it, instead of hanging in gRPC's reconnect loop.
//
//   PARLAB_ASSIGN_OR_RETURN(ConnectedWorker w,
//                           ConnectWorker("127.0.0.1:4511", absl::Seconds(5), nullptr));
//   std::cout << w.description.machine().hostname();
#ifndef PARLAB_COORDINATOR_WORKER_CLIENT_H_
#define PARLAB_COORDINATOR_WORKER_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "parlab/coordinator/cancel.h"
#include "parlab/v1/parlab.grpc.pb.h"

namespace parlab::coordinator {

// "5 s", "0.5 s": how timeouts appear in messages.
std::string FormatSeconds(absl::Duration duration);

// Opens a channel to `address` and waits until it is connected. Errors:
// `worker 127.0.0.1:1: unreachable (no connection within 5 s)` (role = "worker"), Cancelled
// when `canceller` (may be null) fires while waiting.
[[nodiscard]] absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectChannel(
    absl::string_view role, const std::string& address, absl::Duration timeout,
    const RunCanceller* canceller);

struct ConnectedWorker {
  std::string address;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::WorkerService::Stub> stub;
  v1::WorkerDescription description;  // address filled in; machine as the worker reported it
};

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

// grpc::Status -> absl::Status, keeping the code (their numeric values are the same).
absl::Status FromGrpc(const grpc::Status& status);
// absl::Status -> grpc::Status, for the service edge.
grpc::Status ToGrpc(const absl::Status& status);

}  // namespace parlab::coordinator

#endif  // PARLAB_COORDINATOR_WORKER_CLIENT_H_
