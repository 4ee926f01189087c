#include "parlab/coordinator/plan.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "parlab/common/status_macros.h"
#include "parlab/coordinator/plan_limits.h"
#include "parlab/workloads/http_url.h"
#include "parlab/workloads/workload.h"

namespace parlab::coordinator {
namespace {

using Json = nlohmann::json;

constexpr const char* kTopLevelKeys[] = {
    "name",   "description", "workload", "models",       "concurrency",     "repetitions",
    "warmup", "order",       "affinity", "target_cv",    "max_repetitions", "time_budget_s",
    "sweep",  "mode",        "select",   "job_timeout_s"};
constexpr const char* kWorkloadKeys[] = {"kind", "params"};
constexpr const char* kSweepKeys[] = {"param", "values"};
constexpr const char* kAffinities[] = {"none", "compact", "scatter"};

// A value as it appears in the file, shortened so a huge array cannot flood the message. The
// parse guard below keeps values shallow, so dump() cannot recurse off the stack.
std::string Show(const Json& value) { return Truncated(value.dump(), 57); }

// Thrown by the parse guard: nlohmann's callback has no other way to stop the parser.
struct GuardError {
  std::string message;
};

// Watches the parser's events: refuses nesting deeper than kMaxJsonDepth as soon as it opens
// (a 100,000-deep array would otherwise crash whoever walks it recursively) and a key that
// repeats in its object (nlohmann keeps the last value silently), naming the key's path.
class ParseGuard {
 public:
  bool operator()(int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start: {
        std::string path = ChildPath();
        if (frames_.size() >= kMaxJsonDepth) {
          throw GuardError{absl::StrCat(Truncated(path, 120), ": nested deeper than ",
                                        kMaxJsonDepth, " levels")};
        }
        frames_.push_back({event == Json::parse_event_t::object_start, std::move(path)});
        break;
      }
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        frames_.pop_back();
        break;
      case Json::parse_event_t::key: {
        Frame& frame = frames_.back();
        frame.key = parsed.get<std::string>();
        if (!frame.keys.insert(frame.key).second) {
          throw GuardError{absl::StrCat(Truncated(ChildPath(), 120),
                                        ": duplicate key (JSON would keep only the last value)")};
        }
        break;
      }
      case Json::parse_event_t::value:
        if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool object = false;
    std::string path;
    std::set<std::string> keys;
    std::string key;   // the key whose value comes next
    size_t index = 0;  // the array element that comes next
  };

  // The path of the value that starts now: plan.workload.params.to, plan.concurrency[2].
  std::string ChildPath() {
    if (frames_.empty()) return "plan";
    Frame& top = frames_.back();
    if (top.object) return absl::StrCat(top.path, ".", top.key);
    return absl::StrCat(top.path, "[", top.index++, "]");
  }

  std::vector<Frame> frames_;
};

absl::Status Invalid(absl::string_view field, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", message));
}

template <size_t N>
absl::Status CheckKnownKeys(const Json& object, absl::string_view prefix,
                            const char* const (&known)[N]) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (const char* k : known) found = found || key == k;
    if (!found) {
      return Invalid(absl::StrCat(prefix, ".", key),
                     absl::StrCat("unknown field (known: ", absl::StrJoin(known, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> GetString(const Json& value, absl::string_view field) {
  if (!value.is_string())
    return Invalid(field, absl::StrCat("must be a string, got ", Show(value)));
  return value.get<std::string>();
}

// Integers only, but 2.0 is accepted as 2: some JSON writers print every number as a float.
absl::StatusOr<int32_t> GetInt32(const Json& value, absl::string_view field) {
  double as_double = 0;
  if (value.is_number_integer() || value.is_number_unsigned()) {
    as_double = value.get<double>();
  } else if (value.is_number_float() && std::trunc(value.get<double>()) == value.get<double>()) {
    as_double = value.get<double>();
  } else {
    return Invalid(field, absl::StrCat("must be an integer, got ", Show(value)));
  }
  if (as_double < std::numeric_limits<int32_t>::min() ||
      as_double > std::numeric_limits<int32_t>::max()) {
    return Invalid(field, absl::StrCat("out of range, got ", Show(value)));
  }
  return static_cast<int32_t>(as_double);
}

// Any finite JSON number.
absl::StatusOr<double> GetNumber(const Json& value, absl::string_view field) {
  if (!value.is_number())
    return Invalid(field, absl::StrCat("must be a number, got ", Show(value)));
  return value.get<double>();
}

// Workload params travel as strings; integers print without a trailing ".0".
absl::StatusOr<std::string> ParamToString(const Json& value, absl::string_view field) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return std::string(value.get<bool>() ? "true" : "false");
  if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (std::trunc(d) == d && std::fabs(d) < 9.0e15) {
      return absl::StrCat(static_cast<int64_t>(d));
    }
    return value.dump();
  }
  // An array (python's range and args) travels as its JSON text; the workload parses it.
  if (value.is_array()) return value.dump();
  return Invalid(field, absl::StrCat("must be a number, string, bool or array, got ", Show(value)));
}

absl::Status ParseWorkload(const Json& value, v1::WorkloadSpec* spec) {
  if (!value.is_object()) {
    return Invalid("plan.workload", absl::StrCat("must be an object, got ", Show(value)));
  }
  PARLAB_RETURN_IF_ERROR(CheckKnownKeys(value, "plan.workload", kWorkloadKeys));
  if (!value.contains("kind")) return Invalid("plan.workload.kind", "required field is missing");
  PARLAB_ASSIGN_OR_RETURN(*spec->mutable_kind(), GetString(value["kind"], "plan.workload.kind"));
  if (value.contains("params")) {
    const Json& params = value["params"];
    if (!params.is_object()) {
      return Invalid("plan.workload.params", absl::StrCat("must be an object, got ", Show(params)));
    }
    for (const auto& [key, param] : params.items()) {
      PARLAB_ASSIGN_OR_RETURN(std::string text,
                              ParamToString(param, absl::StrCat("plan.workload.params.", key)));
      (*spec->mutable_params())[key] = std::move(text);
    }
  }
  return absl::OkStatus();
}

absl::Status ParseModels(const Json& value, v1::Plan* plan) {
  if (!value.is_array()) {
    return Invalid("plan.models",
                   absl::StrCat("must be an array of model names, got ", Show(value)));
  }
  for (size_t i = 0; i < value.size(); ++i) {
    PARLAB_ASSIGN_OR_RETURN(std::string model,
                            GetString(value[i], absl::StrCat("plan.models[", i, "]")));
    plan->add_models(std::move(model));
  }
  return absl::OkStatus();
}

// An empty list, from a JSON plan that wrote `[]` (left out, the default [1] applies) or from a
// Plan built in code without ApplyPlanDefaults.
absl::Status NoConcurrencyLevels() {
  return Invalid("plan.concurrency", "must list at least one level, got []");
}

absl::Status ParseConcurrency(const Json& value, v1::Plan* plan) {
  if (!value.is_array()) {
    return Invalid("plan.concurrency",
                   absl::StrCat("must be an array of integers, got ", Show(value)));
  }
  if (value.empty()) return NoConcurrencyLevels();
  for (size_t i = 0; i < value.size(); ++i) {
    PARLAB_ASSIGN_OR_RETURN(int32_t level,
                            GetInt32(value[i], absl::StrCat("plan.concurrency[", i, "]")));
    plan->add_concurrency(level);
  }
  return absl::OkStatus();
}

absl::Status ParseSweep(const Json& value, v1::Plan* plan) {
  if (!value.is_object()) {
    return Invalid("plan.sweep", absl::StrCat("must be an object like {\"param\": \"to\", "
                                              "\"values\": [16000, 8000]}, got ",
                                              Show(value)));
  }
  PARLAB_RETURN_IF_ERROR(CheckKnownKeys(value, "plan.sweep", kSweepKeys));
  v1::GranularitySweep* sweep = plan->mutable_sweep();
  if (!value.contains("param")) return Invalid("plan.sweep.param", "required field is missing");
  PARLAB_ASSIGN_OR_RETURN(*sweep->mutable_param(), GetString(value["param"], "plan.sweep.param"));
  if (!value.contains("values")) return Invalid("plan.sweep.values", "required field is missing");
  const Json& values = value["values"];
  if (!values.is_array()) {
    return Invalid("plan.sweep.values", absl::StrCat("must be an array, got ", Show(values)));
  }
  for (size_t i = 0; i < values.size(); ++i) {
    PARLAB_ASSIGN_OR_RETURN(std::string text,
                            ParamToString(values[i], absl::StrCat("plan.sweep.values[", i, "]")));
    sweep->add_values(std::move(text));
  }
  return absl::OkStatus();
}

absl::Status ParseSelect(const Json& value, v1::Plan* plan) {
  if (!value.is_object()) {
    return Invalid("plan.select",
                   absl::StrCat("must be an object of label values like {\"rack\": \"a\"}, got ",
                                Show(value)));
  }
  for (const auto& [key, label] : value.items()) {
    PARLAB_ASSIGN_OR_RETURN(std::string text, GetString(label, absl::StrCat("plan.select.", key)));
    (*plan->mutable_select())[key] = std::move(text);
  }
  return absl::OkStatus();
}

// Affinity, automatic repetitions, sweep, mode and worker selection (the optional run fields).
absl::Status ParseRunFields(const Json& root, v1::Plan* plan) {
  if (root.contains("affinity")) {
    PARLAB_ASSIGN_OR_RETURN(*plan->mutable_affinity(),
                            GetString(root["affinity"], "plan.affinity"));
  }
  if (root.contains("target_cv")) {
    PARLAB_ASSIGN_OR_RETURN(double target_cv, GetNumber(root["target_cv"], "plan.target_cv"));
    // In the proto 0 means "off"; a plan that writes the field asks for a real target.
    if (!(target_cv > 0)) {
      return Invalid("plan.target_cv", absl::StrCat("must be > 0 and < 1 (0.02 = 2%), got ",
                                                    Show(root["target_cv"])));
    }
    plan->set_target_cv(target_cv);
  }
  if (root.contains("max_repetitions")) {
    PARLAB_ASSIGN_OR_RETURN(int32_t max_repetitions,
                            GetInt32(root["max_repetitions"], "plan.max_repetitions"));
    if (max_repetitions < 1) {
      return Invalid(
          "plan.max_repetitions",
          absl::StrCat("must be >= plan.repetitions (",
                       plan->has_repetitions() ? plan->repetitions() : kDefaultRepetitions,
                       "), got ", max_repetitions));
    }
    plan->set_max_repetitions(max_repetitions);
  }
  if (root.contains("time_budget_s")) {
    PARLAB_ASSIGN_OR_RETURN(double budget, GetNumber(root["time_budget_s"], "plan.time_budget_s"));
    plan->set_time_budget_s(budget);
  }
  if (root.contains("job_timeout_s")) {
    PARLAB_ASSIGN_OR_RETURN(double timeout, GetNumber(root["job_timeout_s"], "plan.job_timeout_s"));
    plan->set_job_timeout_s(timeout);
  }
  if (root.contains("sweep")) PARLAB_RETURN_IF_ERROR(ParseSweep(root["sweep"], plan));
  if (root.contains("mode")) {
    PARLAB_ASSIGN_OR_RETURN(std::string mode, GetString(root["mode"], "plan.mode"));
    if (mode == "broadcast") {
      plan->set_mode(v1::RUN_MODE_BROADCAST);
    } else if (mode == "shard") {
      plan->set_mode(v1::RUN_MODE_SHARD);
    } else {
      return Invalid("plan.mode",
                     absl::StrCat("must be \"broadcast\" or \"shard\", got \"", mode, "\""));
    }
  }
  if (root.contains("select")) PARLAB_RETURN_IF_ERROR(ParseSelect(root["select"], plan));
  return absl::OkStatus();
}

absl::Status ValidateAffinity(const v1::Plan& plan) {
  if (plan.affinity().empty()) return absl::OkStatus();
  for (const char* known : kAffinities) {
    if (plan.affinity() == known) return absl::OkStatus();
  }
  return Invalid(
      "plan.affinity",
      absl::StrCat("must be \"none\", \"compact\" or \"scatter\", got \"", plan.affinity(), "\""));
}

absl::Status ValidateRepetitionFields(const v1::Plan& plan) {
  const double target_cv = plan.target_cv();
  if (std::isnan(target_cv) || target_cv < 0 || target_cv >= 1) {
    return Invalid("plan.target_cv",
                   absl::StrCat("must be > 0 and < 1 (0.02 = 2%), got ", target_cv));
  }
  if (!std::isfinite(plan.job_timeout_s()) || plan.job_timeout_s() < 0) {
    return Invalid("plan.job_timeout_s",
                   absl::StrCat("must be >= 0 seconds (0: derived from the plan), got ",
                                plan.job_timeout_s()));
  }
  if (!std::isfinite(plan.time_budget_s()) || plan.time_budget_s() < 0) {
    return Invalid("plan.time_budget_s",
                   absl::StrCat("must be >= 0 (0: no limit), got ", plan.time_budget_s()));
  }
  if (target_cv == 0) {
    // Both only shape automatic repetitions; without a target they would silently do nothing.
    if (plan.max_repetitions() != 0) {
      return Invalid("plan.max_repetitions", absl::StrCat("needs plan.target_cv (got ",
                                                          plan.max_repetitions(), " without)"));
    }
    if (plan.time_budget_s() != 0) {
      return Invalid("plan.time_budget_s",
                     absl::StrCat("needs plan.target_cv (got ", plan.time_budget_s(), " without)"));
    }
    return absl::OkStatus();
  }
  if (plan.max_repetitions() != 0 && plan.max_repetitions() < plan.repetitions()) {
    return Invalid("plan.max_repetitions",
                   absl::StrCat("must be >= plan.repetitions (", plan.repetitions(), "), got ",
                                plan.max_repetitions()));
  }
  if (plan.order() == v1::REPETITION_ORDER_GROUPED) {
    // Grouped order measures every repetition in one runner before the CV is known.
    return Invalid("plan.target_cv",
                   "automatic repetitions need interleaved order, got \"order\": \"grouped\"");
  }
  if (plan.mode() == v1::RUN_MODE_SHARD) {
    // A shard's CV says little about the plan's; shard mode runs its rounds as planned.
    return Invalid("plan.target_cv",
                   "automatic repetitions need broadcast mode, got \"mode\": \"shard\"");
  }
  return absl::OkStatus();
}

// Every sweep value must make a valid workload: the param must exist and each value must be
// one the workload accepts (primes.sieve rejects "to" <= "from").
// Requests to a URL outside the runner (http.get with `url`: someone else's server) are capped
// per plan and worker, counting every job, warm-up and repetition a worker may run (auto-repeat
// up to max_repetitions): a plan must not turn a worker into a load generator against a host.
absl::Status ValidateOutboundRequests(const v1::Plan& plan) {
  std::vector<v1::WorkloadSpec> specs;
  if (plan.sweep().values().empty()) specs.push_back(plan.workload());
  for (const std::string& value : plan.sweep().values()) {
    v1::WorkloadSpec spec = plan.workload();
    (*spec.mutable_params())[plan.sweep().param()] = value;
    specs.push_back(std::move(spec));
  }
  const uint64_t runs = static_cast<uint64_t>(std::max(0, plan.warmup())) +
                        static_cast<uint64_t>(std::max(plan.repetitions(), plan.max_repetitions()));
  const uint64_t jobs =
      static_cast<uint64_t>(plan.models_size()) * static_cast<uint64_t>(plan.concurrency_size());
  uint64_t total = 0;
  for (const v1::WorkloadSpec& spec : specs) {
    // Each factor is bounded by the plan limits and the workload's own checks (10,000 requests,
    // 11,000 runs, 4,096 jobs, 1,000 values): the product fits in 64 bits.
    total += workloads::OutboundRequestsPerRepetition(spec) * runs * jobs;
  }
  if (total <= workloads::kMaxOutboundRequestsPerPlan) return absl::OkStatus();
  return Invalid("plan.workload.params.requests",
                 absl::StrCat("a plan may send at most ", workloads::kMaxOutboundRequestsPerPlan,
                              " requests to a url outside the runner per worker, got up to ", total,
                              " (requests x (warmup + repetitions or max_repetitions) x ", jobs,
                              " models x levels", specs.size() > 1 ? " x sweep values" : "",
                              "); docs/plans-limits.md"));
}

absl::Status ValidateSweep(const v1::Plan& plan) {
  if (!plan.has_sweep()) return absl::OkStatus();
  const v1::GranularitySweep& sweep = plan.sweep();
  if (sweep.param().empty()) {
    return Invalid("plan.sweep.param", "must name a workload parameter, got \"\"");
  }
  if (sweep.values().empty())
    return Invalid("plan.sweep.values", "must list at least one value, got []");
  std::map<std::string, int> seen;
  for (int i = 0; i < sweep.values_size(); ++i) {
    const std::string& value = sweep.values(i);
    std::string field = absl::StrCat("plan.sweep.values[", i, "]");
    auto [it, inserted] = seen.emplace(value, i);
    if (!inserted) {
      return Invalid(field, absl::StrCat("duplicate value \"", value, "\" (also plan.sweep.values[",
                                         it->second, "])"));
    }
    v1::WorkloadSpec spec = plan.workload();
    (*spec.mutable_params())[sweep.param()] = value;
    absl::Status valid = workloads::ValidateWorkloadSpec(spec);
    if (valid.ok()) continue;
    // The workload names an unknown parameter as "plan.workload.params.PARAM: unknown parameter
    // ...".
    const std::string unknown =
        absl::StrCat("plan.workload.params.", sweep.param(), ": unknown parameter");
    if (absl::StartsWith(valid.message(), unknown)) {
      const size_t known = valid.message().find(" (valid");
      return Invalid(
          "plan.sweep.param",
          absl::StrCat("\"", sweep.param(), "\" is not a parameter of ", plan.workload().kind(),
                       known == absl::string_view::npos ? "" : valid.message().substr(known)));
    }
    return Invalid(field, absl::StrCat(sweep.param(), " = ", value, ": ", valid.message()));
  }
  return absl::OkStatus();
}

absl::Status ValidateSelect(const v1::Plan& plan) {
  if (!v1::RunMode_IsValid(plan.mode())) {
    return Invalid("plan.mode", absl::StrCat("must be broadcast (1) or shard (2), got ",
                                             static_cast<int>(plan.mode())));
  }
  for (const auto& [key, value] : plan.select()) {
    if (key.empty()) return Invalid("plan.select", "label keys must not be empty");
  }
  return absl::OkStatus();
}

// nlohmann's message reads "[json.exception.parse_error.101] parse error at line 1, column 5:
// syntax error ..."; keep the position and the reason, drop the library's prefix.
std::string DescribeParseError(const Json::parse_error& e) {
  std::string what = e.what();
  size_t at = what.find("at line ");
  if (at != std::string::npos) return absl::StrCat("plan: malformed JSON ", what.substr(at));
  size_t colon = what.find(": ");
  std::string reason = colon == std::string::npos ? what : what.substr(colon + 2);
  return absl::StrCat("plan: malformed JSON at byte ", e.byte, ": ", reason);
}

bool IsModelName(absl::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace

void ApplyPlanDefaults(v1::Plan* plan) {
  if (!plan->has_repetitions()) plan->set_repetitions(kDefaultRepetitions);
  if (!plan->has_warmup()) plan->set_warmup(kDefaultWarmup);
  if (plan->concurrency().empty()) plan->add_concurrency(1);
  if (plan->target_cv() > 0 && plan->max_repetitions() == 0) {
    plan->set_max_repetitions(std::max(kDefaultMaxRepetitions, plan->repetitions()));
  }
}

absl::StatusOr<v1::Plan> ParsePlanJson(absl::string_view text) {
  return ParsePlanJson(text, PlanLimitsFromEnv().value_or(PlanLimits()));
}

absl::StatusOr<v1::Plan> ParsePlanJson(absl::string_view text, const PlanLimits& limits) {
  // Before parsing: a 200 MB plan would take gigabytes as a DOM.
  PARLAB_RETURN_IF_ERROR(CheckPlanSize(static_cast<int64_t>(text.size()), limits));
  Json root;
  try {
    ParseGuard guard;
    root = Json::parse(text.begin(), text.end(), std::ref(guard));
  } catch (const Json::parse_error& e) {
    return absl::InvalidArgumentError(DescribeParseError(e));
  } catch (const GuardError& e) {
    return absl::InvalidArgumentError(e.message);
  } catch (const Json::out_of_range& e) {
    // A number beyond a double ("1e999") is out_of_range to nlohmann, not a parse_error
    // (found by fuzz/plan_fuzzer: fuzz/regressions/plan/number-overflow-out-of-range).
    std::string what = e.what();
    return absl::InvalidArgumentError(
        absl::StrCat("plan: malformed JSON: ", what.substr(what.find("] ") + 2)));
  }
  if (!root.is_object()) {
    return Invalid("plan", absl::StrCat("must be a JSON object, got ", root.type_name()));
  }
  PARLAB_RETURN_IF_ERROR(CheckKnownKeys(root, "plan", kTopLevelKeys));

  v1::Plan plan;
  if (root.contains("name")) {
    PARLAB_ASSIGN_OR_RETURN(*plan.mutable_name(), GetString(root["name"], "plan.name"));
  }
  if (root.contains("description")) {
    PARLAB_ASSIGN_OR_RETURN(*plan.mutable_description(),
                            GetString(root["description"], "plan.description"));
  }
  if (!root.contains("workload")) return Invalid("plan.workload", "required field is missing");
  PARLAB_RETURN_IF_ERROR(ParseWorkload(root["workload"], plan.mutable_workload()));
  if (!root.contains("models")) return Invalid("plan.models", "required field is missing");
  PARLAB_RETURN_IF_ERROR(ParseModels(root["models"], &plan));
  if (root.contains("concurrency")) {
    PARLAB_RETURN_IF_ERROR(ParseConcurrency(root["concurrency"], &plan));
  }
  if (root.contains("repetitions")) {
    PARLAB_ASSIGN_OR_RETURN(int32_t repetitions, GetInt32(root["repetitions"], "plan.repetitions"));
    plan.set_repetitions(repetitions);
  }
  if (root.contains("warmup")) {
    PARLAB_ASSIGN_OR_RETURN(int32_t warmup, GetInt32(root["warmup"], "plan.warmup"));
    plan.set_warmup(warmup);
  }
  if (root.contains("order")) {
    PARLAB_ASSIGN_OR_RETURN(std::string order, GetString(root["order"], "plan.order"));
    if (order == "interleaved") {
      plan.set_order(v1::REPETITION_ORDER_INTERLEAVED);
    } else if (order == "grouped") {
      plan.set_order(v1::REPETITION_ORDER_GROUPED);
    } else {
      return Invalid("plan.order",
                     absl::StrCat("must be \"interleaved\" or \"grouped\", got \"", order, "\""));
    }
  }
  PARLAB_RETURN_IF_ERROR(ParseRunFields(root, &plan));
  ApplyPlanDefaults(&plan);
  PARLAB_RETURN_IF_ERROR(ValidatePlan(plan, limits));
  return plan;
}

// "plan file x.json: cannot be read: No such file or directory" -- the OS's reason when it gave
// one (std::ifstream leaves it in errno on Linux).
namespace {
absl::Status CannotRead(const std::string& path) {
  const int error = errno;
  return absl::NotFoundError(absl::StrCat("plan file ", path, ": cannot be read",
                                          error != 0 ? ": " : "",
                                          error != 0 ? std::strerror(error) : ""));
}
}  // namespace

absl::StatusOr<v1::Plan> LoadPlanFile(const std::string& path) {
  return LoadPlanFile(path, PlanLimitsFromEnv().value_or(PlanLimits()));
}

absl::StatusOr<v1::Plan> LoadPlanFile(const std::string& path, const PlanLimits& limits) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) return CannotRead(path);
  // The size a regular file reports is refused before a byte is read; a pipe or a /proc file
  // reports none, so the read stops one byte past the limit either way.
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path, error);
  absl::StatusOr<v1::Plan> plan;
  if (absl::Status fits = CheckPlanSize(
          error ? 0 : static_cast<int64_t>(std::min<uintmax_t>(size, INT64_MAX)), limits);
      !fits.ok()) {
    plan = fits;
  } else {
    std::string text(static_cast<size_t>(limits.max_plan_bytes) + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) return CannotRead(path);
    text.resize(static_cast<size_t>(in.gcount()));
    if (text.size() > static_cast<size_t>(limits.max_plan_bytes)) {
      // Only a file that reports no size (a pipe) gets here; how much more it holds is unknown.
      plan = Invalid("plan", absl::StrCat("must be at most ", limits.max_plan_bytes, " bytes (",
                                          kMaxPlanBytesEnv, " raises it), got more"));
    } else {
      plan = ParsePlanJson(text, limits);
    }
  }
  if (!plan.ok()) {
    return absl::Status(plan.status().code(), absl::StrCat(path, ": ", plan.status().message()));
  }
  // A plan without a name is called after its file, so reports still say what ran.
  if (plan->name().empty()) plan->set_name(std::filesystem::path(path).stem().string());
  return plan;
}

absl::Status ValidatePlan(const v1::Plan& plan) {
  return ValidatePlan(plan, PlanLimitsFromEnv().value_or(PlanLimits()));
}

absl::Status ValidatePlan(const v1::Plan& plan, const PlanLimits& limits) {
  // First: the checks below quote values, which must be short by then.
  PARLAB_RETURN_IF_ERROR(CheckPlanLimits(plan, limits));
  if (plan.models().empty()) return Invalid("plan.models", "must list at least one model, got []");
  std::map<std::string, int> seen_models;
  for (int i = 0; i < plan.models_size(); ++i) {
    const std::string& model = plan.models(i);
    std::string field = absl::StrCat("plan.models[", i, "]");
    if (!IsModelName(model)) {
      return Invalid(field, absl::StrCat("must be a model name ([a-z0-9_]+), got \"", model, "\""));
    }
    auto [it, inserted] = seen_models.emplace(model, i);
    if (!inserted) {
      return Invalid(field, absl::StrCat("duplicate model \"", model, "\" (also plan.models[",
                                         it->second, "])"));
    }
  }
  if (plan.concurrency().empty()) return NoConcurrencyLevels();
  std::map<int32_t, int> seen_levels;
  for (int i = 0; i < plan.concurrency_size(); ++i) {
    int32_t level = plan.concurrency(i);
    std::string field = absl::StrCat("plan.concurrency[", i, "]");
    if (level < 1) return Invalid(field, absl::StrCat("must be >= 1, got ", level));
    auto [it, inserted] = seen_levels.emplace(level, i);
    if (!inserted) {
      return Invalid(field, absl::StrCat("duplicate level ", level, " (also plan.concurrency[",
                                         it->second, "])"));
    }
  }
  if (plan.repetitions() < 1) {
    return Invalid("plan.repetitions", absl::StrCat("must be >= 1, got ", plan.repetitions()));
  }
  if (plan.warmup() < 0) {
    return Invalid("plan.warmup", absl::StrCat("must be >= 0, got ", plan.warmup()));
  }
  if (plan.workload().kind().empty()) {
    return Invalid("plan.workload.kind", "must name a workload, got \"\"");
  }
  PARLAB_RETURN_IF_ERROR(workloads::ValidateWorkloadSpec(plan.workload()));
  PARLAB_RETURN_IF_ERROR(ValidateAffinity(plan));
  PARLAB_RETURN_IF_ERROR(ValidateRepetitionFields(plan));
  PARLAB_RETURN_IF_ERROR(ValidateSweep(plan));
  PARLAB_RETURN_IF_ERROR(ValidateOutboundRequests(plan));
  return ValidateSelect(plan);
}

}  // namespace parlab::coordinator
