// TableReporter: a header describing the plan and machines, then an aligned table; errors of
// failed rows are listed under the table as numbered notes so the table stays narrow, followed
// by the scaling fits and the statistics' and machines' warnings (as hyperfine prints them).
#include <algorithm>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "parlab/report/escape.h"
#include "parlab/report/metg_section.h"
#include "parlab/report/reporter.h"
#include "parlab/results/samples.h"
#include "report_format.h"
#include "text_table.h"

namespace parlab::report {
namespace {

struct Column {
  std::string title;
  bool right_aligned;
};

// The fixed columns, plus the sweep's parameter after `conc` and one column per workload
// metric before `status` when the rows have them.
std::vector<Column> Columns(const std::optional<std::string>& sweep_title,
                            const std::vector<std::string>& metrics) {
  std::vector<Column> columns = {{"machine", false}, {"model", false}, {"conc", true}};
  if (sweep_title.has_value()) columns.push_back({*sweep_title, true});
  for (const char* title :
       {"median", "95% CI", "cv", "min", "max", "cpu", "speedup", "efficiency"}) {
    columns.push_back({title, true});
  }
  for (const std::string& metric : metrics) columns.push_back({metric, true});
  columns.push_back({"status", false});
  return columns;
}

// One line per machine x model with a fit: its Karp-Flatt values per level, then Amdahl's f.
struct ScalingLine {
  std::string key;  // machine + model
  std::vector<std::string> karp_flatt;
  std::optional<stats::AmdahlFit> amdahl;
};

void AddScaling(const std::string& machine, const ResultRow& row, std::vector<ScalingLine>& lines) {
  const Aggregates& a = *row.aggregates;
  if (!a.amdahl.has_value()) return;
  std::string key = absl::StrCat(machine, " ", row.model);
  if (!SweepValueOf(row).empty()) absl::StrAppend(&key, " ", SweepValueOf(row));
  if (lines.empty() || lines.back().key != key) lines.push_back({key, {}, a.amdahl});
  if (a.karp_flatt.has_value()) {
    lines.back().karp_flatt.push_back(
        absl::StrFormat("%.3f at x%d", *a.karp_flatt, row.concurrency));
  }
}

void PrintScaling(const std::vector<ScalingLine>& lines, std::ostream& out) {
  if (lines.empty()) return;
  out << "\nserial fraction: Karp-Flatt e per level; Amdahl f fitted to S(p) = 1/(f + (1-f)/p), "
         "p = min(concurrency, cores)\n";
  for (const ScalingLine& line : lines) {
    out << "  " << EscapeControl(line.key)
        << ": e = " << (line.karp_flatt.empty() ? "-" : absl::StrJoin(line.karp_flatt, ", "))
        << absl::StrFormat("; f = %.3f (rms residual %.2f over %s)\n", line.amdahl->serial_fraction,
                           line.amdahl->rms_residual, Count(line.amdahl->points, "level"));
  }
}

}  // namespace

void TableReporter::Finalize() {
  out_ << PlanSummary(context_.plan) << "\n";
  std::map<std::string, std::string> labels = MachineLabels(context_.machines);
  std::vector<std::string> warnings;
  for (const v1::WorkerDescription& m : context_.machines) {
    out_ << EscapeControl(absl::StrCat("machine ", m.machine().hostname(), " (", m.address(),
                                       m.identity().empty() ? "" : ", " + m.identity(),
                                       "): ", MachineSummary(m.machine())))
         << "\n";
    for (const std::string& warning : m.machine().warnings()) {
      warnings.push_back(
          absl::StrCat("Warning: machine ", labels[m.address()], ": ", warning, "."));
    }
  }
  out_ << "\n";

  const bool swept = AnyRowSwept(rows_);
  const std::vector<std::string> metrics = MetricNames(rows_);
  const std::vector<Column> columns = Columns(
      swept ? std::optional<std::string>(SweepTitle(context_.plan)) : std::nullopt, metrics);
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> notes;
  std::vector<ScalingLine> scaling;
  for (const ResultRow& row : rows_) {
    std::string machine = RowMachine(labels, row);
    std::string name = absl::StrCat(machine, " ", row.model, " x", row.concurrency);
    if (!SweepValueOf(row).empty()) {
      absl::StrAppend(&name, " ", SweepTitle(context_.plan), "=", SweepValueOf(row));
    }
    std::string status = results::JobStatusName(row.status);
    if (!row.error.empty()) {
      notes.push_back(absl::StrCat("[", notes.size() + 1, "] ", name, ": ", row.error));
      absl::StrAppend(&status, " [", notes.size(), "]");
    }
    std::vector<std::string> line = {machine, row.model, absl::StrCat(row.concurrency)};
    if (swept) line.push_back(SweepValueOf(row).empty() ? "-" : SweepValueOf(row));
    if (row.aggregates.has_value()) {
      const Aggregates& a = *row.aggregates;
      line.push_back(FormatNanos(a.median_wall_ns));
      line.push_back(FormatMedianInterval(a));
      line.push_back(a.measured_samples > 1 ? absl::StrFormat("%.1f%%", a.cv * 100) : "-");
      line.push_back(FormatNanos(static_cast<double>(a.min_wall_ns)));
      line.push_back(FormatNanos(static_cast<double>(a.max_wall_ns)));
      line.push_back(FormatNanos(a.median_cpu_ns));
      line.push_back(a.speedup ? FormatSpeedup(*a.speedup, a.speedup_ci) : "-");
      line.push_back(a.efficiency ? absl::StrFormat("%.0f%%", *a.efficiency * 100) : "-");
      std::map<std::string, double> medians = MedianMetrics(row.samples);
      for (const std::string& metric : metrics) {
        auto value = medians.find(metric);
        line.push_back(value != medians.end() ? FormatMetric(value->second) : "-");
      }
      for (const stats::Warning& warning : a.warnings) {
        warnings.push_back(absl::StrCat("Warning: ", name, ": ", warning.message, "."));
      }
      AddScaling(machine, row, scaling);
    } else {
      line.insert(line.end(), 8 + metrics.size(), "-");
    }
    line.push_back(status);
    cells.push_back(std::move(line));
  }

  TextTable table;
  for (const Column& column : columns) {
    table.titles.push_back(column.title);
    table.right.push_back(column.right_aligned);
  }
  table.rows = std::move(cells);
  WriteAlignedText(table, out_);
  if (!notes.empty()) {
    out_ << "\n";
    for (const std::string& note : notes) out_ << EscapeControl(note) << "\n";
  }
  PrintScaling(scaling, out_);
  WriteMetgSection(rows_, out_);  // METG of a granularity sweep; nothing otherwise
  if (!warnings.empty()) {
    out_ << "\n";
    for (const std::string& warning : warnings) out_ << EscapeControl(warning) << "\n";
  }
  out_.flush();
}

}  // namespace parlab::report
