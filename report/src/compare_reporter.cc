// ReportComparison: the comparison as an aligned table, a Markdown table, or one JSON document
// ("parlab.compare/v1", docs/output-format.md). The ratio is median(B) / median(A): below 1
// means B is faster, as in google/benchmark's compare.py.
#include "parlab/report/compare_reporter.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "html_page.h"
#include "nlohmann/json.hpp"
#include "parlab/report/reporter.h"
#include "parlab/results/compare.h"
#include "report_format.h"
#include "text_table.h"

namespace parlab::report {
namespace {

using results::ComparedRow;
using results::CompareWarning;
using results::RunComparison;
using results::SideRow;

using Json = nlohmann::ordered_json;

std::string Median(const SideRow& side) {
  return side.median.has_value() ? FormatNanos(*side.median) : side.status;
}

std::string MedianCi(const SideRow& side) {
  if (!side.median.has_value() || !side.median_ci.has_value()) return "-";
  return absl::StrCat("± ", FormatNanos(HalfWidth(*side.median, *side.median_ci)));
}

// "0.83 [0.80, 0.90]".
std::string Ratio(const ComparedRow& row) {
  if (!row.comparison.has_value() || !row.comparison->ratio.has_value()) return "-";
  const stats::Estimate& ratio = *row.comparison->ratio;
  if (!ratio.ci.has_value()) return absl::StrFormat("%.3f", ratio.value);
  return absl::StrFormat("%.3f [%.3f, %.3f]", ratio.value, ratio.ci->low, ratio.ci->high);
}

std::string PValue(const ComparedRow& row) {
  return row.comparison.has_value() ? absl::StrFormat("%.3g", row.comparison->u_test.p_value) : "-";
}

struct Text {
  TextTable table;
  std::vector<std::string> notes;  // summary and warnings, one sentence each
};

Text Build(const RunComparison& c) {
  Text text;
  text.table.titles = {"model", "conc"};
  text.table.right = {false, true};
  const bool swept = std::any_of(c.rows.begin(), c.rows.end(),
                                 [](const ComparedRow& r) { return !r.sweep_value.empty(); });
  if (swept) {
    text.table.titles.push_back(c.sweep_param.empty() ? "sweep" : c.sweep_param);
    text.table.right.push_back(true);
  }
  for (const char* title : {"A median", "A 95% CI", "B median", "B 95% CI", "B/A [95% CI]", "p"}) {
    text.table.titles.push_back(title);
    text.table.right.push_back(true);
  }
  text.table.titles.push_back("verdict");
  text.table.right.push_back(false);

  int faster = 0, slower = 0, same = 0, disagree = 0;
  std::set<std::string> too_few;
  for (const ComparedRow& row : c.rows) {
    std::vector<std::string> line = {row.model, absl::StrCat(row.concurrency)};
    if (swept) line.push_back(row.sweep_value.empty() ? "-" : row.sweep_value);
    const bool disagrees = row.comparison.has_value() && !row.comparison->interval_agrees;
    disagree += disagrees ? 1 : 0;
    line.insert(line.end(), {Median(row.a), MedianCi(row.a), Median(row.b), MedianCi(row.b),
                             Ratio(row), PValue(row), RowVerdict(row) + (disagrees ? " *" : "")});
    text.table.rows.push_back(std::move(line));
    if (!row.comparison.has_value()) continue;
    switch (row.comparison->verdict) {
      case stats::Verdict::kFaster:
        ++faster;
        break;
      case stats::Verdict::kSlower:
        ++slower;
        break;
      default:
        ++same;
        break;
    }
    for (const stats::Warning& w : row.comparison->warnings) {
      if (w.code == stats::WarningCode::kTooFewSamples) too_few.insert(w.message);
    }
  }
  text.notes.push_back(absl::StrFormat(
      "B against A: faster in %d, slower in %d, no significant difference in %d of %d "
      "comparable rows (Mann-Whitney U, alpha %.2f).",
      faster, slower, same, faster + slower + same, c.alpha));
  if (disagree > 0) {
    text.notes.push_back(absl::StrFormat(
        "* On %d row%s the ratio's 95%% CI and the U test disagree: the verdict follows the U test "
        "(ranks, robust to a few outliers); the CI is a percentile bootstrap of a ratio of "
        "medians, approximate with few samples. More repetitions settle it.",
        disagree, disagree == 1 ? "" : "s"));
  }
  for (const std::string& message : too_few)
    text.notes.push_back(absl::StrCat("Note: ", message, "."));
  for (const CompareWarning& w : c.warnings) {
    text.notes.push_back(absl::StrCat("Warning: ", w.message, "."));
  }
  return text;
}

void PrintTable(const RunComparison& c, std::ostream& out) {
  Text text = Build(c);
  out << "A: " << c.a_description << "\nB: " << c.b_description
      << "\nB/A: median(B) / median(A), below 1 means B is faster\n\n";
  WriteAlignedText(text.table, out);
  out << "\n" << absl::StrJoin(text.notes, "\n") << "\n";
}

void PrintMarkdown(const RunComparison& c, std::ostream& out) {
  Text text = Build(c);
  out << "## Compare " << MarkdownCell(c.a_label) << " (A) with " << MarkdownCell(c.b_label)
      << " (B)\n\n"
      << "- A: " << MarkdownCell(c.a_description) << "\n- B: " << MarkdownCell(c.b_description)
      << "\n- B/A: median(B) / median(A), below 1 means B is faster\n\n";
  TextTable escaped = text.table;
  for (std::string& title : escaped.titles) title = MarkdownCell(title);
  for (auto& row : escaped.rows) {
    for (std::string& cell : row) cell = MarkdownCell(cell);
  }
  WriteMarkdownTable(escaped, out);
  out << "\n";
  for (const std::string& note : text.notes) out << MarkdownCell(note) << "\n\n";
}

Json IntervalJson(const std::optional<stats::Interval>& ci) {
  return ci.has_value() ? Json{{"low", ci->low}, {"high", ci->high}} : Json(nullptr);
}

Json SideJson(const SideRow& side) {
  return Json{{"status", side.status},
              {"measured_samples", side.walls.size()},
              {"median_wall_ns", side.median.has_value() ? Json(*side.median) : Json(nullptr)},
              {"median_ci_wall_ns", IntervalJson(side.median_ci)}};
}

void PrintJson(const RunComparison& c, std::ostream& out) {
  Json rows = Json::array();
  for (const ComparedRow& row : c.rows) {
    Json json{{"model", row.model},
              {"concurrency", row.concurrency},
              {"sweep_value", row.sweep_value},
              {"a", SideJson(row.a)},
              {"b", SideJson(row.b)},
              {"ratio", nullptr},
              {"ratio_ci", nullptr},
              {"u", nullptr},
              {"p_value", nullptr},
              {"exact", nullptr},
              {"verdict", nullptr},
              {"interval_agrees", nullptr},
              {"warnings", Json::array()}};
    if (row.comparison.has_value()) {
      const stats::Comparison& cmp = *row.comparison;
      if (cmp.ratio.has_value()) {
        json["ratio"] = cmp.ratio->value;
        json["ratio_ci"] = IntervalJson(cmp.ratio->ci);
      }
      json["u"] = cmp.u_test.u;
      json["p_value"] = cmp.u_test.p_value;
      json["exact"] = cmp.u_test.exact;
      json["verdict"] = stats::VerdictName(cmp.verdict);
      json["interval_agrees"] = cmp.interval_agrees;
      for (const stats::Warning& w : cmp.warnings) {
        json["warnings"].push_back(
            {{"code", stats::WarningCodeName(w.code)}, {"message", w.message}});
      }
    }
    rows.push_back(std::move(json));
  }
  Json warnings = Json::array();
  for (const CompareWarning& w : c.warnings) {
    warnings.push_back({{"code", w.code}, {"message", w.message}});
  }
  Json document{{"format", "parlab.compare/v1"},
                {"a", {{"label", c.a_label}, {"description", c.a_description}}},
                {"b", {{"label", c.b_label}, {"description", c.b_description}}},
                {"alpha", c.alpha},
                {"rows", rows},
                {"warnings", warnings}};
  out << document.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

// The row's name on the chart's axis: "threads x4" (", n=1000" when swept).
std::string RowName(const ComparedRow& row) {
  return absl::StrCat(row.model, " x", row.concurrency,
                      row.sweep_value.empty() ? "" : absl::StrCat(", ", row.sweep_value));
}

void PrintHtml(const RunComparison& c, std::ostream& out) {
  Text text = Build(c);
  WritePageStart(absl::StrCat("parlab compare: ", c.a_label, " (A) against ", c.b_label, " (B)"),
                 out);
  out << "<ul><li>A: " << Html(c.a_description) << "</li><li>B: " << Html(c.b_description)
      << "</li><li>B/A: median(B) / median(A), below 1 means B is faster; significant rows are "
         "marked (Mann-Whitney U, alpha "
      << Html(absl::StrFormat("%.2f", c.alpha)) << ")</li></ul>\n";

  HtmlJson labels = HtmlJson::array();
  HtmlJson ratios = HtmlJson::array();
  HtmlJson one = HtmlJson::array();
  HtmlTable table{.id = "compare-rows", .caption = "Every row, B against A"};
  table.titles = {"model", "conc"};
  const bool swept = std::any_of(c.rows.begin(), c.rows.end(),
                                 [](const ComparedRow& r) { return !r.sweep_value.empty(); });
  if (swept) table.titles.push_back(c.sweep_param.empty() ? "sweep" : c.sweep_param);
  for (const char* title : {"A median", "A 95% CI", "B median", "B 95% CI", "B/A", "95% CI low",
                            "95% CI high", "p", "verdict"}) {
    table.titles.push_back(title);
  }
  for (size_t i = 0; i < c.rows.size(); ++i) {
    const ComparedRow& row = c.rows[i];
    HtmlRow line{.result = static_cast<int>(i)};
    line.cells = {TextCell(row.model),
                  NumberCell("concurrency", row.concurrency, absl::StrCat(row.concurrency))};
    if (swept) line.cells.push_back(TextCell(row.sweep_value.empty() ? "-" : row.sweep_value));
    for (const SideRow* side : {&row.a, &row.b}) {
      const char* key = side == &row.a ? "a.median_wall_ns" : "b.median_wall_ns";
      line.cells.push_back(side->median.has_value()
                               ? NumberCell(key, *side->median, FormatNanos(*side->median))
                               : TextCell(side->status, "bad"));
      line.cells.push_back(TextCell(MedianCi(*side)));
    }
    std::string css;
    if (row.comparison.has_value()) {
      css = row.comparison->verdict == stats::Verdict::kSlower   ? "slower"
            : row.comparison->verdict == stats::Verdict::kFaster ? "faster"
                                                                 : "";
    }
    const bool has_ratio = row.comparison.has_value() && row.comparison->ratio.has_value();
    if (has_ratio) {
      const stats::Estimate& ratio = *row.comparison->ratio;
      line.cells.push_back(
          NumberCell("ratio", ratio.value, absl::StrFormat("%.3f", ratio.value), css));
      HtmlJson point{{"x", RowName(row)}, {"y", ratio.value}};
      if (ratio.ci.has_value()) {
        line.cells.push_back(
            NumberCell("ratio_ci.low", ratio.ci->low, absl::StrFormat("%.3f", ratio.ci->low)));
        line.cells.push_back(
            NumberCell("ratio_ci.high", ratio.ci->high, absl::StrFormat("%.3f", ratio.ci->high)));
        point["low"] = ratio.ci->low;
        point["high"] = ratio.ci->high;
      } else {
        line.cells.insert(line.cells.end(), {TextCell("-"), TextCell("-")});
      }
      labels.push_back(RowName(row));
      ratios.push_back(std::move(point));
      one.push_back({{"x", RowName(row)}, {"y", 1.0}});
    } else {
      line.cells.insert(line.cells.end(), {TextCell("-"), TextCell("-"), TextCell("-")});
    }
    line.cells.push_back(row.comparison.has_value()
                             ? NumberCell("p_value", row.comparison->u_test.p_value, PValue(row))
                             : TextCell("-"));
    const bool disagrees = row.comparison.has_value() && !row.comparison->interval_agrees;
    line.cells.push_back(TextCell(RowVerdict(row) + (disagrees ? " *" : ""), css));
    table.rows.push_back(std::move(line));
  }
  HtmlJson charts = HtmlJson::array();
  if (!ratios.empty()) {
    charts.push_back(HtmlJson{
        {"id", "compare-chart"},
        {"title", "B/A per row (ratio of medians, 95% CI); below 1: B is faster"},
        {"x", {{"title", "row"}, {"type", "category"}, {"labels", labels}}},
        {"y", {{"title", "B/A"}, {"type", "linear"}}},
        {"datasets",
         HtmlJson::array(
             {HtmlJson{{"label", "B/A"}, {"kind", "ratio"}, {"color", 0}, {"points", ratios}},
              HtmlJson{
                  {"label", "no change"}, {"kind", "ideal"}, {"color", -1}, {"points", one}}})}});
    WriteChartBox("compare-chart", out);
  }
  WriteHtmlTable(table, out);
  for (const std::string& note : text.notes) out << "<p>" << Html(note) << "</p>\n";
  WritePageEnd(charts, out);
}

}  // namespace

absl::Status ReportComparison(const RunComparison& comparison, absl::string_view format,
                              std::ostream& out) {
  if (format == "table") {
    PrintTable(comparison, out);
  } else if (format == "markdown") {
    PrintMarkdown(comparison, out);
  } else if (format == "json") {
    PrintJson(comparison, out);
  } else if (format == "html") {
    PrintHtml(comparison, out);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format: compare prints table, markdown, json or html, got \"", format, "\""));
  }
  out.flush();
  return absl::OkStatus();
}

}  // namespace parlab::report
