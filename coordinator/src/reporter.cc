#include "parlab/coordinator/reporter.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace parlab::coordinator {

absl::StatusOr<std::unique_ptr<Reporter>> MakeReporter(absl::string_view format,
                                                       std::ostream& out) {
  if (format == "table") return std::make_unique<TableReporter>(out);
  if (format == "markdown") return std::make_unique<MarkdownReporter>(out);
  if (format == "csv") return std::make_unique<CsvReporter>(out);
  if (format == "json") return std::make_unique<JsonReporter>(out);
  if (format == "gbench-json") return std::make_unique<GbenchJsonReporter>(out);
  return absl::InvalidArgumentError(absl::StrCat(
      "--format: must be table, markdown, csv, json or gbench-json, got \"", format, "\""));
}

std::string FormatNanos(double ns) {
  if (ns < 1e3) return absl::StrFormat("%.0f ns", ns);
  if (ns < 1e6) return absl::StrFormat("%.1f us", ns / 1e3);
  if (ns < 1e9) return absl::StrFormat("%.2f ms", ns / 1e6);
  return absl::StrFormat("%.3f s", ns / 1e9);
}

std::string StatusName(v1::JobStatus status) {
  switch (status) {
    case v1::JOB_STATUS_OK:
      return "OK";
    case v1::JOB_STATUS_FAILED:
      return "FAILED";
    case v1::JOB_STATUS_CANCELLED:
      return "CANCELLED";
    default:
      return "UNSPECIFIED";
  }
}

}  // namespace parlab::coordinator
