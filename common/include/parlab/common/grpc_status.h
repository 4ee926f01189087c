// The one conversion between absl::Status (what every parlab function returns) and
// grpc::Status (what crosses the wire), used at each service edge and by each client. The
// canonical code numbers of the two are the same, so the code and the message pass unchanged.
// A target of its own (parlab::grpc_status), so that parlab::common, which the runner links,
// never pulls in gRPC.
//
//   if (!valid.ok()) return ToGrpcStatus(valid);               // in a service method
//   absl::Status status = FromGrpcStatus(stub->Describe(...));  // in a client
#ifndef PARLAB_COMMON_GRPC_STATUS_H_
#define PARLAB_COMMON_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace parlab {

// absl::Status -> grpc::Status, for the service edge (OK becomes grpc::Status::OK).
[[nodiscard]] grpc::Status ToGrpcStatus(const absl::Status& status);

// grpc::Status -> absl::Status, keeping the code and the message (OK becomes absl::OkStatus()).
[[nodiscard]] absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace parlab

#endif  // PARLAB_COMMON_GRPC_STATUS_H_
