#include "report_format.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "parlab/report/escape.h"

namespace parlab::report {

double HalfWidth(double value, const stats::Interval& ci) {
  return std::max(value - ci.low, ci.high - value);
}

std::string FormatSpeedup(double speedup, const std::optional<stats::Interval>& ci) {
  double half = ci.has_value() ? HalfWidth(speedup, *ci) : 0;
  if (!(half > 0)) return absl::StrFormat("%.2fx", speedup);
  int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(half))), 0, 3);
  return absl::StrFormat("%.*f ± %.*fx", decimals, speedup, decimals, half);
}

std::string FormatMedianInterval(const Aggregates& a) {
  if (!a.median_ci.has_value()) return "-";
  return absl::StrCat("± ", FormatNanos(HalfWidth(a.median_wall_ns, *a.median_ci)));
}

std::string FormatMetric(double value) { return absl::StrFormat("%.4g", value); }

std::string Params(const v1::WorkloadSpec& spec) {
  std::map<std::string, std::string> sorted(spec.params().begin(), spec.params().end());
  return absl::StrJoin(sorted, ", ", absl::PairFormatter("="));
}

std::string Count(int n, const std::string& noun) {
  return absl::StrCat(n, " ", noun, n == 1 ? "" : "s");
}

// The plan's name and params come from whoever wrote the plan: escaped for the terminal.
std::string PlanSummary(const v1::Plan& plan) {
  std::string text = absl::StrCat(
      "plan ", plan.name(), ": ", plan.workload().kind(), " {", Params(plan.workload()), "}, ",
      Count(plan.repetitions(), "repetition"),
      plan.order() == v1::REPETITION_ORDER_GROUPED
          ? absl::StrCat(" (grouped) after ", Count(plan.warmup(), "warm-up"))
          : absl::StrCat(" (interleaved), each after ", Count(plan.warmup(), "warm-up")));
  // "none" is the default placement: saying so on every run would be noise.
  if (!plan.affinity().empty() && plan.affinity() != "none") {
    absl::StrAppend(&text, ", affinity ", plan.affinity());
  }
  if (!plan.sweep().param().empty()) {
    absl::StrAppend(&text, ", sweep ", plan.sweep().param(), " over ",
                    Count(plan.sweep().values_size(), "value"));
  }
  return EscapeControl(text);
}

std::string MachineSummary(const v1::MachineInfo& info) {
  std::string text = absl::StrCat(info.cpu_model(), ", ", info.logical_cores(), " logical cores");
  if (info.cores() > 0) {
    absl::StrAppend(
        &text, " (", Count(info.packages(), "package"), ", ", Count(info.cores(), "core"),
        info.smt() ? ", SMT" : "",
        info.numa_nodes() > 1 ? absl::StrCat(", ", info.numa_nodes(), " NUMA nodes") : "", ")");
  }
  absl::StrAppend(&text, ", ",
                  absl::StrFormat("%.1f GiB", static_cast<double>(info.memory_bytes()) / (1 << 30)),
                  ", ", info.kernel());
  if (!info.governor().empty()) absl::StrAppend(&text, ", governor ", info.governor());
  if (info.mhz() > 0) absl::StrAppend(&text, absl::StrFormat(", %.0f MHz", info.mhz()));
  if (info.load_avg_1m() > 0)
    absl::StrAppend(&text, absl::StrFormat(", load %.2f", info.load_avg_1m()));
  return text;
}

std::map<std::string, std::string> MachineLabels(
    const std::vector<v1::WorkerDescription>& machines) {
  std::map<std::string, int> per_host;
  for (const auto& m : machines) per_host[m.machine().hostname()]++;
  std::map<std::string, std::string> labels;
  for (const auto& m : machines) {
    const std::string& host = m.machine().hostname();
    labels[m.address()] =
        per_host[host] > 1 || host.empty() ? absl::StrCat(host, "@", m.address()) : host;
  }
  return labels;
}

std::string RowMachine(const std::map<std::string, std::string>& labels, const ResultRow& row) {
  auto label = labels.find(row.worker);
  return label != labels.end() ? label->second : row.machine;
}

std::map<std::string, double> MedianMetrics(const std::vector<v1::Sample>& samples) {
  std::map<std::string, std::vector<double>> values;
  for (const v1::Sample& s : samples) {
    if (s.warmup()) continue;
    for (const auto& [name, value] : s.metrics()) values[name].push_back(value);
  }
  std::map<std::string, double> medians;
  for (auto& [name, v] : values) medians[name] = stats::Median(v);
  return medians;
}

std::vector<std::string> MetricNames(const std::vector<ResultRow>& rows) {
  std::set<std::string> names;
  for (const ResultRow& row : rows) {
    for (const v1::Sample& s : row.samples) {
      if (s.warmup()) continue;
      for (const auto& [name, value] : s.metrics()) names.insert(name);
    }
  }
  return {names.begin(), names.end()};
}

bool AnyRowSwept(const std::vector<ResultRow>& rows) {
  return std::any_of(rows.begin(), rows.end(),
                     [](const ResultRow& row) { return !SweepValueOf(row).empty(); });
}

std::string SweepTitle(const v1::Plan& plan) {
  return plan.sweep().param().empty() ? "sweep" : plan.sweep().param();
}

}  // namespace parlab::report
