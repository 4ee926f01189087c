#include "args.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "parlab/common/status_macros.h"
#include "parlab/report/reporter.h"
#include "cluster_args.h"
#include "progress.h"

namespace parlab::cli {

const char kUsage[] =
    "usage: parlab run PLAN.json [--workers HOST:PORT,...] [--coordinator HOST:PORT]\n"
    "                            [--format table|json] [--connect-timeout SECONDS]\n"
    "                            [--plugins DIR[:DIR...]] [--progress auto|bar|lines|none]\n"
    "                            [--select KEY=VALUE,...] [--mode broadcast|shard]\n"
    "                            [--hostfile FILE] [--workers-dns NAME:PORT]\n"
    "       parlab workers [--workers HOST:PORT,...|--coordinator HOST:PORT|--hostfile FILE|\n"
    "                       --workers-dns NAME:PORT] [--format table|json]\n"
    "       parlab models [--workers HOST:PORT,...|--coordinator HOST:PORT] [--format table|json]\n"
    "       parlab models validate PATH.so\n"
    "       parlab results list [--store FILE|--coordinator HOST:PORT] [--limit N]\n"
    "                           [--format table|json]\n"
    "       parlab results show RUN [--store FILE|--coordinator HOST:PORT] [--format ...]\n"
    "       parlab compare A [B] [--store FILE|--coordinator HOST:PORT]\n"
    "                      [--format table|markdown|json]\n"
    "       parlab export RUN [--store FILE|--coordinator HOST:PORT]\n"
    "                     [--format table|markdown|csv|json|gbench-json]\n"
    "       parlab --help | --version\n"
    "\n"
    "  run       runs the plan under every model at every concurrency level and prints the\n"
    "            results (stdout); progress goes to stderr.\n"
    "  workers   describes the workers: machine, models, workloads.\n"
    "  models    lists the models the workers have loaded, with version and ABI version;\n"
    "            `models validate PATH.so` runs the conformance checks on a plugin, in a\n"
    "            parlab-runner (exit 0 only if every check passes; see docs/plugin-authoring.md)\n"
    "  compare   B against A row by row: ratio of medians with its 95% CI and a Mann-Whitney\n"
    "            verdict (faster / slower / no significant difference). A and B: a run id, a\n"
    "            prefix, or latest, each optionally RUN@HOST to pick one machine of it;\n"
    "            `compare RUN` compares the two machines of a run that had exactly two\n"
    "  export    prints a stored run in any --format (gbench-json: Google Benchmark's JSON,\n"
    "            for its tools/compare.py)\n"
    "\n"
    "  --workers          run on these parlab-worker daemons (every one runs the whole plan)\n"
    "  --coordinator      submit the run to a parlab-coordinator daemon (with --workers: it\n"
    "                     runs on those workers, else on its own)\n"
    "                     (neither: a local parlab-worker is started next to this binary)\n"
    "  --format           table (default), markdown, csv, json or gbench-json\n"
    "                     (documented in docs/output-format.md)\n"
    "  --connect-timeout  seconds to wait for a daemon before calling it unreachable (5)\n"
    "  --plugins          plugin directories for the auto-started local worker\n"
    "  --hostfile         more workers: one HOST:PORT per line, # comments\n"
    "  --workers-dns      more workers: every address NAME resolves to (NAME:PORT; a\n"
    "                     Kubernetes headless Service)\n"
    "  --select           run: only workers with these labels (KEY=VALUE[,KEY=VALUE])\n"
    "  --mode             run: broadcast (every worker runs the whole plan) or shard (the\n"
    "                     tasks are split across the workers; docs/cluster.md)\n"
    "  --store            the result store file (default $PARLAB_STORE, else\n"
    "                     $XDG_DATA_HOME/parlab/runs.db, else ~/.local/share/parlab/runs.db);\n"
    "                     `run` records every run there (docs/results-store.md)\n"
    "  --no-store         run: record nothing\n"
    "  --limit            results list: the newest N runs only\n"
    "  --progress         auto (default: a bar on a terminal, else a line every few seconds),\n"
    "                     bar, lines or none\n"
    "\n"
    "exit status: 0 every job OK; 1 some job failed (results are still printed);\n"
    "             2 bad plan, bad arguments or unreachable daemon; 130 interrupted\n";

namespace {

bool TakesValue(const std::string& flag) {
  return flag == "--workers" || flag == "--coordinator" || flag == "--format" ||
         flag == "--store" || flag == "--limit" ||
         flag == "--connect-timeout" || flag == "--plugins" || flag == "--progress" ||
         IsClusterFlag(flag);
}

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

bool IsReportFormat(const std::string& format) {
  for (const char* known : report::kReportFormats) {
    if (format == known) return true;
  }
  return false;
}

// `compare A [B]` / `export RUN`: commands that read stored runs.
absl::Status ParseStoredRunCommand(const std::vector<std::string>& positional,
                                   CliOptions& options) {
  const std::string& command = positional[0];
  if (!options.store.empty() && !options.coordinator.empty()) {
    return Invalid(absl::StrCat(command, ": give --store or --coordinator, not both"));
  }
  if (command == "export") {
    options.command = CliCommand::kExport;
    if (positional.size() < 2) return Invalid("export: missing RUN (an id, a prefix or latest)");
    if (positional.size() > 2) {
      return Invalid(absl::StrCat("export: unexpected argument \"", positional[2], "\""));
    }
    options.run_id = positional[1];
    return absl::OkStatus();
  }
  options.command = CliCommand::kCompare;
  if (positional.size() < 2) {
    return Invalid("compare: missing A and B (run ids, prefixes or latest, each optionally "
                   "RUN@HOST), or one RUN that ran on two machines");
  }
  if (positional.size() > 3) {
    return Invalid(absl::StrCat("compare: unexpected argument \"", positional[3], "\""));
  }
  if (options.format != "table" && options.format != "markdown" && options.format != "json") {
    return Invalid(absl::StrCat("--format: compare prints table, markdown or json, got \"",
                                options.format, "\""));
  }
  options.compare.assign(positional.begin() + 1, positional.end());
  return absl::OkStatus();
}

// `results list` / `results show RUN`.
absl::Status ParseResultsCommand(const std::vector<std::string>& positional,
                                 CliOptions& options) {
  if (positional.size() < 2) return Invalid("results: missing list or show");
  const std::string& verb = positional[1];
  size_t expected = 2;
  if (verb == "list") {
    options.command = CliCommand::kResultsList;
    if (options.format != "table" && options.format != "json") {
      return Invalid(absl::StrCat("--format: results list prints table or json, got \"",
                                  options.format, "\""));
    }
  } else if (verb == "show") {
    options.command = CliCommand::kResultsShow;
    if (positional.size() < 3) return Invalid("results show: missing RUN (an id, a prefix or latest)");
    options.run_id = positional[2];
    expected = 3;
  } else {
    return Invalid(absl::StrCat("results: unknown action \"", verb, "\" (known: list, show)"));
  }
  if (positional.size() > expected) {
    return Invalid(absl::StrCat("results ", verb, ": unexpected argument \"", positional[expected],
                                "\""));
  }
  if (!options.store.empty() && !options.coordinator.empty()) {
    return Invalid(absl::StrCat("results ", verb, ": give --store or --coordinator, not both"));
  }
  return absl::OkStatus();
}

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
    if (arg == "--no-store" && !has_value) {
      options.no_store = true;
      continue;
    }
    if (!TakesValue(arg)) return Invalid(absl::StrCat("unknown option \"", arg, "\""));
    if (!has_value) {
      if (i + 1 >= args.size()) return Invalid(absl::StrCat(arg, ": missing value"));
      value = args[++i];
    }
    if (IsClusterFlag(arg)) {
      PARLAB_RETURN_IF_ERROR(ParseClusterFlag(arg, value, options));
    } else if (arg == "--workers") {
      options.workers = absl::StrSplit(value, ',', absl::SkipWhitespace());
      if (options.workers.empty()) {
        return Invalid(
            absl::StrCat("--workers: must list HOST:PORT addresses, got \"", value, "\""));
      }
    } else if (arg == "--coordinator") {
      if (value.empty()) return Invalid("--coordinator: must be HOST:PORT, got \"\"");
      options.coordinator = value;
    } else if (arg == "--format") {
      if (!IsReportFormat(value)) {
        return Invalid(absl::StrCat(
            "--format: must be table, markdown, csv, json or gbench-json, got \"", value, "\""));
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
    } else if (arg == "--store") {
      if (value.empty()) return Invalid("--store: must name a file, got \"\"");
      options.store = value;
    } else if (arg == "--limit") {
      if (!absl::SimpleAtoi(value, &options.limit) || options.limit < 0) {
        return Invalid(absl::StrCat("--limit: must be a whole number >= 0, got \"", value, "\""));
      }
    } else if (arg == "--progress") {
      if (absl::StatusOr<ProgressMode> mode = ParseProgressMode(value); !mode.ok()) {
        return mode.status();
      }
      options.progress = value;
    }
  }
  if (positional.empty()) return Invalid("missing command (run, workers, models, results, compare or export)");
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
  } else if (command == "results") {
    PARLAB_RETURN_IF_ERROR(ParseResultsCommand(positional, options));
  } else if (command == "compare" || command == "export") {
    PARLAB_RETURN_IF_ERROR(ParseStoredRunCommand(positional, options));
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
        absl::StrCat("unknown command \"", command,
                     "\" (known: run, workers, models, results, compare, export)"));
  }
  // Descriptions of workers and models are lists, not result rows: no CSV or gbench layout.
  if ((options.command == CliCommand::kWorkers || options.command == CliCommand::kModels) &&
      options.format != "table" && options.format != "json") {
    return Invalid(absl::StrCat("--format: ", command, " prints table or json, got \"",
                                options.format, "\""));
  }
  return options;
}

}  // namespace parlab::cli
