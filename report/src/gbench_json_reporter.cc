// GbenchJsonReporter: Google Benchmark's JSON, field for field as libbenchmark 1.7 writes it
// with --benchmark_repetitions=N, so google/benchmark's tools/compare.py (and anything else
// that reads that format) reads parlab runs. One measured repetition = one "iteration" entry
// with iterations 1; rows with more than one repetition get the mean/median/stddev/cv
// "aggregate" entries after them, as the library adds them. Workload metrics become user
// counters (extra numeric fields), as benchmark::State::counters do.
#include <cctype>
#include <cmath>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "parlab/report/reporter.h"
#include "report_format.h"

namespace parlab::report {
namespace {

using Json = nlohmann::ordered_json;

// Google Benchmark writes "Data", "Instruction", "Unified"; hwloc's names are lower case.
std::string CacheType(const std::string& type) {
  if (type.empty()) return type;
  std::string name = type;
  name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  return name;
}

Json ContextJson(const RunContext& context) {
  absl::Time date =
      context.started_unix_ms > 0 ? absl::FromUnixMillis(context.started_unix_ms) : absl::Now();
  v1::MachineInfo machine;
  std::vector<std::string> hosts;
  for (const v1::WorkerDescription& m : context.machines) hosts.push_back(m.machine().hostname());
  if (!context.machines.empty()) machine = context.machines.front().machine();
  Json caches = Json::array();
  for (const v1::CacheInfo& cache : machine.caches()) {
    // num_sharing: how many logical CPUs share one such cache.
    int sharing = cache.count() > 0 && machine.pus() > 0 ? machine.pus() / cache.count() : 0;
    caches.push_back({{"type", CacheType(cache.type())},
                      {"level", cache.level()},
                      {"size", cache.size_bytes()},
                      {"num_sharing", sharing}});
  }
  Json json{
      {"date", absl::FormatTime("%Y-%m-%dT%H:%M:%S+00:00", date, absl::UTCTimeZone())},
      // Several machines in one document: the first one's hardware, every hostname here.
      {"host_name", absl::StrJoin(hosts, ",")},
      {"executable", absl::StrCat("parlab run ", context.plan.name())},
      {"num_cpus", machine.logical_cores()},
      {"mhz_per_cpu", static_cast<int64_t>(std::llround(machine.mhz()))},
      // As the library decides: a cpufreq governor other than "performance" scales the clock.
      {"cpu_scaling_enabled", !machine.governor().empty() && machine.governor() != "performance"},
      {"caches", caches},
      {"load_avg", {machine.load_avg_1m(), machine.load_avg_5m(), machine.load_avg_15m()}},
#ifdef NDEBUG
      {"library_build_type", "release"},
#else
      {"library_build_type", "debug"},
#endif
  };
  // Custom context, as benchmark::AddCustomContext adds it: strings after the library's keys.
  json["parlab_run_id"] = context.run_id;
  json["parlab_plan"] = context.plan.name();
  json["parlab_workload"] =
      absl::StrCat(context.plan.workload().kind(), " {", Params(context.plan.workload()), "}");
  // Who produced the numbers, as the coordinator authenticated each worker (docs/security.md).
  std::vector<std::string> identities;
  for (const v1::WorkerDescription& m : context.machines) {
    if (!m.identity().empty()) identities.push_back(absl::StrCat(m.address(), "=", m.identity()));
  }
  json["parlab_worker_identities"] = absl::StrJoin(identities, ", ");
  return json;
}

// One unit for every entry of every run: compare.py pairs a benchmark's entries across two
// files only when their time_unit matches the first one's, and prints times as whole numbers,
// so a unit picked per row (ms here, us there) would drop rows silently or print "5" for
// 5.4 ms. Microseconds keep digits from a microsecond up to hours.
constexpr char kTimeUnit[] = "us";
constexpr double kNanosPerUnit = 1e3;

struct Series {
  std::vector<double> real;
  std::vector<double> cpu;
  std::map<std::string, std::vector<double>> counters;
};

double Stddev(const std::vector<double>& v) { return stats::SampleStddev(v); }

// mean, median, stddev, cv of one series, as benchmark's ComputeStats does.
double Statistic(const std::string& name, const std::vector<double>& v) {
  if (name == "mean") return stats::Mean(v);
  if (name == "median") return stats::Median(v);
  if (name == "stddev") return Stddev(v);
  double mean = stats::Mean(v);
  return mean != 0 ? Stddev(v) / mean : 0;
}

}  // namespace

void GbenchJsonReporter::Finalize() {
  const std::map<std::string, std::string> labels = MachineLabels(context_.machines);
  const bool several_machines = context_.machines.size() > 1;
  std::map<std::string, int> family_index;
  std::map<std::string, int> family_instances;
  Json benchmarks = Json::array();
  for (const ResultRow& row : rows_) {
    std::string family = absl::StrCat(context_.plan.workload().kind(), "/", row.model);
    if (std::string sweep = SweepValueOf(row); !sweep.empty()) {
      absl::StrAppend(&family, "/", SweepTitle(context_.plan), ":", sweep);
    }
    if (several_machines) absl::StrAppend(&family, "/machine:", RowMachine(labels, row));
    const std::string name = absl::StrCat(family, "/threads:", row.concurrency);
    auto [at, added] = family_index.emplace(family, static_cast<int>(family_index.size()));
    const int instance = family_instances[family]++;
    Json common{{"name", name},
                {"family_index", at->second},
                {"per_family_instance_index", instance},
                {"run_name", name}};

    if (!row.aggregates.has_value()) {
      // A failed job: one errored repetition, as SkipWithError reports it.
      Json entry = common;
      entry["run_type"] = "iteration";
      entry["repetitions"] = 1;
      entry["repetition_index"] = 0;
      entry["threads"] = row.concurrency;
      entry["error_occurred"] = true;
      entry["error_message"] = row.error.empty() ? JobStatusName(row.status) : row.error;
      entry["iterations"] = 0;
      entry["real_time"] = 0.0;
      entry["cpu_time"] = 0.0;
      entry["time_unit"] = kTimeUnit;
      benchmarks.push_back(entry);
      continue;
    }
    const Aggregates& a = *row.aggregates;
    Series series;
    for (const v1::Sample& s : row.samples) {
      if (s.warmup()) continue;
      series.real.push_back(static_cast<double>(s.wall_ns()) / kNanosPerUnit);
      series.cpu.push_back(static_cast<double>(s.user_ns() + s.system_ns()) / kNanosPerUnit);
      Json entry = common;
      entry["run_type"] = "iteration";
      entry["repetitions"] = a.measured_samples;
      entry["repetition_index"] = static_cast<int>(series.real.size()) - 1;
      entry["threads"] = row.concurrency;
      entry["iterations"] = 1;
      entry["real_time"] = series.real.back();
      entry["cpu_time"] = series.cpu.back();
      entry["time_unit"] = kTimeUnit;
      std::map<std::string, double> metrics(s.metrics().begin(), s.metrics().end());
      for (const auto& [metric, value] : metrics) {
        if (entry.contains(metric)) continue;  // a counter never hides a library field
        entry[metric] = value;
        series.counters[metric].push_back(value);
      }
      benchmarks.push_back(entry);
    }
    // The library adds aggregates only for more than one repetition.
    if (series.real.size() < 2) continue;
    for (const std::string aggregate : {"mean", "median", "stddev", "cv"}) {
      Json entry = common;
      entry["name"] = absl::StrCat(name, "_", aggregate);
      entry["run_type"] = "aggregate";
      entry["repetitions"] = a.measured_samples;
      entry["threads"] = row.concurrency;
      entry["aggregate_name"] = aggregate;
      entry["aggregate_unit"] = aggregate == "cv" ? "percentage" : "time";
      entry["iterations"] = a.measured_samples;
      entry["real_time"] = Statistic(aggregate, series.real);
      entry["cpu_time"] = Statistic(aggregate, series.cpu);
      entry["time_unit"] = kTimeUnit;
      for (const auto& [metric, values] : series.counters) {
        // A counter some repetitions lack has no statistic over the repetitions.
        if (values.size() == series.real.size()) entry[metric] = Statistic(aggregate, values);
      }
      benchmarks.push_back(entry);
    }
  }
  Json document{{"context", ContextJson(context_)}, {"benchmarks", benchmarks}};
  out_ << document.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  out_.flush();
}

}  // namespace parlab::report
