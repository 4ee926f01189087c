// The SQLite result store: round trips of everything a run produces, replacement by job_id,
// listing order and limit, id lookup (exact, prefix, latest), abandoned runs, WAL mode; and the
// StoreRecorder that turns a RunEvent stream into store calls.
#include "parlab/store/store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "parlab/store/store_recorder.h"

namespace parlab::store {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("parlab-store-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    path_ = (dir_ / "sub" / "runs.db").string();  // the directory does not exist yet
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<ResultStore> OpenStore() {
    absl::StatusOr<std::unique_ptr<ResultStore>> store = ResultStore::Open(path_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  std::filesystem::path dir_;
  std::string path_;
};

v1::Plan APlan(const std::string& name) {
  v1::Plan plan;
  plan.set_name(name);
  plan.mutable_workload()->set_kind("primes.sieve");
  (*plan.mutable_workload()->mutable_params())["to"] = "2000";
  plan.add_models("sequential");
  plan.add_models("threads");
  plan.add_concurrency(1);
  plan.add_concurrency(2);
  plan.set_repetitions(3);
  return plan;
}

v1::WorkerDescription AWorker(const std::string& address, const std::string& host) {
  v1::WorkerDescription worker;
  worker.set_address(address);
  worker.mutable_machine()->set_hostname(host);
  worker.mutable_machine()->set_logical_cores(8);
  worker.add_models()->set_name("threads");
  (*worker.mutable_labels())["rack"] = "a";
  return worker;
}

v1::JobResult AResult(const std::string& job_id, v1::JobStatus status, int samples) {
  v1::JobResult result;
  result.set_job_id(job_id);
  result.set_model("threads");
  result.set_concurrency(2);
  result.set_status(status);
  result.set_machine("host-a");
  result.set_worker_address("127.0.0.1:4511");
  for (int i = 0; i < samples; ++i) {
    v1::Sample* sample = result.add_samples();
    sample->set_wall_ns(1000000 + i);
    sample->set_warmup(i == 0);
  }
  return result;
}

TEST_F(StoreTest, RoundTripsPlanWorkersAndResultsWithSamples) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  v1::Plan plan = APlan("sieve");
  ASSERT_TRUE(store->BeginRun("run-1", plan).ok());
  ASSERT_TRUE(store->AddWorker("run-1", AWorker("127.0.0.1:4511", "host-a")).ok());
  ASSERT_TRUE(store->AddWorker("run-1", AWorker("127.0.0.1:4512", "host-b")).ok());
  v1::JobResult ok = AResult("run-1/w0/0", v1::JOB_STATUS_OK, 4);
  v1::JobResult failed = AResult("run-1/w0/1", v1::JOB_STATUS_FAILED, 1);
  failed.set_error("primes.sieve: task 7 counted 5 primes, expected 4");
  ASSERT_TRUE(store->AddResult("run-1", ok).ok());
  ASSERT_TRUE(store->AddResult("run-1", failed).ok());
  ASSERT_TRUE(store->FinishRun("run-1", "finished").ok());

  absl::StatusOr<v1::RunRecord> run = store->LoadRun("run-1");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->run_id(), "run-1");
  EXPECT_EQ(run->state(), "finished");
  EXPECT_TRUE(MessageDifferencer::Equals(run->plan(), plan)) << run->plan().DebugString();
  ASSERT_EQ(run->workers_size(), 2);
  EXPECT_EQ(run->workers(0).address(), "127.0.0.1:4511");
  EXPECT_EQ(run->workers(1).machine().hostname(), "host-b");
  EXPECT_EQ(run->workers(0).labels().at("rack"), "a");
  ASSERT_EQ(run->results_size(), 2);
  EXPECT_TRUE(MessageDifferencer::Equals(run->results(0), ok));
  EXPECT_TRUE(MessageDifferencer::Equals(run->results(1), failed));
  EXPECT_GT(run->started_unix_ms(), 0);
  EXPECT_GE(run->finished_unix_ms(), run->started_unix_ms());
}

TEST_F(StoreTest, ALaterResultWithTheSameJobIdReplacesTheEarlierOneInPlace) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->BeginRun("run-1", APlan("p")).ok());
  ASSERT_TRUE(store->AddResult("run-1", AResult("job-a", v1::JOB_STATUS_OK, 2)).ok());
  ASSERT_TRUE(store->AddResult("run-1", AResult("job-b", v1::JOB_STATUS_OK, 2)).ok());
  // Round 2 of an interleaved plan: job-a grows.
  ASSERT_TRUE(store->AddResult("run-1", AResult("job-a", v1::JOB_STATUS_FAILED, 5)).ok());

  absl::StatusOr<v1::RunRecord> run = store->LoadRun("run-1");
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->results_size(), 2);
  EXPECT_EQ(run->results(0).job_id(), "job-a");  // keeps its place
  EXPECT_EQ(run->results(0).samples_size(), 5);
  EXPECT_EQ(run->results(0).status(), v1::JOB_STATUS_FAILED);
  EXPECT_EQ(run->results(1).job_id(), "job-b");

  absl::StatusOr<std::vector<v1::RunSummary>> runs = store->ListRuns();
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].jobs_ok(), 1);
  EXPECT_EQ((*runs)[0].jobs_failed(), 1);
}

TEST_F(StoreTest, ListsNewestFirstWithALimit) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (const char* id : {"run-a", "run-b", "run-c"}) {
    ASSERT_TRUE(store->BeginRun(id, APlan(std::string("plan-") + id)).ok());
    ASSERT_TRUE(store->AddWorker(id, AWorker("127.0.0.1:1", "host-a")).ok());
    ASSERT_TRUE(store->AddWorker(id, AWorker("127.0.0.1:2", "host-b")).ok());
    ASSERT_TRUE(store->FinishRun(id, "finished").ok());
  }
  absl::StatusOr<std::vector<v1::RunSummary>> all = store->ListRuns();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].run_id(), "run-c");
  EXPECT_EQ((*all)[1].run_id(), "run-b");
  EXPECT_EQ((*all)[2].run_id(), "run-a");
  EXPECT_EQ((*all)[0].plan_name(), "plan-run-c");
  EXPECT_EQ((*all)[0].state(), "finished");
  EXPECT_THAT((*all)[0].machines(), ElementsAre("host-a", "host-b"));

  absl::StatusOr<std::vector<v1::RunSummary>> two = store->ListRuns(2);
  ASSERT_TRUE(two.ok()) << two.status();
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].run_id(), "run-b");
}

TEST_F(StoreTest, FindsARunByPrefixOrLatestAndNamesWhatIsMissing) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<v1::RunRecord> none = store->LoadRun("latest");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);

  for (const char* id :
       {"run-20260101T120000-1", "run-20260101T120000-12", "run-20260102T0800-7"}) {
    ASSERT_TRUE(store->BeginRun(id, APlan("p")).ok());
  }
  absl::StatusOr<v1::RunRecord> by_prefix = store->LoadRun("run-20260102");
  ASSERT_TRUE(by_prefix.ok()) << by_prefix.status();
  EXPECT_EQ(by_prefix->run_id(), "run-20260102T0800-7");

  // An exact id wins although it is also a prefix of another id.
  absl::StatusOr<v1::RunRecord> exact = store->LoadRun("run-20260101T120000-1");
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_EQ(exact->run_id(), "run-20260101T120000-1");

  absl::StatusOr<v1::RunRecord> ambiguous = store->LoadRun("run-20260101");
  EXPECT_EQ(ambiguous.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ambiguous.status().message(), HasSubstr("ambiguous"));
  EXPECT_THAT(ambiguous.status().message(), HasSubstr("run-20260101T120000-12"));

  absl::StatusOr<v1::RunRecord> latest = store->LoadRun("latest");
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->run_id(), "run-20260102T0800-7");

  absl::StatusOr<v1::RunRecord> missing = store->LoadRun("run-2099");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "run \"run-2099\": not in the store " + path_);
}

TEST_F(StoreTest, ReopeningMarksRunsLeftRunningIncomplete) {
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->BeginRun("run-done", APlan("p")).ok());
    ASSERT_TRUE(store->FinishRun("run-done", "cancelled").ok());
    ASSERT_TRUE(store->BeginRun("run-cut", APlan("p")).ok());
    ASSERT_TRUE(store->AddResult("run-cut", AResult("job-a", v1::JOB_STATUS_OK, 2)).ok());
    // While its writer lives, other stores on the same file (one closed again) leave the run
    // alone.
    for (int i = 0; i < 2; ++i) {
      auto reader = OpenStore();
      ASSERT_NE(reader, nullptr);
      EXPECT_EQ(reader->LoadRun("run-cut")->state(), "running");
    }
  }  // the writer goes away mid-run
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<v1::RunRecord> cut = store->LoadRun("run-cut");
  ASSERT_TRUE(cut.ok()) << cut.status();
  EXPECT_EQ(cut->state(), "incomplete");
  EXPECT_EQ(cut->results_size(), 1);  // what was measured stays
  EXPECT_EQ(store->LoadRun("run-done")->state(), "cancelled");
}

TEST_F(StoreTest, ARunOfADeadProcessIsIncompleteOnTheNextOpen) {
  // A child process begins a run and dies without finishing it (a coordinator killed -9).
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    absl::StatusOr<std::unique_ptr<ResultStore>> store = ResultStore::Open(path_);
    bool ok = store.ok() && (*store)->BeginRun("run-killed", APlan("p")).ok();
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->LoadRun("run-killed")->state(), "incomplete");
}

TEST_F(StoreTest, UsesWalMode) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(StoreTest, RefusesBadInput) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->BeginRun("run-1", APlan("p")).ok());
  absl::Status again = store->BeginRun("run-1", APlan("p"));
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(again.message(), HasSubstr(path_));
  absl::Status state = store->FinishRun("run-1", "done");
  EXPECT_EQ(state.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(state.message(), HasSubstr("\"done\""));
  EXPECT_EQ(store->FinishRun("run-404", "finished").code(), absl::StatusCode::kNotFound);
  // A result for a run that was never begun is refused, not silently orphaned.
  EXPECT_FALSE(store->AddResult("run-404", AResult("job", v1::JOB_STATUS_OK, 1)).ok());
}

TEST_F(StoreTest, OpenNamesThePathThatCannotBeCreated) {
  std::filesystem::create_directories(dir_);
  std::string file = (dir_ / "a-file").string();
  FILE* f = fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  absl::StatusOr<std::unique_ptr<ResultStore>> store = ResultStore::Open(file + "/runs.db");
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr(file + "/runs.db"));
}

TEST(DefaultStorePathTest, FollowsTheEnvironment) {
  std::string saved_store = getenv("PARLAB_STORE") ? getenv("PARLAB_STORE") : "";
  std::string saved_xdg = getenv("XDG_DATA_HOME") ? getenv("XDG_DATA_HOME") : "";
  std::string saved_home = getenv("HOME") ? getenv("HOME") : "";
  setenv("PARLAB_STORE", "/tmp/explicit.db", 1);
  EXPECT_EQ(DefaultStorePath(), "/tmp/explicit.db");
  unsetenv("PARLAB_STORE");
  setenv("XDG_DATA_HOME", "/tmp/xdg", 1);
  EXPECT_EQ(DefaultStorePath(), "/tmp/xdg/parlab/runs.db");
  unsetenv("XDG_DATA_HOME");
  setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(DefaultStorePath(), "/home/someone/.local/share/parlab/runs.db");
  // Put back what ctest gave us (PARLAB_STORE keeps this process off the user's store).
  auto restore = [](const char* name, const std::string& value) {
    if (value.empty()) {
      unsetenv(name);
    } else {
      setenv(name, value.c_str(), 1);
    }
  };
  restore("PARLAB_STORE", saved_store);
  restore("XDG_DATA_HOME", saved_xdg);
  restore("HOME", saved_home);
}

TEST_F(StoreTest, RecorderStoresARunFromItsEvents) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::string state = "finished";
  StoreRecorder recorder(store.get(), "run-rec", APlan("p"), [&] { return state; });
  v1::RunEvent worker;
  *worker.mutable_worker() = AWorker("127.0.0.1:4511", "host-a");
  recorder.OnEvent(worker);
  EXPECT_EQ(store->LoadRun("run-rec")->state(), "running");
  v1::RunEvent result;
  *result.mutable_job_result() = AResult("job-a", v1::JOB_STATUS_OK, 3);
  recorder.OnEvent(result);
  state = "cancelled";
  v1::RunEvent finished;
  finished.mutable_finished()->set_run_id("run-rec");
  recorder.OnEvent(finished);
  EXPECT_TRUE(recorder.stored());
  EXPECT_TRUE(recorder.status().ok()) << recorder.status();

  absl::StatusOr<v1::RunRecord> run = store->LoadRun("run-rec");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->state(), "cancelled");
  EXPECT_EQ(run->workers_size(), 1);
  EXPECT_EQ(run->results_size(), 1);
}

TEST_F(StoreTest, RecorderKeepsTheFirstErrorAndGoesOn) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->BeginRun("run-taken", APlan("p")).ok());
  StoreRecorder recorder(store.get(), "run-taken", APlan("p"), nullptr);
  v1::RunEvent worker;
  *worker.mutable_worker() = AWorker("127.0.0.1:4511", "host-a");
  recorder.OnEvent(worker);
  v1::RunEvent finished;
  finished.mutable_finished()->set_run_id("run-taken");
  recorder.OnEvent(finished);
  EXPECT_FALSE(recorder.stored());
  EXPECT_EQ(recorder.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(recorder.status().message(), HasSubstr(path_));
  // Nothing was written under the other run's id, and it was not closed either.
  EXPECT_EQ(store->LoadRun("run-taken")->workers_size(), 0);
  EXPECT_EQ(store->LoadRun("run-taken")->state(), "running");
}

TEST(NewRunIdTest, IsUniqueWithinAProcess) {
  std::string a = NewRunId();
  std::string b = NewRunId();
  EXPECT_NE(a, b);
  EXPECT_THAT(a, ::testing::StartsWith("run-"));
}

}  // namespace
}  // namespace parlab::store
