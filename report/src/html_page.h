// The pieces every HTML page of the report library shares (the run report, the comparison):
// escaping, the page's head with the inlined style, tables whose cells carry their exact
// numbers, and the tail that inlines Chart.js and report.js with the charts' data. Private to
// report/. One self-contained file: nothing on the page is fetched from anywhere.
//
//   WritePageStart("parlab run-1", out);
//   HtmlTable table{.id = "rows-alpha", .titles = {"model", "median"}};
//   table.rows.push_back({.result = 0, .cells = {TextCell("threads"), NumberCell("median_wall_ns",
//   ns,
//                                                  FormatNanos(ns))}});
//   WriteHtmlTable(table, out);
//   WritePageEnd(charts, out);   // charts: [{id, title, x: {...}, y: {...}, datasets: [...]}]
#ifndef PARLAB_REPORT_SRC_HTML_PAGE_H_
#define PARLAB_REPORT_SRC_HTML_PAGE_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace parlab::report {

using HtmlJson = nlohmann::ordered_json;

// Text for an HTML element or attribute: control characters made visible (EscapeControl),
// then & < > " ' as character references. Everything from a plan, a worker or a workload goes
// through it.
std::string Html(absl::string_view text);
// Html, but each line break stays one: for <pre> blocks.
std::string HtmlKeepLines(absl::string_view text);

// JSON for a <script type="application/json"> element: every "<" written as \u003c, so no
// string in it ("</script>") can end the element. Bad UTF-8 is replaced, never thrown on.
std::string ScriptJson(const HtmlJson& value);

struct HtmlCell {
  std::string text;             // shown (escaped when written)
  std::string key;              // data-key: the JSON export's field this cell shows
  std::optional<double> value;  // data-value: the exact number (%.17g)
  std::string css_class;        // "slower", "faster", "warn", ...
};
HtmlCell TextCell(std::string text, std::string css_class = "");
HtmlCell NumberCell(std::string key, double value, std::string text, std::string css_class = "");

struct HtmlRow {
  int result = -1;  // data-result: index of the row in the JSON export's array (-1: none)
  std::vector<HtmlCell> cells;
};

struct HtmlTable {
  std::string id;
  std::string caption;
  std::vector<std::string> titles;
  std::vector<HtmlRow> rows;
};
void WriteHtmlTable(const HtmlTable& table, std::ostream& out);

// <!DOCTYPE html> ... <body><h1>title</h1>, with the inlined style.
void WritePageStart(absl::string_view title, std::ostream& out);

// The charts' data, the hidden element report.js writes its summary into
// (#parlab-chart-summary: per chart the number of points of each dataset, and any script error),
// Chart.js and report.js inlined, then </body></html>.
void WritePageEnd(const HtmlJson& charts, std::ostream& out);

// One <canvas> for the chart with this id (report.js draws it), in a figure box.
void WriteChartBox(absl::string_view chart_id, std::ostream& out);

}  // namespace parlab::report

#endif  // PARLAB_REPORT_SRC_HTML_PAGE_H_
