// The store side of CoordinatorServiceImpl: ListRuns, GetRun, and what SubmitRun reports when
// its run could not be written (kept apart from service.cc, which is about running plans).
#include <iostream>

#include "absl/strings/str_cat.h"
#include "parlab/cluster/worker_client.h"
#include "parlab/common/grpc_status.h"
#include "parlab/coordinator/service.h"
#include "parlab/store/store_recorder.h"

namespace parlab::coordinator {
namespace {

grpc::Status NoStore() {
  return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                      "this coordinator keeps no result store");
}

}  // namespace

grpc::Status StoreFailed(const store::StoreRecorder& recorder) {
  // The client already has every event; the error says its run is not (wholly) kept.
  absl::Status status = recorder.status();
  std::string message =
      absl::StrCat("run ", recorder.run_id(),
                   " ran, but the result store could not record it: ", status.message());
  std::cerr << "parlab-coordinator: " << message << std::endl;
  return ToGrpcStatus(absl::Status(status.code(), message));
}

grpc::Status CoordinatorServiceImpl::ListRuns(grpc::ServerContext* context,
                                              const v1::ListRunsRequest* request,
                                              v1::ListRunsResponse* response) {
  if (grpc::Status allowed = Allow(*context, security::Role::kSubmit, "ListRuns", nullptr);
      !allowed.ok()) {
    return allowed;
  }
  if (store_ == nullptr) return NoStore();
  if (request->limit() < 0) {
    return ToGrpcStatus(
        absl::InvalidArgumentError(absl::StrCat("limit: must be >= 0, got ", request->limit())));
  }
  absl::StatusOr<std::vector<v1::RunSummary>> runs = store_->ListRuns(request->limit());
  if (!runs.ok()) return ToGrpcStatus(runs.status());
  for (v1::RunSummary& run : *runs) *response->add_runs() = std::move(run);
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::GetRun(grpc::ServerContext* context,
                                            const v1::GetRunRequest* request,
                                            v1::RunRecord* response) {
  if (grpc::Status allowed = Allow(*context, security::Role::kSubmit, "GetRun", nullptr);
      !allowed.ok()) {
    return allowed;
  }
  if (store_ == nullptr) return NoStore();
  absl::StatusOr<v1::RunRecord> run = store_->LoadRun(request->run_id());
  if (!run.ok()) return ToGrpcStatus(run.status());
  *response = *std::move(run);
  return grpc::Status::OK;
}

}  // namespace parlab::coordinator
