// METG — Task Bench's minimum effective task granularity — from the rows of a granularity sweep
// (Plan.sweep). For each machine x model x concurrency, at each sweep point:
//
//   p           = min(concurrency, the machine's logical cores)
//   granularity = median wall time x p / tasks          (time one unit spends per task)
//   efficiency  = T_sequential / (p x T_model)          (medians at the SAME sweep point)
//
// METG(50%) is the smallest granularity at which efficiency is still >= 50%: the point with the
// smallest granularity whose efficiency is >= 0.5 and its next-smaller neighbour (whose
// efficiency is below 0.5) are joined by a straight line in (granularity, efficiency), linear in
// granularity as Task Bench does, and METG is where that line crosses 0.5. It is absent when no
// point reaches 50% ("efficiency < 50% at every point") and when even the smallest point
// reaches it ("METG below the smallest point, 12.3 us").
//
//   std::vector<MetgCurve> curves = ComputeMetg(rows);   // rows from Aggregate()
//   // report/metg_section.h prints them; MetgNoteText says why a METG is absent.
#ifndef PARLAB_RESULTS_METG_H_
#define PARLAB_RESULTS_METG_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "parlab/results/aggregate.h"

namespace parlab::results {

inline constexpr double kMetgEfficiency = 0.5;

// Why a curve has no METG (MetgCurve.note); the report layer words it (MetgNoteText).
enum class MetgNote {
  kNone,                // METG found
  kNoPoints,            // nothing to interpolate
  kNeverReached,        // efficiency < 50% at every point
  kBelowSmallestPoint,  // even the smallest granularity reaches 50%
  kNoBaseline,          // no point has a sequential baseline at the same sweep value
};

struct MetgPoint {
  std::string sweep_value;
  uint64_t tasks = 0;
  double median_wall_ns = 0;
  double granularity_ns = 0;  // median wall x p / tasks
  double efficiency = 0;      // T_sequential / (p x T_model) at this point
};

struct MetgCurve {
  std::string worker;
  std::string machine;
  std::string model;
  int32_t concurrency = 0;
  int32_t p = 1;
  std::vector<MetgPoint> points;    // by granularity, largest first
  std::optional<double> metg_ns;    // METG(50%)
  MetgNote note = MetgNote::kNone;  // why metg_ns is absent
};

// METG(50%) of points in any order; `note` (optional) says why the result is absent.
std::optional<double> Metg50(std::vector<MetgPoint> points, MetgNote* note = nullptr);

// One curve per machine x model x concurrency with swept OK rows, `sequential` excepted (it is
// every curve's baseline); in row order. Points without a baseline at their sweep value, or
// whose samples report no tasks, are left out.
std::vector<MetgCurve> ComputeMetg(const std::vector<ResultRow>& rows);

}  // namespace parlab::results

#endif  // PARLAB_RESULTS_METG_H_
