// `parlab results`: its arguments, the list table, and LoadRunFrom/ListRunsFrom reading a run
// both from a store file and through a real coordinator daemon's ListRuns/GetRun.
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "args.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "parlab/coordinator/service.h"
#include "parlab/store/store.h"
#include "results_command.h"
#include "run_source.h"

namespace parlab::cli {
namespace {

using ::testing::HasSubstr;

TEST(ResultsArgsTest, ParsesListAndShow) {
  absl::StatusOr<CliOptions> list =
      ParseCliArgs({"results", "list", "--store", "/tmp/r.db", "--limit", "5", "--format", "json"});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->command, CliCommand::kResultsList);
  EXPECT_EQ(list->store, "/tmp/r.db");
  EXPECT_EQ(list->limit, 5);
  EXPECT_EQ(list->format, "json");

  absl::StatusOr<CliOptions> show =
      ParseCliArgs({"results", "show", "latest", "--coordinator", "127.0.0.1:4510"});
  ASSERT_TRUE(show.ok()) << show.status();
  EXPECT_EQ(show->command, CliCommand::kResultsShow);
  EXPECT_EQ(show->run_id, "latest");
  EXPECT_EQ(show->coordinator, "127.0.0.1:4510");

  absl::StatusOr<CliOptions> run = ParseCliArgs({"run", "p.json", "--no-store"});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_TRUE(run->no_store);
}

TEST(ResultsArgsTest, RefusesBadUseNamingIt) {
  EXPECT_THAT(ParseCliArgs({"results"}).status().message(), HasSubstr("missing list or show"));
  EXPECT_THAT(ParseCliArgs({"results", "show"}).status().message(), HasSubstr("missing RUN"));
  EXPECT_THAT(ParseCliArgs({"results", "drop"}).status().message(),
              HasSubstr("unknown action \"drop\""));
  EXPECT_THAT(ParseCliArgs({"results", "list", "--limit", "-1"}).status().message(),
              HasSubstr("--limit: must be a whole number >= 0, got \"-1\""));
  EXPECT_THAT(ParseCliArgs({"results", "list", "--store", "a.db", "--coordinator", "h:1"})
                  .status()
                  .message(),
              HasSubstr("not both"));
  EXPECT_THAT(ParseCliArgs({"results", "list", "x"}).status().message(),
              HasSubstr("unexpected argument \"x\""));
}

TEST(ResultsTableTest, OneAlignedLinePerRun) {
  v1::RunSummary run;
  run.set_run_id("run-20260101T120000-7");
  run.set_plan_name("sieve");
  run.set_state("incomplete");
  run.set_started_unix_ms(1767268800000);  // 2026-01-01 12:00:00 UTC
  run.set_finished_unix_ms(1767268890000);
  run.add_machines("a");
  run.add_machines("a");
  run.add_machines("b");
  run.set_jobs_ok(5);
  run.set_jobs_failed(1);
  std::ostringstream out;
  PrintRunTable({run}, out);
  EXPECT_EQ(out.str(),
            "RUN                    PLAN   STATE       STARTED (UTC)        DURATION  JOBS OK  "
            "FAILED  MACHINES\n"
            "run-20260101T120000-7  sieve  incomplete  2026-01-01 12:00:00  1.5 min   5        "
            "1       a,b\n");
}

// A store with two runs, read through a file and through a coordinator daemon serving it.
class RunSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("parlab-run-source-" + std::to_string(getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    Cleanup();
    auto store = store::ResultStore::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    v1::Plan plan;
    plan.set_name("p");
    for (const char* id : {"run-old", "run-new"}) {
      ASSERT_TRUE(store_->BeginRun(id, plan).ok());
      v1::JobResult result;
      result.set_job_id(std::string(id) + "/w0/0");
      result.set_status(v1::JOB_STATUS_OK);
      ASSERT_TRUE(store_->AddResult(id, result).ok());
      ASSERT_TRUE(store_->FinishRun(id, "finished").ok());
    }
  }
  void TearDown() override {
    server_.reset();
    store_.reset();
    Cleanup();
  }
  void Cleanup() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }
  void StartServer(bool with_store) {
    auto server = coordinator::StartCoordinatorServer(
        "127.0.0.1:0", {}, absl::Seconds(1), {},
        with_store ? std::shared_ptr<store::ResultStore>(std::move(store_)) : nullptr);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::string path_;
  std::unique_ptr<store::ResultStore> store_;
  std::unique_ptr<coordinator::CoordinatorServer> server_;
};

TEST_F(RunSourceTest, ReadsAStoreFile) {
  CliOptions options;
  options.store = path_;
  absl::StatusOr<v1::RunRecord> run = LoadRunFrom(options, "latest");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->run_id(), "run-new");
  EXPECT_EQ(run->results_size(), 1);
  absl::StatusOr<std::vector<v1::RunSummary>> runs = ListRunsFrom(options, 1);
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].run_id(), "run-new");

  options.store = path_ + ".missing";
  absl::StatusOr<v1::RunRecord> missing = LoadRunFrom(options, "latest");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(path_ + ".missing: no such file"));
  EXPECT_FALSE(std::filesystem::exists(path_ + ".missing"));  // reading never creates one
}

TEST_F(RunSourceTest, ReadsThroughACoordinator) {
  StartServer(/*with_store=*/true);
  CliOptions options;
  options.coordinator = server_->address();
  absl::StatusOr<v1::RunRecord> run = LoadRunFrom(options, "run-o");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->run_id(), "run-old");
  EXPECT_EQ(run->state(), "finished");
  absl::StatusOr<std::vector<v1::RunSummary>> runs = ListRunsFrom(options, 0);
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].run_id(), "run-new");
  EXPECT_EQ((*runs)[1].jobs_ok(), 1);

  absl::StatusOr<v1::RunRecord> missing = LoadRunFrom(options, "run-x");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("coordinator " + server_->address() +
                                                    ": run \"run-x\": not in the store " + path_));
}

TEST_F(RunSourceTest, ACoordinatorWithoutAStoreSaysSo) {
  StartServer(/*with_store=*/false);
  CliOptions options;
  options.coordinator = server_->address();
  absl::StatusOr<std::vector<v1::RunSummary>> runs = ListRunsFrom(options, 0);
  EXPECT_EQ(runs.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(runs.status().message(), HasSubstr("keeps no result store"));
}

}  // namespace
}  // namespace parlab::cli
