#include "store_recorder.h"

#include "run_source.h"

namespace parlab::cli {

CliStoreRecorder::CliStoreRecorder(std::unique_ptr<store::ResultStore> store, const v1::Plan& plan,
                                   const cluster::RunCanceller& canceller)
    : store_(std::move(store)),
      recorder_(store_.get(), store::NewRunId(), plan, [&canceller]() -> std::string {
        return canceller.cancelled() ? "cancelled" : "finished";
      }) {}

std::unique_ptr<CliStoreRecorder> CliStoreRecorder::Start(const CliOptions& options,
                                                          const v1::Plan& plan,
                                                          const cluster::RunCanceller& canceller,
                                                          std::ostream& log) {
  if (options.no_store) return nullptr;
  absl::StatusOr<std::unique_ptr<store::ResultStore>> store =
      store::ResultStore::Open(StorePathFrom(options));
  if (!store.ok()) {
    log << "parlab: the run will not be stored: " << store.status().message() << "\n";
    return nullptr;
  }
  return std::make_unique<CliStoreRecorder>(*std::move(store), plan, canceller);
}

void CliStoreRecorder::Report(std::ostream& log) const {
  if (recorder_.stored()) {
    log << "stored as " << recorder_.run_id() << " in " << store_->path() << "\n";
  } else if (!recorder_.status().ok()) {
    log << "parlab: run " << recorder_.run_id()
        << " was not stored completely: " << recorder_.status().message() << "\n";
  }
}

}  // namespace parlab::cli
