// The HTML report (--format html) on made-up runs: one self-contained page (Chart.js inlined,
// nothing fetched), every chart's data matching the rows, tables carrying the JSON export's
// exact numbers, hostile names escaped, machines compared, and the comparison page. The page
// in a real browser is tests/report/browser/.
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compare_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "parlab/report/compare_reporter.h"
#include "parlab/report/reporter.h"

namespace parlab::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

constexpr char kAlpha[] = "127.0.0.1:4511";
constexpr char kBeta[] = "127.0.0.1:4512";

v1::WorkerDescription Worker(const std::string& address, const std::string& host) {
  v1::WorkerDescription worker;
  worker.set_address(address);
  worker.mutable_machine()->set_hostname(host);
  worker.mutable_machine()->set_cpu_model("Test CPU");
  worker.mutable_machine()->set_logical_cores(4);
  return worker;
}

// Five samples around `ms` (+-2%), after one warm-up that must never be drawn.
v1::JobResult Result(const std::string& address, const std::string& model, int concurrency,
                     double ms) {
  v1::JobResult result;
  result.set_model(model);
  result.set_concurrency(concurrency);
  result.set_worker_address(address);
  result.set_status(v1::JOB_STATUS_OK);
  v1::Sample* warmup = result.add_samples();
  warmup->set_warmup(true);
  warmup->set_wall_ns(static_cast<int64_t>(ms * 3e6));
  for (int i = 0; i < 5; ++i) {
    v1::Sample* s = result.add_samples();
    s->set_index(i);
    s->set_wall_ns(static_cast<int64_t>(ms * 1e6 * (1 + 0.01 * (i - 2))));
    s->set_user_ns(s->wall_ns() * concurrency);
  }
  return result;
}

std::string Render(const RunContext& context, const std::vector<results::ResultRow>& rows,
                   const std::string& format = "html") {
  std::ostringstream out;
  absl::StatusOr<std::unique_ptr<Reporter>> reporter = MakeReporter(format, out);
  EXPECT_TRUE(reporter.ok()) << reporter.status();
  (*reporter)->ReportContext(context);
  (*reporter)->ReportRows(rows);
  (*reporter)->Finalize();
  return out.str();
}

// The charts' data the page carries (the JSON in #parlab-charts).
Json ChartsOf(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"parlab-charts\">";
  size_t begin = html.find(open);
  EXPECT_NE(begin, std::string::npos);
  begin += open.size();
  size_t end = html.find("</script>", begin);
  return Json::parse(html.substr(begin, end - begin));
}

const Json& Chart(const Json& charts, const std::string& id) {
  for (const Json& chart : charts) {
    if (chart["id"] == id) return chart;
  }
  ADD_FAILURE() << "no chart " << id;
  static const Json none;
  return none;
}

size_t Points(const Json& chart, const std::string& label) {
  for (const Json& d : chart["datasets"]) {
    if (d["label"] == label) return d["points"].size();
  }
  ADD_FAILURE() << "no dataset " << label << " in " << chart["id"];
  return 0;
}

class HtmlReporterTest : public ::testing::Test {
 protected:
  HtmlReporterTest() {
    v1::Plan& plan = context_.plan;
    plan.set_name("cpu-sieve");
    plan.mutable_workload()->set_kind("primes.sieve");
    for (const char* model : {"sequential", "thread_pool"}) plan.add_models(model);
    for (int c : {1, 2, 4}) plan.add_concurrency(c);
    plan.set_repetitions(5);
    plan.set_warmup(1);
    context_.run_id = "run-html";
    context_.machines = {Worker(kAlpha, "alpha")};
    results_ = {Result(kAlpha, "sequential", 1, 40), Result(kAlpha, "thread_pool", 1, 41),
                Result(kAlpha, "thread_pool", 2, 21), Result(kAlpha, "thread_pool", 4, 12)};
  }

  std::vector<results::ResultRow> Rows() {
    return results::Aggregate(context_.plan, context_.machines, results_);
  }

  RunContext context_;
  std::vector<v1::JobResult> results_;
};

TEST_F(HtmlReporterTest, OnePageThatFetchesNothing) {
  const std::string html = Render(context_, Rows());
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("Chart.js v3.9.1"));  // inlined from libjs-chart.js
  EXPECT_THAT(html, HasSubstr("id=\"parlab-chart-summary\""));
  // Nothing to load: no external script, style, image or frame.
  EXPECT_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=)", std::regex::icase)));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("<iframe")));
  EXPECT_THAT(html, HasSubstr("default-src 'none'"));  // and the page forbids it
  EXPECT_THAT(html, HasSubstr("</html>\n"));
}

TEST_F(HtmlReporterTest, ChartsCarryEveryRowAndRepetition) {
  const Json charts = ChartsOf(Render(context_, Rows()));
  const Json& wall = Chart(charts, "m0-wall");
  EXPECT_EQ(Points(wall, "sequential median"), 1u);
  EXPECT_EQ(Points(wall, "thread_pool median"), 3u);
  EXPECT_EQ(Points(wall, "thread_pool repetitions"), 15u);  // warm-ups are not drawn
  EXPECT_EQ(wall["y"]["title"], "wall time (ms)");
  // The median's interval rides on its point as error bars.
  EXPECT_TRUE(wall["datasets"][0]["points"][0].contains("low"));
  EXPECT_NEAR(wall["datasets"][2]["points"][1]["y"].get<double>(), 21, 1e-9);

  const Json& speedup = Chart(charts, "m0-speedup");
  EXPECT_EQ(Points(speedup, "thread_pool"), 3u);
  EXPECT_EQ(Points(speedup, "ideal"), 3u);
  bool fit = false;
  for (const Json& d : speedup["datasets"]) fit = fit || d["kind"] == "fit";
  EXPECT_TRUE(fit) << "the Amdahl fit is drawn";
  const Json& efficiency = Chart(charts, "m0-efficiency");
  EXPECT_EQ(Points(efficiency, "ideal"), 3u);
  EXPECT_EQ(efficiency["datasets"].back()["points"][0]["y"], 1.0);
  EXPECT_EQ(charts.size(), 3u);  // no sweep: no METG chart
}

// The table cells name the JSON export's field and carry its exact value.
TEST_F(HtmlReporterTest, TableNumbersAreTheJsonExports) {
  const std::vector<results::ResultRow> rows = Rows();
  const std::string html = Render(context_, rows);
  const Json doc = Json::parse(Render(context_, rows, "json"));
  std::regex cell(
      R"re(<tr data-result="(\d+)">|<td(?: class="[^"]*")? data-key="([a-z_.]+)" data-value="([^"]+)">)re");
  int result = -1;
  int checked = 0;
  const std::string rows_table = html.substr(
      html.find("id=\"m0-rows\""), html.find("id=\"m0-amdahl\"") - html.find("id=\"m0-rows\""));
  for (auto it = std::sregex_iterator(rows_table.begin(), rows_table.end(), cell);
       it != std::sregex_iterator(); ++it) {
    if ((*it)[1].matched) {
      result = std::stoi((*it)[1]);
      continue;
    }
    ASSERT_GE(result, 0);
    const Json& row = doc["results"][result];
    std::string key = (*it)[2];
    double value = std::stod((*it)[3]);
    Json expected = key == "concurrency" ? row["concurrency"] : row["aggregates"];
    if (key != "concurrency") {
      for (size_t dot; (dot = key.find('.')) != std::string::npos; key = key.substr(dot + 1)) {
        expected = expected[key.substr(0, dot)];
      }
      expected = expected[key];
    }
    ASSERT_TRUE(expected.is_number()) << (*it)[2] << " of row " << result;
    EXPECT_EQ(value, expected.get<double>()) << (*it)[2] << " of row " << result;
    ++checked;
  }
  EXPECT_GE(checked, 4 * 9);  // every row's median, CI, min, max, CV, speedup, ...
}

TEST_F(HtmlReporterTest, EverythingFromThePlanAndWorkersIsEscaped) {
  context_.plan.set_name("</script><script>alert(1)</script>");
  context_.plan.set_description("<img onerror=alert(2)> & \x1b[2J");
  context_.machines[0].mutable_machine()->set_hostname("<b>alpha</b>");
  context_.machines[0].mutable_machine()->add_warnings("governor is \"<powersave>\"");
  results_[1].set_model("thread_pool\"'<x>");
  context_.plan.set_models(1, "thread_pool\"'<x>");
  const std::string html = Render(context_, Rows());
  EXPECT_THAT(html, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("<b>")));
  EXPECT_THAT(html, Not(HasSubstr("\x1b")));
  EXPECT_THAT(html, HasSubstr("&lt;b&gt;alpha&lt;/b&gt;"));
  EXPECT_THAT(html, HasSubstr("&lt;img onerror=alert(2)&gt; &amp; \\x1b[2J"));
  EXPECT_THAT(html, HasSubstr("governor is &quot;&lt;powersave&gt;&quot;"));
  // Exactly the page's own three scripts end: none of the names closes one early.
  size_t closers = 0;
  for (size_t at = html.find("</script>"); at != std::string::npos;
       at = html.find("</script>", at + 1)) {
    ++closers;
  }
  EXPECT_EQ(closers, 3u);
  // The chart data still names the model exactly.
  const Json charts = ChartsOf(html);
  EXPECT_EQ(Points(Chart(charts, "m0-wall"), "thread_pool\"'<x> median"), 1u);
}

TEST_F(HtmlReporterTest, SeveralMachinesSideBySideAndCompared) {
  context_.machines.push_back(Worker(kBeta, "beta"));
  for (const auto& [model, c, ms] :
       std::vector<std::tuple<std::string, int, double>>{{"sequential", 1, 40},
                                                         {"thread_pool", 1, 41},
                                                         {"thread_pool", 2, 30},
                                                         {"thread_pool", 4, 12}}) {
    results_.push_back(Result(kBeta, model, c, ms));
  }
  const std::string html = Render(context_, Rows());
  const Json charts = ChartsOf(html);
  EXPECT_EQ(Points(Chart(charts, "m1-wall"), "thread_pool median"), 3u);
  EXPECT_THAT(html, HasSubstr("<h2>Machines compared</h2>"));
  EXPECT_THAT(html, HasSubstr("id=\"machines-1\""));
  // thread_pool x2: 30 ms on beta against 21 on alpha, five samples each, fully separated.
  EXPECT_TRUE(std::regex_search(
      html, std::regex(R"(<td class="slower" data-key="ratio" data-value="1\.428)")));
  EXPECT_THAT(html, HasSubstr("<td class=\"slower\">slower</td>"));
  EXPECT_THAT(html, HasSubstr("no significant difference"));
}

TEST_F(HtmlReporterTest, SweptPlansGetMetgCurves) {
  context_.plan.mutable_sweep()->set_param("n");
  context_.plan.mutable_sweep()->add_values("1000");
  context_.plan.mutable_sweep()->add_values("100");
  std::vector<v1::JobResult> swept;
  for (const auto& [value, seq, pool] :
       std::vector<std::tuple<std::string, double, double>>{{"1000", 40, 11}, {"100", 4, 3}}) {
    for (const auto& [model, c, ms] : std::vector<std::tuple<std::string, int, double>>{
             {"sequential", 1, seq}, {"thread_pool", 4, pool}}) {
      v1::JobResult r = Result(kAlpha, model, c, ms);
      r.set_sweep_value(value);
      for (v1::Sample& s : *r.mutable_samples()) s.set_tasks(value == "1000" ? 1000 : 100);
      swept.push_back(r);
    }
  }
  results_ = swept;
  const std::string html = Render(context_, Rows());
  const Json charts = ChartsOf(html);
  const Json& metg = Chart(charts, "metg-chart");
  EXPECT_EQ(Points(metg, "thread_pool x4"), 2u);
  EXPECT_EQ(Points(metg, "50% efficiency"), 2u);
  EXPECT_EQ(Points(Chart(charts, "m0-wall"), "thread_pool n=1000 median"), 1u);
  EXPECT_THAT(html, HasSubstr("METG (minimum effective task granularity)"));
}

TEST(HtmlCompareTest, RatiosWithIntervalsAndSignificantRowsMarked) {
  using results::testing::Compare;
  using results::testing::MakeRun;
  results::RunComparison c =
      Compare(MakeRun("run-a", 100, 100, 50), MakeRun("run-b", 100, 100, 75));
  std::ostringstream out;
  ASSERT_TRUE(ReportComparison(c, "html", out).ok());
  const std::string html = out.str();
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("run-a (A) against run-b (B)"));
  EXPECT_THAT(html, HasSubstr("<td class=\"slower\">slower</td>"));
  EXPECT_TRUE(std::regex_search(
      html, std::regex(R"(<td class="slower" data-key="ratio" data-value="1\.5)")));
  const Json charts = ChartsOf(html);
  ASSERT_EQ(charts.size(), 1u);
  EXPECT_EQ(Points(charts[0], "B/A"), 3u);
  EXPECT_EQ(charts[0]["x"]["labels"][2], "thread_pool x2");
  EXPECT_GT(charts[0]["datasets"][0]["points"][2]["low"].get<double>(), 1);
}

}  // namespace
}  // namespace parlab::report
