// The one seam every output format implements (google/benchmark's BenchmarkReporter shape):
// the run's context first, then the rows, then Finalize. Measurement code never formats text;
// a new format (CSV, Markdown) is one more Reporter.
//
//   PARLAB_ASSIGN_OR_RETURN(std::unique_ptr<Reporter> reporter, MakeReporter("json", std::cout));
//   reporter->ReportContext({.plan = plan, .machines = outcome.workers});
//   reporter->ReportRows(Aggregate(plan, outcome.workers, outcome.results));
//   reporter->Finalize();
#ifndef PARLAB_REPORT_REPORTER_H_
#define PARLAB_REPORT_REPORTER_H_

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parlab/results/aggregate.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::report {

struct RunContext {
  v1::Plan plan;
  std::vector<v1::WorkerDescription> machines;
  std::string run_id;
  // When the run started (RunRecord.started_unix_ms); 0: now. gbench-json's context.date.
  int64_t started_unix_ms = 0;
};

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void ReportContext(const RunContext& context) = 0;
  // May be called more than once; rows accumulate.
  virtual void ReportRows(const std::vector<results::ResultRow>& rows) = 0;
  // Writes whatever is still buffered; the reporter is done afterwards.
  virtual void Finalize() = 0;
};

// Keeps the context and every row until Finalize: a table needs all rows for its column
// widths, a JSON document is written whole.
class BufferedReporter : public Reporter {
 public:
  void ReportContext(const RunContext& context) override { context_ = context; }
  void ReportRows(const std::vector<results::ResultRow>& rows) override {
    rows_.insert(rows_.end(), rows.begin(), rows.end());
  }

 protected:
  RunContext context_;
  std::vector<results::ResultRow> rows_;
};

// An aligned text table for people (time in ns/us/ms/s, speedup as 1.95x).
class TableReporter : public BufferedReporter {
 public:
  explicit TableReporter(std::ostream& out) : out_(out) {}
  void Finalize() override;

 private:
  std::ostream& out_;
};

// One JSON document for programs; the format is documented in docs/output-format.md.
class JsonReporter : public BufferedReporter {
 public:
  explicit JsonReporter(std::ostream& out) : out_(out) {}
  void Finalize() override;

 private:
  std::ostream& out_;
};

// GitHub-flavoured Markdown: the plan, then per machine a summary line, its warnings and one
// table (median, 95% CI, speedup ± its uncertainty, efficiency, workload metrics).
class MarkdownReporter : public BufferedReporter {
 public:
  explicit MarkdownReporter(std::ostream& out) : out_(out) {}
  void Finalize() override;

 private:
  std::ostream& out_;
};

// RFC 4180 CSV: a header row, then one row per machine x model x concurrency x sweep value with
// every aggregate as its own column (times in ns, numbers in shortest round-trip form).
class CsvReporter : public BufferedReporter {
 public:
  explicit CsvReporter(std::ostream& out) : out_(out) {}
  void Finalize() override;

 private:
  std::ostream& out_;
};

// Google Benchmark's JSON (as 1.7 writes it with --benchmark_repetitions): a `context`, then
// per row one "iteration" entry per measured repetition and the mean/median/stddev/cv
// "aggregate" entries, named "primes.sieve/thread_pool/threads:2", so google/benchmark's
// tools/compare.py reads parlab runs.
class GbenchJsonReporter : public BufferedReporter {
 public:
  explicit GbenchJsonReporter(std::ostream& out) : out_(out) {}
  void Finalize() override;

 private:
  std::ostream& out_;
};

// One self-contained HTML page (docs/report.md): per machine the wall time, speedup and
// efficiency charts (Chart.js, inlined) next to tables of every number, METG curves, machines
// against each other, warnings and the plan. It opens offline and fetches nothing.
class HtmlReporter : public BufferedReporter {
 public:
  explicit HtmlReporter(std::ostream& out) : out_(out) {}
  void Finalize() override;

 private:
  std::ostream& out_;
};

// Every name MakeReporter accepts, in the order the help lists them.
inline constexpr const char* kReportFormats[] = {"table", "markdown",    "csv",
                                                 "json",  "gbench-json", "html"};
// "table, markdown, csv, json, gbench-json or html": for messages and help.
inline constexpr char kReportFormatList[] = "table, markdown, csv, json, gbench-json or html";

// "table", "markdown", "csv", "json", "gbench-json" or "html"; InvalidArgument names anything
// else: `--format: must be table, markdown, csv, json, gbench-json or html, got "xml"`.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Reporter>> MakeReporter(absl::string_view format,
                                                                     std::ostream& out);

// Human units for a duration in nanoseconds: "850 ns", "12.3 us", "4.56 ms", "1.234 s".
std::string FormatNanos(double ns);

}  // namespace parlab::report

#endif  // PARLAB_REPORT_REPORTER_H_
