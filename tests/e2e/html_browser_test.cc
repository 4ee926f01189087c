// The HTML report (--format html) of real runs in a real browser: headless Chromium, with the
// network cut, opens the report of examples/plans/cpu-sieve.json, of a three-worker broadcast
// run and of a METG sweep; the page must log no error and request nothing but itself, each
// chart must have drawn the expected number of points (read back from the page), and the
// tables' numbers must equal `parlab export --format json`'s. Screenshots are kept in
// build/browser-artifacts/. Skipped, saying so, only where chromium is not installed
// (scripts/setup.sh installs it, so CI runs it).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "process.h"

namespace parlab::e2e {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;

std::string Chromium() {
  if (const char* env = std::getenv("PARLAB_CHROMIUM"); env != nullptr && *env != '\0') return env;
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// "12.3 ms" -> 12300000: the unit FormatNanos wrote.
double ParseNanos(const std::string& text) {
  std::istringstream in(text);
  double value = 0;
  std::string unit;
  in >> value >> unit;
  static const std::map<std::string, double> kUnits = {
      {"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
  auto it = kUnits.find(unit);
  return it == kUnits.end() ? NAN : value * it->second;
}

class HtmlBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = Chromium();
    if (chromium_.empty()) {
      GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs Debian's chromium): "
                      "the browser test cannot run here";
    }
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("parlab-browser-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::filesystem::create_directories(PARLAB_BROWSER_ARTIFACTS);
    store_ = (dir_ / "runs.db").string();
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  Completed Parlab(std::vector<std::string> args) {
    args.insert(args.begin(), PARLAB_CLI_BIN);
    return RunToCompletion(args, absl::Seconds(240));
  }

  std::string WritePlan(const Json& plan) {
    std::string path = (dir_ / "plan.json").string();
    std::ofstream(path) << plan.dump(2);
    return path;
  }

  // Runs the plan on `workers`, keeps the HTML `parlab run` printed, and returns the JSON
  // export of the stored run.
  Json RunAndExport(const std::string& plan, const std::vector<std::string>& workers,
                    const std::string& name) {
    Completed run = Parlab({"run", plan, "--workers", absl::StrJoin(workers, ","), "--store",
                            store_, "--format", "html", "--progress", "none"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    html_ = (dir_ / (name + ".html")).string();
    std::ofstream(html_) << run.out;
    std::ofstream(std::filesystem::path(PARLAB_BROWSER_ARTIFACTS) / (name + ".html")) << run.out;
    Completed json = Parlab({"export", "latest", "--format", "json", "--store", store_});
    EXPECT_EQ(json.exit_code, 0) << json.err;
    return Json::parse(json.out);
  }

  // Opens html_ in headless Chromium (tests/e2e/browser/cdp_page.py) and returns what it saw;
  // with `url` set, that page of a served dashboard instead (only 127.0.0.1 reachable). `eval`:
  // a JavaScript expression whose value comes back as result["eval"].
  Json Open(const std::string& name, const std::string& url = "", const std::string& eval = "") {
    const std::string out = (dir_ / (name + ".result.json")).string();
    const std::string shot =
        (std::filesystem::path(PARLAB_BROWSER_ARTIFACTS) / (name + ".png")).string();
    std::vector<std::string> argv = {
        PARLAB_PYTHON, PARLAB_CDP_DRIVER, "--chromium", chromium_, "--out",
        out,           "--screenshot",    shot};
    if (url.empty()) {
      argv.insert(argv.end(), {"--url", "file://" + html_, "--offline"});
    } else {
      argv.insert(argv.end(), {"--url", url, "--loopback-only"});
    }
    if (!eval.empty()) argv.insert(argv.end(), {"--eval", eval});
    Completed driver = RunToCompletion(argv, absl::Seconds(120));
    EXPECT_EQ(driver.exit_code, 0) << driver.err;
    EXPECT_TRUE(std::filesystem::exists(shot)) << shot;
    return Json::parse(ReadFile(out));
  }

  // What every report page must satisfy against the run's JSON export.
  void CheckPage(const Json& page, const Json& doc) {
    EXPECT_TRUE(page["console_errors"].empty()) << page["console_errors"].dump(1);
    for (const Json& url : page["requests"]) {
      EXPECT_EQ(url.get<std::string>().rfind("file://", 0), 0u) << "requested " << url;
    }
    ASSERT_TRUE(page["summary"].is_object()) << "report.js wrote no summary";
    EXPECT_TRUE(page["summary"]["done"].get<bool>());
    EXPECT_TRUE(page["summary"]["errors"].empty()) << page["summary"]["errors"].dump(1);

    // The wall-time chart of each machine: one point per row with aggregates per series, one
    // per measured repetition.
    std::vector<std::string> workers;
    std::map<std::string, std::map<std::string, size_t>> expected;  // chart -> dataset -> n
    const std::string param = doc["plan"].contains("sweep") ? doc["plan"]["sweep"]["param"] : "";
    for (const Json& row : doc["results"]) {
      std::string worker = row["worker"];
      auto it = std::find(workers.begin(), workers.end(), worker);
      if (it == workers.end()) it = workers.insert(workers.end(), worker);
      if (row["aggregates"].is_null()) continue;
      const std::string chart = absl::StrCat("m", it - workers.begin(), "-wall");
      std::string series = row["model"];
      if (row.contains("sweep_value")) {
        series += absl::StrCat(" ", param, "=", row["sweep_value"].get<std::string>());
      }
      expected[chart][series + " median"] += 1;
      expected[chart][series + " repetitions"] +=
          row["aggregates"]["measured_samples"].get<size_t>();
    }
    std::map<std::string, std::map<std::string, size_t>> drawn;
    for (const Json& chart : page["summary"]["charts"]) {
      for (const Json& d : chart["datasets"]) {
        drawn[chart["id"]][d["label"]] = d["points"].get<size_t>();
      }
    }
    for (const auto& [chart, datasets] : expected) {
      for (const auto& [label, n] : datasets) {
        EXPECT_EQ(drawn[chart][label], n) << chart << " / " << label;
      }
    }
    // METG: one curve per entry of the export's "metg", with all its points.
    if (doc.contains("metg")) {
      size_t curves = 0;
      for (const Json& curve : doc["metg"]) {
        const std::string label =
            absl::StrCat(curve["model"].get<std::string>(), " x", curve["concurrency"].get<int>());
        bool found = false;
        for (const auto& [name, n] : drawn["metg-chart"]) {
          if (name.rfind(label, 0) == 0) {
            EXPECT_EQ(n, curve["points"].size()) << name;
            found = true;
          }
        }
        EXPECT_TRUE(found) << label;
        ++curves;
      }
      EXPECT_GT(curves, 0u);
    }

    // The rows tables: each number cell is the export's, exactly, and its text shows it.
    size_t checked = 0;
    for (const Json& cell : page["cells"]) {
      const std::string table = cell["table"];
      if (table.find("-rows") == std::string::npos) continue;
      const Json& row = doc["results"][cell["result"].get<size_t>()];
      std::string key = cell["key"];
      Json expected_value = key == "concurrency" ? row["concurrency"] : row["aggregates"];
      if (key != "concurrency") {
        for (size_t dot; (dot = key.find('.')) != std::string::npos; key = key.substr(dot + 1)) {
          expected_value = expected_value[key.substr(0, dot)];
        }
        expected_value = expected_value[key];
      }
      ASSERT_TRUE(expected_value.is_number()) << cell.dump();
      EXPECT_DOUBLE_EQ(cell["value"].get<double>(), expected_value.get<double>()) << cell.dump();
      if (key == "median_wall_ns") {
        const double shown = ParseNanos(cell["text"]);
        EXPECT_NEAR(shown, expected_value.get<double>(), 0.006 * expected_value.get<double>())
            << cell.dump();
      }
      ++checked;
    }
    EXPECT_GE(checked, doc["results"].size() * 5) << "too few numbers in the tables";
  }

  std::string chromium_;
  std::filesystem::path dir_;
  std::string store_;
  std::string html_;
};

TEST_F(HtmlBrowserTest, CpuSievePlanReport) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  // The example plan's models and levels, but 50 tasks instead of 500, 2 repetitions, no
  // warm-up and no extra rounds (as written it adds rounds to noisy rows for up to 45 s): the
  // report's shape is the same, and the run takes seconds (it took 70 s under ASan).
  Json plan =
      Json::parse(ReadFile(std::string(PARLAB_SOURCE_DIR) + "/examples/plans/cpu-sieve.json"));
  plan["repetitions"] = 2;
  plan["warmup"] = 0;
  Json& params = plan["workload"]["params"];
  params["to"] = params["from"].get<int64_t>() + 50;
  for (const char* adaptive : {"target_cv", "max_repetitions", "time_budget_s"}) {
    ASSERT_TRUE(plan.contains(adaptive)) << adaptive;  // this test follows the example
    plan.erase(adaptive);
  }
  const Json doc = RunAndExport(WritePlan(plan), {worker.address()}, "cpu-sieve");
  const Json page = Open("cpu-sieve");
  CheckPage(page, doc);
  EXPECT_THAT(page["title"].get<std::string>(), HasSubstr("plan cpu-sieve"));
  // Wall, speedup and efficiency of the one machine.
  EXPECT_EQ(page["summary"]["charts"].size(), 3u);
}

TEST_F(HtmlBrowserTest, ThreeWorkerBroadcastReport) {
  Daemon a({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  Daemon b({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  Daemon c({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok()) << a.error() << b.error() << c.error();
  const Json plan = {
      {"name", "broadcast-sieve"},
      {"workload", {{"kind", "primes.sieve"}, {"params", {{"from", 1000}, {"to", 1200}}}}},
      {"models", {"sequential", "threads"}},
      {"concurrency", {1, 2}},
      {"warmup", 0},
      {"repetitions", 3}};
  const Json doc =
      RunAndExport(WritePlan(plan), {a.address(), b.address(), c.address()}, "broadcast");
  const Json page = Open("broadcast");
  CheckPage(page, doc);
  EXPECT_EQ(page["summary"]["charts"].size(), 9u);  // three per machine
  // Machines 2 and 3 against machine 1, a ratio per matched row.
  size_t ratios = 0;
  for (const Json& cell : page["cells"]) {
    if (cell["key"] == "ratio" && cell["table"].get<std::string>().rfind("machines-", 0) == 0) {
      ++ratios;
    }
  }
  EXPECT_EQ(ratios, 2u * 3u);
}

TEST_F(HtmlBrowserTest, MetgSweepReport) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  const Json plan = {{"name", "metg-small"},
                     {"workload", {{"kind", "sysbench.cpu"}, {"params", {{"events", 400}}}}},
                     {"models", {"sequential", "thread_pool"}},
                     {"concurrency", {2}},
                     {"warmup", 0},
                     {"repetitions", 3},
                     {"sweep", {{"param", "cpu_max_prime"}, {"values", {1000, 100, 10}}}}};
  const Json doc = RunAndExport(WritePlan(plan), {worker.address()}, "metg");
  ASSERT_TRUE(doc.contains("metg")) << doc.dump(1);
  const Json page = Open("metg");
  CheckPage(page, doc);
  bool metg_chart = false;
  for (const Json& chart : page["summary"]["charts"]) metg_chart |= chart["id"] == "metg-chart";
  EXPECT_TRUE(metg_chart);
}

// `parlab serve` over a store with three runs of one plan: the run list, a run's report and the
// plan's history open in the browser without errors, with one history chart per row and a
// point per run, and nothing requested from anywhere but the dashboard itself.
TEST_F(HtmlBrowserTest, ServedDashboard) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  const Json plan = {
      {"name", "dash-sieve"},
      {"workload", {{"kind", "primes.sieve"}, {"params", {{"from", 1000}, {"to", 1100}}}}},
      {"models", {"sequential", "threads"}},
      {"concurrency", {1, 2}},
      {"warmup", 0},
      {"repetitions", 3}};
  const std::string plan_path = WritePlan(plan);
  Json doc;
  for (int i = 0; i < 3; ++i) doc = RunAndExport(plan_path, {worker.address()}, "dash-run");
  Daemon serve({PARLAB_CLI_BIN, "serve", "--store", store_, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(serve.ok()) << serve.error();
  const std::string base = "http://" + serve.address();
  // An idle connection held open all along (a browser tab's keep-alive, a preconnect) must not
  // hold up the pages below.
  int idle = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(
      static_cast<uint16_t>(std::stoi(serve.address().substr(serve.address().rfind(':') + 1))));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  ASSERT_EQ(connect(idle, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  const std::string host = doc["machines"][0]["hostname"];

  Json list = Open("dashboard", base + "/", "document.querySelectorAll('tr[data-run]').length");
  EXPECT_TRUE(list["console_errors"].empty()) << list["console_errors"].dump(1);
  EXPECT_EQ(list["eval"], 3);
  // The dashboard itself, and data: URLs (Chromium's own icon of the date inputs).
  for (const Json& url : list["requests"]) {
    const std::string text = url;
    EXPECT_TRUE(text.rfind(base + "/", 0) == 0 || text.rfind("data:", 0) == 0)
        << "requested " << text;
  }

  Json report = Open("dashboard-run", base + "/run/" + doc["run_id"].get<std::string>());
  EXPECT_TRUE(report["console_errors"].empty()) << report["console_errors"].dump(1);
  ASSERT_TRUE(report["summary"].is_object());
  EXPECT_EQ(report["summary"]["charts"].size(), 3u);

  Json history = Open("dashboard-history", base + "/history?plan=dash-sieve&machine=" + host);
  EXPECT_TRUE(history["console_errors"].empty()) << history["console_errors"].dump(1);
  ASSERT_TRUE(history["summary"].is_object());
  ASSERT_EQ(history["summary"]["charts"].size(), 3u);  // sequential x1, threads x1, threads x2
  for (const Json& chart : history["summary"]["charts"]) {
    EXPECT_EQ(chart["datasets"][0]["points"], 3) << chart.dump();  // a median per run
  }
  close(idle);
}

}  // namespace
}  // namespace parlab::e2e
