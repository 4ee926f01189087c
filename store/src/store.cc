// ResultStore on SQLite. Rows keep the raw protobuf (plan, worker descriptions, job results with
// every sample) so nothing measured is ever lost to a schema; a few plain columns (state, times,
// model, status, hostname) exist only so listing needs no decoding. Schema: docs/results-store.md.
#include "parlab/store/store.h"

#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <map>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "parlab/common/status_macros.h"

namespace parlab::store {
namespace {

constexpr int kBusyTimeoutMs = 5000;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  run_id           TEXT PRIMARY KEY,
  plan_name        TEXT NOT NULL,
  plan             BLOB NOT NULL,       -- parlab.v1.Plan, serialized
  plan_json        TEXT NOT NULL,       -- the same plan as proto JSON, for people with sqlite3
  state            TEXT NOT NULL,       -- running | finished | cancelled | incomplete
  started_unix_ms  INTEGER NOT NULL,
  finished_unix_ms INTEGER NOT NULL DEFAULT 0,
  owner_pid        INTEGER NOT NULL DEFAULT 0  -- the process writing a "running" run
);
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (started_unix_ms);
CREATE TABLE IF NOT EXISTS workers (
  run_id      TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  address     TEXT NOT NULL,
  hostname    TEXT NOT NULL,
  description BLOB NOT NULL,            -- parlab.v1.WorkerDescription, serialized
  PRIMARY KEY (run_id, address)
);
CREATE TABLE IF NOT EXISTS results (
  run_id      TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  job_id      TEXT NOT NULL,
  model       TEXT NOT NULL,
  concurrency INTEGER NOT NULL,
  machine     TEXT NOT NULL,
  status      INTEGER NOT NULL,         -- parlab.v1.JobStatus
  result      BLOB NOT NULL,            -- parlab.v1.JobResult with every sample, serialized
  PRIMARY KEY (run_id, job_id)
);
PRAGMA user_version = 1;
)sql";

// Runs that a live ResultStore of this process began and has not finished, with the store
// writing them: reopening the file in the same process (a test, or two stores on one file)
// must not call them incomplete.
absl::Mutex live_mutex(absl::kConstInit);
std::map<std::string, const void*>& LiveRuns() ABSL_EXCLUSIVE_LOCKS_REQUIRED(live_mutex) {
  static auto* runs = new std::map<std::string, const void*>();
  return *runs;
}
// "runs.db" and "./runs.db" are one file.
std::string LiveKey(const std::string& path, const std::string& run_id) {
  std::error_code error;
  std::filesystem::path canonical = std::filesystem::weakly_canonical(path, error);
  return absl::StrCat(error ? path : canonical.string(), "\n", run_id);
}

int64_t NowUnixMs() { return absl::ToUnixMillis(absl::Now()); }

// One prepared statement, finalized on every path.
class Statement {
 public:
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  static absl::StatusOr<Statement> Prepare(sqlite3* db, const std::string& path, const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
      return absl::InternalError(
          absl::StrCat("store ", path, ": cannot prepare query: ", sqlite3_errmsg(db)));
    }
    return Statement(stmt);
  }
  Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

  Statement& Bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& BindBlob(int index, const std::string& bytes) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Bind(int index, int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Statement& Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    return *this;
  }
  // SQLITE_ROW or SQLITE_DONE; anything else is an error code.
  int Step() { return sqlite3_step(stmt_); }

  std::string Text(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return text == nullptr ? std::string() : std::string(text, sqlite3_column_bytes(stmt_, column));
  }
  std::string Blob(int column) const {
    const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    return data == nullptr ? std::string() : std::string(data, sqlite3_column_bytes(stmt_, column));
  }
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_;
};

absl::Status SqlError(sqlite3* db, const std::string& path, absl::string_view what) {
  return absl::InternalError(absl::StrCat("store ", path, ": ", what, ": ", sqlite3_errmsg(db)));
}

absl::Status Exec(sqlite3* db, const std::string& path, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    absl::Status status = absl::InternalError(
        absl::StrCat("store ", path, ": ", error != nullptr ? error : sqlite3_errmsg(db)));
    sqlite3_free(error);
    return status;
  }
  return absl::OkStatus();
}

// Runs `body` inside BEGIN .. COMMIT (ROLLBACK on error): one call, one transaction. Writers
// take the write lock up front (IMMEDIATE), so busy_timeout applies instead of a mid-way
// SQLITE_BUSY; readers never block writers in WAL mode.
enum class Access { kRead, kWrite };
template <typename Body>
absl::Status InTransaction(sqlite3* db, const std::string& path, Body body,
                           Access access = Access::kWrite) {
  PARLAB_RETURN_IF_ERROR(
      Exec(db, path, access == Access::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"));
  absl::Status status = body();
  if (status.ok()) status = Exec(db, path, "COMMIT");
  if (!status.ok()) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  return status;
}

absl::Status StepDone(Statement& statement, sqlite3* db, const std::string& path,
                      absl::string_view what) {
  if (statement.Step() != SQLITE_DONE) return SqlError(db, path, what);
  return absl::OkStatus();
}

bool ProcessAlive(int64_t pid) {
  if (pid <= 0) return false;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// "running" runs whose writer is gone become "incomplete". A writer is another live process,
// or a live ResultStore of this one.
absl::Status MarkAbandonedRuns(sqlite3* db, const std::string& path) {
  return InTransaction(db, path, [&]() -> absl::Status {
    PARLAB_ASSIGN_OR_RETURN(
        Statement select,
        Statement::Prepare(db, path, "SELECT run_id, owner_pid FROM runs WHERE state = 'running'"));
    std::vector<std::string> abandoned;
    int rc;
    while ((rc = select.Step()) == SQLITE_ROW) {
      std::string run_id = select.Text(0);
      int64_t pid = select.Int(1);
      bool live;
      if (pid == getpid()) {
        absl::MutexLock lock(&live_mutex);
        live = LiveRuns().count(LiveKey(path, run_id)) > 0;
      } else {
        live = ProcessAlive(pid);
      }
      if (!live) abandoned.push_back(std::move(run_id));
    }
    if (rc != SQLITE_DONE) return SqlError(db, path, "reading running runs");
    for (const std::string& run_id : abandoned) {
      PARLAB_ASSIGN_OR_RETURN(
          Statement update,
          Statement::Prepare(db, path,
                             "UPDATE runs SET state = 'incomplete', owner_pid = 0 "
                             "WHERE run_id = ?1"));
      update.Bind(1, run_id);
      PARLAB_RETURN_IF_ERROR(StepDone(update, db, path, "marking a run incomplete"));
    }
    return absl::OkStatus();
  });
}

template <typename Message>
absl::Status Decode(const std::string& bytes, Message& message, const std::string& path,
                    absl::string_view what) {
  if (!message.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("store ", path, ": cannot decode ", what));
  }
  return absl::OkStatus();
}

}  // namespace

std::string DefaultStorePath() {
  if (const char* store = std::getenv("PARLAB_STORE"); store != nullptr && *store != '\0') {
    return store;
  }
  if (const char* data = std::getenv("XDG_DATA_HOME"); data != nullptr && *data != '\0') {
    return absl::StrCat(data, "/parlab/runs.db");
  }
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr && *home != '\0' ? home : ".",
                      "/.local/share/parlab/runs.db");
}

absl::StatusOr<std::unique_ptr<ResultStore>> ResultStore::Open(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("store: the path is empty");
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error) {
      return absl::InvalidArgumentError(absl::StrCat("store ", path,
                                                     ": cannot create the directory ",
                                                     parent.string(), ": ", error.message()));
    }
  }
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  // Owned from here on, so every error path below closes it.
  std::unique_ptr<ResultStore> store(new ResultStore(db, path));
  if (rc != SQLITE_OK) return SqlError(db, path, "cannot open");
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // journal_mode answers with the mode it got: a file system without shared memory refuses WAL.
  {
    PARLAB_ASSIGN_OR_RETURN(Statement wal,
                            Statement::Prepare(db, path, "PRAGMA journal_mode = WAL"));
    if (wal.Step() != SQLITE_ROW) return SqlError(db, path, "cannot switch to WAL");
    if (wal.Text(0) != "wal") {
      return absl::InternalError(
          absl::StrCat("store ", path, ": journal mode is \"", wal.Text(0), "\", not wal"));
    }
  }
  PARLAB_RETURN_IF_ERROR(Exec(db, path, "PRAGMA foreign_keys = ON"));
  PARLAB_RETURN_IF_ERROR(Exec(db, path, "PRAGMA synchronous = NORMAL"));
  PARLAB_RETURN_IF_ERROR(InTransaction(db, path, [&] { return Exec(db, path, kSchema); }));
  PARLAB_RETURN_IF_ERROR(MarkAbandonedRuns(db, path));
  return store;
}

absl::StatusOr<std::unique_ptr<ResultStore>> ResultStore::OpenReadOnly(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("store: the path is empty");
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return absl::NotFoundError(absl::StrCat("store ", path, ": no such file"));
  }
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, nullptr);
  std::unique_ptr<ResultStore> store(new ResultStore(db, path));
  if (rc != SQLITE_OK) return SqlError(db, path, "cannot open read-only");
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  PARLAB_ASSIGN_OR_RETURN(
      Statement tables,
      Statement::Prepare(db, path, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'"));
  if (tables.Step() != SQLITE_ROW || tables.Int(0) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("store ", path, ": not a parlab result store"));
  }
  return store;
}

ResultStore::~ResultStore() {
  {
    absl::MutexLock lock(&live_mutex);
    std::map<std::string, const void*>& live = LiveRuns();
    for (auto it = live.begin(); it != live.end();) {
      it = it->second == this ? live.erase(it) : std::next(it);
    }
  }
  sqlite3_close_v2(db_);
}

absl::Status ResultStore::BeginRun(const std::string& run_id, const v1::Plan& plan) {
  if (run_id.empty()) return absl::InvalidArgumentError("store: run_id is empty");
  std::string json;
  google::protobuf::util::JsonPrintOptions json_options;
  json_options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(plan, &json, json_options);
  absl::MutexLock lock(&mutex_);
  PARLAB_RETURN_IF_ERROR(InTransaction(db_, path_, [&]() -> absl::Status {
    PARLAB_ASSIGN_OR_RETURN(
        Statement insert,
        Statement::Prepare(
            db_, path_,
            "INSERT INTO runs (run_id, plan_name, plan, plan_json, state, "
            "started_unix_ms, owner_pid) VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6)"));
    insert.Bind(1, run_id).Bind(2, plan.name()).BindBlob(3, plan.SerializeAsString());
    insert.Bind(4, json).Bind(5, NowUnixMs()).Bind(6, static_cast<int64_t>(getpid()));
    if (insert.Step() != SQLITE_DONE) {
      if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return absl::AlreadyExistsError(
            absl::StrCat("run \"", run_id, "\": already in the store ", path_));
      }
      return SqlError(db_, path_, absl::StrCat("cannot begin run \"", run_id, "\""));
    }
    return absl::OkStatus();
  }));
  absl::MutexLock live_lock(&live_mutex);
  LiveRuns()[LiveKey(path_, run_id)] = this;
  return absl::OkStatus();
}

absl::Status ResultStore::AddWorker(const std::string& run_id,
                                    const v1::WorkerDescription& worker) {
  absl::MutexLock lock(&mutex_);
  return InTransaction(db_, path_, [&]() -> absl::Status {
    PARLAB_ASSIGN_OR_RETURN(
        Statement insert,
        Statement::Prepare(db_, path_,
                           "INSERT INTO workers (run_id, address, hostname, description) "
                           "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (run_id, address) DO UPDATE "
                           "SET hostname = excluded.hostname, description = excluded.description"));
    insert.Bind(1, run_id).Bind(2, worker.address()).Bind(3, worker.machine().hostname());
    insert.BindBlob(4, worker.SerializeAsString());
    return StepDone(
        insert, db_, path_,
        absl::StrCat("cannot add worker ", worker.address(), " to run \"", run_id, "\""));
  });
}

absl::Status ResultStore::AddResult(const std::string& run_id, const v1::JobResult& result) {
  absl::MutexLock lock(&mutex_);
  return InTransaction(db_, path_, [&]() -> absl::Status {
    // An upsert keeps the row (and its rowid, hence the order) of the first result of a job.
    PARLAB_ASSIGN_OR_RETURN(
        Statement insert,
        Statement::Prepare(
            db_, path_,
            "INSERT INTO results (run_id, job_id, model, concurrency, machine, status, result) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (run_id, job_id) DO UPDATE SET "
            "model = excluded.model, concurrency = excluded.concurrency, "
            "machine = excluded.machine, status = excluded.status, result = excluded.result"));
    insert.Bind(1, run_id).Bind(2, result.job_id()).Bind(3, result.model());
    insert.Bind(4, static_cast<int64_t>(result.concurrency())).Bind(5, result.machine());
    insert.Bind(6, static_cast<int64_t>(result.status()));
    insert.BindBlob(7, result.SerializeAsString());
    return StepDone(insert, db_, path_,
                    absl::StrCat("cannot add job ", result.job_id(), " to run \"", run_id, "\""));
  });
}

absl::Status ResultStore::FinishRun(const std::string& run_id, const std::string& state) {
  if (state != "finished" && state != "cancelled" && state != "incomplete") {
    return absl::InvalidArgumentError(
        absl::StrCat("state: must be finished, cancelled or incomplete, got \"", state, "\""));
  }
  absl::MutexLock lock(&mutex_);
  PARLAB_RETURN_IF_ERROR(InTransaction(db_, path_, [&]() -> absl::Status {
    PARLAB_ASSIGN_OR_RETURN(
        Statement update,
        Statement::Prepare(db_, path_,
                           "UPDATE runs SET state = ?2, finished_unix_ms = ?3, owner_pid = 0 "
                           "WHERE run_id = ?1"));
    update.Bind(1, run_id).Bind(2, state).Bind(3, NowUnixMs());
    PARLAB_RETURN_IF_ERROR(
        StepDone(update, db_, path_, absl::StrCat("cannot finish run \"", run_id, "\"")));
    if (sqlite3_changes(db_) == 0) {
      return absl::NotFoundError(absl::StrCat("run \"", run_id, "\": not in the store ", path_));
    }
    return absl::OkStatus();
  }));
  absl::MutexLock live_lock(&live_mutex);
  LiveRuns().erase(LiveKey(path_, run_id));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::RunSummary>> ResultStore::ListRuns(int limit) {
  absl::MutexLock lock(&mutex_);
  std::vector<v1::RunSummary> runs;
  PARLAB_RETURN_IF_ERROR(InTransaction(
      db_, path_,
      [&]() -> absl::Status {
        // Newest first; the rowid breaks ties between runs begun in the same millisecond.
        PARLAB_ASSIGN_OR_RETURN(
            Statement select,
            Statement::Prepare(
                db_, path_,
                "SELECT run_id, plan_name, state, started_unix_ms, finished_unix_ms, "
                "(SELECT count(*) FROM results r WHERE r.run_id = runs.run_id AND r.status = 1), "
                "(SELECT count(*) FROM results r WHERE r.run_id = runs.run_id AND r.status != 1) "
                "FROM runs ORDER BY started_unix_ms DESC, rowid DESC LIMIT ?1"));
        select.Bind(1, static_cast<int64_t>(limit > 0 ? limit : -1));
        PARLAB_ASSIGN_OR_RETURN(
            Statement machines,
            Statement::Prepare(db_, path_,
                               "SELECT hostname FROM workers WHERE run_id = ?1 ORDER BY rowid"));
        int rc;
        while ((rc = select.Step()) == SQLITE_ROW) {
          v1::RunSummary& run = runs.emplace_back();
          run.set_run_id(select.Text(0));
          run.set_plan_name(select.Text(1));
          run.set_state(select.Text(2));
          run.set_started_unix_ms(select.Int(3));
          run.set_finished_unix_ms(select.Int(4));
          run.set_jobs_ok(static_cast<int32_t>(select.Int(5)));
          run.set_jobs_failed(static_cast<int32_t>(select.Int(6)));
          machines.Reset().Bind(1, run.run_id());
          int machine_rc;
          while ((machine_rc = machines.Step()) == SQLITE_ROW) run.add_machines(machines.Text(0));
          if (machine_rc != SQLITE_DONE) return SqlError(db_, path_, "reading workers");
        }
        if (rc != SQLITE_DONE) return SqlError(db_, path_, "listing runs");
        return absl::OkStatus();
      },
      Access::kRead));
  return runs;
}

absl::StatusOr<v1::RunRecord> ResultStore::LoadRun(const std::string& run_id) {
  absl::MutexLock lock(&mutex_);
  v1::RunRecord record;
  PARLAB_RETURN_IF_ERROR(InTransaction(
      db_, path_,
      [&]() -> absl::Status {
        std::string id;
        if (run_id == "latest") {
          PARLAB_ASSIGN_OR_RETURN(
              Statement latest,
              Statement::Prepare(
                  db_, path_,
                  "SELECT run_id FROM runs ORDER BY started_unix_ms DESC, rowid DESC "
                  "LIMIT 1"));
          int rc = latest.Step();
          if (rc == SQLITE_ROW) id = latest.Text(0);
          if (rc != SQLITE_ROW && rc != SQLITE_DONE) return SqlError(db_, path_, "finding latest");
          if (id.empty()) {
            return absl::NotFoundError(
                absl::StrCat("run \"latest\": the store ", path_, " holds no run yet"));
          }
        } else {
          // An exact id wins over prefixes of longer ids; else the prefix must be unique.
          PARLAB_ASSIGN_OR_RETURN(Statement match,
                                  Statement::Prepare(db_, path_,
                                                     "SELECT run_id FROM runs WHERE run_id = ?1 OR "
                                                     "substr(run_id, 1, length(?1)) = ?1 "
                                                     "ORDER BY run_id = ?1 DESC, run_id LIMIT 6"));
          match.Bind(1, run_id);
          std::vector<std::string> ids;
          int rc;
          while ((rc = match.Step()) == SQLITE_ROW) ids.push_back(match.Text(0));
          if (rc != SQLITE_DONE) return SqlError(db_, path_, "finding the run");
          if (ids.empty() || run_id.empty()) {
            return absl::NotFoundError(
                absl::StrCat("run \"", run_id, "\": not in the store ", path_));
          }
          if (ids[0] != run_id && ids.size() > 1) {
            return absl::InvalidArgumentError(absl::StrCat(
                "run \"", run_id, "\": ambiguous in the store ", path_, ", it starts ",
                ids.size() > 5 ? "more than 5 runs" : absl::StrCat(ids.size(), " runs"), ": ",
                absl::StrJoin(ids.begin(), ids.begin() + std::min<size_t>(ids.size(), 5), ", ")));
          }
          id = ids[0];
        }

        PARLAB_ASSIGN_OR_RETURN(
            Statement run,
            Statement::Prepare(db_, path_,
                               "SELECT plan, state, started_unix_ms, finished_unix_ms FROM runs "
                               "WHERE run_id = ?1"));
        run.Bind(1, id);
        if (run.Step() != SQLITE_ROW) return SqlError(db_, path_, "reading the run");
        record.set_run_id(id);
        PARLAB_RETURN_IF_ERROR(Decode(run.Blob(0), *record.mutable_plan(), path_, "a plan"));
        record.set_state(run.Text(1));
        record.set_started_unix_ms(run.Int(2));
        record.set_finished_unix_ms(run.Int(3));

        PARLAB_ASSIGN_OR_RETURN(
            Statement workers,
            Statement::Prepare(db_, path_,
                               "SELECT description FROM workers WHERE run_id = ?1 ORDER BY rowid"));
        workers.Bind(1, id);
        int rc;
        while ((rc = workers.Step()) == SQLITE_ROW) {
          PARLAB_RETURN_IF_ERROR(
              Decode(workers.Blob(0), *record.add_workers(), path_, "a worker description"));
        }
        if (rc != SQLITE_DONE) return SqlError(db_, path_, "reading workers");

        PARLAB_ASSIGN_OR_RETURN(
            Statement results,
            Statement::Prepare(db_, path_,
                               "SELECT result FROM results WHERE run_id = ?1 ORDER BY rowid"));
        results.Bind(1, id);
        while ((rc = results.Step()) == SQLITE_ROW) {
          PARLAB_RETURN_IF_ERROR(Decode(results.Blob(0), *record.add_results(), path_, "a result"));
        }
        if (rc != SQLITE_DONE) return SqlError(db_, path_, "reading results");
        return absl::OkStatus();
      },
      Access::kRead));
  return record;
}

}  // namespace parlab::store
