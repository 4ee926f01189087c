// `parlab export RUN --format ...`: a stored run re-aggregated and written in any report format
// (the same reporters as `parlab run`), e.g. gbench-json for google/benchmark's compare.py.
#include <functional>
#include <iostream>
#include <memory>
#include <vector>

#include "commands.h"
#include "parlab/report/escape.h"
#include "parlab/report/reporter.h"
#include "parlab/results/aggregate.h"
#include "run_source.h"
#include "stored_run_commands.h"

namespace parlab::cli {

int ReportStoredRun(const CliOptions& options, absl::string_view verb,
                    const std::function<void(const v1::RunRecord&)>& before_report) {
  absl::StatusOr<std::unique_ptr<report::Reporter>> reporter =
      report::MakeReporter(options.format, std::cout);
  if (!reporter.ok()) {
    std::cerr << "parlab: " << report::EscapeControl(reporter.status().message()) << "\n";
    return kExitUsage;
  }
  absl::StatusOr<v1::RunRecord> run = LoadRunReference(options, options.run_id);
  if (!run.ok()) {
    std::cerr << "parlab: " << report::EscapeControl(run.status().message()) << "\n";
    return kExitUsage;
  }
  if (before_report) before_report(*run);
  if (run->state() == "incomplete" || run->state() == "running") {
    std::cerr << "parlab: run " << run->run_id() << " is " << run->state()
              << ": only the jobs that ended are " << verb << "\n";
  }
  std::vector<v1::WorkerDescription> workers(run->workers().begin(), run->workers().end());
  std::vector<v1::JobResult> results(run->results().begin(), run->results().end());
  (*reporter)->ReportContext({.plan = run->plan(),
                              .machines = workers,
                              .run_id = run->run_id(),
                              .started_unix_ms = run->started_unix_ms()});
  (*reporter)->ReportRows(results::Aggregate(run->plan(), workers, results));
  (*reporter)->Finalize();
  return kExitOk;
}

int ExportCommand(const CliOptions& options) { return ReportStoredRun(options, "exported"); }

}  // namespace parlab::cli
