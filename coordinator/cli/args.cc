#include "args.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace parlab::cli {

const char kUsage[] =
    "usage: parlab run PLAN.json [--workers HOST:PORT,...] [--coordinator HOST:PORT]\n"
    "                            [--format table|json] [--connect-timeout SECONDS]\n"
    "                            [--plugins DIR[:DIR...]]\n"
    "       parlab workers [--workers HOST:PORT,...|--coordinator HOST:PORT] [--format "
    "table|json]\n"
    "       parlab models [--workers HOST:PORT,...|--coordinator HOST:PORT] [--format table|json]\n"
    "       parlab models validate PATH.so\n"
    "       parlab --help | --version\n"
    "\n"
    "  run       runs the plan under every model at every concurrency level and prints the\n"
    "            results (stdout); progress goes to stderr.\n"
    "  workers   describes the workers: machine, models, workloads.\n"
    "  models    lists the models the workers have loaded, with version and ABI version;\n"
    "            `models validate PATH.so` runs the conformance checks on a plugin, in a\n"
    "            parlab-runner (exit 0 only if every check passes; see docs/plugin-authoring.md)\n"
    "\n"
    "  --workers          run on these parlab-worker daemons (every one runs the whole plan)\n"
    "  --coordinator      submit the run to a parlab-coordinator daemon (with --workers: it\n"
    "                     runs on those workers, else on its own)\n"
    "                     (neither: a local parlab-worker is started next to this binary)\n"
    "  --format           table (default) or json (documented in docs/output-format.md)\n"
    "  --connect-timeout  seconds to wait for a daemon before calling it unreachable (5)\n"
    "  --plugins          plugin directories for the auto-started local worker\n"
    "\n"
    "exit status: 0 every job OK; 1 some job failed (results are still printed);\n"
    "             2 bad plan, bad arguments or unreachable daemon; 130 interrupted\n";

namespace {

bool TakesValue(const std::string& flag) {
  return flag == "--workers" || flag == "--coordinator" || flag == "--format" ||
         flag == "--connect-timeout" || flag == "--plugins";
}

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

}  // namespace

absl::StatusOr<CliOptions> ParseCliArgs(const std::vector<std::string>& args) {
  CliOptions options;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::string value;
    bool has_value = false;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    if (arg == "--help" || arg == "-h" || arg == "help") {
      options.command = CliCommand::kHelp;
      return options;
    }
    if (arg == "--version") {
      options.command = CliCommand::kVersion;
      return options;
    }
    if (arg.rfind("-", 0) != 0) {
      positional.push_back(arg);
      continue;
    }
    if (!TakesValue(arg)) return Invalid(absl::StrCat("unknown option \"", arg, "\""));
    if (!has_value) {
      if (i + 1 >= args.size()) return Invalid(absl::StrCat(arg, ": missing value"));
      value = args[++i];
    }
    if (arg == "--workers") {
      options.workers = absl::StrSplit(value, ',', absl::SkipWhitespace());
      if (options.workers.empty()) {
        return Invalid(
            absl::StrCat("--workers: must list HOST:PORT addresses, got \"", value, "\""));
      }
    } else if (arg == "--coordinator") {
      if (value.empty()) return Invalid("--coordinator: must be HOST:PORT, got \"\"");
      options.coordinator = value;
    } else if (arg == "--format") {
      if (value != "table" && value != "json") {
        return Invalid(absl::StrCat("--format: must be table or json, got \"", value, "\""));
      }
      options.format = value;
    } else if (arg == "--connect-timeout") {
      double seconds = 0;
      if (!absl::SimpleAtod(value, &seconds) || !(seconds > 0) || !std::isfinite(seconds)) {
        return Invalid(absl::StrCat(
            "--connect-timeout: must be a positive number of seconds, got \"", value, "\""));
      }
      options.connect_timeout = absl::Seconds(seconds);
    } else if (arg == "--plugins") {
      options.plugins = value;
    }
  }
  if (positional.empty()) return Invalid("missing command (run, workers or models)");
  const std::string& command = positional[0];
  if (command == "run") {
    options.command = CliCommand::kRun;
    if (positional.size() < 2) return Invalid("run: missing PLAN.json");
    if (positional.size() > 2) {
      return Invalid(absl::StrCat("run: unexpected argument \"", positional[2], "\""));
    }
    options.plan_path = positional[1];
  } else if (command == "workers") {
    options.command = CliCommand::kWorkers;
    if (positional.size() > 1) {
      return Invalid(absl::StrCat("workers: unexpected argument \"", positional[1], "\""));
    }
    if (!options.workers.empty() && !options.coordinator.empty()) {
      return Invalid("workers: give --workers or --coordinator, not both");
    }
  } else if (command == "models" && positional.size() > 1 && positional[1] == "validate") {
    options.command = CliCommand::kModelsValidate;
    if (positional.size() < 3) return Invalid("models validate: missing PATH.so");
    if (positional.size() > 3) {
      return Invalid(absl::StrCat("models validate: unexpected argument \"", positional[3], "\""));
    }
    options.plugin_path = positional[2];
  } else if (command == "models") {
    options.command = CliCommand::kModels;
    if (positional.size() > 1) {
      return Invalid(absl::StrCat("models: unexpected argument \"", positional[1],
                                  "\" (known: validate)"));
    }
    if (!options.workers.empty() && !options.coordinator.empty()) {
      return Invalid("models: give --workers or --coordinator, not both");
    }
  } else {
    return Invalid(
        absl::StrCat("unknown command \"", command, "\" (known: run, workers, models)"));
  }
  return options;
}

}  // namespace parlab::cli
