// TableReporter: a header describing the plan and machines, then an aligned table; errors of
// failed rows are listed under the table as numbered notes so the table stays narrow, followed
// by the scaling fits and the statistics' warnings (as hyperfine prints them).
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "parlab/coordinator/reporter.h"

namespace parlab::coordinator {
namespace {

struct Column {
  std::string title;
  bool right_aligned;
};

const std::vector<Column>& Columns() {
  static const std::vector<Column> columns = {
      {"machine", false}, {"model", false},  {"conc", true},       {"median", true},
      {"95% CI", true},   {"cv", true},      {"min", true},        {"max", true},
      {"cpu", true},      {"speedup", true}, {"efficiency", true}, {"status", false}};
  return columns;
}

// Columns are padded by what a terminal shows, not by bytes: "±" is two bytes in UTF-8.
size_t DisplayWidth(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80 ? 1 : 0;
  return width;
}

// The larger distance from the estimate to its interval's ends: "±" then never understates.
double HalfWidth(double value, const stats::Interval& ci) {
  return std::max(value - ci.low, ci.high - value);
}

// "1.77 ± 0.05x": the uncertainty to one significant digit, the value to the same decimals
// (at most 3); "1.00x" without an interval or when it is 0.
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

std::string Params(const v1::WorkloadSpec& spec) {
  // Sorted, so the header reads the same on every run (proto maps have no order).
  std::map<std::string, std::string> sorted(spec.params().begin(), spec.params().end());
  return absl::StrJoin(sorted, ", ", absl::PairFormatter("="));
}

// The machine column: hostnames, unless two workers share one (then host@address).
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

std::string Count(int n, const std::string& noun) {
  return absl::StrCat(n, " ", noun, n == 1 ? "" : "s");
}

// One line per machine x model with a fit: its Karp-Flatt values per level, then Amdahl's f.
struct ScalingLine {
  std::string key;  // machine + model
  std::vector<std::string> karp_flatt;
  std::optional<stats::AmdahlFit> amdahl;
};

void AddScaling(const std::string& machine, const ResultRow& row,
                std::vector<ScalingLine>& lines) {
  const Aggregates& a = *row.aggregates;
  if (!a.amdahl.has_value()) return;
  std::string key = absl::StrCat(machine, " ", row.model);
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
    out << "  " << line.key << ": e = "
        << (line.karp_flatt.empty() ? "-" : absl::StrJoin(line.karp_flatt, ", "))
        << absl::StrFormat("; f = %.3f (rms residual %.2f over %s)\n",
                           line.amdahl->serial_fraction, line.amdahl->rms_residual,
                           Count(line.amdahl->points, "level"));
  }
}

}  // namespace

void TableReporter::Finalize() {
  const v1::Plan& plan = context_.plan;
  out_ << "plan " << plan.name() << ": " << plan.workload().kind() << " {"
       << Params(plan.workload()) << "}, " << Count(plan.repetitions(), "repetition")
       << (plan.order() == v1::REPETITION_ORDER_GROUPED
               ? absl::StrCat(" (grouped) after ", Count(plan.warmup(), "warm-up"))
               : absl::StrCat(" (interleaved), each after ", Count(plan.warmup(), "warm-up")))
       << "\n";
  for (const v1::WorkerDescription& m : context_.machines) {
    const v1::MachineInfo& info = m.machine();
    out_ << "machine " << info.hostname() << " (" << m.address() << "): " << info.cpu_model()
         << ", " << info.logical_cores() << " logical cores, "
         << absl::StrFormat("%.1f GiB", static_cast<double>(info.memory_bytes()) / (1 << 30))
         << ", " << info.kernel() << "\n";
  }
  out_ << "\n";

  std::map<std::string, std::string> labels = MachineLabels(context_.machines);
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> notes;
  std::vector<std::string> warnings;
  std::vector<ScalingLine> scaling;
  for (const ResultRow& row : rows_) {
    auto label = labels.find(row.worker);
    std::string machine = label != labels.end() ? label->second : row.machine;
    std::string status = StatusName(row.status);
    if (!row.error.empty()) {
      notes.push_back(absl::StrCat("[", notes.size() + 1, "] ", machine, " ", row.model, " x",
                                   row.concurrency, ": ", row.error));
      absl::StrAppend(&status, " [", notes.size(), "]");
    }
    std::vector<std::string> line = {machine, row.model, absl::StrCat(row.concurrency)};
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
      for (const stats::Warning& warning : a.warnings) {
        warnings.push_back(absl::StrCat("Warning: ", machine, " ", row.model, " x",
                                        row.concurrency, ": ", warning.message, "."));
      }
      AddScaling(machine, row, scaling);
    } else {
      line.insert(line.end(), 8, "-");
    }
    line.push_back(status);
    cells.push_back(std::move(line));
  }

  const std::vector<Column>& columns = Columns();
  std::vector<size_t> widths(columns.size());
  for (size_t c = 0; c < columns.size(); ++c) widths[c] = DisplayWidth(columns[c].title);
  for (const auto& line : cells) {
    for (size_t c = 0; c < line.size(); ++c) {
      widths[c] = std::max(widths[c], DisplayWidth(line[c]));
    }
  }
  auto print_line = [&](const std::vector<std::string>& line) {
    std::string text;
    for (size_t c = 0; c < line.size(); ++c) {
      if (c > 0) text += "  ";
      std::string pad(widths[c] - DisplayWidth(line[c]), ' ');
      text += columns[c].right_aligned ? pad + line[c] : line[c] + pad;
    }
    // No trailing blanks: the last column is left-aligned.
    text.erase(text.find_last_not_of(' ') + 1);
    out_ << text << "\n";
  };
  std::vector<std::string> titles;
  for (const Column& column : columns) titles.push_back(column.title);
  print_line(titles);
  for (const auto& line : cells) print_line(line);
  if (!notes.empty()) {
    out_ << "\n";
    for (const std::string& note : notes) out_ << note << "\n";
  }
  PrintScaling(scaling, out_);
  if (!warnings.empty()) {
    out_ << "\n";
    for (const std::string& warning : warnings) out_ << warning << "\n";
  }
  out_.flush();
}

}  // namespace parlab::coordinator
