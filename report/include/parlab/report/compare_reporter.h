// `parlab compare`'s output (results/compare.h computes the comparison): a text table, a
// Markdown section, JSON (docs/output-format.md) or an HTML page (docs/report.md).
//
//   PARLAB_RETURN_IF_ERROR(ReportComparison(CompareRuns(a, b), "markdown", std::cout));
#ifndef PARLAB_REPORT_COMPARE_REPORTER_H_
#define PARLAB_REPORT_COMPARE_REPORTER_H_

#include <ostream>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "parlab/results/compare.h"

namespace parlab::report {

// format: "table", "markdown", "json" (layout in docs/output-format.md) or "html";
// InvalidArgument names anything else.
[[nodiscard]] absl::Status ReportComparison(const results::RunComparison& comparison,
                                            absl::string_view format, std::ostream& out);

}  // namespace parlab::report

#endif  // PARLAB_REPORT_COMPARE_REPORTER_H_
