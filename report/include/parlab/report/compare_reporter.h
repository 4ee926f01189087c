// `parlab compare`'s output (results/compare.h computes the comparison): a text table, a
// Markdown section or JSON (docs/output-format.md).
//
//   PARLAB_RETURN_IF_ERROR(ReportComparison(CompareRuns(a, b), "markdown", std::cout));
#ifndef PARLAB_REPORT_COMPARE_REPORTER_H_
#define PARLAB_REPORT_COMPARE_REPORTER_H_

#include <ostream>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "parlab/results/compare.h"

namespace parlab::report {

// format: "table", "markdown" or "json" (layout in docs/output-format.md); InvalidArgument
// names anything else.
[[nodiscard]] absl::Status ReportComparison(const results::RunComparison& comparison,
                                            absl::string_view format, std::ostream& out);

}  // namespace parlab::report

#endif  // PARLAB_REPORT_COMPARE_REPORTER_H_
