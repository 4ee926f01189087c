// Markdown, CSV and Google Benchmark JSON reporters, and what the table adds for workload
// metrics, machine warnings and affinity: each rendered from one fixed synthetic run.
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "parlab/report/reporter.h"

namespace parlab::report {
namespace {

namespace stats = results::stats;
using results::Aggregate;
using results::Aggregates;
using results::ResultRow;

using ::testing::HasSubstr;
using ::testing::Not;

v1::Sample MakeSample(int64_t wall_ns, double lost_updates = -1, bool warmup = false) {
  v1::Sample sample;
  sample.set_wall_ns(wall_ns);
  sample.set_user_ns(wall_ns / 2);
  sample.set_system_ns(wall_ns / 10);
  sample.set_warmup(warmup);
  sample.set_tasks(7);
  if (lost_updates >= 0) (*sample.mutable_metrics())["lost_updates"] = lost_updates;
  return sample;
}

// A minimal RFC 4180 reader: quoted fields with doubled quotes, CRLF or LF line ends.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        rows.back().back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        rows.back().back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\r') {
      continue;
    } else if (c == '\n') {
      rows.emplace_back(1);
    } else {
      rows.back().back() += c;
    }
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

class FormatReporterTest : public ::testing::Test {
 protected:
  FormatReporterTest() {
    v1::Plan& plan = context_.plan;
    plan.set_name("counter-race");
    plan.mutable_workload()->set_kind("counter");
    (*plan.mutable_workload()->mutable_params())["strategy"] = "none";
    plan.add_models("sequential");
    plan.add_models("thread_pool");
    plan.add_concurrency(1);
    plan.add_concurrency(2);
    plan.set_repetitions(3);
    plan.set_warmup(1);
    plan.set_affinity("compact");
    context_.run_id = "run-format";
    context_.started_unix_ms = 1'767'268'800'000;  // 2026-01-01T12:00:00Z
    v1::WorkerDescription worker;
    worker.set_address("127.0.0.1:4511");
    v1::MachineInfo& m = *worker.mutable_machine();
    m.set_hostname("alpha");
    m.set_logical_cores(2);
    m.set_pus(2);
    m.set_cores(2);
    m.set_packages(1);
    m.set_cpu_model("Test CPU");
    m.set_mhz(2100.4);
    m.set_governor("powersave");
    m.set_load_avg_1m(0.5);
    m.set_load_avg_5m(0.25);
    m.set_load_avg_15m(0.125);
    v1::CacheInfo* l1 = m.add_caches();
    l1->set_level(1);
    l1->set_type("data");
    l1->set_size_bytes(49152);
    l1->set_count(2);
    v1::CacheInfo* l3 = m.add_caches();
    l3->set_level(3);
    l3->set_type("unified");
    l3->set_size_bytes(32 << 20);
    l3->set_count(1);
    m.add_warnings("cpufreq governor is \"powersave\" (use \"performance\")");
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
    *results[0].add_samples() = MakeSample(90'000'000, 0, /*warmup=*/true);
    for (int64_t wall : {40'000'000, 20'000'000, 24'000'000}) {
      *results[0].add_samples() = MakeSample(wall, 0);
    }
    *results[1].add_samples() = MakeSample(21'000'000, 120);
    *results[1].add_samples() = MakeSample(19'000'000, 80);
    *results[1].add_samples() = MakeSample(20'000'000, 100);
    *results[2].add_samples() = MakeSample(5'000'000);
    results[2].set_status(v1::JOB_STATUS_FAILED);
    results[2].set_error("total 1999, expected 2000, \"lost\" one");
    rows_ = Aggregate(plan, context_.machines, results);
  }

  std::string Render(absl::string_view format) {
    absl::StatusOr<std::unique_ptr<Reporter>> reporter = MakeReporter(format, out_);
    EXPECT_TRUE(reporter.ok()) << reporter.status();
    (*reporter)->ReportContext(context_);
    (*reporter)->ReportRows(rows_);
    (*reporter)->Finalize();
    return out_.str();
  }

  RunContext context_;
  std::vector<ResultRow> rows_;
  std::ostringstream out_;
};

TEST(MakeReporterFormatsTest, AcceptsEveryListedFormat) {
  for (const char* format : kReportFormats) {
    std::ostringstream out;
    EXPECT_TRUE(MakeReporter(format, out).ok()) << format;
  }
  std::ostringstream out;
  absl::StatusOr<std::unique_ptr<Reporter>> bad = MakeReporter("yaml", out);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("table, markdown, csv, json, gbench-json or html, got \"yaml\""));
}

TEST_F(FormatReporterTest, TableShowsMetricsMachineWarningsAndAffinity) {
  std::string text = Render("table");
  EXPECT_THAT(text, HasSubstr("affinity compact"));
  EXPECT_THAT(text, HasSubstr("governor powersave, 2100 MHz, load 0.50"));
  EXPECT_THAT(text, HasSubstr("Warning: machine alpha: cpufreq governor is \"powersave\""));
  std::istringstream in(text);
  std::string header, seq, failed, pool;
  // Positions are compared as a terminal shows them: "±" is two bytes but one column.
  auto next = [&in](std::string& line) {
    std::getline(in, line);
    for (size_t at; (at = line.find("±")) != std::string::npos;) line.replace(at, 2, "~");
  };
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("machine  ", 0) == 0) {
      header = line;
      next(seq);
      next(failed);
      next(pool);
    }
  }
  ASSERT_THAT(header, HasSubstr("lost_updates")) << text;
  // The metric column sits before status; the pool's median of 120, 80, 100 is 100.
  EXPECT_LT(header.find("lost_updates"), header.find("status"));
  size_t metric_end = header.find("lost_updates") + std::string("lost_updates").size();
  EXPECT_EQ(pool.substr(metric_end - 3, 3), "100") << header << "\n" << pool;
  EXPECT_EQ(seq.substr(metric_end - 1, 1), "0") << header << "\n" << seq;
  EXPECT_THAT(failed, HasSubstr("FAILED [1]"));
}

TEST_F(FormatReporterTest, TableLeavesOutAffinityNoneAndMetricsWhenAbsent) {
  context_.plan.set_affinity("none");
  for (ResultRow& row : rows_) {
    for (v1::Sample& s : row.samples) s.clear_metrics();
  }
  std::string text = Render("table");
  EXPECT_THAT(text, Not(HasSubstr("affinity")));
  EXPECT_THAT(text, Not(HasSubstr("lost_updates")));
}

TEST_F(FormatReporterTest, SweepValuesGetAColumnAndANamePart) {
  context_.plan.mutable_sweep()->set_param("increments");
  context_.plan.mutable_sweep()->add_values("1000");
  for (ResultRow& row : rows_) row.sweep_value = "1000";
  std::string table = Render("table");
  EXPECT_THAT(table, HasSubstr("sweep increments over 1 value"));
  EXPECT_THAT(table, HasSubstr("machine  model        conc  increments"));
  EXPECT_THAT(table, HasSubstr("[1] alpha thread_pool x1 increments=1000: total 1999"));

  out_.str("");
  std::vector<std::vector<std::string>> csv = ParseCsv(Render("csv"));
  auto at = std::find(csv[0].begin(), csv[0].end(), "sweep_value") - csv[0].begin();
  EXPECT_EQ(csv[1][at], "1000");
  EXPECT_EQ(csv[1][at - 1], "increments");  // sweep_param

  out_.str("");
  nlohmann::json doc = nlohmann::json::parse(Render("gbench-json"));
  EXPECT_EQ(doc["benchmarks"][0]["name"], "counter/sequential/increments:1000/threads:1");
}

TEST_F(FormatReporterTest, MarkdownHasOneTablePerMachineWithSummaryAndWarnings) {
  v1::WorkerDescription beta = context_.machines[0];
  beta.set_address("127.0.0.1:4512");
  beta.mutable_machine()->set_hostname("beta");
  beta.mutable_machine()->clear_warnings();
  context_.machines.push_back(beta);
  std::vector<ResultRow> beta_rows = rows_;
  for (ResultRow& row : beta_rows) {
    row.worker = "127.0.0.1:4512";
    row.machine = "beta";
  }
  rows_.insert(rows_.end(), beta_rows.begin(), beta_rows.end());

  std::string text = Render("markdown");
  EXPECT_THAT(text, HasSubstr("## plan counter-race: counter {strategy=none}"));
  EXPECT_THAT(text, HasSubstr("### alpha (127.0.0.1:4511)"));
  EXPECT_THAT(text, HasSubstr("### beta (127.0.0.1:4512)"));
  EXPECT_THAT(text, HasSubstr("Test CPU, 2 logical cores"));
  EXPECT_THAT(text, HasSubstr("2 of 3 jobs OK; best speedup 1.2"));
  EXPECT_THAT(text, HasSubstr("> **Warning:** cpufreq governor is \"powersave\""));

  // Every table line has the same number of cells; the separator marks numbers right-aligned.
  std::vector<std::vector<std::string>> tables;
  std::istringstream in(text);
  std::vector<std::string> current;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("|", 0) == 0) {
      current.push_back(line);
    } else if (!current.empty()) {
      tables.push_back(current);
      current.clear();
    }
  }
  if (!current.empty()) tables.push_back(current);
  ASSERT_EQ(tables.size(), 2u) << text;
  for (const auto& table : tables) {
    ASSERT_EQ(table.size(), 5u);                   // header, separator, three rows
    EXPECT_THAT(table[0], HasSubstr("| model "));  // text left-aligned, numbers right
    EXPECT_THAT(table[0], HasSubstr(" median |"));
    EXPECT_THAT(table[0], HasSubstr(" 95% CI |"));
    EXPECT_THAT(table[0], HasSubstr(" speedup |"));
    EXPECT_THAT(table[0], HasSubstr(" efficiency |"));
    EXPECT_THAT(table[0], HasSubstr(" lost_updates |"));
    EXPECT_THAT(table[1], HasSubstr("| ----------- | ---: |"));
    EXPECT_EQ(table[1].find_first_not_of("|-: "), std::string::npos) << table[1];
    size_t pipes = std::count(table[0].begin(), table[0].end(), '|');
    for (const std::string& line : table) {
      EXPECT_EQ(static_cast<size_t>(std::count(line.begin(), line.end(), '|')), pipes) << line;
      EXPECT_EQ(line.back(), '|');
    }
    EXPECT_THAT(table[2], HasSubstr("| sequential "));
    EXPECT_THAT(table[4], HasSubstr("| 1.2 ± 0.9x |"));  // 24 / 20, bootstrap of 3 x 3 samples
  }
  EXPECT_THAT(text, HasSubstr("1. thread_pool x1: total 1999"));
}

TEST_F(FormatReporterTest, CsvParsesBackWithHeaderAndOneRowPerResult) {
  std::string text = Render("csv");
  EXPECT_NE(text.find("\r\n"), std::string::npos);  // RFC 4180 line ends
  std::vector<std::vector<std::string>> rows = ParseCsv(text);
  ASSERT_EQ(rows.size(), 4u) << text;  // header + 3 rows
  const std::vector<std::string>& header = rows[0];
  for (const auto& row : rows) ASSERT_EQ(row.size(), header.size());
  auto column = [&](const std::string& name) {
    auto it = std::find(header.begin(), header.end(), name);
    EXPECT_NE(it, header.end()) << name;
    return static_cast<size_t>(it - header.begin());
  };
  EXPECT_EQ(rows[1][column("machine")], "alpha");
  EXPECT_EQ(rows[1][column("model")], "sequential");
  EXPECT_EQ(rows[1][column("concurrency")], "1");
  EXPECT_EQ(rows[1][column("median_wall_ns")], "24000000");
  EXPECT_EQ(rows[1][column("median_ci_low_ns")], "20000000");
  EXPECT_EQ(rows[1][column("median_ci_high_ns")], "40000000");
  EXPECT_EQ(rows[1][column("speedup")], "1");
  EXPECT_EQ(rows[1][column("warnings")], "slow-first-repetition high-variation");
  EXPECT_EQ(rows[1][column("metric_lost_updates")], "0");
  // The failed row: its error quoted (a comma and quotes in it), its aggregates empty.
  EXPECT_EQ(rows[2][column("status")], "FAILED");
  EXPECT_EQ(rows[2][column("error")], "total 1999, expected 2000, \"lost\" one");
  EXPECT_EQ(rows[2][column("median_wall_ns")], "");
  EXPECT_EQ(rows[3][column("median_wall_ns")], "20000000");
  EXPECT_EQ(rows[3][column("speedup")], "1.2");
  EXPECT_EQ(rows[3][column("metric_lost_updates")], "100");
  EXPECT_EQ(rows[3][column("run_id")], "run-format");
  for (const char* name :
       {"mean_wall_ns", "mean_ci_low_ns", "min_wall_ns", "max_wall_ns", "stddev_wall_ns", "cv",
        "p90_wall_ns", "median_cpu_ns", "speedup_ci_low", "efficiency", "karp_flatt",
        "amdahl_serial_fraction", "outliers", "sweep_value", "measured_samples"}) {
    column(name);
  }
}

TEST_F(FormatReporterTest, GbenchJsonMatchesGoogleBenchmarkLayout) {
  nlohmann::json doc = nlohmann::json::parse(Render("gbench-json"));
  const nlohmann::json& context = doc["context"];
  EXPECT_EQ(context["date"], "2026-01-01T12:00:00+00:00");
  EXPECT_EQ(context["host_name"], "alpha");
  EXPECT_EQ(context["executable"], "parlab run counter-race");
  EXPECT_EQ(context["num_cpus"], 2);
  EXPECT_EQ(context["mhz_per_cpu"], 2100);
  EXPECT_EQ(context["cpu_scaling_enabled"], true);  // governor powersave
  ASSERT_EQ(context["caches"].size(), 2u);
  EXPECT_EQ(context["caches"][0],
            nlohmann::json({{"type", "Data"}, {"level", 1}, {"size", 49152}, {"num_sharing", 1}}));
  EXPECT_EQ(context["caches"][1]["type"], "Unified");
  EXPECT_EQ(context["caches"][1]["num_sharing"], 2);
  EXPECT_EQ(context["load_avg"], nlohmann::json({0.5, 0.25, 0.125}));
  EXPECT_TRUE(context["library_build_type"] == "release" ||
              context["library_build_type"] == "debug");

  const nlohmann::json& benchmarks = doc["benchmarks"];
  // sequential: 3 repetitions + 4 aggregates; failed thread_pool x1: 1 errored entry;
  // thread_pool x2: 3 + 4.
  ASSERT_EQ(benchmarks.size(), 15u) << benchmarks.dump(1);
  const nlohmann::json& first = benchmarks[0];
  EXPECT_EQ(first["name"], "counter/sequential/threads:1");
  EXPECT_EQ(first["run_name"], "counter/sequential/threads:1");
  EXPECT_EQ(first["run_type"], "iteration");
  EXPECT_EQ(first["repetitions"], 3);
  EXPECT_EQ(first["repetition_index"], 0);
  EXPECT_EQ(first["threads"], 1);
  EXPECT_EQ(first["iterations"], 1);
  EXPECT_EQ(first["time_unit"], "us");  // one unit everywhere: compare.py pairs by it
  EXPECT_DOUBLE_EQ(first["real_time"].get<double>(), 40e3);  // the warm-up (90 ms) is skipped
  EXPECT_DOUBLE_EQ(first["cpu_time"].get<double>(), 24e3);   // user 20 + system 4 ms
  EXPECT_EQ(first["lost_updates"], 0.0);                     // a metric is a user counter
  EXPECT_EQ(benchmarks[2]["repetition_index"], 2);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(benchmarks[i].contains("aggregate_name"));

  const char* names[] = {"mean", "median", "stddev", "cv"};
  for (int i = 0; i < 4; ++i) {
    const nlohmann::json& aggregate = benchmarks[3 + i];
    EXPECT_EQ(aggregate["name"], std::string("counter/sequential/threads:1_") + names[i]);
    EXPECT_EQ(aggregate["run_name"], "counter/sequential/threads:1");
    EXPECT_EQ(aggregate["run_type"], "aggregate");
    EXPECT_EQ(aggregate["aggregate_name"], names[i]);
    EXPECT_EQ(aggregate["aggregate_unit"], i == 3 ? "percentage" : "time");
    EXPECT_EQ(aggregate["repetitions"], 3);
    EXPECT_EQ(aggregate["iterations"], 3);
    EXPECT_EQ(aggregate["threads"], 1);
    EXPECT_FALSE(aggregate.contains("repetition_index"));
  }
  EXPECT_NEAR(benchmarks[3]["real_time"].get<double>(), 28e3, 1e-6);
  EXPECT_NEAR(benchmarks[4]["real_time"].get<double>(), 24e3, 1e-6);
  EXPECT_NEAR(benchmarks[5]["real_time"].get<double>(), std::sqrt(112.0) * 1e3, 1e-6);
  EXPECT_NEAR(benchmarks[6]["real_time"].get<double>(), std::sqrt(112.0) / 28, 1e-9);

  const nlohmann::json& failed = benchmarks[7];
  EXPECT_EQ(failed["name"], "counter/thread_pool/threads:1");
  EXPECT_EQ(failed["error_occurred"], true);
  EXPECT_THAT(failed["error_message"].get<std::string>(), HasSubstr("total 1999"));

  EXPECT_EQ(benchmarks[8]["name"], "counter/thread_pool/threads:2");
  EXPECT_EQ(benchmarks[8]["threads"], 2);
  EXPECT_EQ(benchmarks[8]["family_index"], benchmarks[7]["family_index"]);
  EXPECT_EQ(benchmarks[8]["per_family_instance_index"], 1);
  EXPECT_NE(benchmarks[8]["family_index"], benchmarks[0]["family_index"]);
  EXPECT_EQ(benchmarks[12]["aggregate_name"], "median");
  EXPECT_EQ(benchmarks[12]["lost_updates"], 100.0);
}

TEST_F(FormatReporterTest, GbenchJsonNamesMachinesWhenThereAreSeveral) {
  v1::WorkerDescription beta = context_.machines[0];
  beta.set_address("127.0.0.1:4512");
  beta.mutable_machine()->set_hostname("beta");
  context_.machines.push_back(beta);
  nlohmann::json doc = nlohmann::json::parse(Render("gbench-json"));
  EXPECT_EQ(doc["context"]["host_name"], "alpha,beta");
  EXPECT_EQ(doc["benchmarks"][0]["name"], "counter/sequential/machine:alpha/threads:1");
}

// A plan named with ANSI escapes must not clear the reader's screen or recolour the report.
TEST_F(FormatReporterTest, ControlCharactersAreEscapedInTableAndMarkdown) {
  context_.plan.set_name("\x1b[2Jevil\x07");
  context_.machines[0].mutable_machine()->set_hostname("host\x1b]0;title\x07");
  rows_[2].error = "boom \x1b[31mred";
  rows_[2].model = "thread\x1b[1mpool";
  for (const char* format : {"table", "markdown"}) {
    out_.str("");
    const std::string text = Render(format);
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << format << ":\n" << text;
    EXPECT_EQ(text.find('\x07'), std::string::npos) << format;
    EXPECT_THAT(text, HasSubstr("\\x1b[2Jevil\\x07")) << format;
    EXPECT_THAT(text, HasSubstr("thread\\x1b[1mpool")) << format;
  }
}

}  // namespace
}  // namespace parlab::report
