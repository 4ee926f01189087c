// ReportComparison: the comparison as an aligned table, a Markdown table, or one JSON document
// ("parlab.compare/v1", docs/output-format.md). The ratio is median(B) / median(A): below 1
// means B is faster, as in google/benchmark's compare.py.
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"
#include "parlab/coordinator/compare.h"
#include "parlab/coordinator/reporter.h"
#include "report_format.h"

namespace parlab::coordinator {
namespace {

using Json = nlohmann::ordered_json;

size_t DisplayWidth(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80 ? 1 : 0;
  return width;
}

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
  std::vector<std::string> titles;
  std::vector<bool> right;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;  // summary and warnings, one sentence each
};

Text Build(const RunComparison& c) {
  Text text;
  text.titles = {"model", "conc"};
  text.right = {false, true};
  const bool swept = std::any_of(c.rows.begin(), c.rows.end(),
                                 [](const ComparedRow& r) { return !r.sweep_value.empty(); });
  if (swept) {
    text.titles.push_back(c.sweep_param.empty() ? "sweep" : c.sweep_param);
    text.right.push_back(true);
  }
  for (const char* title : {"A median", "A 95% CI", "B median", "B 95% CI", "B/A [95% CI]", "p"}) {
    text.titles.push_back(title);
    text.right.push_back(true);
  }
  text.titles.push_back("verdict");
  text.right.push_back(false);

  int faster = 0, slower = 0, same = 0;
  std::set<std::string> too_few;
  for (const ComparedRow& row : c.rows) {
    std::vector<std::string> line = {row.model, absl::StrCat(row.concurrency)};
    if (swept) line.push_back(row.sweep_value.empty() ? "-" : row.sweep_value);
    line.insert(line.end(), {Median(row.a), MedianCi(row.a), Median(row.b), MedianCi(row.b),
                             Ratio(row), PValue(row), RowVerdict(row)});
    text.rows.push_back(std::move(line));
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
  std::vector<size_t> widths(text.titles.size());
  auto widen = [&](const std::vector<std::string>& line) {
    for (size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(line[i]));
  };
  widen(text.titles);
  for (const auto& row : text.rows) widen(row);
  auto print = [&](const std::vector<std::string>& line) {
    std::string s;
    for (size_t i = 0; i < line.size(); ++i) {
      if (i > 0) s += "  ";
      std::string pad(widths[i] - DisplayWidth(line[i]), ' ');
      s += text.right[i] ? pad + line[i] : line[i] + pad;
    }
    s.erase(s.find_last_not_of(' ') + 1);
    out << s << "\n";
  };
  print(text.titles);
  for (const auto& row : text.rows) print(row);
  out << "\n" << absl::StrJoin(text.notes, "\n") << "\n";
}

std::string Cell(const std::string& text) {
  return absl::StrReplaceAll(text, {{"|", "\\|"}, {"\n", " "}});
}

void PrintMarkdown(const RunComparison& c, std::ostream& out) {
  Text text = Build(c);
  out << "## Compare " << Cell(c.a_label) << " (A) with " << Cell(c.b_label) << " (B)\n\n"
      << "- A: " << Cell(c.a_description) << "\n- B: " << Cell(c.b_description)
      << "\n- B/A: median(B) / median(A), below 1 means B is faster\n\n";
  std::vector<size_t> widths(text.titles.size(), 3);
  auto widen = [&](const std::vector<std::string>& line) {
    for (size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(line[i]));
  };
  widen(text.titles);
  for (const auto& row : text.rows) widen(row);
  auto print = [&](const std::vector<std::string>& line) {
    out << "|";
    for (size_t i = 0; i < line.size(); ++i) {
      std::string cell = Cell(line[i]);
      std::string pad(widths[i] - DisplayWidth(cell), ' ');
      out << " " << (text.right[i] ? pad + cell : cell + pad) << " |";
    }
    out << "\n";
  };
  print(text.titles);
  out << "|";
  for (size_t i = 0; i < widths.size(); ++i) {
    out << " " << std::string(widths[i] - (text.right[i] ? 1 : 0), '-')
        << (text.right[i] ? ":" : "") << " |";
  }
  out << "\n";
  for (const auto& row : text.rows) print(row);
  out << "\n";
  for (const std::string& note : text.notes) out << Cell(note) << "\n\n";
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

}  // namespace

absl::Status ReportComparison(const RunComparison& comparison, absl::string_view format,
                              std::ostream& out) {
  if (format == "table") {
    PrintTable(comparison, out);
  } else if (format == "markdown") {
    PrintMarkdown(comparison, out);
  } else if (format == "json") {
    PrintJson(comparison, out);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--format: compare prints table, markdown or json, got \"", format, "\""));
  }
  out.flush();
  return absl::OkStatus();
}

}  // namespace parlab::coordinator
