// JsonReporter: one document, written by Finalize. The format is documented in
// docs/output-format.md; change both together.
#include <algorithm>
#include <map>
#include <vector>

#include "json_document.h"
#include "metg_json.h"
#include "nlohmann/json.hpp"
#include "parlab/report/reporter.h"
#include "report_format.h"

namespace parlab::report {
namespace {

using Json = nlohmann::ordered_json;

}  // namespace

Json PlanJson(const v1::Plan& plan) {
  Json params = Json::object();
  std::map<std::string, std::string> sorted(plan.workload().params().begin(),
                                            plan.workload().params().end());
  for (const auto& [key, value] : sorted) params[key] = value;
  Json json{{"name", plan.name()},
            {"description", plan.description()},
            {"workload", {{"kind", plan.workload().kind()}, {"params", params}}},
            {"models", std::vector<std::string>(plan.models().begin(), plan.models().end())},
            {"concurrency", std::vector<int>(plan.concurrency().begin(), plan.concurrency().end())},
            {"repetitions", plan.repetitions()},
            {"warmup", plan.warmup()},
            {"affinity", plan.affinity().empty() ? "none" : plan.affinity()}};
  if (!plan.sweep().param().empty()) {
    json["sweep"] = {{"param", plan.sweep().param()},
                     {"values", std::vector<std::string>(plan.sweep().values().begin(),
                                                         plan.sweep().values().end())}};
  }
  return json;
}

namespace {

Json MachineJson(const v1::WorkerDescription& worker) {
  const v1::MachineInfo& m = worker.machine();
  Json models = Json::array();
  for (const v1::ModelInfo& model : worker.models()) {
    models.push_back({{"name", model.name()},
                      {"version", model.version()},
                      {"max_concurrency", model.max_concurrency()}});
  }
  Json json{{"worker", worker.address()},
            {"identity", worker.identity()},
            {"hostname", m.hostname()},
            {"cpu_model", m.cpu_model()},
            {"logical_cores", m.logical_cores()},
            {"memory_bytes", m.memory_bytes()},
            {"kernel", m.kernel()},
            {"parlab_version", m.parlab_version()},
            {"models", models}};
  // Topology and state (hwloc, cpufreq, loadavg): added fields, so older readers still work.
  Json caches = Json::array();
  for (const v1::CacheInfo& cache : m.caches()) {
    caches.push_back({{"level", cache.level()},
                      {"type", cache.type()},
                      {"size_bytes", cache.size_bytes()},
                      {"count", cache.count()}});
  }
  json["os"] = m.os();
  json["compiler"] = m.compiler();
  json["packages"] = m.packages();
  json["cores"] = m.cores();
  json["pus"] = m.pus();
  json["numa_nodes"] = m.numa_nodes();
  json["smt"] = m.smt();
  json["caches"] = caches;
  json["governor"] = m.governor();
  json["mhz"] = m.mhz();
  json["load_avg"] = {m.load_avg_1m(), m.load_avg_5m(), m.load_avg_15m()};
  json["warnings"] = std::vector<std::string>(m.warnings().begin(), m.warnings().end());
  Json labels = Json::object();
  std::map<std::string, std::string> sorted(worker.labels().begin(), worker.labels().end());
  for (const auto& [key, value] : sorted) labels[key] = value;
  json["labels"] = labels;
  return json;
}

// Workload-defined figures (Sample.metrics) sorted by name; absent when the workload has none.
Json MetricsJson(const std::map<std::string, double>& metrics) {
  Json out = Json::object();
  for (const auto& [name, value] : metrics) out[name] = value;
  return out;
}

Json SampleJson(const v1::Sample& s) {
  Json json{{"index", s.index()},
            {"warmup", s.warmup()},
            {"wall_ns", s.wall_ns()},
            {"user_ns", s.user_ns()},
            {"system_ns", s.system_ns()},
            {"voluntary_ctx_switches", s.voluntary_ctx_switches()},
            {"involuntary_ctx_switches", s.involuntary_ctx_switches()},
            {"max_rss_kib", s.max_rss_kib()},
            {"children_max_rss_kib", s.children_max_rss_kib()},
            {"tasks", s.tasks()}};
  if (!s.metrics().empty()) {
    json["metrics"] = MetricsJson({s.metrics().begin(), s.metrics().end()});
  }
  return json;
}

Json OptionalNumber(const std::optional<double>& value) {
  return value.has_value() ? Json(*value) : Json(nullptr);
}

Json IntervalJson(const std::optional<stats::Interval>& ci) {
  return ci.has_value() ? Json{{"low", ci->low}, {"high", ci->high}} : Json(nullptr);
}

Json AmdahlJson(const std::optional<stats::AmdahlFit>& fit) {
  if (!fit.has_value()) return nullptr;
  return Json{{"serial_fraction", fit->serial_fraction},
              {"rms_residual", fit->rms_residual},
              {"levels", fit->points}};
}

Json WarningsJson(const std::vector<stats::Warning>& warnings) {
  Json list = Json::array();
  for (const stats::Warning& w : warnings) {
    list.push_back({{"code", stats::WarningCodeName(w.code)}, {"message", w.message}});
  }
  return list;
}

Json RowJson(const ResultRow& row) {
  Json samples = Json::array();
  for (const v1::Sample& sample : row.samples) samples.push_back(SampleJson(sample));
  Json aggregates = nullptr;
  if (row.aggregates.has_value()) {
    const Aggregates& a = *row.aggregates;
    aggregates = Json{{"measured_samples", a.measured_samples},
                      {"median_wall_ns", a.median_wall_ns},
                      {"min_wall_ns", a.min_wall_ns},
                      {"max_wall_ns", a.max_wall_ns},
                      {"mean_wall_ns", a.mean_wall_ns},
                      {"median_cpu_ns", a.median_cpu_ns},
                      {"speedup", OptionalNumber(a.speedup)},
                      {"efficiency", OptionalNumber(a.efficiency)},
                      {"stddev_wall_ns", a.stddev_wall_ns},
                      {"cv", a.cv},
                      {"p90_wall_ns", a.p90_wall_ns},
                      {"median_ci_wall_ns", IntervalJson(a.median_ci)},
                      {"mean_ci_wall_ns", IntervalJson(a.mean_ci)},
                      {"outliers", a.outliers},
                      {"speedup_ci", IntervalJson(a.speedup_ci)},
                      {"karp_flatt", OptionalNumber(a.karp_flatt)},
                      {"amdahl", AmdahlJson(a.amdahl)},
                      {"warnings", WarningsJson(a.warnings)}};
    if (std::map<std::string, double> medians = MedianMetrics(row.samples); !medians.empty()) {
      aggregates["median_metrics"] = MetricsJson(medians);
    }
    // Plans with target_cv: whether the CV got there (measured_samples: repetitions run).
    if (a.target_cv_met.has_value()) aggregates["target_cv_met"] = *a.target_cv_met;
  }
  Json json{{"machine", row.machine},
            {"worker", row.worker},
            {"worker_identity", row.worker_identity},
            {"model", row.model},
            {"concurrency", row.concurrency},
            {"status", JobStatusName(row.status)},
            {"error", row.error},
            {"samples", samples},
            {"aggregates", aggregates}};
  if (std::string sweep = SweepValueOf(row); !sweep.empty()) json["sweep_value"] = sweep;
  return json;
}

}  // namespace

Json RunDocument(const RunContext& context, const std::vector<ResultRow>& rows) {
  Json machines = Json::array();
  for (const v1::WorkerDescription& worker : context.machines)
    machines.push_back(MachineJson(worker));
  Json results = Json::array();
  int ok = 0;
  for (const ResultRow& row : rows) {
    results.push_back(RowJson(row));
    ok += row.status == v1::JOB_STATUS_OK ? 1 : 0;
  }
  Json document{
      {"format", "parlab.results/v1"},
      {"run_id", context.run_id},
      {"plan", PlanJson(context.plan)},
      {"machines", machines},
      {"results", results},
      {"summary", {{"jobs_ok", ok}, {"jobs_failed", static_cast<int>(rows.size()) - ok}}}};
  // METG(50%) of a granularity sweep (metg.h); absent from runs without a sweep.
  if (AnyRowSwept(rows)) document["metg"] = MetgToJson(rows);
  return document;
}

void JsonReporter::Finalize() {
  // Worker error texts may be cut mid-character: replace bad UTF-8 rather than throw.
  out_ << RunDocument(context_, rows_).dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  out_.flush();
}

}  // namespace parlab::report
