#include "run_source.h"

#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "parlab/common/status_macros.h"
#include "parlab/coordinator/store.h"
#include "parlab/coordinator/worker_client.h"
#include "parlab/v1/parlab.grpc.pb.h"

namespace parlab::cli {
namespace {

// Reading never creates a store: a mistyped --store names the file instead of listing nothing.
absl::StatusOr<std::unique_ptr<coordinator::ResultStore>> OpenExistingStore(
    const CliOptions& options) {
  std::string path = StorePathFrom(options);
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return absl::NotFoundError(absl::StrCat(
        "store ", path, ": no such file (`parlab run` creates it; --store names another)"));
  }
  return coordinator::ResultStore::Open(path);
}

absl::StatusOr<std::unique_ptr<v1::CoordinatorService::Stub>> CoordinatorStub(
    const CliOptions& options) {
  PARLAB_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                          coordinator::ConnectChannel("coordinator", options.coordinator,
                                                      options.connect_timeout, nullptr));
  return v1::CoordinatorService::NewStub(channel);
}

absl::Status WithAddress(const CliOptions& options, const grpc::Status& status) {
  absl::Status converted = coordinator::FromGrpc(status);
  return absl::Status(converted.code(),
                      absl::StrCat("coordinator ", options.coordinator, ": ", converted.message()));
}

}  // namespace

std::string StorePathFrom(const CliOptions& options) {
  return options.store.empty() ? coordinator::DefaultStorePath() : options.store;
}

absl::StatusOr<v1::RunRecord> LoadRunFrom(const CliOptions& options, const std::string& run_id) {
  if (!options.coordinator.empty()) {
    PARLAB_ASSIGN_OR_RETURN(auto stub, CoordinatorStub(options));
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    v1::GetRunRequest request;
    request.set_run_id(run_id);
    v1::RunRecord record;
    grpc::Status status = stub->GetRun(&context, request, &record);
    if (!status.ok()) return WithAddress(options, status);
    return record;
  }
  PARLAB_ASSIGN_OR_RETURN(std::unique_ptr<coordinator::ResultStore> store,
                          OpenExistingStore(options));
  return store->LoadRun(run_id);
}

absl::StatusOr<std::vector<v1::RunSummary>> ListRunsFrom(const CliOptions& options, int limit) {
  if (!options.coordinator.empty()) {
    PARLAB_ASSIGN_OR_RETURN(auto stub, CoordinatorStub(options));
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    v1::ListRunsRequest request;
    request.set_limit(limit);
    v1::ListRunsResponse response;
    grpc::Status status = stub->ListRuns(&context, request, &response);
    if (!status.ok()) return WithAddress(options, status);
    return std::vector<v1::RunSummary>(response.runs().begin(), response.runs().end());
  }
  PARLAB_ASSIGN_OR_RETURN(std::unique_ptr<coordinator::ResultStore> store,
                          OpenExistingStore(options));
  return store->ListRuns(limit);
}

}  // namespace parlab::cli
