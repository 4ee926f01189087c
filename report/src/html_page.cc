#include "html_page.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "parlab/report/escape.h"

namespace parlab::report {
namespace assets {
extern const char kChartJs[];
extern const char kReportJs[];
extern const char kReportCss[];
}  // namespace assets

namespace {
std::string EscapeMarkup(absl::string_view text) {
  return absl::StrReplaceAll(
      text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&#39;"}});
}
}  // namespace

std::string Html(absl::string_view text) { return EscapeMarkup(EscapeControl(text)); }

std::string HtmlKeepLines(absl::string_view text) {
  return EscapeMarkup(EscapeControlKeepLines(text));
}

std::string ScriptJson(const HtmlJson& value) {
  // "<" only occurs inside JSON strings, where \u003c means the same character.
  return absl::StrReplaceAll(value.dump(-1, ' ', false, HtmlJson::error_handler_t::replace),
                             {{"<", "\\u003c"}});
}

HtmlCell TextCell(std::string text, std::string css_class) {
  return HtmlCell{.text = std::move(text), .css_class = std::move(css_class)};
}

HtmlCell NumberCell(std::string key, double value, std::string text, std::string css_class) {
  return HtmlCell{.text = std::move(text),
                  .key = std::move(key),
                  .value = value,
                  .css_class = std::move(css_class)};
}

void WriteHtmlTable(const HtmlTable& table, std::ostream& out) {
  out << "<table id=\"" << Html(table.id) << "\">";
  if (!table.caption.empty()) out << "<caption>" << Html(table.caption) << "</caption>";
  out << "<thead><tr>";
  for (const std::string& title : table.titles) out << "<th>" << Html(title) << "</th>";
  out << "</tr></thead>\n<tbody>\n";
  for (const HtmlRow& row : table.rows) {
    out << "<tr";
    if (row.result >= 0) out << " data-result=\"" << row.result << "\"";
    out << ">";
    for (const HtmlCell& cell : row.cells) {
      out << "<td";
      if (!cell.css_class.empty()) out << " class=\"" << Html(cell.css_class) << "\"";
      if (!cell.key.empty()) out << " data-key=\"" << Html(cell.key) << "\"";
      if (cell.value.has_value()) out << absl::StrFormat(" data-value=\"%.17g\"", *cell.value);
      out << ">" << Html(cell.text) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</tbody></table>\n";
}

void WritePageStart(absl::string_view title, std::ostream& out) {
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      // Nothing may be fetched: scripts and styles are inline, images data: only.
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
      << "<title>" << Html(title) << "</title>\n<style>\n"
      << assets::kReportCss << "</style></head>\n<body>\n<h1>" << Html(title) << "</h1>\n";
}

void WriteChartBox(absl::string_view chart_id, std::ostream& out) {
  out << "<div class=\"chart\"><canvas id=\"" << Html(chart_id) << "\"></canvas></div>\n";
}

void WritePageEnd(const HtmlJson& charts, std::ostream& out) {
  out << "<pre id=\"parlab-chart-summary\" hidden></pre>\n"
      << "<script type=\"application/json\" id=\"parlab-charts\">" << ScriptJson(charts)
      << "</script>\n<script>\n"
      << assets::kChartJs << "\n</script>\n<script>\n"
      << assets::kReportJs << "</script>\n</body></html>\n";
}

}  // namespace parlab::report
