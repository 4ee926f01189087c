// The METG section of the table report and the "metg" array of the JSON report.
#include "parlab/report/metg_section.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "metg_json.h"
#include "parlab/report/reporter.h"
#include "text_table.h"

namespace parlab::report {
namespace {

using results::MetgCurve;
using results::MetgPoint;
using results::ResultRow;

std::string Percent(double fraction) { return absl::StrFormat("%.0f%%", fraction * 100); }

}  // namespace

std::string MetgNoteText(results::MetgNote note, const std::vector<MetgPoint>& points) {
  switch (note) {
    case results::MetgNote::kNone:
      return "";
    case results::MetgNote::kNoPoints:
      return "no points";
    case results::MetgNote::kNeverReached:
      return "efficiency < 50% at every point";
    case results::MetgNote::kBelowSmallestPoint: {
      double smallest = points.empty() ? 0 : points[0].granularity_ns;
      for (const MetgPoint& point : points) smallest = std::min(smallest, point.granularity_ns);
      return absl::StrCat("METG below the smallest point, ", FormatNanos(smallest));
    }
    case results::MetgNote::kNoBaseline:
      return "no point with a sequential baseline at the same value";
  }
  return "";
}

void WriteMetgSection(const std::vector<ResultRow>& rows, std::ostream& out) {
  std::vector<MetgCurve> curves = results::ComputeMetg(rows);
  if (curves.empty()) return;
  bool several_machines = false;
  for (const MetgCurve& curve : curves) several_machines |= curve.worker != curves[0].worker;
  out << "\nMETG(50%): the smallest task granularity (wall x p / tasks) at which efficiency\n"
         "T_sequential / (p x T_model) at the same sweep point stays >= 50%, interpolated\n"
         "linearly in granularity between the two points around 50% (Task Bench).\n";
  TextTable table;
  table.titles = {"machine", "model",     "c",
                  "p",       "METG(50%)", "points (value: granularity, efficiency)"};
  for (const MetgCurve& curve : curves) {
    std::vector<std::string> points;
    for (const MetgPoint& point : curve.points) {
      points.push_back(absl::StrCat(point.sweep_value, ": ", FormatNanos(point.granularity_ns),
                                    ", ", Percent(point.efficiency)));
    }
    table.rows.push_back({curve.machine, curve.model, absl::StrCat(curve.concurrency),
                          absl::StrCat(curve.p),
                          curve.metg_ns.has_value()
                              ? FormatNanos(*curve.metg_ns)
                              : absl::StrCat("- (", MetgNoteText(curve.note, curve.points), ")"),
                          absl::StrJoin(points, "; ")});
  }
  WriteAlignedText(table, out, several_machines ? 0 : 1);
}

MetgJson MetgToJson(const std::vector<ResultRow>& rows) {
  MetgJson list = MetgJson::array();
  for (const MetgCurve& curve : results::ComputeMetg(rows)) {
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
                   {"note", MetgNoteText(curve.note, curve.points)},
                   {"points", points}};
    list.push_back(std::move(entry));
  }
  return list;
}

}  // namespace parlab::report
