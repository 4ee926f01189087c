// Dashboard::Handle: the routes of `parlab serve` (dashboard.h), each page and its JSON twin.
#include "parlab/serve/dashboard.h"

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "parlab/report/compare_reporter.h"
#include "parlab/report/dashboard_pages.h"
#include "parlab/report/reporter.h"
#include "parlab/results/aggregate.h"
#include "parlab/results/compare.h"
#include "parlab/results/history.h"

namespace parlab::serve {
namespace {

std::string UrlDecode(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    int value = 0;
    if (text[i] == '%' && i + 2 < text.size() + 0 &&
        absl::SimpleHexAtoi(text.substr(i + 1, 2), &value)) {
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(absl::string_view query) {
  std::map<std::string, std::string> params;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    params[UrlDecode(kv.first)] = UrlDecode(kv.second);
  }
  return params;
}

HttpResponse Error(int status, const std::string& message, bool json) {
  if (json) {
    std::string escaped;
    for (char c : message) {
      if (c == '"' || c == '\\') escaped += '\\';
      if (static_cast<unsigned char>(c) < 0x20) continue;
      escaped += c;
    }
    return {status, "application/json", absl::StrCat("{\"error\": \"", escaped, "\"}\n")};
  }
  std::ostringstream page;
  page << "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>parlab: " << status
       << "</title></head><body><p>";
  for (char c : message) {
    switch (c) {
      case '<':
        page << "&lt;";
        break;
      case '>':
        page << "&gt;";
        break;
      case '&':
        page << "&amp;";
        break;
      case '"':
        page << "&quot;";
        break;
      default:
        page << c;
    }
  }
  page << "</p><p><a href=\"/\">all runs</a></p></body></html>\n";
  return {status, "text/html; charset=utf-8", page.str()};
}

int StatusOf(const absl::Status& status) {
  if (absl::IsNotFound(status)) return 404;
  if (absl::IsInvalidArgument(status)) return 400;
  return 500;
}

// "2026-12-04" -> unix ms at 00:00 UTC; `end`: the day's last millisecond.
absl::StatusOr<int64_t> DayBound(const std::string& name, const std::string& day, bool end) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%d", day, absl::UTCTimeZone(), &time, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": must be a date YYYY-MM-DD, got \"", day, "\""));
  }
  if (end) time += absl::Hours(24) - absl::Milliseconds(1);
  return absl::ToUnixMillis(time);
}

}  // namespace

HttpResponse Dashboard::Handle(absl::string_view target) {
  std::pair<absl::string_view, absl::string_view> split =
      absl::StrSplit(target, absl::MaxSplits('?', 1));
  std::string path = UrlDecode(split.first);
  std::map<std::string, std::string> query = ParseQuery(split.second);
  const bool json = absl::StartsWith(path, "/api/");
  if (json) path = path.substr(4);  // "/api/runs" -> "/runs"
  auto param = [&](const std::string& name) {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  };

  if (path == "/" || path == "/runs") {
    if (path == "/" && json) return Error(404, "no page /api/: try /api/runs", json);
    report::RunFilter filter{param("plan"), param("machine"), param("from"), param("to")};
    int64_t from = 0, to = 0;
    if (!filter.from.empty()) {
      absl::StatusOr<int64_t> bound = DayBound("from", filter.from, false);
      if (!bound.ok()) return Error(400, std::string(bound.status().message()), json);
      from = *bound;
    }
    if (!filter.to.empty()) {
      absl::StatusOr<int64_t> bound = DayBound("to", filter.to, true);
      if (!bound.ok()) return Error(400, std::string(bound.status().message()), json);
      to = *bound;
    }
    absl::StatusOr<std::vector<v1::RunSummary>> runs = store_.ListRuns();
    if (!runs.ok()) return Error(500, std::string(runs.status().message()), json);
    std::vector<v1::RunSummary> kept;
    for (v1::RunSummary& run : *runs) {
      if (!filter.plan.empty() && run.plan_name() != filter.plan) continue;
      if (!filter.machine.empty() && std::find(run.machines().begin(), run.machines().end(),
                                               filter.machine) == run.machines().end()) {
        continue;
      }
      if (from > 0 && run.started_unix_ms() < from) continue;
      if (to > 0 && run.started_unix_ms() > to) continue;
      kept.push_back(std::move(run));
    }
    if (json) return {200, "application/json", report::RunListJson(kept)};
    std::ostringstream page;
    report::WriteRunListPage(kept, filter, page);
    return {200, "text/html; charset=utf-8", page.str()};
  }

  if (absl::StartsWith(path, "/run/")) {
    absl::StatusOr<v1::RunRecord> run = store_.LoadRun(path.substr(5));
    if (!run.ok()) return Error(StatusOf(run.status()), std::string(run.status().message()), json);
    std::ostringstream page;
    std::unique_ptr<report::Reporter> reporter =
        *report::MakeReporter(json ? "json" : "html", page);
    std::vector<v1::WorkerDescription> workers(run->workers().begin(), run->workers().end());
    std::vector<v1::JobResult> results(run->results().begin(), run->results().end());
    reporter->ReportContext({.plan = run->plan(),
                             .machines = workers,
                             .run_id = run->run_id(),
                             .started_unix_ms = run->started_unix_ms()});
    reporter->ReportRows(results::Aggregate(run->plan(), workers, results));
    reporter->Finalize();
    return {200, json ? "application/json" : "text/html; charset=utf-8", page.str()};
  }

  if (path == "/compare") {
    results::RunSelector a = results::ParseRunSelector(param("a"));
    results::RunSelector b = results::ParseRunSelector(param("b"));
    if (a.run.empty() || b.run.empty()) {
      return Error(400, "compare: give a=RUN and b=RUN (each optionally RUN@HOST)", json);
    }
    absl::StatusOr<v1::RunRecord> run_a = store_.LoadRun(a.run);
    if (!run_a.ok())
      return Error(StatusOf(run_a.status()), std::string(run_a.status().message()), json);
    absl::StatusOr<v1::RunRecord> run_b = store_.LoadRun(b.run);
    if (!run_b.ok())
      return Error(StatusOf(run_b.status()), std::string(run_b.status().message()), json);
    absl::StatusOr<results::CompareSide> side_a = results::SelectSide(*run_a, a.host);
    if (!side_a.ok()) return Error(400, std::string(side_a.status().message()), json);
    absl::StatusOr<results::CompareSide> side_b = results::SelectSide(*run_b, b.host);
    if (!side_b.ok()) return Error(400, std::string(side_b.status().message()), json);
    std::ostringstream page;
    absl::Status status = report::ReportComparison(results::CompareRuns(*side_a, *side_b),
                                                   json ? "json" : "html", page);
    if (!status.ok()) return Error(500, std::string(status.message()), json);
    return {200, json ? "application/json" : "text/html; charset=utf-8", page.str()};
  }

  if (path == "/history") {
    const std::string plan = param("plan");
    const std::string machine = param("machine");
    if (plan.empty() || machine.empty()) {
      return Error(400, "history: give plan=NAME and machine=HOSTNAME", json);
    }
    absl::StatusOr<std::vector<v1::RunSummary>> runs = store_.ListRuns();
    if (!runs.ok()) return Error(500, std::string(runs.status().message()), json);
    std::vector<v1::RunRecord> records;
    // Oldest first: BuildHistory's stable sort by start time then keeps the store's order for
    // runs begun in the same millisecond.
    for (auto it = runs->rbegin(); it != runs->rend(); ++it) {
      const v1::RunSummary& summary = *it;
      if (summary.plan_name() != plan) continue;
      if (std::find(summary.machines().begin(), summary.machines().end(), machine) ==
          summary.machines().end()) {
        continue;
      }
      absl::StatusOr<v1::RunRecord> record = store_.LoadRun(summary.run_id());
      if (!record.ok()) return Error(500, std::string(record.status().message()), json);
      records.push_back(std::move(*record));
    }
    std::vector<results::RowHistory> rows = results::BuildHistory(std::move(records), machine);
    if (json) return {200, "application/json", report::HistoryJson(plan, machine, rows)};
    std::ostringstream page;
    report::WriteHistoryPage(plan, machine, rows, page);
    return {200, "text/html; charset=utf-8", page.str()};
  }
  return Error(404, absl::StrCat("no page ", target), json);
}

}  // namespace parlab::serve
