#include "parlab/results/metg.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "parlab/results/samples.h"

namespace parlab::results {
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

}  // namespace

std::optional<double> Metg50(std::vector<MetgPoint> points, MetgNote* note) {
  MetgNote ignored;
  MetgNote& why = note != nullptr ? *note : ignored;
  why = MetgNote::kNone;
  if (points.empty()) {
    why = MetgNote::kNoPoints;
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
    why = MetgNote::kNeverReached;
    return std::nullopt;
  }
  if (first == 0) {
    why = MetgNote::kBelowSmallestPoint;
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
    if (curve.points.empty()) curve.note = MetgNote::kNoBaseline;
  }
  return curves;
}

}  // namespace parlab::results
