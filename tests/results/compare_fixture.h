// Made-up runs for the comparison tests (results/compare_test, report/compare_reporter_test):
// one machine "alpha", sequential and thread_pool x1/x2 with eight samples around given medians.
#ifndef PARLAB_TESTS_RESULTS_COMPARE_FIXTURE_H_
#define PARLAB_TESTS_RESULTS_COMPARE_FIXTURE_H_

#include <string>

#include "gtest/gtest.h"
#include "parlab/results/compare.h"

namespace parlab::results::testing {

inline constexpr char kAlpha[] = "127.0.0.1:4511";
inline constexpr char kBeta[] = "127.0.0.1:4512";

inline v1::Plan SievePlan() {
  v1::Plan plan;
  plan.set_name("cpu-sieve");
  plan.mutable_workload()->set_kind("primes.sieve");
  plan.add_models("sequential");
  plan.add_models("thread_pool");
  plan.add_concurrency(1);
  plan.add_concurrency(2);
  plan.set_repetitions(8);
  return plan;
}

inline v1::WorkerDescription Machine(const std::string& address, const std::string& host) {
  v1::WorkerDescription worker;
  worker.set_address(address);
  worker.mutable_machine()->set_hostname(host);
  worker.mutable_machine()->set_cpu_model("Test CPU");
  worker.mutable_machine()->set_logical_cores(2);
  return worker;
}

// Eight samples around `ms` (spread ±3.5%), one warm-up first that must never count.
inline void AddResult(v1::RunRecord& run, const std::string& address, const std::string& model,
                      int concurrency, double ms, v1::JobStatus status = v1::JOB_STATUS_OK) {
  v1::JobResult* result = run.add_results();
  result->set_model(model);
  result->set_concurrency(concurrency);
  result->set_worker_address(address);
  result->set_status(status);
  v1::Sample* warmup = result->add_samples();
  warmup->set_warmup(true);
  warmup->set_wall_ns(static_cast<int64_t>(ms * 50e6));
  for (int i = 0; i < 8; ++i) {
    v1::Sample* sample = result->add_samples();
    sample->set_index(i);
    sample->set_wall_ns(static_cast<int64_t>(ms * 1e6 * (1 + 0.01 * ((i * 3) % 8 - 3.5))));
  }
}

// One run on alpha: sequential at `seq_ms`, thread_pool x1 and x2 at the given medians.
inline v1::RunRecord MakeRun(const std::string& id, double seq_ms, double pool1_ms,
                             double pool2_ms) {
  v1::RunRecord run;
  run.set_run_id(id);
  run.set_state("finished");
  *run.mutable_plan() = SievePlan();
  *run.add_workers() = Machine(kAlpha, "alpha");
  AddResult(run, kAlpha, "sequential", 1, seq_ms);
  AddResult(run, kAlpha, "thread_pool", 1, pool1_ms);
  AddResult(run, kAlpha, "thread_pool", 2, pool2_ms);
  return run;
}

inline const ComparedRow& Row(const RunComparison& c, const std::string& model, int concurrency) {
  for (const ComparedRow& row : c.rows) {
    if (row.model == model && row.concurrency == concurrency) return row;
  }
  ADD_FAILURE() << "no row " << model << " x" << concurrency;
  static const ComparedRow none;
  return none;
}

inline RunComparison Compare(const v1::RunRecord& a, const v1::RunRecord& b) {
  absl::StatusOr<CompareSide> side_a = SelectSide(a, "");
  absl::StatusOr<CompareSide> side_b = SelectSide(b, "");
  EXPECT_TRUE(side_a.ok()) << side_a.status();
  EXPECT_TRUE(side_b.ok()) << side_b.status();
  return CompareRuns(*side_a, *side_b);
}

}  // namespace parlab::results::testing

#endif  // PARLAB_TESTS_RESULTS_COMPARE_FIXTURE_H_
