#include "results_command.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "commands.h"
#include "parlab/report/dashboard_pages.h"
#include "parlab/report/escape.h"
#include "parlab/report/reporter.h"
#include "parlab/results/aggregate.h"
#include "run_source.h"
#include "stored_run_commands.h"

namespace parlab::cli {
namespace {

std::string FormatUnixMs(int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(unix_ms), absl::UTCTimeZone());
}

std::string FormatDuration(const v1::RunSummary& run) {
  if (run.finished_unix_ms() <= 0 || run.started_unix_ms() <= 0) return "-";
  double seconds = static_cast<double>(run.finished_unix_ms() - run.started_unix_ms()) / 1000;
  if (seconds < 60) return absl::StrFormat("%.1f s", seconds);
  if (seconds < 3600) return absl::StrFormat("%.1f min", seconds / 60);
  return absl::StrFormat("%.1f h", seconds / 3600);
}

// Repeated hostnames (two workers on one machine) are listed once.
std::string Machines(const v1::RunSummary& run) {
  std::vector<std::string> unique;
  for (const std::string& machine : run.machines()) {
    if (std::find(unique.begin(), unique.end(), machine) == unique.end()) {
      unique.push_back(machine);
    }
  }
  return unique.empty() ? "-" : absl::StrJoin(unique, ",");
}

}  // namespace

void PrintRunTable(const std::vector<v1::RunSummary>& runs, std::ostream& out) {
  std::vector<std::vector<std::string>> rows = {
      {"RUN", "PLAN", "STATE", "STARTED (UTC)", "DURATION", "JOBS OK", "FAILED", "MACHINES"}};
  for (const v1::RunSummary& run : runs) {
    rows.push_back({run.run_id(), run.plan_name().empty() ? "-" : run.plan_name(), run.state(),
                    FormatUnixMs(run.started_unix_ms()), FormatDuration(run),
                    absl::StrCat(run.jobs_ok()), absl::StrCat(run.jobs_failed()), Machines(run)});
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i]);
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

void PrintRunJson(const std::vector<v1::RunSummary>& runs, std::ostream& out) {
  out << report::RunListJson(runs);  // the same document as the dashboard's /api/runs
}

int ResultsListCommand(const CliOptions& options) {
  absl::StatusOr<std::vector<v1::RunSummary>> runs = ListRunsFrom(options, options.limit);
  if (!runs.ok()) {
    std::cerr << "parlab: " << report::EscapeControl(runs.status().message()) << "\n";
    return kExitUsage;
  }
  if (options.format == "json") {
    PrintRunJson(*runs, std::cout);
  } else {
    PrintRunTable(*runs, std::cout);
  }
  return kExitOk;
}

int ResultsShowCommand(const CliOptions& options) {
  return ReportStoredRun(options, "shown", [](const v1::RunRecord& run) {
    std::cerr << "run " << run.run_id() << ": " << run.state() << ", started "
              << FormatUnixMs(run.started_unix_ms()) << " UTC, " << run.results_size()
              << " job results\n";
  });
}

}  // namespace parlab::cli
