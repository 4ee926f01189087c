// Harness overhead: the seed's sieve workload (n = 1000..15999, 15,000 tasks) as a plain loop
// over the kernel, against the same tasks run through parlab's runner and the `sequential`
// model plugin (C ABI call per task, verification against pi(n), completion counting).
//
// The harness figure is the wall time parlab itself reports for a repetition (Sample.wall_ns),
// fed to Google Benchmark as manual time, so both rows measure the same interval: the tasks.
//
//   build/bin/harness_overhead_benchmark --benchmark_repetitions=10
//     (add --benchmark_report_aggregates_only=true for the summary rows only)
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <utility>

#include "parlab/runner/job_runner.h"
#include "parlab/runner/plugin_loader.h"
#include "parlab/workloads/primes_sieve.h"

namespace {

constexpr uint64_t kFrom = 1000;
constexpr uint64_t kTo = 16000;

void BM_SievePlainLoop(benchmark::State& state) {
  for (auto _ : state) {
    uint64_t total = 0;
    for (uint64_t n = kFrom; n < kTo; ++n) total += parlab::workloads::CountPrimesSieve(n);
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * (kTo - kFrom));
}

// The hardware's own ceiling for 2-way parallelism: the same plain loop split over two
// std::threads (n alternating, so both halves cost the same), no harness at all. A model's
// speedup at concurrency 2 is judged against this, not against the ideal 2.0.
void BM_SievePlainLoopTwoThreads(benchmark::State& state) {
  for (auto _ : state) {
    uint64_t totals[2] = {0, 0};
    std::thread helper([&] {
      for (uint64_t n = kFrom + 1; n < kTo; n += 2)
        totals[1] += parlab::workloads::CountPrimesSieve(n);
    });
    for (uint64_t n = kFrom; n < kTo; n += 2) totals[0] += parlab::workloads::CountPrimesSieve(n);
    helper.join();
    benchmark::DoNotOptimize(totals);
  }
  state.SetItemsProcessed(state.iterations() * (kTo - kFrom));
}

// The same tasks through a model plugin: `sequential` is the harness overhead proper;
// `thread_pool` and `coroutines` at one unit show what each model adds per task; the pools at
// concurrency 2 are compared with BM_SievePlainLoopTwoThreads.
void BM_SieveThroughPlugin(benchmark::State& state, const std::string& model, int concurrency) {
  const auto plugin = parlab::runner::LoadPlugin(PARLAB_PLUGIN_DIR "/" + model + ".so");
  if (!plugin.ok()) {
    state.SkipWithError(std::string(plugin.status().message()).c_str());
    return;
  }
  parlab::v1::Job job;
  job.set_model(model);
  job.set_concurrency(concurrency);
  job.set_repetitions(1);
  job.set_warmup(0);
  job.mutable_workload()->set_kind("primes.sieve");
  (*job.mutable_workload()->mutable_params())["from"] = std::to_string(kFrom);
  (*job.mutable_workload()->mutable_params())["to"] = std::to_string(kTo);

  for (auto _ : state) {
    int64_t wall_ns = -1;
    std::string error;
    auto outcome = parlab::runner::RunJob(job, *plugin, [&](const parlab::v1::RunnerEvent& e) {
      if (e.has_sample()) wall_ns = e.sample().wall_ns();
      if (e.has_error()) error = e.error();
    });
    if (outcome != parlab::runner::JobOutcome::kDone || wall_ns < 0) {
      state.SkipWithError(("job failed: " + error).c_str());
      return;
    }
    state.SetIterationTime(static_cast<double>(wall_ns) / 1e9);
  }
  state.SetItemsProcessed(state.iterations() * (kTo - kFrom));
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("BM_SievePlainLoop", BM_SievePlainLoop)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_SievePlainLoopTwoThreads", BM_SievePlainLoopTwoThreads)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  // Concurrency 1 for the per-task overhead; the pools at 2 against the bare 2-thread loop.
  const std::pair<const char*, int> rows[] = {{"sequential", 1},   {"thread_pool", 1},
                                              {"coroutines", 1},   {"thread_pool", 2},
                                              {"process_pool", 2}, {"coroutines_mt", 2}};
  for (const auto& [model, concurrency] : rows) {
    const std::string name =
        std::string("BM_SieveThroughPlugin/") + model + "/x" + std::to_string(concurrency);
    benchmark::RegisterBenchmark(name.c_str(), BM_SieveThroughPlugin, std::string(model),
                                 concurrency)
        ->Unit(benchmark::kMillisecond)
        ->UseManualTime();
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
