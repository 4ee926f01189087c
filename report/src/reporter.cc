#include "parlab/report/reporter.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace parlab::report {

absl::StatusOr<std::unique_ptr<Reporter>> MakeReporter(absl::string_view format,
                                                       std::ostream& out) {
  if (format == "table") return std::make_unique<TableReporter>(out);
  if (format == "markdown") return std::make_unique<MarkdownReporter>(out);
  if (format == "csv") return std::make_unique<CsvReporter>(out);
  if (format == "json") return std::make_unique<JsonReporter>(out);
  if (format == "gbench-json") return std::make_unique<GbenchJsonReporter>(out);
  if (format == "html") return std::make_unique<HtmlReporter>(out);
  return absl::InvalidArgumentError(
      absl::StrCat("--format: must be ", kReportFormatList, ", got \"", format, "\""));
}

std::string FormatNanos(double ns) {
  if (ns < 1e3) return absl::StrFormat("%.0f ns", ns);
  if (ns < 1e6) return absl::StrFormat("%.1f us", ns / 1e3);
  if (ns < 1e9) return absl::StrFormat("%.2f ms", ns / 1e6);
  return absl::StrFormat("%.3f s", ns / 1e9);
}

}  // namespace parlab::report
