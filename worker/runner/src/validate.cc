#include "parlab/runner/validate.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "conformance_run.h"
#include "parlab/runner/cancel.h"
#include "parlab/runner/plugin_loader.h"

namespace parlab::runner {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kRunLimit{30'000};    // a conformance run() that takes longer hangs
constexpr milliseconds kCancelAfter{200};    // into the long sleep job
constexpr milliseconds kCancelBound{2'000};  // run() must return this soon after the cancel
constexpr uint32_t kWideConcurrency = 4;

class Report {
 public:
  explicit Report(int fd) : fd_(fd) {}
  void Start(const std::string& check) { Write(absl::StrCat("RUN\t", check, "\n")); }
  void Pass(const std::string& check, const std::string& detail) { Line("PASS", check, detail); }
  void Skip(const std::string& check, const std::string& detail) { Line("SKIP", check, detail); }
  void Fail(const std::string& check, const std::string& detail) {
    failed_ = true;
    Line("FAIL", check, detail);
  }
  bool failed() const { return failed_; }

 private:
  void Line(const char* verdict, const std::string& check, std::string detail) {
    std::replace_if(
        detail.begin(), detail.end(), [](char c) { return c == '\n' || c == '\t'; }, ' ');
    Write(absl::StrCat(verdict, "\t", check, "\t", detail, "\n"));
  }
  // One write() per line: the hang watchdog writes from another thread.
  void Write(const std::string& line) { (void)!write(fd_, line.data(), line.size()); }

  int fd_;
  bool failed_ = false;
};

const char* StatusName(int32_t status) {
  switch (status) {
    case PARLAB_OK:
      return "OK";
    case PARLAB_ERROR:
      return "ERROR";
    case PARLAB_CANCELLED:
      return "CANCELLED";
    default:
      return "an unknown status";
  }
}

v1::WorkloadSpec Workload(const std::string& kind,
                          std::vector<std::pair<std::string, int>> params) {
  v1::WorkloadSpec spec;
  spec.set_kind(kind);
  for (const auto& [key, value] : params) (*spec.mutable_params())[key] = std::to_string(value);
  return spec;
}

bool ValidName(const char* name) {
  if (name == nullptr || name[0] == '\0') return false;
  for (const char* c = name; *c != '\0'; ++c) {
    if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_')) return false;
  }
  return true;
}

// load, abi_version, entry: the plugin is read exactly as the runner reads it for a job.
const parlab_model_entry_t* CheckEntry(const std::string& path, Report& report) {
  report.Start("load");
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  const void* symbol = handle != nullptr ? dlsym(handle, PARLAB_MODEL_ENTRY_SYMBOL) : nullptr;
  if (handle == nullptr || symbol == nullptr) {
    const char* why = dlerror();
    report.Fail("load", handle == nullptr ? absl::StrCat("dlopen: ", why ? why : "unknown error")
                                          : absl::StrCat("no ", PARLAB_MODEL_ENTRY_SYMBOL,
                                                         " symbol (not a parlab model plugin?)"));
    return nullptr;
  }
  report.Pass("load", absl::StrCat(PARLAB_MODEL_ENTRY_SYMBOL, " found"));

  report.Start("abi_version");
  const uint32_t version = static_cast<const parlab_model_entry_t*>(symbol)->abi_version;
  const std::string range = absl::StrCat(kMinAbiVersion, "..", kMaxAbiVersion);
  if (version < kMinAbiVersion || version > kMaxAbiVersion) {
    report.Fail("abi_version",
                absl::StrCat("ABI version ", version, " is not supported (this runner supports ",
                             range, ")"));
    return nullptr;
  }
  report.Pass("abi_version", absl::StrCat("ABI version ", version, " (supported: ", range, ")"));

  report.Start("entry");
  absl::StatusOr<Plugin> plugin = LoadPlugin(path);
  if (!plugin.ok()) {
    report.Fail("entry", std::string(plugin.status().message()));
    return nullptr;
  }
  const parlab_model_entry_t* entry = plugin->entry;
  if (!ValidName(entry->name)) {
    report.Fail("entry", absl::StrCat("name \"", entry->name, "\": must match [a-z0-9_]+"));
    return nullptr;
  }
  report.Pass(
      "entry",
      absl::StrCat("model ", entry->name, " ", entry->version ? entry->version : "(no version)",
                   entry->max_concurrency == 0
                       ? ", any concurrency"
                       : absl::StrCat(", concurrency <= ", entry->max_concurrency)));
  return entry;
}

struct Observed {
  std::string workload;  // "sleep"
  uint32_t concurrency;
  ConformanceRun run;
  std::string Label() const { return absl::StrCat(workload, " at concurrency ", concurrency); }
};

// A model that declares PARLAB_BOUNDS_THREADS may keep any number of tasks in flight; its
// threads (and, as for every model, its child processes) must stay within the bound.
std::string ConcurrencyViolation(const Observed& o, bool bounds_threads) {
  std::vector<std::string> over;
  if (!bounds_threads && o.run.peak_in_flight > o.concurrency) {
    over.push_back(absl::StrCat(o.run.peak_in_flight, " tasks in flight"));
  }
  if (o.run.extra_threads > static_cast<int>(o.concurrency)) {
    over.push_back(absl::StrCat(o.run.extra_threads, " threads beyond the runner's own"));
  }
  if (o.run.peak_children > static_cast<int>(o.concurrency)) {
    over.push_back(absl::StrCat(o.run.peak_children, " child processes"));
  }
  if (over.empty()) return "";
  return absl::StrCat(o.Label(), ": ", absl::StrJoin(over, ", "),
                      " alive at once (asked <= ", o.concurrency, ")");
}

std::string LeftoverText(const UnitCounts& left) {
  if (left.threads == 0 && left.children == 0) return "";
  return absl::StrCat(left.threads, " thread(s) and ", left.children,
                      " child process(es) still alive after run() returned");
}

// results.*: real workloads, every task verified, watched for concurrency and leftovers.
void CheckResults(const Plugin& plugin, Report& report, std::vector<Observed>& observed) {
  struct Case {
    std::string name, label;
    v1::WorkloadSpec workload;
  };
  const std::vector<Case> cases = {
      {"cpu", "primes.sieve", Workload("primes.sieve", {{"from", 1000}, {"to", 1100}})},
      {"io", "sleep", Workload("sleep", {{"tasks", 12}, {"ms", 20}})},
  };
  const uint32_t max = plugin.entry->max_concurrency;
  for (const Case& c : cases) {
    for (uint32_t concurrency : {1u, kWideConcurrency}) {
      const std::string check = absl::StrCat("results.", c.name, ".c", concurrency);
      report.Start(check);
      if (max != 0 && concurrency > max) {
        report.Skip(check, absl::StrCat("the model runs at most ", max));
        continue;
      }
      ConformanceJob job;
      job.workload = c.workload;
      job.concurrency = concurrency;
      job.hang_after = kRunLimit;
      job.on_hang = [&report, check] {
        report.Fail(check, absl::StrCat("run() did not return within ", kRunLimit.count() / 1000,
                                        " s; giving up"));
        _exit(1);
      };
      absl::StatusOr<ConformanceRun> run = RunObserved(plugin, job);
      if (!run.ok()) {
        report.Fail(check, absl::StrCat("cannot set up the job: ", run.status().message()));
        continue;
      }
      observed.push_back({c.label, concurrency, *run});
      if (run->status != PARLAB_OK) {
        report.Fail(check, absl::StrCat("run() returned ", StatusName(run->status), ": ",
                                        run->error.empty() ? "(no message)" : run->error));
      } else if (run->completed != run->task_count) {
        report.Fail(check, absl::StrCat("run() returned OK but ", run->completed, " of ",
                                        run->task_count, " task completions were verified"));
      } else {
        report.Pass(check, absl::StrCat(run->task_count, " ", c.label, " tasks verified in ",
                                        run->wall.count(), " ms"));
      }
    }
  }
}

void CheckConcurrency(const std::vector<Observed>& observed, bool bounds_threads, Report& report) {
  report.Start("concurrency");
  if (observed.empty()) return report.Skip("concurrency", "no run to observe");
  std::vector<std::string> seen;
  for (const Observed& o : observed) {
    if (std::string violation = ConcurrencyViolation(o, bounds_threads); !violation.empty()) {
      return report.Fail("concurrency", violation);
    }
    seen.push_back(absl::StrCat(o.workload, " c", o.concurrency, " ", o.run.peak_in_flight, "/",
                                o.run.extra_threads, "/", o.run.peak_children));
  }
  report.Pass("concurrency", absl::StrCat(bounds_threads ? "bounds threads; " : "bounds tasks; ",
                                          "peak tasks in flight/extra threads/child processes: ",
                                          absl::StrJoin(seen, ", ")));
}

void CheckLeftovers(const std::vector<Observed>& observed, Report& report) {
  report.Start("no_leftovers");
  if (observed.empty()) return report.Skip("no_leftovers", "no run to observe");
  for (const Observed& o : observed) {
    if (std::string left = LeftoverText(o.run.leftover); !left.empty()) {
      return report.Fail("no_leftovers", absl::StrCat(o.Label(), ": ", left));
    }
  }
  report.Pass("no_leftovers", "no thread or child process outlived run()");
}

// A long sleep job, cancelled mid-run: run() must stop starting tasks and return promptly.
void CheckCancellation(const Plugin& plugin, Report& report) {
  const std::string check = "cancellation";
  report.Start(check);
  const uint32_t max = plugin.entry->max_concurrency;
  const uint32_t concurrency = max == 0 ? kWideConcurrency : std::min(max, kWideConcurrency);
  ConformanceJob job;
  // Long even for a model that keeps thousands of waits in flight: 10000 x 100 ms.
  job.workload = Workload("sleep", {{"tasks", 10000}, {"ms", 100}});
  job.concurrency = concurrency;
  job.cancel_after = kCancelAfter;
  job.hang_after = kCancelBound;
  job.on_hang = [&report, check] {
    report.Fail(check, absl::StrCat("run() was still running ", kCancelBound.count(),
                                    " ms after the job was cancelled"));
    _exit(1);
  };
  absl::StatusOr<ConformanceRun> run = RunObserved(plugin, job);
  if (!run.ok()) return report.Fail(check, std::string(run.status().message()));
  if (run->cancel_to_return.count() < 0) {
    return report.Fail(
        check, absl::StrCat("run() returned ", StatusName(run->status), " after ",
                            run->wall.count(), " ms, before the cancel at ", kCancelAfter.count(),
                            " ms (", run->completed, " of ", run->task_count, " tasks verified)"));
  }
  if (run->status == PARLAB_OK) {
    return report.Fail(
        check, absl::StrCat("run() returned OK after the cancel, with ", run->completed, " of ",
                            run->task_count, " tasks verified (expected CANCELLED)"));
  }
  if (std::string left = LeftoverText(run->leftover); !left.empty()) {
    return report.Fail(check, absl::StrCat("after the cancel: ", left));
  }
  report.Pass(check, absl::StrCat("run() returned ", StatusName(run->status), " ",
                                  run->cancel_to_return.count(), " ms after the cancel (bound ",
                                  kCancelBound.count(), " ms), ", run->completed, " of ",
                                  run->task_count, " tasks ran"));
}

}  // namespace

int ValidatePlugin(const std::string& plugin_path, int report_fd) {
  InstallCancelHandler();
  Report report(report_fd);
  const parlab_model_entry_t* entry = CheckEntry(plugin_path, report);
  if (entry == nullptr) return 1;
  const Plugin plugin{plugin_path, entry};
  std::vector<Observed> observed;
  CheckResults(plugin, report, observed);
  CheckConcurrency(observed, ConcurrencyBoundsOf(*entry) == PARLAB_BOUNDS_THREADS, report);
  CheckLeftovers(observed, report);
  CheckCancellation(plugin, report);
  return report.failed() ? 1 : 0;
}

}  // namespace parlab::runner
