// The central result store: every run, its plan, the machines it ran on and every raw sample,
// kept in one SQLite file (WAL mode, so `parlab results` can read while a run is written).
//
//   PARLAB_ASSIGN_OR_RETURN(std::unique_ptr<ResultStore> store, ResultStore::Open("runs.db"));
//   PARLAB_RETURN_IF_ERROR(store->BeginRun(run_id, plan));          // state "running"
//   PARLAB_RETURN_IF_ERROR(store->AddWorker(run_id, description));   // as each worker is reached
//   PARLAB_RETURN_IF_ERROR(store->AddResult(run_id, job_result));    // as each job ends
//   PARLAB_RETURN_IF_ERROR(store->FinishRun(run_id, "finished"));    // BEFORE telling the client
//   PARLAB_ASSIGN_OR_RETURN(v1::RunRecord run, store->LoadRun(run_id));
//
// Each call is one transaction, so a crash loses at most the job in flight. Opening a store
// marks every run still "running" as "incomplete": its coordinator stopped mid-run, and what it
// measured stays readable rather than silently lost.
#ifndef PARLAB_STORE_STORE_H_
#define PARLAB_STORE_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "parlab/v1/parlab.pb.h"

struct sqlite3;

namespace parlab::store {

class ResultStore {
 public:
  // Creates the file (and its schema) when missing. InvalidArgument / Internal name the path.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ResultStore>> Open(const std::string& path);
  // A read-only connection for readers beside a live writer (`parlab serve`): it creates
  // nothing, marks nothing incomplete, and under WAL never blocks the writer nor waits for it.
  // Writes through it fail. NotFound when the file does not exist.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ResultStore>> OpenReadOnly(
      const std::string& path);
  ~ResultStore();
  ResultStore(const ResultStore&) = delete;
  ResultStore& operator=(const ResultStore&) = delete;

  // [thread-safe] All writes below.
  [[nodiscard]] absl::Status BeginRun(const std::string& run_id, const v1::Plan& plan);
  [[nodiscard]] absl::Status AddWorker(const std::string& run_id,
                                       const v1::WorkerDescription& worker);
  // A job's outcome with all its samples. A later result with the same job_id replaces the
  // earlier one (an interleaved job is stored after each round, growing).
  [[nodiscard]] absl::Status AddResult(const std::string& run_id, const v1::JobResult& result);
  // state: "finished", "cancelled" or "incomplete".
  [[nodiscard]] absl::Status FinishRun(const std::string& run_id, const std::string& state);

  // Newest first; limit 0: every run.
  [[nodiscard]] absl::StatusOr<std::vector<v1::RunSummary>> ListRuns(int limit = 0);
  // NotFound names the id: `run "run-2026...": not in the store runs.db`. A unique prefix of
  // an id, or "latest", also finds a run.
  [[nodiscard]] absl::StatusOr<v1::RunRecord> LoadRun(const std::string& run_id);

  const std::string& path() const { return path_; }

 private:
  ResultStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  absl::Mutex mutex_;
  sqlite3* db_;
  std::string path_;
};

// Where a store lives when none is named: $PARLAB_STORE, else
// $XDG_DATA_HOME/parlab/runs.db, else ~/.local/share/parlab/runs.db.
std::string DefaultStorePath();

}  // namespace parlab::store

#endif  // PARLAB_STORE_STORE_H_
