// TableReporter: a header describing the plan and machines, then an aligned table; errors of
// failed rows are listed under the table as numbered notes so the table stays narrow.
#include <algorithm>
#include <map>

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
      {"machine", false},   {"model", false}, {"conc", true}, {"median", true},
      {"min", true},        {"max", true},    {"cpu", true},  {"speedup", true},
      {"efficiency", true}, {"status", false}};
  return columns;
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

}  // namespace

void TableReporter::ReportContext(const RunContext& context) { context_ = context; }

void TableReporter::ReportRows(const std::vector<ResultRow>& rows) {
  rows_.insert(rows_.end(), rows.begin(), rows.end());
}

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
      line.push_back(FormatNanos(static_cast<double>(a.min_wall_ns)));
      line.push_back(FormatNanos(static_cast<double>(a.max_wall_ns)));
      line.push_back(FormatNanos(a.median_cpu_ns));
      line.push_back(a.speedup ? absl::StrFormat("%.2fx", *a.speedup) : "-");
      line.push_back(a.efficiency ? absl::StrFormat("%.0f%%", *a.efficiency * 100) : "-");
    } else {
      line.insert(line.end(), 6, "-");
    }
    line.push_back(status);
    cells.push_back(std::move(line));
  }

  const std::vector<Column>& columns = Columns();
  std::vector<size_t> widths(columns.size());
  for (size_t c = 0; c < columns.size(); ++c) widths[c] = columns[c].title.size();
  for (const auto& line : cells) {
    for (size_t c = 0; c < line.size(); ++c) widths[c] = std::max(widths[c], line[c].size());
  }
  auto print_line = [&](const std::vector<std::string>& line) {
    std::string text;
    for (size_t c = 0; c < line.size(); ++c) {
      if (c > 0) text += "  ";
      std::string pad(widths[c] - line[c].size(), ' ');
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
  out_.flush();
}

}  // namespace parlab::coordinator
