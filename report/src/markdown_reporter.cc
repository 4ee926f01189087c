// MarkdownReporter: what a pull request or a wiki page quotes. The plan in one line, then per
// machine a heading, a summary line (hardware, jobs OK, the best speedup), its warnings and one
// GitHub table with padded cells so the source reads as well as the rendering.
#include <algorithm>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "parlab/report/escape.h"
#include "parlab/report/reporter.h"
#include "parlab/results/samples.h"
#include "report_format.h"
#include "text_table.h"

namespace parlab::report {
namespace {

// "2 of 3 jobs OK; best speedup 1.95 ± 0.05x (thread_pool x2, efficiency 98%)".
std::string JobsLine(const std::vector<const ResultRow*>& rows) {
  int ok = 0;
  const ResultRow* best = nullptr;
  for (const ResultRow* row : rows) {
    ok += row->status == v1::JOB_STATUS_OK ? 1 : 0;
    // The baseline's own 1.00x is no finding.
    if (!row->aggregates.has_value() || !row->aggregates->speedup.has_value() ||
        (row->model == kBaselineModel && row->concurrency == 1)) {
      continue;
    }
    if (best == nullptr || *row->aggregates->speedup > *best->aggregates->speedup) best = row;
  }
  std::string line = absl::StrCat(ok, " of ", Count(static_cast<int>(rows.size()), "job"), " OK");
  if (best != nullptr) {
    const Aggregates& a = *best->aggregates;
    absl::StrAppend(&line, "; best speedup ", FormatSpeedup(*a.speedup, a.speedup_ci), " (",
                    best->model, " x", best->concurrency);
    if (!SweepValueOf(*best).empty()) absl::StrAppend(&line, " ", SweepValueOf(*best));
    if (a.efficiency.has_value()) {
      absl::StrAppend(&line, absl::StrFormat(", efficiency %.0f%%", *a.efficiency * 100));
    }
    absl::StrAppend(&line, ")");
  }
  return line;
}

}  // namespace

void MarkdownReporter::Finalize() {
  out_ << "## " << MarkdownCell(PlanSummary(context_.plan)) << "\n";
  if (!context_.run_id.empty()) out_ << "\nRun `" << context_.run_id << "`.\n";

  // Rows by worker, machines in the order given, then any worker no description names.
  std::vector<std::string> order;
  std::map<std::string, const v1::WorkerDescription*> described;
  for (const v1::WorkerDescription& m : context_.machines) {
    order.push_back(m.address());
    described[m.address()] = &m;
  }
  std::map<std::string, std::vector<const ResultRow*>> by_worker;
  for (const ResultRow& row : rows_) {
    if (by_worker.find(row.worker) == by_worker.end() && !described.count(row.worker)) {
      order.push_back(row.worker);
    }
    by_worker[row.worker].push_back(&row);
  }

  const std::map<std::string, std::string> labels = MachineLabels(context_.machines);
  const bool swept = AnyRowSwept(rows_);
  const std::vector<std::string> metrics = MetricNames(rows_);
  for (const std::string& worker : order) {
    const std::vector<const ResultRow*>& rows = by_worker[worker];
    auto it = described.find(worker);
    std::string label = labels.count(worker) ? labels.at(worker)
                        : rows.empty()       ? worker
                                             : rows.front()->machine;
    out_ << "\n### " << MarkdownCell(label) << " (" << worker << ")\n\n";
    if (it != described.end()) out_ << MarkdownCell(MachineSummary(it->second->machine())) << ". ";
    if (it != described.end() && !it->second->identity().empty()) {
      out_ << "Authenticated as " << MarkdownCell(it->second->identity()) << ". ";
    }
    out_ << EscapeControl(JobsLine(rows)) << ".\n";
    if (it != described.end()) {
      for (const std::string& warning : it->second->machine().warnings()) {
        out_ << "\n> **Warning:** " << MarkdownCell(warning) << ".\n";
      }
    }
    if (rows.empty()) continue;

    TextTable table;
    table.titles = {"model", "conc"};
    table.right = {false, true};
    if (swept) {
      table.titles.push_back(MarkdownCell(SweepTitle(context_.plan)));
      table.right.push_back(true);
    }
    for (const char* title : {"median", "95% CI", "cv", "speedup", "efficiency"}) {
      table.titles.push_back(title);
      table.right.push_back(true);
    }
    for (const std::string& metric : metrics) {
      table.titles.push_back(MarkdownCell(metric));
      table.right.push_back(true);
    }
    table.titles.push_back("status");
    table.right.push_back(false);

    std::vector<std::string> notes;
    std::vector<std::string> warnings;
    for (const ResultRow* row : rows) {
      std::string name = absl::StrCat(row->model, " x", row->concurrency);
      if (!SweepValueOf(*row).empty()) absl::StrAppend(&name, " ", SweepValueOf(*row));
      std::vector<std::string> line = {MarkdownCell(row->model), absl::StrCat(row->concurrency)};
      if (swept)
        line.push_back(SweepValueOf(*row).empty() ? "-" : MarkdownCell(SweepValueOf(*row)));
      if (row->aggregates.has_value()) {
        const Aggregates& a = *row->aggregates;
        line.push_back(FormatNanos(a.median_wall_ns));
        line.push_back(FormatMedianInterval(a));
        line.push_back(a.measured_samples > 1 ? absl::StrFormat("%.1f%%", a.cv * 100) : "-");
        line.push_back(a.speedup ? FormatSpeedup(*a.speedup, a.speedup_ci) : "-");
        line.push_back(a.efficiency ? absl::StrFormat("%.0f%%", *a.efficiency * 100) : "-");
        std::map<std::string, double> medians = MedianMetrics(row->samples);
        for (const std::string& metric : metrics) {
          auto value = medians.find(metric);
          line.push_back(value != medians.end() ? FormatMetric(value->second) : "-");
        }
        for (const stats::Warning& warning : a.warnings) {
          warnings.push_back(
              absl::StrCat("- ", MarkdownCell(name), ": ", MarkdownCell(warning.message), "."));
        }
      } else {
        line.insert(line.end(), 5 + metrics.size(), "-");
      }
      std::string status = JobStatusName(row->status);
      if (!row->error.empty()) {
        notes.push_back(absl::StrCat(notes.size() + 1, ". ", MarkdownCell(name), ": ",
                                     MarkdownCell(row->error)));
        absl::StrAppend(&status, " [", notes.size(), "]");
      }
      line.push_back(status);
      table.rows.push_back(std::move(line));
    }
    out_ << "\n";
    WriteMarkdownTable(table, out_);
    if (!notes.empty()) out_ << "\n" << absl::StrJoin(notes, "\n") << "\n";
    if (!warnings.empty()) out_ << "\nWarnings:\n\n" << absl::StrJoin(warnings, "\n") << "\n";
  }
  out_.flush();
}

}  // namespace parlab::report
