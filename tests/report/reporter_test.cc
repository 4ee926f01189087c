// Table and JSON reporters: what people and programs read.
#include "parlab/report/reporter.h"

#include <cmath>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace parlab::report {
namespace {

namespace stats = results::stats;
using results::Aggregate;
using results::Aggregates;
using results::ResultRow;

using ::testing::HasSubstr;

v1::Sample MakeSample(int64_t wall_ns, bool warmup = false) {
  v1::Sample sample;
  sample.set_wall_ns(wall_ns);
  sample.set_user_ns(wall_ns / 2);
  sample.set_system_ns(wall_ns / 10);
  sample.set_warmup(warmup);
  sample.set_tasks(7);
  return sample;
}

class ReporterTest : public ::testing::Test {
 protected:
  ReporterTest() {
    context_.plan.set_name("cpu-sieve");
    context_.plan.mutable_workload()->set_kind("primes.sieve");
    (*context_.plan.mutable_workload()->mutable_params())["from"] = "1000";
    context_.plan.add_models("sequential");
    context_.plan.add_models("thread_pool");
    context_.plan.add_concurrency(1);
    context_.plan.add_concurrency(2);
    context_.plan.set_repetitions(2);
    context_.plan.set_warmup(1);
    context_.run_id = "run-test";
    v1::WorkerDescription worker;
    worker.set_address("127.0.0.1:4511");
    worker.mutable_machine()->set_hostname("alpha");
    worker.mutable_machine()->set_logical_cores(2);
    worker.mutable_machine()->set_cpu_model("Test CPU");
    context_.machines = {worker};

    std::vector<v1::JobResult> results(3);
    results[0].set_model("sequential");
    results[0].set_concurrency(1);
    results[1].set_model("thread_pool");
    results[1].set_concurrency(2);
    results[2].set_model("thread_pool");
    results[2].set_concurrency(1);
    for (v1::JobResult& r : results) {
      r.set_worker_address("127.0.0.1:4511");
      r.set_machine("alpha");
      r.set_status(v1::JOB_STATUS_OK);
    }
    for (int64_t wall : {40'000'000, 20'000'000, 24'000'000}) {
      *results[0].add_samples() = MakeSample(wall);
    }
    *results[0].add_samples() = MakeSample(90'000'000, /*warmup=*/true);
    *results[1].add_samples() = MakeSample(21'000'000);
    *results[1].add_samples() = MakeSample(19'000'000);
    *results[2].add_samples() = MakeSample(5'000'000);
    results[2].set_status(v1::JOB_STATUS_FAILED);
    results[2].set_error("task 3 (n=1003): counted 167 primes, expected 168");
    rows_ = Aggregate(context_.plan, context_.machines, results);
  }

  std::string Render(Reporter& reporter) {
    reporter.ReportContext(context_);
    reporter.ReportRows(rows_);
    reporter.Finalize();
    return out_.str();
  }

  RunContext context_;
  std::vector<ResultRow> rows_;
  std::ostringstream out_;
};

TEST(FormatNanosTest, PicksAHumanUnit) {
  EXPECT_EQ(FormatNanos(850), "850 ns");
  EXPECT_EQ(FormatNanos(12'345), "12.3 us");
  EXPECT_EQ(FormatNanos(4'560'000), "4.56 ms");
  EXPECT_EQ(FormatNanos(1'234'000'000), "1.234 s");
}

TEST(MakeReporterTest, RejectsUnknownFormats) {
  std::ostringstream out;
  EXPECT_TRUE(MakeReporter("table", out).ok());
  EXPECT_TRUE(MakeReporter("json", out).ok());
  absl::StatusOr<std::unique_ptr<Reporter>> xml = MakeReporter("xml", out);
  ASSERT_FALSE(xml.ok());
  EXPECT_THAT(std::string(xml.status().message()),
              HasSubstr("--format: must be table, markdown, csv, json, gbench-json or html, "
                        R"(got "xml")"));
}

TEST_F(ReporterTest, TableHasAlignedColumnsAndHumanUnits) {
  TableReporter reporter(out_);
  std::string text = Render(reporter);
  EXPECT_THAT(text, HasSubstr("plan cpu-sieve: primes.sieve {from=1000}"));
  EXPECT_THAT(text, HasSubstr("machine alpha (127.0.0.1:4511): Test CPU, 2 logical cores"));

  // Alignment is about what a terminal shows: "±" is two bytes but one column, so compare
  // positions with it replaced by one ASCII character.
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    for (size_t at; (at = line.find("±")) != std::string::npos;) line.replace(at, 2, "~");
    lines.push_back(line);
  }
  auto header = std::find_if(lines.begin(), lines.end(),
                             [](const std::string& l) { return l.rfind("machine  ", 0) == 0; });
  ASSERT_NE(header, lines.end()) << text;
  ASSERT_GE(lines.end() - header, 4);
  const std::string& seq = *(header + 1);
  const std::string& failed = *(header + 2);  // thread_pool x1 sorts before x2
  const std::string& pool = *(header + 3);
  EXPECT_THAT(seq, HasSubstr("sequential"));
  EXPECT_THAT(seq, HasSubstr("24.00 ms"));  // median of 20, 24, 40 (the 90 ms warm-up ignored)
  EXPECT_THAT(seq, HasSubstr("1.00x"));
  EXPECT_THAT(seq, HasSubstr("100%"));
  EXPECT_THAT(pool, HasSubstr("20.00 ms"));  // median of 19 and 21
  // 24 / 20; bootstrap interval 20/21 .. 40/19, shown by its larger side to one digit.
  EXPECT_THAT(pool, HasSubstr("1.2 ~ 0.9x"));
  EXPECT_THAT(text, HasSubstr("1.2 ± 0.9x"));
  EXPECT_THAT(seq, HasSubstr("~ 16.00 ms"));  // bootstrap CI of the median: 20 .. 40 ms
  EXPECT_THAT(seq, HasSubstr("37.8%"));       // cv: sqrt(112) / 28
  EXPECT_THAT(pool, HasSubstr("60%"));        // 1.2 / min(2, 2 cores)
  EXPECT_THAT(failed, HasSubstr("FAILED [1]"));
  // Right-aligned numeric columns end where their titles end.
  size_t median_end = header->find("median") + std::string("median").size();
  EXPECT_EQ(seq.find(" ms", median_end - 4) + 3, median_end) << *header << "\n" << seq;
  EXPECT_EQ(pool.find(" ms", median_end - 4) + 3, median_end) << *header << "\n" << pool;
  // The status column starts at the same place in every row.
  size_t status_at = header->find("status");
  EXPECT_EQ(seq.substr(status_at), "OK");
  EXPECT_EQ(failed.substr(status_at), "FAILED [1]");
  EXPECT_THAT(text, HasSubstr("[1] alpha thread_pool x1: task 3 (n=1003): counted 167 primes"));
  // The speedup column ends where its title ends, with or without a "±" before it.
  size_t speedup_end = header->find("speedup") + std::string("speedup").size();
  EXPECT_EQ(pool.find("0.9x") + 4, speedup_end) << *header << "\n" << pool;
  EXPECT_EQ(seq.find("1.00x") + 5, speedup_end) << *header << "\n" << seq;
}

TEST_F(ReporterTest, TableListsScalingAndWarningsUnderTheTable) {
  TableReporter reporter(out_);
  std::string text = Render(reporter);
  // One parallel level: Karp-Flatt (1/1.2 - 1/2) / (1/2) = 2/3, and Amdahl's f equals it.
  EXPECT_THAT(text, HasSubstr("alpha thread_pool: e = 0.667 at x2; f = 0.667 (rms residual "
                              "0.00 over 1 level)"));
  // Measured 40, 20, 24 ms: the first is 40 / 22 = 1.8x the rest's median; cv 38%.
  EXPECT_THAT(text, HasSubstr("Warning: alpha sequential x1: the first measured repetition "
                              "took 1.8x the median of the rest"));
  EXPECT_THAT(text, HasSubstr("Warning: alpha sequential x1: coefficient of variation 38%"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("Warning: alpha thread_pool")));
  // Warnings come after the table and its notes.
  EXPECT_GT(text.find("Warning:"), text.find("[1] alpha thread_pool x1"));
}

TEST_F(ReporterTest, JsonParsesBackWithEveryField) {
  JsonReporter reporter(out_);
  nlohmann::json doc = nlohmann::json::parse(Render(reporter));
  EXPECT_EQ(doc["run_id"], "run-test");
  EXPECT_EQ(doc["plan"]["name"], "cpu-sieve");
  EXPECT_EQ(doc["plan"]["workload"]["kind"], "primes.sieve");
  EXPECT_EQ(doc["plan"]["workload"]["params"]["from"], "1000");
  EXPECT_EQ(doc["plan"]["concurrency"], nlohmann::json({1, 2}));
  ASSERT_EQ(doc["machines"].size(), 1u);
  EXPECT_EQ(doc["machines"][0]["hostname"], "alpha");
  EXPECT_EQ(doc["machines"][0]["logical_cores"], 2);
  EXPECT_EQ(doc["machines"][0]["worker"], "127.0.0.1:4511");

  const nlohmann::json& results = doc["results"];
  ASSERT_EQ(results.size(), 3u);
  const nlohmann::json& seq = results[0];
  for (const char* field :
       {"machine", "worker", "model", "concurrency", "status", "error", "samples", "aggregates"}) {
    EXPECT_TRUE(seq.contains(field)) << field;
  }
  EXPECT_EQ(seq["machine"], "alpha");
  EXPECT_EQ(seq["model"], "sequential");
  EXPECT_EQ(seq["concurrency"], 1);
  EXPECT_EQ(seq["status"], "OK");
  EXPECT_EQ(seq["error"], "");
  ASSERT_EQ(seq["samples"].size(), 4u);
  for (const char* field :
       {"index", "warmup", "wall_ns", "user_ns", "system_ns", "voluntary_ctx_switches",
        "involuntary_ctx_switches", "max_rss_kib", "tasks"}) {
    EXPECT_TRUE(seq["samples"][0].contains(field)) << field;
  }
  EXPECT_EQ(seq["samples"][0]["wall_ns"], 40'000'000);
  EXPECT_EQ(seq["samples"][0]["user_ns"], 20'000'000);
  EXPECT_EQ(seq["samples"][3]["warmup"], true);
  const nlohmann::json& agg = seq["aggregates"];
  EXPECT_EQ(agg["median_wall_ns"], 24'000'000.0);
  EXPECT_EQ(agg["min_wall_ns"], 20'000'000);
  EXPECT_EQ(agg["max_wall_ns"], 40'000'000);
  EXPECT_DOUBLE_EQ(agg["mean_wall_ns"].get<double>(), 28'000'000.0);
  EXPECT_DOUBLE_EQ(agg["median_cpu_ns"].get<double>(), 24'000'000.0 * 0.6);
  EXPECT_DOUBLE_EQ(agg["speedup"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(agg["efficiency"].get<double>(), 1.0);

  EXPECT_DOUBLE_EQ(agg["stddev_wall_ns"].get<double>(), std::sqrt(112.0) * 1e6);
  EXPECT_DOUBLE_EQ(agg["cv"].get<double>(), std::sqrt(112.0) / 28);
  EXPECT_DOUBLE_EQ(agg["p90_wall_ns"].get<double>(), 36'800'000.0);
  EXPECT_EQ(agg["median_ci_wall_ns"], nlohmann::json({{"low", 20e6}, {"high", 40e6}}));
  EXPECT_LT(agg["mean_ci_wall_ns"]["low"].get<double>(), 28e6);
  EXPECT_GT(agg["mean_ci_wall_ns"]["high"].get<double>(), 28e6);
  EXPECT_EQ(agg["outliers"], nlohmann::json::array());
  EXPECT_EQ(agg["speedup_ci"], nlohmann::json({{"low", 1.0}, {"high", 1.0}}));
  EXPECT_TRUE(agg["karp_flatt"].is_null());  // p = 1
  EXPECT_TRUE(agg["amdahl"].is_null());      // sequential runs at one level only
  ASSERT_EQ(agg["warnings"].size(), 2u);
  EXPECT_EQ(agg["warnings"][0]["code"], "slow-first-repetition");
  EXPECT_EQ(agg["warnings"][1]["code"], "high-variation");
  EXPECT_THAT(agg["warnings"][1]["message"].get<std::string>(), HasSubstr("38%"));

  const nlohmann::json& pool = results[2]["aggregates"];
  EXPECT_DOUBLE_EQ(pool["speedup"].get<double>(), 1.2);
  EXPECT_DOUBLE_EQ(pool["speedup_ci"]["low"].get<double>(), 20.0 / 21);
  EXPECT_DOUBLE_EQ(pool["speedup_ci"]["high"].get<double>(), 40.0 / 19);
  EXPECT_NEAR(pool["karp_flatt"].get<double>(), 2.0 / 3, 1e-12);
  EXPECT_NEAR(pool["amdahl"]["serial_fraction"].get<double>(), 2.0 / 3, 1e-9);
  EXPECT_EQ(pool["amdahl"]["levels"], 1);
  EXPECT_EQ(pool["warnings"], nlohmann::json::array());
  const nlohmann::json& failed = results[1];
  EXPECT_EQ(failed["status"], "FAILED");
  EXPECT_THAT(failed["error"].get<std::string>(), HasSubstr("counted 167 primes"));
  EXPECT_TRUE(failed["aggregates"].is_null());
  EXPECT_EQ(failed["samples"].size(), 1u);
  EXPECT_EQ(doc["summary"]["jobs_ok"], 2);
  EXPECT_EQ(doc["summary"]["jobs_failed"], 1);
}

TEST_F(ReporterTest, JsonSurvivesInvalidUtf8InErrors) {
  rows_[1].error = std::string("cut mid-character \xE2\x82", 20);
  JsonReporter reporter(out_);
  nlohmann::json doc = nlohmann::json::parse(Render(reporter));
  EXPECT_THAT(doc["results"][1]["error"].get<std::string>(), HasSubstr("cut mid-character"));
}

}  // namespace
}  // namespace parlab::report
