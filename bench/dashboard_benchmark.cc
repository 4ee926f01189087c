// `parlab serve`'s run list with 1,000 runs in the store (issue 14: under 100 ms): the page
// (GET /) and its JSON (GET /api/runs), answered by the Dashboard from a read-only connection,
// plus a plan's history over 50 runs. The store is filled once, in a temp dir, before timing.
// Figures go in docs/performance.md; run on a quiet machine:
//
//   build/bin/dashboard_benchmark --benchmark_repetitions=5
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "parlab/serve/dashboard.h"
#include "parlab/store/store.h"

namespace {

using parlab::serve::Dashboard;
using parlab::store::ResultStore;

std::filesystem::path StoreDir() {
  return std::filesystem::temp_directory_path() / absl::StrCat("parlab-dashboard-bench-", getpid());
}

std::string StorePath() {
  static const std::string path = [] {
    std::filesystem::path dir = StoreDir();
    std::filesystem::create_directories(dir);
    std::string file = (dir / "runs.db").string();
    auto store = ResultStore::Open(file);
    if (!store.ok()) std::abort();
    parlab::v1::Plan plan;
    plan.mutable_workload()->set_kind("primes.sieve");
    for (const char* model : {"sequential", "threads", "thread_pool"}) plan.add_models(model);
    plan.add_concurrency(1);
    plan.add_concurrency(2);
    plan.set_repetitions(5);
    for (int r = 0; r < 1000; ++r) {
      plan.set_name(absl::StrCat("plan-", r % 20));
      const std::string id = absl::StrFormat("run-bench-%04d", r);
      parlab::v1::WorkerDescription worker;
      worker.set_address("127.0.0.1:4511");
      worker.mutable_machine()->set_hostname(r % 2 ? "alpha" : "beta");
      if (!(*store)->BeginRun(id, plan).ok() || !(*store)->AddWorker(id, worker).ok()) std::abort();
      for (const char* model : {"sequential", "threads", "thread_pool"}) {
        for (int c : {1, 2}) {
          parlab::v1::JobResult result;
          result.set_job_id(absl::StrCat(model, c));
          result.set_model(model);
          result.set_concurrency(c);
          result.set_worker_address("127.0.0.1:4511");
          result.set_status(parlab::v1::JOB_STATUS_OK);
          for (int i = 0; i < 5; ++i) {
            auto* s = result.add_samples();
            s->set_index(i);
            s->set_wall_ns(20'000'000 + 10'000 * i + r);
          }
          if (!(*store)->AddResult(id, result).ok()) std::abort();
        }
      }
      if (!(*store)->FinishRun(id, "finished").ok()) std::abort();
    }
    return file;
  }();
  return path;
}

void Get(benchmark::State& state, const std::string& target) {
  auto store = ResultStore::OpenReadOnly(StorePath());
  if (!store.ok()) state.SkipWithError("cannot open the store");
  Dashboard dashboard(**store);
  size_t bytes = 0;
  for (auto _ : state) {
    parlab::serve::HttpResponse response = dashboard.Handle(target);
    if (response.status != 200) state.SkipWithError(response.body.c_str());
    bytes = response.body.size();
    benchmark::DoNotOptimize(response);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}

void BM_RunListPage(benchmark::State& state) { Get(state, "/"); }
void BM_RunListJson(benchmark::State& state) { Get(state, "/api/runs"); }
// plan-3 on alpha: 50 runs, 6 rows each.
void BM_History50Runs(benchmark::State& state) {
  Get(state, "/api/history?plan=plan-3&machine=alpha");
}
BENCHMARK(BM_RunListPage)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RunListJson)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_History50Runs)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::filesystem::remove_all(StoreDir());
  return 0;
}
