#include "run_source.h"

#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "parlab/cluster/worker_client.h"
#include "parlab/common/grpc_status.h"
#include "parlab/common/status_macros.h"
#include "parlab/results/compare.h"
#include "parlab/store/store.h"
#include "parlab/v1/parlab.grpc.pb.h"

namespace parlab::cli {
namespace {

// Reading never creates a store: a mistyped --store names the file instead of listing nothing.
absl::StatusOr<std::unique_ptr<store::ResultStore>> OpenExistingStore(const CliOptions& options) {
  std::string path = StorePathFrom(options);
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return absl::NotFoundError(absl::StrCat(
        "store ", path, ": no such file (`parlab run` creates it; --store names another)"));
  }
  return store::ResultStore::Open(path);
}

// One unary call to the coordinator with the CLI's 30 s deadline; an error names its address.
template <typename Call>
absl::Status CallCoordinator(const CliOptions& options, const Call& call) {
  PARLAB_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                          cluster::ConnectChannel("coordinator", options.coordinator,
                                                  options.connect_timeout, nullptr));
  std::unique_ptr<v1::CoordinatorService::Stub> stub = v1::CoordinatorService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  grpc::Status status = call(*stub, context);
  if (status.ok()) return absl::OkStatus();
  absl::Status converted = FromGrpcStatus(status);
  return absl::Status(converted.code(),
                      absl::StrCat("coordinator ", options.coordinator, ": ", converted.message()));
}

}  // namespace

std::string StorePathFrom(const CliOptions& options) {
  return options.store.empty() ? store::DefaultStorePath() : options.store;
}

absl::StatusOr<v1::RunRecord> LoadRunFrom(const CliOptions& options, const std::string& run_id) {
  if (!options.coordinator.empty()) {
    v1::GetRunRequest request;
    request.set_run_id(run_id);
    v1::RunRecord record;
    PARLAB_RETURN_IF_ERROR(CallCoordinator(options, [&](auto& stub, grpc::ClientContext& context) {
      return stub.GetRun(&context, request, &record);
    }));
    return record;
  }
  PARLAB_ASSIGN_OR_RETURN(std::unique_ptr<store::ResultStore> store, OpenExistingStore(options));
  return store->LoadRun(run_id);
}

absl::StatusOr<v1::RunRecord> LoadRunReference(const CliOptions& options,
                                               const std::string& reference) {
  results::RunSelector selector = results::ParseRunSelector(reference);
  PARLAB_ASSIGN_OR_RETURN(v1::RunRecord run, LoadRunFrom(options, selector.run));
  if (selector.host.empty()) return run;
  PARLAB_ASSIGN_OR_RETURN(results::CompareSide side, results::SelectSide(run, selector.host));
  return results::OnlyMachine(run, side.machine);
}

absl::StatusOr<std::vector<v1::RunSummary>> ListRunsFrom(const CliOptions& options, int limit) {
  if (!options.coordinator.empty()) {
    v1::ListRunsRequest request;
    request.set_limit(limit);
    v1::ListRunsResponse response;
    PARLAB_RETURN_IF_ERROR(CallCoordinator(options, [&](auto& stub, grpc::ClientContext& context) {
      return stub.ListRuns(&context, request, &response);
    }));
    return std::vector<v1::RunSummary>(response.runs().begin(), response.runs().end());
  }
  PARLAB_ASSIGN_OR_RETURN(std::unique_ptr<store::ResultStore> store, OpenExistingStore(options));
  return store->ListRuns(limit);
}

}  // namespace parlab::cli
