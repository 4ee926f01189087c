// The raw cost of creating 50 execution units, measured exactly as the `spawn` workload
// measures a model (seed 000, "Time Create x50"): each unit stamps CLOCK_MONOTONIC when it
// starts, then holds 100 ms; create cost per unit = (last start - time before the first
// create) / 50. Here with bare pthread_create() and fork(), no parlab in between, so that
// `parlab run examples/plans/seeds/000-create-x50.json` can be judged against it
// (docs/performance.md).
//
//   build/bin/spawn_raw_benchmark --benchmark_repetitions=10
//   --benchmark_report_aggregates_only=true
//
// parlab-runner and the processes plugin are linked with -z now, so their children resolve no
// symbol after fork(); this bench is bound lazily, so each child resolves clock_nanosleep()
// after its stamp. For the like-with-like figure run it with LD_BIND_NOW=1 as well.
#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "parlab/common/clock.h"
#include "parlab/common/shared_page.h"

namespace {

using parlab::MonotonicNowNs;

constexpr int kUnits = 50;
constexpr int64_t kHoldNs = 100'000'000;

void Hold(int64_t start) {
  const int64_t deadline = start + kHoldNs;
  const timespec until{static_cast<time_t>(deadline / 1'000'000'000),
                       static_cast<long>(deadline % 1'000'000'000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) != 0) {
  }
}

// Shared with forked children, like the workload's stamps.
std::atomic<int64_t>* Stamps() {
  static parlab::SharedMapping page = [] {
    int error = 0;
    parlab::SharedMapping mapping =
        parlab::SharedMapping::Map(sizeof(std::atomic<int64_t>) * kUnits, true, &error);
    if (error != 0) {
      std::fprintf(stderr, "spawn_raw_benchmark: mmap: %s\n", std::strerror(error));
      std::abort();
    }
    return mapping;
  }();
  static auto* stamps = page.ConstructArray<std::atomic<int64_t>>(kUnits, int64_t{0});
  return stamps;
}

void* ThreadBody(void* slot) {
  const int64_t start = MonotonicNowNs();
  static_cast<std::atomic<int64_t>*>(slot)->store(start);
  Hold(start);
  return nullptr;
}

void Report(benchmark::State& state, int64_t before, int64_t& total_create_ns) {
  int64_t last = 0;
  for (int i = 0; i < kUnits; ++i) last = std::max(last, Stamps()[i].load());
  total_create_ns += last - before;
  state.SetIterationTime(static_cast<double>(last - before) / 1e9);
}

void BM_RawPthreadCreate(benchmark::State& state) {
  int64_t total = 0;
  for (auto _ : state) {
    std::array<pthread_t, kUnits> threads{};
    const int64_t before = MonotonicNowNs();
    for (int i = 0; i < kUnits; ++i) pthread_create(&threads[i], nullptr, ThreadBody, &Stamps()[i]);
    for (pthread_t& t : threads) pthread_join(t, nullptr);
    Report(state, before, total);
  }
  state.counters["create_us_per_unit"] =
      static_cast<double>(total) / 1e3 / kUnits / static_cast<double>(state.iterations());
}

void BM_RawFork(benchmark::State& state) {
  int64_t total = 0;
  for (auto _ : state) {
    std::array<pid_t, kUnits> children{};
    const int64_t before = MonotonicNowNs();
    for (int i = 0; i < kUnits; ++i) {
      children[i] = fork();
      if (children[i] == 0) {
        const int64_t start = MonotonicNowNs();
        Stamps()[i].store(start);
        Hold(start);
        _exit(0);
      }
    }
    for (pid_t child : children) waitpid(child, nullptr, 0);
    Report(state, before, total);
  }
  state.counters["create_us_per_unit"] =
      static_cast<double>(total) / 1e3 / kUnits / static_cast<double>(state.iterations());
}

BENCHMARK(BM_RawPthreadCreate)->UseManualTime()->Unit(benchmark::kMicrosecond)->Iterations(5);
BENCHMARK(BM_RawFork)->UseManualTime()->Unit(benchmark::kMicrosecond)->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
