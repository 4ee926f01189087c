#include "parlab/coordinator/metg.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "metg_json.h"
#include "parlab/coordinator/reporter.h"
#include "parlab/coordinator/run_plan.h"

namespace parlab::coordinator {
namespace {

int32_t Units(const ResultRow& row) {
  int32_t units = row.concurrency;
  if (row.logical_cores > 0) units = std::min(units, row.logical_cores);
  return std::max(units, 1);
}

// The task count of a row's measured repetitions (every one runs the same workload).
uint64_t TasksOf(const ResultRow& row) {
  for (const v1::Sample& sample : row.samples) {
    if (!sample.warmup() && sample.tasks() > 0) return sample.tasks();
  }
  return 0;
}

bool Measured(const ResultRow& row) {
  return row.status == v1::JOB_STATUS_OK && row.aggregates.has_value() &&
         row.aggregates->median_wall_ns > 0;
}

std::string Percent(double fraction) { return absl::StrFormat("%.0f%%", fraction * 100); }

}  // namespace

std::optional<double> Metg50(std::vector<MetgPoint> points, std::string* note) {
  std::string ignored;
  std::string& why = note != nullptr ? *note : ignored;
  why.clear();
  if (points.empty()) {
    why = "no points";
    return std::nullopt;
  }
  std::sort(points.begin(), points.end(), [](const MetgPoint& a, const MetgPoint& b) {
    return a.granularity_ns < b.granularity_ns;
  });
  size_t first = points.size();  // smallest granularity still at >= 50%
  for (size_t i = 0; i < points.size(); ++i) {
    if (points[i].efficiency >= kMetgEfficiency) {
      first = i;
      break;
    }
  }
  if (first == points.size()) {
    why = "efficiency < 50% at every point";
    return std::nullopt;
  }
  if (first == 0) {
    why = absl::StrCat("METG below the smallest point, ", FormatNanos(points[0].granularity_ns));
    return std::nullopt;
  }
  // Linear in granularity between the neighbours that straddle 50% (Task Bench's choice).
  const MetgPoint& low = points[first - 1];  // efficiency < 0.5
  const MetgPoint& high = points[first];     // efficiency >= 0.5
  const double fraction = (kMetgEfficiency - low.efficiency) / (high.efficiency - low.efficiency);
  return low.granularity_ns + fraction * (high.granularity_ns - low.granularity_ns);
}

std::vector<MetgCurve> ComputeMetg(const std::vector<ResultRow>& rows) {
  // T_sequential per machine x sweep point.
  std::map<std::pair<std::string, std::string>, double> baseline;
  for (const ResultRow& row : rows) {
    if (row.model == kBaselineModel && row.concurrency == 1 && !row.sweep_value.empty() &&
        Measured(row)) {
      baseline.emplace(std::make_pair(row.worker, row.sweep_value), row.aggregates->median_wall_ns);
    }
  }
  std::vector<MetgCurve> curves;
  std::map<std::tuple<std::string, std::string, int32_t>, size_t> index;
  for (const ResultRow& row : rows) {
    if (row.sweep_value.empty() || row.model == kBaselineModel) continue;
    auto key = std::make_tuple(row.worker, row.model, row.concurrency);
    auto [it, inserted] = index.emplace(key, curves.size());
    if (inserted) {
      MetgCurve curve;
      curve.worker = row.worker;
      curve.machine = row.machine;
      curve.model = row.model;
      curve.concurrency = row.concurrency;
      curve.p = Units(row);
      curves.push_back(std::move(curve));
    }
    MetgCurve& curve = curves[it->second];
    auto sequential = baseline.find({row.worker, row.sweep_value});
    const uint64_t tasks = TasksOf(row);
    if (!Measured(row) || sequential == baseline.end() || tasks == 0) continue;
    MetgPoint point;
    point.sweep_value = row.sweep_value;
    point.tasks = tasks;
    point.median_wall_ns = row.aggregates->median_wall_ns;
    point.granularity_ns = point.median_wall_ns * curve.p / static_cast<double>(tasks);
    point.efficiency = sequential->second / (curve.p * point.median_wall_ns);
    curve.points.push_back(point);
  }
  for (MetgCurve& curve : curves) {
    std::sort(curve.points.begin(), curve.points.end(), [](const MetgPoint& a, const MetgPoint& b) {
      return a.granularity_ns > b.granularity_ns;
    });
    curve.metg_ns = Metg50(curve.points, &curve.note);
    if (curve.points.empty()) curve.note = "no point with a sequential baseline at the same value";
  }
  return curves;
}

void WriteMetgSection(const std::vector<ResultRow>& rows, std::ostream& out) {
  std::vector<MetgCurve> curves = ComputeMetg(rows);
  if (curves.empty()) return;
  bool several_machines = false;
  for (const MetgCurve& curve : curves) several_machines |= curve.worker != curves[0].worker;
  out << "\nMETG(50%): the smallest task granularity (wall x p / tasks) at which efficiency\n"
         "T_sequential / (p x T_model) at the same sweep point stays >= 50%, interpolated\n"
         "linearly in granularity between the two points around 50% (Task Bench).\n";
  std::vector<std::vector<std::string>> table;
  table.push_back(
      {"machine", "model", "c", "p", "METG(50%)", "points (value: granularity, efficiency)"});
  for (const MetgCurve& curve : curves) {
    std::vector<std::string> points;
    for (const MetgPoint& point : curve.points) {
      points.push_back(absl::StrCat(point.sweep_value, ": ", FormatNanos(point.granularity_ns),
                                    ", ", Percent(point.efficiency)));
    }
    table.push_back({curve.machine, curve.model, absl::StrCat(curve.concurrency),
                     absl::StrCat(curve.p),
                     curve.metg_ns.has_value() ? FormatNanos(*curve.metg_ns)
                                               : absl::StrCat("- (", curve.note, ")"),
                     absl::StrJoin(points, "; ")});
  }
  const size_t first_column = several_machines ? 0 : 1;
  std::vector<size_t> widths(table[0].size(), 0);
  for (const auto& line : table) {
    for (size_t c = 0; c < line.size(); ++c) widths[c] = std::max(widths[c], line[c].size());
  }
  for (const auto& line : table) {
    std::string text;
    for (size_t c = first_column; c < line.size(); ++c) {
      absl::StrAppend(&text, line[c]);
      if (c + 1 < line.size()) text.append(widths[c] - line[c].size() + 2, ' ');
    }
    out << text << "\n";
  }
}

MetgJson MetgToJson(const std::vector<ResultRow>& rows) {
  MetgJson list = MetgJson::array();
  for (const MetgCurve& curve : ComputeMetg(rows)) {
    MetgJson points = MetgJson::array();
    for (const MetgPoint& point : curve.points) {
      points.push_back({{"sweep_value", point.sweep_value},
                        {"tasks", point.tasks},
                        {"median_wall_ns", point.median_wall_ns},
                        {"granularity_ns", point.granularity_ns},
                        {"efficiency", point.efficiency}});
    }
    MetgJson entry{{"machine", curve.machine},
                   {"worker", curve.worker},
                   {"model", curve.model},
                   {"concurrency", curve.concurrency},
                   {"p", curve.p},
                   {"metg_ns", curve.metg_ns.has_value() ? MetgJson(*curve.metg_ns) : MetgJson()},
                   {"note", curve.note},
                   {"points", points}};
    list.push_back(std::move(entry));
  }
  return list;
}

}  // namespace parlab::coordinator
