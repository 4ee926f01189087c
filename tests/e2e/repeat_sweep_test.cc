// Automatic repetitions (target_cv) and granularity sweeps (METG) through the real binaries.
#include <filesystem>
#include <fstream>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "process.h"

namespace parlab::e2e {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

class RepeatSweepTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const std::string& path : files_) std::filesystem::remove(path);
  }

  // Runs `plan` on a fresh local worker, JSON (or `format`) on stdout, nothing stored.
  Completed Run(const Json& plan, const std::string& format = "json") {
    std::string path =
        (std::filesystem::temp_directory_path() / ("parlab-repeat-" + std::to_string(getpid()) +
                                                   "-" + std::to_string(files_.size()) + ".json"))
            .string();
    std::ofstream(path) << plan.dump();
    files_.push_back(path);
    return RunToCompletion({PARLAB_CLI_BIN, "run", path, "--workers", worker_.address(), "--format",
                            format, "--no-store"});
  }

  Daemon worker_{{PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"}};
  std::vector<std::string> files_;
};

int Measured(const Json& record) {
  int measured = 0;
  for (const Json& sample : record["samples"]) measured += sample["warmup"].get<bool>() ? 0 : 1;
  return measured;
}

Json SleepPlan(double target_cv, int repetitions, int max_repetitions) {
  return {{"workload", {{"kind", "sleep"}, {"params", {{"tasks", 2}, {"ms", 1}}}}},
          {"models", {"sequential"}},
          {"repetitions", repetitions},
          {"warmup", 0},
          {"target_cv", target_cv},
          {"max_repetitions", max_repetitions}};
}

TEST_F(RepeatSweepTest, AnUnreachableTargetStopsAtMaxRepetitionsWithAWarning) {
  ASSERT_TRUE(worker_.ok()) << worker_.error();
  // No two 2 ms sleeps take the same time to a millionth.
  Completed run = Run(SleepPlan(1e-6, 2, 4));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  Json doc = Json::parse(run.out);
  ASSERT_EQ(doc["results"].size(), 1u);
  const Json& record = doc["results"][0];
  EXPECT_EQ(record["status"], "OK") << record["error"];
  EXPECT_EQ(Measured(record), 4);
  EXPECT_EQ(record["aggregates"]["target_cv_met"], false);
  EXPECT_THAT(record["aggregates"]["warnings"].dump(),
              HasSubstr("above target 0.0001% after 4 repetitions"));
}

TEST_F(RepeatSweepTest, AMetTargetStopsAfterThePlansRepetitions) {
  ASSERT_TRUE(worker_.ok()) << worker_.error();
  Completed run = Run(SleepPlan(0.9, 3, 10));  // CV of 2 ms sleeps stays far below 90%
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const Json record = Json::parse(run.out)["results"][0];
  EXPECT_EQ(record["status"], "OK") << record["error"];
  EXPECT_EQ(Measured(record), 3);
  EXPECT_EQ(record["aggregates"]["target_cv_met"], true);
}

TEST_F(RepeatSweepTest, TheTimeBudgetEndsTheExtraRounds) {
  ASSERT_TRUE(worker_.ok()) << worker_.error();
  Json plan = SleepPlan(1e-6, 2, 10000);
  plan["time_budget_s"] = 1;
  Completed run = Run(plan);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const Json record = Json::parse(run.out)["results"][0];
  EXPECT_EQ(record["status"], "OK") << record["error"];
  EXPECT_GE(Measured(record), 2);
  EXPECT_LT(Measured(record), 10000);
  EXPECT_LT(run.elapsed, absl::Seconds(60));  // generous: one round is a few ms of sleep
}

Json SweepPlan() {
  return {{"workload", {{"kind", "sleep"}, {"params", {{"tasks", 4}}}}},
          {"models", {"sequential", "threads"}},
          {"concurrency", {2}},
          {"repetitions", 1},
          {"warmup", 0},
          {"sweep", {{"param", "ms"}, {"values", {4, 1}}}}};
}

TEST_F(RepeatSweepTest, ASweepRunsEveryJobAtEveryValueAndReportsMetg) {
  ASSERT_TRUE(worker_.ok()) << worker_.error();
  Completed run = Run(SweepPlan());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  Json doc = Json::parse(run.out);
  std::set<std::pair<std::string, std::string>> rows;
  for (const Json& record : doc["results"]) {
    EXPECT_EQ(record["status"], "OK") << record["error"];
    rows.emplace(record["model"], record["sweep_value"]);
    ASSERT_FALSE(record["aggregates"]["speedup"].is_null());  // a baseline at every point
  }
  EXPECT_EQ(rows,
            (std::set<std::pair<std::string, std::string>>{
                {"sequential", "4"}, {"sequential", "1"}, {"threads", "4"}, {"threads", "1"}}));
  ASSERT_EQ(doc["metg"].size(), 1u) << doc["metg"].dump();
  const Json& curve = doc["metg"][0];
  EXPECT_EQ(curve["model"], "threads");
  ASSERT_EQ(curve["points"].size(), 2u);
  std::set<std::string> values;
  for (const Json& point : curve["points"]) {
    values.insert(point["sweep_value"].get<std::string>());
    EXPECT_EQ(point["tasks"], 4);
    EXPECT_GT(point["granularity_ns"].get<double>(), 0);
    EXPECT_GT(point["efficiency"].get<double>(), 0);
  }
  EXPECT_EQ(values, (std::set<std::string>{"4", "1"}));
  // Largest granularity first (which point that is depends on the machine's noise).
  EXPECT_GE(curve["points"][0]["granularity_ns"].get<double>(),
            curve["points"][1]["granularity_ns"].get<double>());

  Completed table = Run(SweepPlan(), "table");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("METG(50%)"));
  EXPECT_THAT(table.out, ::testing::ContainsRegex("threads +2 +2 "));
}

}  // namespace
}  // namespace parlab::e2e
