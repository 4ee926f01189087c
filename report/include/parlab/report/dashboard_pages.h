// The pages of `parlab serve`'s dashboard that are not a run's report or a comparison (those
// are HtmlReporter and ReportComparison): the run list with its filter form, and a plan's
// history on one machine, one chart per row with the flagged runs marked. Each page has its
// JSON twin, the body of the endpoint under /api/ (docs/report.md).
//
//   WriteRunListPage(runs, filter, out);                  // GET /
//   out << RunListJson(runs);                             // GET /api/runs
//   WriteHistoryPage(plan, host, BuildHistory(...), out); // GET /history?plan=P&machine=M
#ifndef PARLAB_REPORT_DASHBOARD_PAGES_H_
#define PARLAB_REPORT_DASHBOARD_PAGES_H_

#include <ostream>
#include <string>
#include <vector>

#include "parlab/results/history.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::report {

// What the run list was filtered by (shown back in the form): "" means any.
struct RunFilter {
  std::string plan;     // plan name, exactly
  std::string machine;  // a worker hostname, exactly
  std::string from;     // YYYY-MM-DD (UTC), inclusive
  std::string to;       // YYYY-MM-DD (UTC), inclusive
};

void WriteRunListPage(const std::vector<v1::RunSummary>& runs, const RunFilter& filter,
                      std::ostream& out);
// [{run_id, plan_name, state, started_unix_ms, finished_unix_ms, machines, jobs_ok,
// jobs_failed}], as `parlab results list --format json`.
std::string RunListJson(const std::vector<v1::RunSummary>& runs);

void WriteHistoryPage(const std::string& plan, const std::string& host,
                      const std::vector<results::RowHistory>& rows, std::ostream& out);
// {plan, machine, method, rows: [{model, concurrency, sweep_value, points: [{run_id,
// started_unix_ms, samples, median_wall_ns}], flags: [{run_id, index, verdict, ratio, ratio_ci,
// p_value, window_runs}]}]}
std::string HistoryJson(const std::string& plan, const std::string& host,
                        const std::vector<results::RowHistory>& rows);

// "how a run is flagged", one sentence, for the page and the JSON's "method".
extern const char kHistoryMethod[];

}  // namespace parlab::report

#endif  // PARLAB_REPORT_DASHBOARD_PAGES_H_
