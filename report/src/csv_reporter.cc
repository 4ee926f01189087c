// CsvReporter: one header row, then one row per machine x model x concurrency x sweep value,
// every aggregate in its own column, so a spreadsheet or pandas.read_csv needs no parsing of
// "±" or units. RFC 4180: CRLF line ends, fields with a comma, quote or line break quoted, quotes
// doubled. Times are nanoseconds; absent values are empty fields.
#include <charconv>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "parlab/report/reporter.h"
#include "report_format.h"

namespace parlab::report {
namespace {

std::string Quote(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

// The shortest text that reads back as the same double, without an exponent (24000000, not
// 2.4e+07: some spreadsheets read exponents as text).
std::string Number(double value) {
  char buffer[400];  // fixed notation of a double needs at most ~330 characters
  auto [end, error] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed);
  return error == std::errc() ? std::string(buffer, end) : "";
}

std::string Number(const std::optional<double>& value) {
  return value.has_value() ? Number(*value) : "";
}

std::string Low(const std::optional<stats::Interval>& ci) {
  return ci.has_value() ? Number(ci->low) : "";
}
std::string High(const std::optional<stats::Interval>& ci) {
  return ci.has_value() ? Number(ci->high) : "";
}

const std::vector<std::string>& FixedColumns() {
  static const std::vector<std::string> columns = {"run_id",
                                                   "machine",
                                                   "worker",
                                                   "worker_identity",
                                                   "workload",
                                                   "model",
                                                   "concurrency",
                                                   "sweep_param",
                                                   "sweep_value",
                                                   "status",
                                                   "error",
                                                   "measured_samples",
                                                   "median_wall_ns",
                                                   "median_ci_low_ns",
                                                   "median_ci_high_ns",
                                                   "mean_wall_ns",
                                                   "mean_ci_low_ns",
                                                   "mean_ci_high_ns",
                                                   "min_wall_ns",
                                                   "max_wall_ns",
                                                   "stddev_wall_ns",
                                                   "cv",
                                                   "p90_wall_ns",
                                                   "median_cpu_ns",
                                                   "speedup",
                                                   "speedup_ci_low",
                                                   "speedup_ci_high",
                                                   "efficiency",
                                                   "karp_flatt",
                                                   "amdahl_serial_fraction",
                                                   "amdahl_rms_residual",
                                                   "amdahl_levels",
                                                   "tasks_per_s",
                                                   "target_cv_met",
                                                   "outliers",
                                                   "warnings"};
  return columns;
}

}  // namespace

void CsvReporter::Finalize() {
  const std::vector<std::string> metrics = MetricNames(rows_);
  std::vector<std::string> header = FixedColumns();
  // Workload metrics (their median per row) after the fixed columns, prefixed so a metric can
  // never shadow one of them.
  for (const std::string& metric : metrics) header.push_back("metric_" + metric);
  auto write = [&](const std::vector<std::string>& fields) {
    std::vector<std::string> quoted;
    for (const std::string& field : fields) quoted.push_back(Quote(field));
    out_ << absl::StrJoin(quoted, ",") << "\r\n";
  };
  write(header);

  const std::map<std::string, std::string> labels = MachineLabels(context_.machines);
  for (const ResultRow& row : rows_) {
    std::string sweep = SweepValueOf(row);
    std::vector<std::string> fields = {context_.run_id,
                                       RowMachine(labels, row),
                                       row.worker,
                                       row.worker_identity,
                                       context_.plan.workload().kind(),
                                       row.model,
                                       absl::StrCat(row.concurrency),
                                       sweep.empty() ? "" : context_.plan.sweep().param(),
                                       sweep,
                                       JobStatusName(row.status),
                                       row.error};
    if (row.aggregates.has_value()) {
      const Aggregates& a = *row.aggregates;
      std::vector<std::string> codes;
      for (const stats::Warning& w : a.warnings) codes.push_back(stats::WarningCodeName(w.code));
      std::vector<std::string> values = {
          absl::StrCat(a.measured_samples),
          Number(a.median_wall_ns),
          Low(a.median_ci),
          High(a.median_ci),
          Number(a.mean_wall_ns),
          Low(a.mean_ci),
          High(a.mean_ci),
          absl::StrCat(a.min_wall_ns),
          absl::StrCat(a.max_wall_ns),
          Number(a.stddev_wall_ns),
          Number(a.cv),
          Number(a.p90_wall_ns),
          Number(a.median_cpu_ns),
          Number(a.speedup),
          Low(a.speedup_ci),
          High(a.speedup_ci),
          Number(a.efficiency),
          Number(a.karp_flatt),
          a.amdahl ? Number(a.amdahl->serial_fraction) : "",
          a.amdahl ? Number(a.amdahl->rms_residual) : "",
          a.amdahl ? absl::StrCat(a.amdahl->points) : "",
          Number(a.tasks_per_s),
          a.target_cv_met.has_value() ? (*a.target_cv_met ? "true" : "false") : "",
          absl::StrJoin(a.outliers, " "),
          absl::StrJoin(codes, " ")};
      fields.insert(fields.end(), values.begin(), values.end());
      std::map<std::string, double> medians = MedianMetrics(row.samples);
      for (const std::string& metric : metrics) {
        auto value = medians.find(metric);
        fields.push_back(value != medians.end() ? Number(value->second) : "");
      }
    } else {
      fields.resize(header.size());
    }
    write(fields);
  }
  out_.flush();
}

}  // namespace parlab::report
