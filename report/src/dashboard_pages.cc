// The run list and history pages of `parlab serve` (dashboard_pages.h), and their JSON.
#include "parlab/report/dashboard_pages.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "html_page.h"
#include "parlab/report/reporter.h"
#include "parlab/results/stats.h"
#include "report_format.h"

namespace parlab::report {

const char kHistoryMethod[] =
    "each run's repetitions against the pooled repetitions of up to 5 runs before it (never "
    "reaching back past the last flagged change, at least 2 runs): Mann-Whitney U at alpha 0.01, "
    "flagged when the ratio of medians' 95% CI lies wholly beyond 5% of no change";

namespace {

using Json = HtmlJson;

std::string Utc(int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(unix_ms), absl::UTCTimeZone());
}

// A query-string value: letters, digits and -._~ stay, everything else %XX.
std::string UrlEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += absl::StrFormat("%%%02X", c);
    }
  }
  return out;
}

std::string Link(const std::string& href, const std::string& text) {
  return absl::StrCat("<a href=\"", Html(href), "\">", Html(text), "</a>");
}

}  // namespace

std::string RunListJson(const std::vector<v1::RunSummary>& runs) {
  Json array = Json::array();
  for (const v1::RunSummary& run : runs) {
    array.push_back(
        {{"run_id", run.run_id()},
         {"plan_name", run.plan_name()},
         {"state", run.state()},
         {"started_unix_ms", run.started_unix_ms()},
         {"finished_unix_ms", run.finished_unix_ms()},
         {"machines", std::vector<std::string>(run.machines().begin(), run.machines().end())},
         {"jobs_ok", run.jobs_ok()},
         {"jobs_failed", run.jobs_failed()}});
  }
  return array.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

void WriteRunListPage(const std::vector<v1::RunSummary>& runs, const RunFilter& filter,
                      std::ostream& out) {
  WritePageStart("parlab runs", out);
  out << "<form method=\"get\" action=\"/\" class=\"filter\">"
      << "plan <input name=\"plan\" value=\"" << Html(filter.plan) << "\"> "
      << "machine <input name=\"machine\" value=\"" << Html(filter.machine) << "\"> "
      << "from <input name=\"from\" type=\"date\" value=\"" << Html(filter.from) << "\"> "
      << "to <input name=\"to\" type=\"date\" value=\"" << Html(filter.to) << "\"> "
      << "<button type=\"submit\">filter</button> "
      << "<span class=\"dim\">(JSON: /api/runs with the same parameters)</span></form>\n"
      << "<form method=\"get\" action=\"/compare\" class=\"filter\">compare A <input name=\"a\" "
         "placeholder=\"run id\"> with B <input name=\"b\" placeholder=\"run id\"> <button "
         "type=\"submit\">compare</button></form>\n";
  out << "<p>" << Html(Count(static_cast<int>(runs.size()), "run")) << ", newest first.</p>\n";
  out << "<table id=\"runs\"><thead><tr><th>run</th><th>plan</th><th>state</th><th>started "
         "(UTC)</th><th>machines (history)</th><th>jobs OK</th><th>failed</th><th>compare with "
         "the previous run of the plan</th></tr></thead>\n<tbody>\n";
  // The previous run of the same plan (runs are newest first).
  std::map<std::string, size_t> next_of_plan;
  std::vector<std::string> previous(runs.size());
  for (size_t i = runs.size(); i-- > 0;) {
    auto it = next_of_plan.find(runs[i].plan_name());
    if (it != next_of_plan.end()) previous[i] = runs[it->second].run_id();
    next_of_plan[runs[i].plan_name()] = i;
  }
  for (size_t i = 0; i < runs.size(); ++i) {
    const v1::RunSummary& run = runs[i];
    std::vector<std::string> machines;
    for (const std::string& host : run.machines()) {
      machines.push_back(Link(
          absl::StrCat("/history?plan=", UrlEncode(run.plan_name()), "&machine=", UrlEncode(host)),
          host));
    }
    out << "<tr data-run=\"" << Html(run.run_id()) << "\"><td>"
        << Link("/run/" + UrlEncode(run.run_id()), run.run_id()) << "</td><td>"
        << Html(run.plan_name()) << "</td><td>" << Html(run.state()) << "</td><td>"
        << Html(Utc(run.started_unix_ms())) << "</td><td>" << absl::StrJoin(machines, " ")
        << "</td><td>" << run.jobs_ok() << "</td><td"
        << (run.jobs_failed() > 0 ? " class=\"bad\"" : "") << ">" << run.jobs_failed()
        << "</td><td>"
        << (previous[i].empty() ? std::string("-")
                                : Link(absl::StrCat("/compare?a=", UrlEncode(previous[i]),
                                                    "&b=", UrlEncode(run.run_id())),
                                       "against " + previous[i]))
        << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
  WritePageEnd(Json::array(), out);
}

std::string HistoryJson(const std::string& plan, const std::string& host,
                        const std::vector<results::RowHistory>& rows) {
  Json json_rows = Json::array();
  for (const results::RowHistory& row : rows) {
    Json points = Json::array();
    for (const results::HistoryPoint& p : row.points) {
      points.push_back(
          {{"run_id", p.run_id},
           {"started_unix_ms", p.started_unix_ms},
           {"samples", p.walls.size()},
           {"median_wall_ns", p.walls.empty() ? Json(nullptr) : Json(stats::Median(p.walls))}});
    }
    Json flags = Json::array();
    for (const results::HistoryFlag& f : row.flags) {
      flags.push_back(
          {{"run_id", row.points[f.index].run_id},
           {"index", f.index},
           {"verdict", f.verdict == stats::Verdict::kSlower ? "regression" : "improvement"},
           {"ratio", f.ratio},
           {"ratio_ci", f.ratio_ci.has_value()
                            ? Json{{"low", f.ratio_ci->low}, {"high", f.ratio_ci->high}}
                            : Json(nullptr)},
           {"p_value", f.p_value},
           {"window_runs", f.window_runs}});
    }
    json_rows.push_back({{"model", row.model},
                         {"concurrency", row.concurrency},
                         {"sweep_value", row.sweep_value},
                         {"points", points},
                         {"flags", flags}});
  }
  Json doc{{"format", "parlab.history/v1"},
           {"plan", plan},
           {"machine", host},
           {"method", kHistoryMethod},
           {"rows", json_rows}};
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

void WriteHistoryPage(const std::string& plan, const std::string& host,
                      const std::vector<results::RowHistory>& rows, std::ostream& out) {
  WritePageStart(absl::StrCat("parlab history: plan ", plan, " on ", host), out);
  out << "<p>" << Link("/", "all runs") << ". A run is flagged by " << Html(kHistoryMethod)
      << ". JSON: /api/history with the same parameters.</p>\n";
  if (rows.empty()) out << "<p>No run of this plan on this machine.</p>\n";
  Json charts = Json::array();
  for (size_t r = 0; r < rows.size(); ++r) {
    const results::RowHistory& row = rows[r];
    std::string name = absl::StrCat(row.model, " x", row.concurrency,
                                    row.sweep_value.empty() ? "" : " at " + row.sweep_value);
    const std::string id = absl::StrCat("h", r);
    double max_ns = 0;
    for (const results::HistoryPoint& p : row.points) {
      if (!p.walls.empty()) max_ns = std::max(max_ns, stats::Median(p.walls));
    }
    const double unit = max_ns < 1e3 ? 1 : max_ns < 1e6 ? 1e3 : max_ns < 1e9 ? 1e6 : 1e9;
    const char* unit_name = max_ns < 1e3 ? "ns" : max_ns < 1e6 ? "us" : max_ns < 1e9 ? "ms" : "s";
    Json labels = Json::array();
    Json medians = Json::array();
    Json flagged = Json::array();
    HtmlTable table{.id = id + "-table", .caption = name};
    table.titles = {"run", "started (UTC)", "samples", "median", "flag", "ratio to window", "p"};
    for (size_t i = 0; i < row.points.size(); ++i) {
      const results::HistoryPoint& p = row.points[i];
      std::string label = absl::StrCat(i + 1, ": ", p.run_id);
      labels.push_back(label);
      auto flag = std::find_if(row.flags.begin(), row.flags.end(),
                               [&](const results::HistoryFlag& f) { return f.index == i; });
      HtmlRow line{.cells = {TextCell(p.run_id), TextCell(Utc(p.started_unix_ms)),
                             TextCell(absl::StrCat(p.walls.size()))}};
      if (!p.walls.empty()) {
        const double median = stats::Median(p.walls);
        medians.push_back({{"x", label}, {"y", median / unit}});
        line.cells.push_back(NumberCell("median_wall_ns", median, FormatNanos(median)));
      } else {
        line.cells.push_back(TextCell("-"));
      }
      if (flag != row.flags.end()) {
        const bool slower = flag->verdict == stats::Verdict::kSlower;
        flagged.push_back({{"x", label}, {"y", stats::Median(p.walls) / unit}, {"outlier", true}});
        line.cells.push_back(
            TextCell(slower ? "regression" : "improvement", slower ? "slower" : "faster"));
        line.cells.push_back(
            NumberCell("ratio", flag->ratio, absl::StrFormat("%.3f", flag->ratio)));
        line.cells.push_back(TextCell(absl::StrFormat("%.3g", flag->p_value)));
      } else {
        line.cells.insert(line.cells.end(), {TextCell(""), TextCell(""), TextCell("")});
      }
      table.rows.push_back(std::move(line));
    }
    charts.push_back(Json{
        {"id", id},
        {"title", absl::StrCat(name, ": median wall time per run (flagged runs crossed)")},
        {"x", {{"title", "run"}, {"type", "category"}, {"labels", labels}}},
        {"y", {{"title", absl::StrCat("median wall time (", unit_name, ")")}, {"type", "linear"}}},
        {"datasets", Json::array({Json{{"label", name + " median"},
                                       {"kind", "median"},
                                       {"color", 0},
                                       {"points", medians}},
                                  Json{{"label", name + " flagged"},
                                       {"kind", "reps"},
                                       {"color", 3},
                                       {"points", flagged}}})}});
    out << "<section><h2>" << Html(name) << "</h2>\n";
    WriteChartBox(id, out);
    WriteHtmlTable(table, out);
    out << "</section>\n";
  }
  WritePageEnd(charts, out);
}

}  // namespace parlab::report
