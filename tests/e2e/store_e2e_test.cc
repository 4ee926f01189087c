// The result store end to end, with the real daemons: a run on two workers through a
// parlab-coordinator outlives the coordinator (restarted on the same --store file, it still
// lists and shows the run), a run whose coordinator dies mid-run is "incomplete" afterwards,
// and `parlab run` (embedded coordinator) records into --store and says so.
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "process.h"

namespace parlab::e2e {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

class StoreE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("parlab-store-e2e-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = (dir_ / "runs.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WritePlan(const Json& plan) {
    std::string path = (dir_ / "plan.json").string();
    std::ofstream(path) << plan.dump();
    return path;
  }

  std::unique_ptr<Daemon> StartCoordinator(const std::vector<std::string>& workers) {
    std::vector<std::string> argv = {PARLAB_COORDINATOR_BIN, "--listen", "127.0.0.1:0", "--store",
                                     store_};
    if (!workers.empty()) {
      argv.push_back("--workers");
      argv.push_back(workers[0] + (workers.size() > 1 ? "," + workers[1] : ""));
    }
    return std::make_unique<Daemon>(argv);
  }

  static Completed Parlab(std::vector<std::string> args) {
    args.insert(args.begin(), PARLAB_CLI_BIN);
    return RunToCompletion(args, absl::Seconds(60));
  }

  // `parlab results list --coordinator ADDR --format json`
  static Json ListRuns(const std::string& coordinator) {
    Completed list = Parlab({"results", "list", "--coordinator", coordinator, "--format", "json"});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    return list.exit_code == 0 ? Json::parse(list.out) : Json::array();
  }

  std::filesystem::path dir_;
  std::string store_;
};

Json SievePlan() {
  return {{"name", "store-e2e"},
          {"workload", {{"kind", "primes.sieve"}, {"params", {{"from", 1000}, {"to", 1100}}}}},
          {"models", {"sequential", "threads"}},
          {"concurrency", {1, 2}},
          {"repetitions", 2},
          {"warmup", 0}};
}

// The acceptance path: two workers, one coordinator with a store; the coordinator is stopped
// and started again on the same file, and the run is still there, finished, with both workers.
TEST_F(StoreE2eTest, ATwoWorkerRunOutlivesItsCoordinator) {
  Daemon worker_a({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  Daemon worker_b({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker_a.ok()) << worker_a.error();
  ASSERT_TRUE(worker_b.ok()) << worker_b.error();
  std::unique_ptr<Daemon> coordinator = StartCoordinator({});
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();

  Completed run =
      Parlab({"run", WritePlan(SievePlan()), "--coordinator", coordinator->address(), "--workers",
              worker_a.address() + "," + worker_b.address(), "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string run_id = Json::parse(run.out)["run_id"];
  ASSERT_FALSE(run_id.empty()) << run.out;

  coordinator.reset();  // SIGTERM, and waits until it is gone
  coordinator = StartCoordinator({});
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();

  Json runs = ListRuns(coordinator->address());
  ASSERT_EQ(runs.size(), 1u) << runs.dump();
  EXPECT_EQ(runs[0]["run_id"], run_id);
  EXPECT_EQ(runs[0]["state"], "finished");
  EXPECT_EQ(runs[0]["plan_name"], "store-e2e");
  EXPECT_EQ(runs[0]["machines"].size(), 2u);
  EXPECT_EQ(runs[0]["jobs_ok"], 6);  // 3 jobs on each worker
  EXPECT_EQ(runs[0]["jobs_failed"], 0);

  Completed table = Parlab({"results", "list", "--coordinator", coordinator->address()});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr(run_id));
  EXPECT_THAT(table.out, HasSubstr("finished"));

  // `show` re-aggregates the stored samples: the same rows as the run printed, per worker.
  Completed shown = Parlab({"results", "show", run_id.substr(0, run_id.size() - 1), "--coordinator",
                            coordinator->address(), "--format", "json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  Json doc = Json::parse(shown.out);
  EXPECT_EQ(doc["run_id"], run_id);
  EXPECT_EQ(doc["machines"].size(), 2u);
  std::set<std::string> workers;
  for (const Json& record : doc["results"]) {
    workers.insert(record["worker"].get<std::string>());
    EXPECT_EQ(record["status"], "OK");
    EXPECT_EQ(record["samples"].size(), 2u);  // both measured repetitions were kept
  }
  EXPECT_EQ(workers, (std::set<std::string>{worker_a.address(), worker_b.address()}));
  EXPECT_EQ(doc["results"].size(), 6u);

  // The same store file, read directly, holds the same run.
  Completed direct = Parlab({"results", "show", "latest", "--store", store_});
  ASSERT_EQ(direct.exit_code, 0) << direct.err;
  EXPECT_THAT(direct.out, HasSubstr("threads"));
  EXPECT_THAT(direct.err, HasSubstr(run_id));

  Completed missing =
      Parlab({"results", "show", "run-1999", "--coordinator", coordinator->address()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("run \"run-1999\": not in the store " + store_));
}

// A coordinator killed mid-run (SIGKILL: no chance to close the run) leaves what it measured;
// the next coordinator on the store calls the run incomplete.
TEST_F(StoreE2eTest, ARunWhoseCoordinatorDiesIsIncomplete) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  std::unique_ptr<Daemon> coordinator = StartCoordinator({worker.address()});
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  Json plan = {{"name", "cut-short"},
               {"workload", {{"kind", "sleep"}, {"params", {{"tasks", 10}, {"ms", 50}}}}},
               {"models", {"sequential", "threads"}},
               {"concurrency", {1, 2}},
               {"repetitions", 1},
               {"warmup", 0},
               {"order", "grouped"}};  // job results stream as each job ends
  bool killed = false;
  Completed run = RunToCompletion(
      {PARLAB_CLI_BIN, "run", WritePlan(plan), "--coordinator", coordinator->address()},
      absl::Seconds(60), [&](const std::string& err) {
        if (!killed && err.find("sequential x1: OK") != std::string::npos) {
          coordinator->Kill();
          killed = true;
        }
      });
  ASSERT_TRUE(killed) << run.err;
  EXPECT_NE(run.exit_code, 0) << run.err;

  coordinator = StartCoordinator({worker.address()});
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  Json runs = ListRuns(coordinator->address());
  ASSERT_EQ(runs.size(), 1u) << runs.dump();
  EXPECT_EQ(runs[0]["state"], "incomplete");
  EXPECT_GE(runs[0]["jobs_ok"].get<int>(), 1);  // sequential x1 was stored before it was shown

  Completed shown = Parlab({"results", "show", "latest", "--coordinator", coordinator->address()});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("sequential"));
  EXPECT_THAT(shown.err, HasSubstr("incomplete"));
}

// The default interleaved order: a job's samples are stored after each of its rounds, so a
// coordinator killed in round 2 leaves round 1's samples behind, marked partial.
TEST_F(StoreE2eTest, AnInterleavedRunKeepsItsFinishedRoundsWhenItsCoordinatorDies) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  std::unique_ptr<Daemon> coordinator = StartCoordinator({worker.address()});
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  Json plan = {{"name", "interleaved-cut-short"},
               {"workload", {{"kind", "sleep"}, {"params", {{"tasks", 4}, {"ms", 50}}}}},
               {"models", {"sequential", "threads"}},
               {"concurrency", {2}},
               {"repetitions", 3},
               {"warmup", 0}};
  bool killed = false;
  Completed run = RunToCompletion({PARLAB_CLI_BIN, "run", WritePlan(plan), "--coordinator",
                                   coordinator->address(), "--progress", "lines"},
                                  absl::Seconds(60), [&](const std::string& err) {
                                    if (!killed && err.find("measure 2/3") != std::string::npos) {
                                      coordinator->Kill();
                                      killed = true;
                                    }
                                  });
  ASSERT_TRUE(killed) << run.err;

  coordinator = StartCoordinator({worker.address()});
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  Completed shown = Parlab(
      {"results", "show", "latest", "--coordinator", coordinator->address(), "--format", "json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  Json report = Json::parse(shown.out);
  int partial_jobs = 0;
  for (const Json& row : report["results"]) {
    if (row.value("error", "").find("partial") == std::string::npos) continue;
    ++partial_jobs;
    EXPECT_FALSE(row["samples"].empty()) << row.dump();
  }
  EXPECT_GE(partial_jobs, 1) << shown.out;
}

// A coordinator stopped with SIGTERM mid-run cancels the run's jobs and closes it as
// incomplete (nobody cancelled it) before it exits.
TEST_F(StoreE2eTest, ARunWhoseCoordinatorIsStoppedIsIncomplete) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  std::unique_ptr<Daemon> coordinator = StartCoordinator({worker.address()});
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  // threads x1 needs 3 s, longer than the 2 s a stopping daemon grants the calls in flight.
  Json plan = {{"name", "stopped"},
               {"workload", {{"kind", "sleep"}, {"params", {{"tasks", 60}, {"ms", 50}}}}},
               {"models", {"sequential", "threads"}},
               {"concurrency", {1}},
               {"repetitions", 1},
               {"warmup", 0},
               {"order", "grouped"}};
  bool stopped = false;
  Completed run = RunToCompletion(
      {PARLAB_CLI_BIN, "run", WritePlan(plan), "--coordinator", coordinator->address()},
      absl::Seconds(60), [&](const std::string& err) {
        if (!stopped && err.find("sequential x1: OK") != std::string::npos) {
          coordinator.reset();  // SIGTERM; returns once the daemon is gone
          stopped = true;
        }
      });
  ASSERT_TRUE(stopped) << run.err;

  coordinator = StartCoordinator({worker.address()});
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  Json runs = ListRuns(coordinator->address());
  ASSERT_EQ(runs.size(), 1u) << runs.dump();
  EXPECT_EQ(runs[0]["state"], "incomplete");
  EXPECT_GT(runs[0]["finished_unix_ms"].get<int64_t>(), 0);  // closed by the daemon itself
}

// A store that cannot be written (another process holds its write lock past the busy
// timeout) costs the client nothing but a named error: every result is still printed.
TEST_F(StoreE2eTest, AStoreThatCannotBeWrittenStillDeliversTheRun) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  std::unique_ptr<Daemon> coordinator = StartCoordinator({worker.address()});
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  Json plan = SievePlan();
  plan["models"] = {"sequential"};
  Completed run =
      Parlab({"run", WritePlan(plan), "--coordinator", coordinator->address(), "--format", "json"});
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  Json doc = Json::parse(run.out);
  ASSERT_EQ(doc["results"].size(), 1u) << run.out;
  EXPECT_EQ(doc["results"][0]["status"], "OK");
  EXPECT_THAT(run.err, HasSubstr("could not record it"));
  EXPECT_THAT(run.err, HasSubstr(store_));
}

// `parlab run` with its embedded coordinator records into --store and names where.
TEST_F(StoreE2eTest, AnEmbeddedRunIsStoredUnlessNoStore) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  std::string plan = WritePlan(SievePlan());
  Completed run = Parlab({"run", plan, "--workers", worker.address(), "--store", store_});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr(" in " + store_));
  Completed skipped =
      Parlab({"run", plan, "--workers", worker.address(), "--store", store_, "--no-store"});
  ASSERT_EQ(skipped.exit_code, 0) << skipped.err;
  EXPECT_THAT(skipped.err, ::testing::Not(HasSubstr("stored as")));

  Completed list = Parlab({"results", "list", "--store", store_, "--format", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  Json runs = Json::parse(list.out);
  ASSERT_EQ(runs.size(), 1u) << list.out;
  EXPECT_EQ(runs[0]["state"], "finished");
  EXPECT_THAT(run.err, HasSubstr("stored as " + runs[0]["run_id"].get<std::string>()));

  Completed no_file = Parlab({"results", "list", "--store", (dir_ / "none.db").string()});
  EXPECT_EQ(no_file.exit_code, 2);
  EXPECT_THAT(no_file.err, HasSubstr((dir_ / "none.db").string()));
}

}  // namespace
}  // namespace parlab::e2e
