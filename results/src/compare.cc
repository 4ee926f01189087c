#include "parlab/results/compare.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/message_differencer.h"
#include "parlab/results/samples.h"

namespace parlab::results {
namespace {

std::string MachineNames(const v1::RunRecord& run) {
  std::vector<std::string> names;
  for (const v1::WorkerDescription& w : run.workers()) {
    names.push_back(absl::StrCat(w.machine().hostname(), "@", w.address()));
  }
  return absl::StrJoin(names, ", ");
}

// The side's label names the machine only when the run had several: a one-machine run is
// named by its id alone.
std::string SideLabel(const v1::RunRecord& run, const v1::WorkerDescription& machine) {
  if (run.workers_size() <= 1) return run.run_id();
  int same_host = 0;
  for (const v1::WorkerDescription& w : run.workers()) {
    same_host += w.machine().hostname() == machine.machine().hostname() ? 1 : 0;
  }
  return absl::StrCat(run.run_id(), "@",
                      same_host > 1
                          ? absl::StrCat(machine.machine().hostname(), "@", machine.address())
                          : machine.machine().hostname());
}

std::string Describe(const CompareSide& side) {
  const v1::Plan& plan = side.run.plan();
  std::string text =
      absl::StrCat(side.run.run_id(), " on ", side.machine.machine().hostname(), " (",
                   side.machine.address(), "): plan ", plan.name(), ", ", plan.workload().kind());
  if (!side.run.state().empty() && side.run.state() != "finished") {
    absl::StrAppend(&text, " [", side.run.state(), "]");
  }
  return text;
}

using RowKey = std::tuple<std::string, int32_t, std::string>;  // model, concurrency, sweep

// Every result of the side's machine, by row key. Several results with one key (a shard that
// was re-run) pool their measured samples; any non-OK one makes the row not comparable.
std::map<RowKey, SideRow> SideRows(const CompareSide& side) {
  std::map<RowKey, SideRow> rows;
  for (const v1::JobResult& result : side.run.results()) {
    if (result.worker_address() != side.machine.address()) continue;
    SideRow& row = rows[{result.model(), result.concurrency(), result.sweep_value()}];
    if (row.status.empty() || row.status == "OK") row.status = JobStatusName(result.status());
    for (const v1::Sample& sample : result.samples()) {
      if (!sample.warmup()) row.walls.push_back(static_cast<double>(sample.wall_ns()));
    }
  }
  for (auto& [key, row] : rows) {
    if (row.status != "OK" || row.walls.empty()) continue;
    row.median = stats::Median(row.walls);
    row.median_ci = stats::BootstrapMedianInterval(row.walls);
  }
  return rows;
}

// Plan order: the models as A's plan lists them (then B's), concurrency, the sweep's values.
std::vector<RowKey> OrderedKeys(const CompareSide& a, const CompareSide& b,
                                const std::map<RowKey, SideRow>& rows_a,
                                const std::map<RowKey, SideRow>& rows_b) {
  std::map<std::string, int> model_rank;
  std::map<std::string, int> sweep_rank;
  for (const v1::Plan* plan : {&a.run.plan(), &b.run.plan()}) {
    for (const std::string& model : plan->models()) {
      model_rank.emplace(model, static_cast<int>(model_rank.size()));
    }
    for (const std::string& value : plan->sweep().values()) {
      sweep_rank.emplace(value, static_cast<int>(sweep_rank.size()));
    }
  }
  auto rank = [](const std::map<std::string, int>& ranks, const std::string& key) {
    auto it = ranks.find(key);
    return it == ranks.end() ? static_cast<int>(ranks.size()) : it->second;
  };
  std::vector<RowKey> keys;
  for (const auto& [key, row] : rows_a) keys.push_back(key);
  for (const auto& [key, row] : rows_b) {
    if (!rows_a.count(key)) keys.push_back(key);
  }
  std::stable_sort(keys.begin(), keys.end(), [&](const RowKey& x, const RowKey& y) {
    return std::make_tuple(rank(model_rank, std::get<0>(x)), std::get<0>(x), std::get<1>(x),
                           rank(sweep_rank, std::get<2>(x)), std::get<2>(x)) <
           std::make_tuple(rank(model_rank, std::get<0>(y)), std::get<0>(y), std::get<1>(y),
                           rank(sweep_rank, std::get<2>(y)), std::get<2>(y));
  });
  return keys;
}

bool DiffersSignificantly(const ComparedRow& row) {
  if (!row.comparison.has_value()) return false;
  return std::any_of(
      row.comparison->warnings.begin(), row.comparison->warnings.end(),
      [](const stats::Warning& w) { return w.code == stats::WarningCode::kMediansDiffer; });
}

std::string RowName(const ComparedRow& row) {
  std::string name = absl::StrCat(row.model, " x", row.concurrency);
  if (!row.sweep_value.empty()) absl::StrAppend(&name, " ", row.sweep_value);
  return name;
}

// Same plan, same machine, two runs, yet some rows differ beyond their uncertainty.
std::optional<CompareWarning> MachineStateWarning(const CompareSide& a, const CompareSide& b,
                                                  const std::vector<ComparedRow>& rows) {
  const v1::MachineInfo& ma = a.machine.machine();
  const v1::MachineInfo& mb = b.machine.machine();
  if (a.run.run_id() == b.run.run_id() || ma.hostname() != mb.hostname() ||
      ma.cpu_model() != mb.cpu_model() || !SamePlan(a.run.plan(), b.run.plan())) {
    return std::nullopt;
  }
  std::vector<std::string> differing;
  int comparable = 0;
  for (const ComparedRow& row : rows) {
    comparable += row.comparison.has_value() ? 1 : 0;
    if (!DiffersSignificantly(row)) continue;
    differing.push_back(
        row.comparison->ratio.has_value()
            ? absl::StrFormat("%s %.2fx", RowName(row), row.comparison->ratio->value)
            : RowName(row));
  }
  if (differing.empty()) return std::nullopt;
  std::string load;
  if (ma.load_avg_1m() > 0 || mb.load_avg_1m() > 0) {
    load = absl::StrFormat(" (load average %.2f, then %.2f)", ma.load_avg_1m(), mb.load_avg_1m());
  }
  return CompareWarning{
      "machine-state-changed",
      absl::StrCat(ma.hostname(), " ran the same plan in both runs, yet ", differing.size(), " of ",
                   comparable, " rows differ beyond their uncertainty (",
                   absl::StrJoin(differing, ", "),
                   "): the machine's state changed between the runs", load,
                   " - other load, clock frequency or temperature; treat these differences as "
                   "noise, not as a change in the models")};
}

}  // namespace

RunSelector ParseRunSelector(const std::string& text) {
  size_t at = text.find('@');
  if (at == std::string::npos) return {text, ""};
  return {text.substr(0, at), text.substr(at + 1)};
}

absl::StatusOr<CompareSide> SelectSide(const v1::RunRecord& run, const std::string& host) {
  if (run.workers_size() == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("run \"", run.run_id(), "\": no machine recorded, nothing to compare"));
  }
  const v1::WorkerDescription* chosen = nullptr;
  if (host.empty()) {
    if (run.workers_size() > 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("run \"", run.run_id(), "\" ran on ", run.workers_size(), " machines (",
                       MachineNames(run), "): pick one with ", run.run_id(), "@HOST"));
    }
    chosen = &run.workers(0);
  } else {
    for (const v1::WorkerDescription& w : run.workers()) {
      if (w.address() == host || absl::StrCat(w.machine().hostname(), "@", w.address()) == host) {
        chosen = &w;
        break;
      }
    }
    if (chosen == nullptr) {
      std::vector<const v1::WorkerDescription*> by_host;
      for (const v1::WorkerDescription& w : run.workers()) {
        if (w.machine().hostname() == host) by_host.push_back(&w);
      }
      if (by_host.size() > 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "run \"", run.run_id(), "\": ", by_host.size(), " machines are named \"", host, "\" (",
            MachineNames(run), "): pick one with ", run.run_id(), "@HOST@ADDRESS"));
      }
      if (by_host.size() == 1) chosen = by_host[0];
    }
    if (chosen == nullptr) {
      return absl::NotFoundError(absl::StrCat("run \"", run.run_id(), "\": no machine \"", host,
                                              "\" (it ran on ", MachineNames(run), ")"));
    }
  }
  return CompareSide{run, *chosen, SideLabel(run, *chosen)};
}

v1::RunRecord OnlyMachine(const v1::RunRecord& run, const v1::WorkerDescription& machine) {
  v1::RunRecord narrowed = run;
  narrowed.clear_workers();
  *narrowed.add_workers() = machine;
  narrowed.clear_results();
  for (const v1::JobResult& result : run.results()) {
    if (result.worker_address() == machine.address()) *narrowed.add_results() = result;
  }
  return narrowed;
}

absl::StatusOr<std::pair<CompareSide, CompareSide>> SidesOfOneRun(const v1::RunRecord& run) {
  if (run.workers_size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "compare RUN: run \"", run.run_id(), "\" ran on ", run.workers_size(), " machine",
        run.workers_size() == 1 ? "" : "s", run.workers_size() > 0 ? " (" : "", MachineNames(run),
        run.workers_size() > 0 ? ")" : "",
        "; one run is compared with itself only across exactly two machines (give A B, or "
        "RUN@HOST RUN@HOST)"));
  }
  return std::make_pair(CompareSide{run, run.workers(0), SideLabel(run, run.workers(0))},
                        CompareSide{run, run.workers(1), SideLabel(run, run.workers(1))});
}

bool SamePlan(const v1::Plan& a, const v1::Plan& b) {
  v1::Plan x = a;
  v1::Plan y = b;
  for (v1::Plan* plan : {&x, &y}) {
    plan->clear_name();
    plan->clear_description();
  }
  return google::protobuf::util::MessageDifferencer::Equals(x, y);
}

RunComparison CompareRuns(const CompareSide& a, const CompareSide& b, double alpha) {
  RunComparison comparison;
  comparison.a_label = a.label;
  comparison.b_label = b.label;
  comparison.a_description = Describe(a);
  comparison.b_description = Describe(b);
  comparison.sweep_param = !a.run.plan().sweep().param().empty() ? a.run.plan().sweep().param()
                                                                 : b.run.plan().sweep().param();
  comparison.alpha = alpha;
  std::map<RowKey, SideRow> rows_a = SideRows(a);
  std::map<RowKey, SideRow> rows_b = SideRows(b);
  for (const RowKey& key : OrderedKeys(a, b, rows_a, rows_b)) {
    ComparedRow row;
    std::tie(row.model, row.concurrency, row.sweep_value) = key;
    auto in_a = rows_a.find(key);
    auto in_b = rows_b.find(key);
    SideRow missing;
    missing.status = "missing";
    row.a = in_a != rows_a.end() ? in_a->second : missing;
    row.b = in_b != rows_b.end() ? in_b->second : missing;
    if (row.a.median.has_value() && row.b.median.has_value()) {
      row.comparison = stats::CompareSamples(row.a.walls, row.b.walls, alpha);
    }
    comparison.rows.push_back(std::move(row));
  }
  if (std::optional<CompareWarning> warning = MachineStateWarning(a, b, comparison.rows)) {
    comparison.warnings.push_back(*std::move(warning));
  }
  return comparison;
}

std::string RowVerdict(const ComparedRow& row) {
  return row.comparison.has_value() ? stats::VerdictName(row.comparison->verdict) : "-";
}

SlowdownGate GateSlowdown(const RunComparison& comparison, double pct) {
  SlowdownGate gate{.pct = pct};
  const double threshold = 1 + pct / 100;
  for (size_t i = 0; i < comparison.rows.size(); ++i) {
    const std::optional<stats::Comparison>& cmp = comparison.rows[i].comparison;
    if (!cmp.has_value() || !cmp->ratio.has_value() || !cmp->ratio->ci.has_value()) continue;
    if (!(cmp->ratio->ci->low > threshold)) continue;
    if (cmp->verdict == stats::Verdict::kSlower) {
      gate.failed.push_back(i);
    } else {
      gate.inconclusive.push_back(i);
    }
  }
  return gate;
}

}  // namespace parlab::results
