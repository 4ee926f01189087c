// Two sets of results side by side: two stored runs, or two machines of one run. Rows are
// matched by (model, concurrency, sweep value); each gets the ratio of medians B / A with its
// bootstrap interval and a Mann-Whitney U verdict at alpha 0.05 (stats::CompareSamples), as
// google/benchmark's tools/compare.py does. Pure: callers load the runs (the CLI from the store
// or a coordinator); reporting is ReportComparison.
//
//   PARLAB_ASSIGN_OR_RETURN(CompareSide a, SelectSide(run_a, ""));        // its one machine
//   PARLAB_ASSIGN_OR_RETURN(CompareSide b, SelectSide(run_b, "alpha"));   // by hostname
//   RunComparison comparison = CompareRuns(a, b);
//   // comparison.rows[i].comparison->verdict: faster / slower / no significant difference
//   PARLAB_RETURN_IF_ERROR(ReportComparison(comparison, "table", std::cout));
#ifndef PARLAB_RESULTS_COMPARE_H_
#define PARLAB_RESULTS_COMPARE_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parlab/results/stats.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::results {

// "RUN" or "RUN@HOST" (the first '@' splits: run ids have none, a host may be host@address).
struct RunSelector {
  std::string run;
  std::string host;  // "" when not given
};
RunSelector ParseRunSelector(const std::string& text);

// One side of a comparison: a run and the one machine of it that is compared.
struct CompareSide {
  v1::RunRecord run;
  v1::WorkerDescription machine;
  std::string label;  // "run-20260101T120000-4711@alpha"
};

// The machine of `run` that `host` names: its hostname, its worker address, or host@address.
// With host "" the run must have exactly one machine. Errors name the run and its machines:
// `run "run-1" ran on 2 machines (alpha, beta): pick one with run-1@HOST`.
[[nodiscard]] absl::StatusOr<CompareSide> SelectSide(const v1::RunRecord& run,
                                                     const std::string& host);
// The run as if only `machine` had run it: its description and its job results, nothing else
// (what `export RUN@HOST` and `results show RUN@HOST` report).
v1::RunRecord OnlyMachine(const v1::RunRecord& run, const v1::WorkerDescription& machine);
// `parlab compare RUN`: A and B are the run's two machines, in the order they were given.
[[nodiscard]] absl::StatusOr<std::pair<CompareSide, CompareSide>> SidesOfOneRun(
    const v1::RunRecord& run);

struct SideRow {
  std::string status;         // "OK", "FAILED", "CANCELLED", or "missing" (no such job)
  std::vector<double> walls;  // measured wall times, ns, in measurement order
  std::optional<double> median;
  std::optional<stats::Interval> median_ci;
};

struct ComparedRow {
  std::string model;
  int32_t concurrency = 0;
  std::string sweep_value;  // "" unless the plan sweeps a parameter
  SideRow a;
  SideRow b;
  // Present when both sides are OK with measured samples: B against A.
  std::optional<stats::Comparison> comparison;
};

struct CompareWarning {
  std::string code;     // "machine-state-changed"
  std::string message;  // one sentence for people
};

struct RunComparison {
  std::string a_label;
  std::string b_label;
  std::string a_description;  // "run-1 on alpha (127.0.0.1:4511): plan cpu-sieve, ..."
  std::string b_description;
  std::string sweep_param;  // the swept parameter's name, "" without a sweep
  double alpha = stats::kAlpha;
  std::vector<ComparedRow> rows;
  std::vector<CompareWarning> warnings;
};

// Whether two plans measure the same thing (name and description aside).
bool SamePlan(const v1::Plan& a, const v1::Plan& b);

// Row by row, B against A. When A and B are two runs of the same plan on the same machine
// (hostname and CPU model) and some row differs significantly, warns "machine-state-changed":
// nothing in the benchmark changed, so the machine did (load, clock, temperature).
RunComparison CompareRuns(const CompareSide& a, const CompareSide& b, double alpha = stats::kAlpha);

// "faster", "slower", "no significant difference" or "-" (not comparable) per row.
std::string RowVerdict(const ComparedRow& row);

// The CI gate (`parlab compare A B --fail-if-slower PCT`): the indexes of the rows where B is
// slower than A by more than `pct` percent and the slowdown is significant: the lower end of the
// ratio's 95% interval is above 1 + pct/100 AND the U test says "slower" at alpha. Both must
// agree so that noise never fails a build: with 3 repetitions a side the U test cannot reach
// 0.05 (its smallest two-sided p is 0.1), and a gate on so few samples would be a coin. Rows
// whose interval clears the threshold but whose U test does not are in `inconclusive`.
struct SlowdownGate {
  double pct = 0;
  std::vector<size_t> failed;        // rows of RunComparison.rows
  std::vector<size_t> inconclusive;  // interval above the threshold, U test not significant
};
SlowdownGate GateSlowdown(const RunComparison& comparison, double pct);

}  // namespace parlab::results

#endif  // PARLAB_RESULTS_COMPARE_H_
