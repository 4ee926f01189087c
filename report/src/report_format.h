// Formatting shared by the text reporters (table, Markdown, CSV, compare): machine labels,
// speedups with their uncertainty, workload metrics, the plan's one-line summary. Private to
// the report library; reporters are the only callers.
//
//   std::map<std::string, std::string> labels = MachineLabels(context.machines);
//   std::string speedup = FormatSpeedup(*a.speedup, a.speedup_ci);  // "1.77 ± 0.05x"
#ifndef PARLAB_REPORT_SRC_REPORT_FORMAT_H_
#define PARLAB_REPORT_SRC_REPORT_FORMAT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "parlab/report/reporter.h"
#include "parlab/results/aggregate.h"
#include "parlab/results/samples.h"
#include "parlab/results/stats.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::report {

// The report library formats what results/ computes; these names read as they did before the
// split without a results:: on every line.
namespace stats = results::stats;
using results::Aggregates;
using results::JobStatusName;
using results::kBaselineModel;
using results::ResultRow;

// The row's GranularitySweep value, "" when it has none. A template so that rows of other
// shapes (compare's, tests') without a sweep read "" too.
template <typename Row>
std::string SweepValueOf(const Row& row) {
  if constexpr (requires { row.sweep_value; }) {
    return std::string(row.sweep_value);
  } else {
    return "";
  }
}

// The larger distance from the estimate to its interval's ends: "±" then never understates.
double HalfWidth(double value, const stats::Interval& ci);

// "1.77 ± 0.05x": the uncertainty to one significant digit, the value to the same decimals
// (at most 3); "1.00x" without an interval or when it is 0.
std::string FormatSpeedup(double speedup, const std::optional<stats::Interval>& ci);

// "± 1.20 ms" (the median's bootstrap interval by its larger side), "-" without one.
std::string FormatMedianInterval(const Aggregates& a);

// A workload metric for people: 4 significant digits ("23.4", "1.235e+06").
std::string FormatMetric(double value);

// Workload params sorted by key: "from=1000, to=16000" (proto maps have no order).
std::string Params(const v1::WorkloadSpec& spec);

// "3 repetitions", "1 warm-up".
std::string Count(int n, const std::string& noun);

// "plan cpu-sieve: primes.sieve {from=1000}, 5 repetitions (interleaved), each after 1 warm-up,
// affinity compact, sweep to over 3 values" (the last two only when set).
std::string PlanSummary(const v1::Plan& plan);

// "Intel Xeon, 2 logical cores (1 package, 2 cores, SMT), 7.8 GiB, Linux 6.1.0, governor
// performance, 2100 MHz, load 0.52" (topology and clock only when hwloc filled them).
std::string MachineSummary(const v1::MachineInfo& info);

// worker address -> its column label: the hostname, or host@address when two workers share a
// hostname (or it is unknown).
std::map<std::string, std::string> MachineLabels(
    const std::vector<v1::WorkerDescription>& machines);
// The label of a row: from `labels`, else the row's hostname.
std::string RowMachine(const std::map<std::string, std::string>& labels, const ResultRow& row);

// The median of each workload metric over the row's measured samples that report it (mean of
// the middle two for an even count, like median_wall_ns).
std::map<std::string, double> MedianMetrics(const std::vector<v1::Sample>& samples);

// Every metric name any row reports, sorted.
std::vector<std::string> MetricNames(const std::vector<ResultRow>& rows);

// Whether any row has a sweep value (the reporters add a column only then).
bool AnyRowSwept(const std::vector<ResultRow>& rows);

// The sweep column's title: the swept parameter's name, or "sweep".
std::string SweepTitle(const v1::Plan& plan);

}  // namespace parlab::report

#endif  // PARLAB_REPORT_SRC_REPORT_FORMAT_H_
