// HtmlReporter: one self-contained page (docs/report.md). Per machine: wall time by model x
// concurrency (median with its bootstrap CI as error bars, every repetition a point, outliers
// marked), speedup and efficiency against concurrency with the ideal line and the Amdahl fit,
// and a table of every number; METG curves of a sweep; with several machines, each against the
// first (ratio of medians, its interval, Mann-Whitney verdict); the machines' info, every
// warning, and the plan. The numbers come from results/; this file only lays them out.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "html_page.h"
#include "json_document.h"
#include "metg_json.h"
#include "parlab/report/metg_section.h"
#include "parlab/report/reporter.h"
#include "parlab/results/cluster_rows.h"
#include "parlab/results/metg.h"
#include "report_format.h"

namespace parlab::report {
namespace {

using Json = HtmlJson;

// A time unit for one chart's axis: the largest median decides.
struct Unit {
  const char* name;
  double ns;
};
Unit UnitFor(double max_ns) {
  if (max_ns < 1e3) return {"ns", 1};
  if (max_ns < 1e6) return {"us", 1e3};
  if (max_ns < 1e9) return {"ms", 1e6};
  return {"s", 1e9};
}

std::vector<double> MeasuredWalls(const ResultRow& row) {
  std::vector<double> walls;
  for (const v1::Sample& s : row.samples) {
    if (!s.warmup()) walls.push_back(static_cast<double>(s.wall_ns()));
  }
  return walls;
}

// The series a row belongs to on a machine's charts: its model, and its sweep value if any.
std::string SeriesLabel(const ResultRow& row, const std::string& sweep_title) {
  if (row.sweep_value.empty()) return row.model;
  return absl::StrCat(row.model, " ", sweep_title, "=", row.sweep_value);
}

// Concurrency axes: logarithmic once the levels span a factor of 8 (1, 2, 4, 8, ...).
Json ConcurrencyAxis(const std::vector<const ResultRow*>& rows) {
  int low = 0, high = 0;
  for (const ResultRow* row : rows) {
    low = low == 0 ? row->concurrency : std::min(low, row->concurrency);
    high = std::max(high, row->concurrency);
  }
  bool log = low > 0 && high >= 8 * low;
  return Json{
      {"title", "concurrency"}, {"type", log ? "logarithmic" : "linear"}, {"integer", true}};
}

Json Dataset(const std::string& label, const char* kind, int color, Json points) {
  return Json{{"label", label}, {"kind", kind}, {"color", color}, {"points", std::move(points)}};
}

struct Series {
  std::string label;
  int color = 0;
  std::vector<const ResultRow*> rows;  // with aggregates, in row order
};

// The machine's rows with aggregates, by series, series in first-seen order.
std::vector<Series> SeriesOf(const std::vector<std::pair<int, const ResultRow*>>& rows,
                             const std::string& sweep_title) {
  std::vector<Series> series;
  for (const auto& [index, row] : rows) {
    if (!row->aggregates.has_value()) continue;
    std::string label = SeriesLabel(*row, sweep_title);
    auto it = std::find_if(series.begin(), series.end(),
                           [&](const Series& s) { return s.label == label; });
    if (it == series.end()) {
      series.push_back({.label = label, .color = static_cast<int>(series.size())});
      it = series.end() - 1;
    }
    it->rows.push_back(row);
  }
  return series;
}

Json WallChart(const std::string& id, const std::string& machine,
               const std::vector<Series>& series) {
  double max_ns = 0;
  std::vector<const ResultRow*> all;
  for (const Series& s : series) {
    for (const ResultRow* row : s.rows) {
      max_ns = std::max(max_ns, static_cast<double>(row->aggregates->max_wall_ns));
      all.push_back(row);
    }
  }
  const Unit unit = UnitFor(max_ns);
  Json datasets = Json::array();
  for (const Series& s : series) {
    Json medians = Json::array();
    Json reps = Json::array();
    for (const ResultRow* row : s.rows) {
      const Aggregates& a = *row->aggregates;
      Json point{{"x", row->concurrency}, {"y", a.median_wall_ns / unit.ns}};
      if (a.median_ci.has_value()) {
        point["low"] = a.median_ci->low / unit.ns;
        point["high"] = a.median_ci->high / unit.ns;
      }
      medians.push_back(std::move(point));
      std::set<int32_t> outliers(a.outliers.begin(), a.outliers.end());
      for (const v1::Sample& sample : row->samples) {
        if (sample.warmup()) continue;
        reps.push_back({{"x", row->concurrency},
                        {"y", static_cast<double>(sample.wall_ns()) / unit.ns},
                        {"outlier", outliers.count(sample.index()) > 0}});
      }
    }
    datasets.push_back(Dataset(absl::StrCat(s.label, " median"), "median", s.color, medians));
    datasets.push_back(Dataset(absl::StrCat(s.label, " repetitions"), "reps", s.color, reps));
  }
  return Json{{"id", id},
              {"title", absl::StrCat("Wall time on ", machine,
                                     " (median, 95% CI; every repetition, outliers crossed)")},
              {"x", ConcurrencyAxis(all)},
              {"y", {{"title", absl::StrCat("wall time (", unit.name, ")")}, {"type", "linear"}}},
              {"datasets", datasets}};
}

int32_t Units(const ResultRow& row) {
  int32_t units = row.concurrency;
  if (row.logical_cores > 0) units = std::min(units, row.logical_cores);
  return std::max(units, 1);
}

// Speedup (efficiency: false) or efficiency (true) against concurrency, with the ideal line
// (p = min(concurrency, cores), or 1) and per series the fitted Amdahl curve.
Json ScalingChart(const std::string& id, const std::string& machine,
                  const std::vector<Series>& series, bool efficiency) {
  Json datasets = Json::array();
  std::map<int32_t, int32_t> levels;  // concurrency -> units
  std::vector<const ResultRow*> all;
  for (const Series& s : series) {
    Json points = Json::array();
    Json fit = Json::array();
    for (const ResultRow* row : s.rows) {
      const Aggregates& a = *row->aggregates;
      if (!a.speedup.has_value()) continue;
      all.push_back(row);
      levels[row->concurrency] = Units(*row);
      const double scale = efficiency ? 1.0 / Units(*row) : 1.0;
      Json point{{"x", row->concurrency}, {"y", efficiency ? *a.efficiency : *a.speedup}};
      if (a.speedup_ci.has_value()) {
        point["low"] = a.speedup_ci->low * scale;
        point["high"] = a.speedup_ci->high * scale;
      }
      points.push_back(std::move(point));
      if (a.amdahl.has_value()) {
        fit.push_back(
            {{"x", row->concurrency},
             {"y", stats::AmdahlSpeedup(a.amdahl->serial_fraction, Units(*row)) * scale}});
      }
    }
    if (points.empty()) continue;
    datasets.push_back(Dataset(s.label, "median", s.color, points));
    if (!fit.empty()) {
      const ResultRow& first = *s.rows.front();
      double f =
          first.aggregates->amdahl.has_value() ? first.aggregates->amdahl->serial_fraction : 0;
      datasets.push_back(
          Dataset(absl::StrFormat("%s Amdahl fit (serial %.3g)", s.label, f), "fit", s.color, fit));
    }
  }
  if (levels.empty()) return nullptr;
  Json ideal = Json::array();
  for (const auto& [concurrency, units] : levels) {
    ideal.push_back({{"x", concurrency}, {"y", efficiency ? 1.0 : units}});
  }
  datasets.push_back(Dataset("ideal", "ideal", -1, ideal));
  return Json{{"id", id},
              {"title", absl::StrCat(efficiency ? "Efficiency" : "Speedup", " on ", machine,
                                     efficiency ? " (speedup / min(concurrency, cores))"
                                                : " (against sequential; 95% CI)")},
              {"x", ConcurrencyAxis(all)},
              {"y", {{"title", efficiency ? "efficiency" : "speedup"}, {"type", "linear"}}},
              {"datasets", datasets}};
}

std::string Percent(double value) { return absl::StrFormat("%.1f%%", value * 100); }

HtmlTable RowsTable(const std::string& id,
                    const std::vector<std::pair<int, const ResultRow*>>& rows,
                    const std::string& sweep_title, bool swept, bool sharded) {
  HtmlTable table{.id = id, .caption = "Every row: the numbers behind the charts"};
  table.titles = {"model", "conc"};
  if (swept) table.titles.push_back(sweep_title);
  if (sharded) table.titles.push_back("shard");
  for (const char* title :
       {"status", "reps", "median", "95% CI low", "95% CI high", "min", "max", "CV", "outliers",
        "speedup", "speedup CI low", "speedup CI high", "efficiency", "Karp-Flatt"}) {
    table.titles.push_back(title);
  }
  for (const auto& [index, row] : rows) {
    HtmlRow line{.result = index};
    line.cells.push_back(TextCell(row->model));
    line.cells.push_back(
        NumberCell("concurrency", row->concurrency, absl::StrCat(row->concurrency)));
    if (swept) line.cells.push_back(TextCell(row->sweep_value.empty() ? "-" : row->sweep_value));
    if (sharded) {
      line.cells.push_back(TextCell(row->shard_count > 0
                                        ? absl::StrCat(row->shard_index + 1, "/", row->shard_count,
                                                       row->rerun ? " (re-run)" : "")
                                        : "-"));
    }
    const bool ok = row->status == v1::JOB_STATUS_OK;
    line.cells.push_back(TextCell(JobStatusName(row->status), ok ? "" : "bad"));
    if (!row->aggregates.has_value()) {
      line.cells.push_back(TextCell(row->error.empty() ? "-" : row->error, "bad"));
      table.rows.push_back(std::move(line));
      continue;
    }
    const Aggregates& a = *row->aggregates;
    line.cells.push_back(
        NumberCell("measured_samples", a.measured_samples, absl::StrCat(a.measured_samples)));
    line.cells.push_back(
        NumberCell("median_wall_ns", a.median_wall_ns, FormatNanos(a.median_wall_ns)));
    if (a.median_ci.has_value()) {
      line.cells.push_back(
          NumberCell("median_ci_wall_ns.low", a.median_ci->low, FormatNanos(a.median_ci->low)));
      line.cells.push_back(
          NumberCell("median_ci_wall_ns.high", a.median_ci->high, FormatNanos(a.median_ci->high)));
    } else {
      line.cells.insert(line.cells.end(), {TextCell("-"), TextCell("-")});
    }
    line.cells.push_back(NumberCell("min_wall_ns", static_cast<double>(a.min_wall_ns),
                                    FormatNanos(static_cast<double>(a.min_wall_ns))));
    line.cells.push_back(NumberCell("max_wall_ns", static_cast<double>(a.max_wall_ns),
                                    FormatNanos(static_cast<double>(a.max_wall_ns))));
    line.cells.push_back(NumberCell("cv", a.cv, Percent(a.cv)));
    line.cells.push_back(TextCell(a.outliers.empty() ? "-" : absl::StrCat(a.outliers.size()),
                                  a.outliers.empty() ? "" : "warn"));
    if (a.speedup.has_value()) {
      line.cells.push_back(NumberCell("speedup", *a.speedup, absl::StrFormat("%.3fx", *a.speedup)));
    } else {
      line.cells.push_back(TextCell("-"));
    }
    if (a.speedup_ci.has_value()) {
      line.cells.push_back(NumberCell("speedup_ci.low", a.speedup_ci->low,
                                      absl::StrFormat("%.3fx", a.speedup_ci->low)));
      line.cells.push_back(NumberCell("speedup_ci.high", a.speedup_ci->high,
                                      absl::StrFormat("%.3fx", a.speedup_ci->high)));
    } else {
      line.cells.insert(line.cells.end(), {TextCell("-"), TextCell("-")});
    }
    line.cells.push_back(a.efficiency.has_value()
                             ? NumberCell("efficiency", *a.efficiency, Percent(*a.efficiency))
                             : TextCell("-"));
    line.cells.push_back(
        a.karp_flatt.has_value()
            ? NumberCell("karp_flatt", *a.karp_flatt, absl::StrFormat("%.4f", *a.karp_flatt))
            : TextCell("-"));
    table.rows.push_back(std::move(line));
  }
  return table;
}

HtmlTable RepetitionsTable(const std::string& id,
                           const std::vector<std::pair<int, const ResultRow*>>& rows,
                           const std::string& sweep_title) {
  HtmlTable table{.id = id, .caption = "Every measured repetition (the points of the chart)"};
  table.titles = {"series", "conc", "repetition", "wall", "outlier"};
  for (const auto& [index, row] : rows) {
    if (!row->aggregates.has_value()) continue;
    std::set<int32_t> outliers(row->aggregates->outliers.begin(), row->aggregates->outliers.end());
    for (const v1::Sample& s : row->samples) {
      if (s.warmup()) continue;
      const bool outlier = outliers.count(s.index()) > 0;
      table.rows.push_back(
          {.result = index,
           .cells = {TextCell(SeriesLabel(*row, sweep_title)),
                     TextCell(absl::StrCat(row->concurrency)), TextCell(absl::StrCat(s.index())),
                     NumberCell("samples.wall_ns", static_cast<double>(s.wall_ns()),
                                FormatNanos(static_cast<double>(s.wall_ns()))),
                     TextCell(outlier ? "outlier" : "", outlier ? "warn" : "")}});
    }
  }
  return table;
}

HtmlTable AmdahlTable(const std::string& id, const std::vector<Series>& series) {
  HtmlTable table{.id = id, .caption = "Amdahl fits (least squares in speedup)"};
  table.titles = {"series", "serial fraction", "RMS residual", "levels"};
  for (const Series& s : series) {
    for (const ResultRow* row : s.rows) {
      if (!row->aggregates->amdahl.has_value()) continue;
      const stats::AmdahlFit& fit = *row->aggregates->amdahl;
      table.rows.push_back({.cells = {TextCell(s.label),
                                      NumberCell("amdahl.serial_fraction", fit.serial_fraction,
                                                 absl::StrFormat("%.4f", fit.serial_fraction)),
                                      NumberCell("amdahl.rms_residual", fit.rms_residual,
                                                 absl::StrFormat("%.4f", fit.rms_residual)),
                                      TextCell(absl::StrCat(fit.points))}});
      break;
    }
  }
  return table;
}

// Every warning, folded away under a count when there are more than a few.
void WriteWarnings(const std::vector<std::string>& warnings, std::ostream& out) {
  if (warnings.empty()) return;
  out << "<details class=\"warnings\"" << (warnings.size() <= 3 ? " open" : "") << "><summary>"
      << Html(Count(static_cast<int>(warnings.size()), "warning")) << "</summary><ul>";
  for (const std::string& w : warnings) out << "<li>" << Html(w) << "</li>";
  out << "</ul></details>\n";
}

struct Machine {
  std::string worker;
  std::string label;
  const v1::WorkerDescription* description = nullptr;  // null for the cluster rows
  std::vector<std::pair<int, const ResultRow*>> rows;  // index in rows_, row
};

// Rows of one machine against those of another, matched by model, concurrency, sweep value.
HtmlTable MachinesTable(const Machine& a, const Machine& b, int number) {
  HtmlTable table{.id = absl::StrCat("machines-", number),
                  .caption = absl::StrCat(b.label, " against ", a.label,
                                          ": ratio of medians B/A (below 1: B is faster)")};
  table.titles = {"model", "conc",       "sweep",       "A median",   "B median",
                  "B/A",   "95% CI low", "95% CI high", "p (U test)", "verdict"};
  for (const auto& [index, row_b] : b.rows) {
    auto match = std::find_if(a.rows.begin(), a.rows.end(), [&](const auto& entry) {
      return entry.second->model == row_b->model &&
             entry.second->concurrency == row_b->concurrency &&
             entry.second->sweep_value == row_b->sweep_value;
    });
    if (match == a.rows.end() || !row_b->aggregates.has_value() ||
        !match->second->aggregates.has_value()) {
      continue;
    }
    const ResultRow& row_a = *match->second;
    stats::Comparison cmp = stats::CompareSamples(MeasuredWalls(row_a), MeasuredWalls(*row_b));
    std::string verdict = stats::VerdictName(cmp.verdict);
    std::string css = cmp.verdict == stats::Verdict::kSlower   ? "slower"
                      : cmp.verdict == stats::Verdict::kFaster ? "faster"
                                                               : "";
    HtmlRow line{.result = index,
                 .cells = {TextCell(row_b->model), TextCell(absl::StrCat(row_b->concurrency)),
                           TextCell(row_b->sweep_value.empty() ? "-" : row_b->sweep_value),
                           TextCell(FormatNanos(row_a.aggregates->median_wall_ns)),
                           TextCell(FormatNanos(row_b->aggregates->median_wall_ns))}};
    if (cmp.ratio.has_value()) {
      line.cells.push_back(
          NumberCell("ratio", cmp.ratio->value, absl::StrFormat("%.3f", cmp.ratio->value), css));
      if (cmp.ratio->ci.has_value()) {
        line.cells.push_back(NumberCell("ratio_ci.low", cmp.ratio->ci->low,
                                        absl::StrFormat("%.3f", cmp.ratio->ci->low)));
        line.cells.push_back(NumberCell("ratio_ci.high", cmp.ratio->ci->high,
                                        absl::StrFormat("%.3f", cmp.ratio->ci->high)));
      } else {
        line.cells.insert(line.cells.end(), {TextCell("-"), TextCell("-")});
      }
    } else {
      line.cells.insert(line.cells.end(), {TextCell("-"), TextCell("-"), TextCell("-")});
    }
    line.cells.push_back(
        NumberCell("p_value", cmp.u_test.p_value, absl::StrFormat("%.3g", cmp.u_test.p_value)));
    line.cells.push_back(TextCell(verdict, css));
    table.rows.push_back(std::move(line));
  }
  return table;
}

}  // namespace

void HtmlReporter::Finalize() {
  const v1::Plan& plan = context_.plan;
  const std::string sweep_title = SweepTitle(plan);
  const bool swept = AnyRowSwept(rows_);
  const std::map<std::string, std::string> labels = MachineLabels(context_.machines);

  std::vector<Machine> machines;
  for (int i = 0; i < static_cast<int>(rows_.size()); ++i) {
    const ResultRow& row = rows_[i];
    auto it = std::find_if(machines.begin(), machines.end(),
                           [&](const Machine& m) { return m.worker == row.worker; });
    if (it == machines.end()) {
      Machine machine{.worker = row.worker, .label = RowMachine(labels, row)};
      for (const v1::WorkerDescription& d : context_.machines) {
        if (d.address() == row.worker) machine.description = &d;
      }
      machines.push_back(std::move(machine));
      it = machines.end() - 1;
    }
    it->rows.emplace_back(i, &row);
  }

  std::string title = absl::StrCat("parlab: plan ", plan.name());
  if (!context_.run_id.empty()) absl::StrAppend(&title, " (", context_.run_id, ")");
  WritePageStart(title, out_);
  int ok = 0;
  for (const ResultRow& row : rows_) ok += row.status == v1::JOB_STATUS_OK ? 1 : 0;
  out_ << "<p class=\"summary\">" << Html(PlanSummary(plan)) << ". "
       << Html(absl::StrCat(ok, " of ", Count(static_cast<int>(rows_.size()), "job"), " OK on ",
                            Count(static_cast<int>(machines.size()), "machine"), "."))
       << "</p>\n";
  if (!plan.description().empty()) out_ << "<p>" << Html(plan.description()) << "</p>\n";

  Json charts = Json::array();
  out_ << "<div class=\"machines\">\n";
  for (size_t m = 0; m < machines.size(); ++m) {
    const Machine& machine = machines[m];
    const std::string prefix = absl::StrCat("m", m);
    out_ << "<section class=\"machine\" id=\"" << prefix << "\"><h2>" << Html(machine.label)
         << "</h2>\n";
    std::vector<std::string> machine_warnings;
    if (machine.description != nullptr) {
      out_ << "<p class=\"info\">" << Html(MachineSummary(machine.description->machine()))
           << " <span class=\"dim\">(" << Html(machine.description->address()) << ")</span></p>\n";
      for (const std::string& w : machine.description->machine().warnings()) {
        machine_warnings.push_back(w);
      }
    } else if (machine.worker == results::kClusterWorker) {
      out_ << "<p class=\"info\">Cluster rows: each repetition's wall time is the slowest "
              "shard's; the shard rows are listed under their workers.</p>\n";
    }
    for (const auto& [index, row] : machine.rows) {
      if (!row->aggregates.has_value()) continue;
      for (const stats::Warning& w : row->aggregates->warnings) {
        machine_warnings.push_back(absl::StrCat(SeriesLabel(*row, sweep_title), " at ",
                                                row->concurrency, ": ", w.message));
      }
    }
    WriteWarnings(machine_warnings, out_);
    const std::vector<Series> series = SeriesOf(machine.rows, sweep_title);
    const bool sharded = std::any_of(machine.rows.begin(), machine.rows.end(),
                                     [](const auto& e) { return e.second->shard_count > 0; });
    if (!series.empty()) {
      charts.push_back(WallChart(prefix + "-wall", machine.label, series));
      WriteChartBox(prefix + "-wall", out_);
      for (bool efficiency : {false, true}) {
        const std::string id = prefix + (efficiency ? "-efficiency" : "-speedup");
        Json chart = ScalingChart(id, machine.label, series, efficiency);
        if (chart.is_null()) continue;
        charts.push_back(std::move(chart));
        WriteChartBox(id, out_);
      }
    }
    WriteHtmlTable(RowsTable(prefix + "-rows", machine.rows, sweep_title, swept, sharded), out_);
    HtmlTable amdahl = AmdahlTable(prefix + "-amdahl", series);
    if (!amdahl.rows.empty()) WriteHtmlTable(amdahl, out_);
    out_ << "<details><summary>Every repetition</summary>\n";
    WriteHtmlTable(RepetitionsTable(prefix + "-reps", machine.rows, sweep_title), out_);
    out_ << "</details>\n</section>\n";
  }
  out_ << "</div>\n";

  // Broadcast: every other (real) machine against the first.
  std::vector<const Machine*> real;
  for (const Machine& m : machines) {
    if (m.worker != results::kClusterWorker) real.push_back(&m);
  }
  if (real.size() > 1) {
    out_ << "<section><h2>Machines compared</h2>\n<p>Each machine against " << Html(real[0]->label)
         << ": the ratio of medians with its bootstrap 95% CI and the Mann-Whitney U test "
            "(alpha 0.05) on the measured repetitions.</p>\n";
    for (size_t i = 1; i < real.size(); ++i) {
      WriteHtmlTable(MachinesTable(*real[0], *real[i], static_cast<int>(i)), out_);
    }
    out_ << "</section>\n";
  }

  // METG: efficiency against granularity, one curve per machine x model x concurrency.
  if (swept) {
    std::vector<results::MetgCurve> curves = results::ComputeMetg(rows_);
    out_ << "<section><h2>METG (minimum effective task granularity)</h2>\n";
    if (!curves.empty()) {
      Json datasets = Json::array();
      HtmlTable table{.id = "metg", .caption = "METG(50%) per curve, then every point"};
      table.titles = {"machine",   "model",       "conc",      "METG(50%)",
                      sweep_title, "granularity", "efficiency"};
      for (size_t c = 0; c < curves.size(); ++c) {
        const results::MetgCurve& curve = curves[c];
        std::string label = absl::StrCat(
            curve.model, " x", curve.concurrency,
            machines.size() > 1
                ? absl::StrCat(" on ", labels.count(curve.worker) > 0 ? labels.at(curve.worker)
                                                                      : curve.machine)
                : "");
        Json points = Json::array();
        for (const results::MetgPoint& p : curve.points) {
          points.push_back({{"x", p.granularity_ns / 1e3}, {"y", p.efficiency}});
        }
        datasets.push_back(Dataset(label, "median", static_cast<int>(c), points));
        std::string metg = curve.metg_ns.has_value() ? FormatNanos(*curve.metg_ns)
                                                     : MetgNoteText(curve.note, curve.points);
        table.rows.push_back(
            {.cells = {TextCell(curve.machine), TextCell(curve.model),
                       TextCell(absl::StrCat(curve.concurrency)),
                       curve.metg_ns.has_value() ? NumberCell("metg_ns", *curve.metg_ns, metg)
                                                 : TextCell(metg),
                       TextCell(""), TextCell(""), TextCell("")}});
        for (const results::MetgPoint& p : curve.points) {
          table.rows.push_back(
              {.cells = {
                   TextCell(""), TextCell(""), TextCell(""), TextCell(""), TextCell(p.sweep_value),
                   NumberCell("granularity_ns", p.granularity_ns, FormatNanos(p.granularity_ns)),
                   NumberCell("efficiency", p.efficiency, Percent(p.efficiency))}});
        }
      }
      Json threshold = Json::array();
      double low = 0, high = 0;
      for (const results::MetgCurve& curve : curves) {
        for (const results::MetgPoint& p : curve.points) {
          double x = p.granularity_ns / 1e3;
          low = low == 0 ? x : std::min(low, x);
          high = std::max(high, x);
        }
      }
      if (high > 0) {
        threshold.push_back({{"x", low}, {"y", results::kMetgEfficiency}});
        threshold.push_back({{"x", high}, {"y", results::kMetgEfficiency}});
        datasets.push_back(Dataset("50% efficiency", "ideal", -1, threshold));
      }
      charts.push_back(
          Json{{"id", "metg-chart"},
               {"title",
                "Efficiency against task granularity (METG: where it "
                "crosses 50%)"},
               {"x", {{"title", "granularity (us per task)"}, {"type", "logarithmic"}}},
               {"y", {{"title", "efficiency"}, {"type", "linear"}}},
               {"datasets", datasets}});
      WriteChartBox("metg-chart", out_);
      WriteHtmlTable(table, out_);
    } else {
      out_ << "<p>No METG curve: no swept row has a sequential baseline at its point.</p>\n";
    }
    out_ << "</section>\n";
  }

  out_ << "<section><h2>Plan</h2>\n<pre class=\"plan\">"
       << HtmlKeepLines(PlanJson(plan).dump(2, ' ', false, Json::error_handler_t::replace))
       << "</pre></section>\n";
  WritePageEnd(charts, out_);
  out_.flush();
}

}  // namespace parlab::report
