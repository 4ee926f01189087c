#include "args.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cluster_args.h"
#include "parlab/common/flags.h"
#include "parlab/common/status_macros.h"
#include "parlab/report/reporter.h"
#include "progress.h"

namespace parlab::cli {

// The one run-reference syntax of `results show`, `export` and `compare` (cli/run_source.h).
#define RUN_REFERENCE_HELP                                                                  \
  "RUN, A, B: a run id, a unique prefix of one, or latest; RUN@MACHINE keeps one machine\n" \
  "of a run (its hostname, its worker address, or HOST@ADDRESS when two share a name).\n"

const char kUsageHead[] =
    "usage: parlab run PLAN.json [--workers HOST:PORT,...] [--coordinator HOST:PORT]\n"
    "                            [--format table|json|html|...] [--connect-timeout SECONDS]\n"
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
    "                      [--format table|markdown|json|html] [--fail-if-slower PCT]\n"
    "       parlab export RUN [--store FILE|--coordinator HOST:PORT]\n"
    "                     [--format table|markdown|csv|json|gbench-json|html]\n"
    "       parlab serve [--store FILE] [--listen 127.0.0.1:7480] [--tls-cert F --tls-key F "
    "--tokens F]\n"
    "       parlab --help | --version\n"
    "\n"
    "  run       runs the plan under every model at every concurrency level and prints the\n"
    "            results (stdout); progress goes to stderr.\n"
    "  workers   describes the workers: machine, models, workloads.\n"
    "  models    lists the models the workers have loaded, with version and ABI version;\n"
    "            `models validate PATH.so` runs the conformance checks on a plugin, in a\n"
    "            parlab-runner (exit 0 only if every check passes; see docs/plugin-authoring.md)\n"
    "  compare   B against A row by row: ratio of medians with its 95% CI and a Mann-Whitney\n"
    "            verdict (faster / slower / no significant difference); `compare RUN` compares\n"
    "            the two machines of a run that had exactly two; --fail-if-slower PCT exits 1\n"
    "            when a row is significantly slower by more than PCT percent (a CI gate,\n"
    "            docs/report.md)\n"
    "  export    prints a stored run in any --format (gbench-json: Google Benchmark's JSON,\n"
    "            for its tools/compare.py)\n"
    "  serve     a web dashboard over the store: runs, reports, comparisons, history with\n"
    "            regressions flagged, and JSON under /api/ (docs/report.md)\n"
    "\n" RUN_REFERENCE_HELP "\n";

const char kExitText[] =
    "exit status: 0 every job OK; 1 some job failed (results are still printed);\n"
    "             2 bad plan, bad arguments or unreachable daemon; 130 interrupted\n";

const std::vector<flags::Flag> kCliFlags = {
    {"--workers", "HOST:PORT,...",
     "run on these parlab-worker daemons (every one runs the whole plan)"},
    {"--coordinator", "HOST:PORT",
     "submit the run to a parlab-coordinator daemon (with --workers: it runs on\n"
     "those workers, else on its own; neither: a local parlab-worker is started\n"
     "next to this binary)"},
    {"--format", "FORMAT",
     "table, markdown, csv, json, gbench-json or html (docs/output-format.md,\n"
     "docs/report.md)",
     "table"},
    {"--connect-timeout", "SECONDS", "seconds to wait for a daemon before calling it unreachable",
     "5"},
    {"--plugins", "DIR[:DIR...]", "plugin directories for the auto-started local worker"},
    {"--hostfile", "FILE", "more workers: one HOST:PORT per line, # comments"},
    {"--workers-dns", "NAME:PORT",
     "more workers: every address NAME resolves to (a Kubernetes headless Service)"},
    {"--select", "KEY=VALUE,...", "run: only workers with these labels"},
    {"--mode", "MODE",
     "run: broadcast (every worker runs the whole plan) or shard (the tasks are\n"
     "split across the workers; docs/cluster.md)"},
    {"--store", "FILE",
     "the result store file (default $PARLAB_STORE, else\n"
     "$XDG_DATA_HOME/parlab/runs.db, else ~/.local/share/parlab/runs.db);\n"
     "`run` records every run there (docs/results-store.md)"},
    {"--no-store", "", "run: record nothing"},
    {"--limit", "N", "results list: the newest N runs only"},
    {"--listen", "HOST:PORT",
     "serve: the address to answer on (port 0: any free one); beyond loopback\n"
     "only with --tls-cert/--tls-key and --tokens, or --insecure (docs/security.md)",
     "127.0.0.1:7480"},
    {"--fail-if-slower", "PCT",
     "compare: exit 1 when some row of B is slower than A by more than PCT percent\n"
     "with the slowdown significant (the ratio's 95% CI above 1 + PCT/100 and the\n"
     "U test saying slower); the failing rows go to stderr"},
    {"--long", "", "workers: every model and workload with version, description, parameters"},
    {"--progress", "MODE",
     "auto (a bar on a terminal, else a line every few seconds), bar, lines or none\n(only failed "
     "jobs and lost workers)",
     "auto"},
    {"--tls-ca", "FILE",
     "the lab CA (PEM): talk to the daemons over TLS, verifying them against it\n"
     "(docs/security.md)"},
    {"--tls-cert", "FILE",
     "a certificate (PEM): the client certificate for daemons that require one\n"
     "(mutual TLS); serve: the dashboard's HTTPS certificate"},
    {"--tls-key", "FILE", "the private key of --tls-cert (PEM)"},
    {"--tokens", "FILE",
     "serve: accepted bearer tokens, one `NAME ROLE SECRET` per line (the daemons'\n"
     "format; roles submit and admin may read): every request must carry one"},
    {"--insecure", "",
     "serve: allow a non-loopback --listen without --tls-cert/--tls-key and\n"
     "--tokens: anyone who reaches the port reads every result (a warning at start)"},
    {"--token-file", "FILE",
     "a file holding the bearer token to present (else $PARLAB_TOKEN, else the\n"
     "file named by $PARLAB_TOKEN_FILE); never a secret on the command line"},
};

// The flags of every command that may talk to a daemon.
#define PARLAB_CLI_SECURITY_FLAGS "--tls-ca", "--tls-cert", "--tls-key", "--token-file"

// Each command's synopsis, job and the flags it reads: `parlab CMD --help` prints them, and a
// flag the command does not read is an error naming the commands that do.
struct CommandSpec {
  std::string name;
  std::string synopsis;
  std::string job;
  std::vector<std::string> flags;
};

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec>* commands = new std::vector<CommandSpec>{
      {"run",
       "parlab run PLAN.json [flags]",
       "Runs the plan under every model at every concurrency level and prints the results\n"
       "(stdout); progress goes to stderr. Without --workers or --coordinator a local\n"
       "parlab-worker is started next to this binary.",
       {"--workers", "--coordinator", "--format", "--connect-timeout", "--plugins", "--hostfile",
        "--workers-dns", "--select", "--mode", "--store", "--no-store", "--progress",
        PARLAB_CLI_SECURITY_FLAGS}},
      {"workers",
       "parlab workers [flags]",
       "Describes the workers (machine, state, models, workloads); --long for every detail.",
       {"--workers", "--coordinator", "--format", "--connect-timeout", "--plugins", "--hostfile",
        "--workers-dns", "--long", PARLAB_CLI_SECURITY_FLAGS}},
      {"models",
       "parlab models [flags]",
       "Lists the models the workers have loaded, with version and ABI version.",
       {"--workers", "--coordinator", "--format", "--connect-timeout", "--plugins", "--hostfile",
        "--workers-dns", PARLAB_CLI_SECURITY_FLAGS}},
      {"models validate",
       "parlab models validate PATH.so",
       "Runs the conformance checks on a plugin in a parlab-runner (exit 0 only if every\n"
       "check passes; docs/plugin-authoring.md).",
       {}},
      {"results list",
       "parlab results list [flags]",
       "Lists the stored runs, newest first.",
       {"--store", "--coordinator", "--format", "--connect-timeout", "--limit",
        PARLAB_CLI_SECURITY_FLAGS}},
      {"results show",
       "parlab results show RUN [flags]",
       "Prints a stored run, re-aggregated, in any --format.\n" RUN_REFERENCE_HELP,
       {"--store", "--coordinator", "--format", "--connect-timeout", PARLAB_CLI_SECURITY_FLAGS}},
      {"compare",
       "parlab compare A [B] [flags]",
       "B against A row by row: the ratio of medians with its 95% CI and a Mann-Whitney verdict.\n"
       "`compare RUN` compares the two machines of a run that had exactly two.\n"
       "--fail-if-slower PCT makes it a CI gate.\n" RUN_REFERENCE_HELP,
       {"--store", "--coordinator", "--format", "--connect-timeout", "--fail-if-slower",
        PARLAB_CLI_SECURITY_FLAGS}},
      {"export",
       "parlab export RUN [flags]",
       "Prints a stored run in any --format (gbench-json: for Google Benchmark's "
       "compare.py).\n" RUN_REFERENCE_HELP,
       {"--store", "--coordinator", "--format", "--connect-timeout", PARLAB_CLI_SECURITY_FLAGS}},
      {"serve",
       "parlab serve [flags]",
       "A web dashboard over the store (read-only, beside runs being written): the runs,\n"
       "filterable by plan, machine and date; a run's report; two runs compared; a plan's\n"
       "history on one machine with regressions and improvements flagged; JSON under /api/.\n"
       "Loopback by default; another address needs HTTPS and tokens (or --insecure).",
       {"--store", "--listen", "--tls-cert", "--tls-key", "--tokens", "--insecure"}},
  };
  return *commands;
}

const CommandSpec* FindCommand(const std::string& name) {
  for (const CommandSpec& command : Commands()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

// The command words of the positional arguments: "results show" for results show RUN.
std::string CommandName(const std::vector<std::string>& positional) {
  if (positional.empty()) return "";
  if (positional.size() > 1 && FindCommand(positional[0] + " " + positional[1]) != nullptr) {
    return positional[0] + " " + positional[1];
  }
  return positional[0];
}

std::string CommandUsage(const std::string& name) {
  const CommandSpec* command = FindCommand(name);
  if (command == nullptr) return "";
  std::vector<flags::Flag> own;
  for (const flags::Flag& flag : kCliFlags) {
    if (std::find(command->flags.begin(), command->flags.end(), flag.name) !=
        command->flags.end()) {
      own.push_back(flag);
    }
  }
  return absl::StrCat("usage: ", command->synopsis, "\n\n", command->job, "\n",
                      own.empty() ? "" : absl::StrCat("\n", flags::FlagHelp(own)), "\n", kExitText);
}

std::string Usage() {
  return absl::StrCat(kUsageHead, flags::FlagHelp(kCliFlags), "\n", kExitText);
}

namespace {

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

// "5" or "5%": a percentage from 0 to 1000.
absl::StatusOr<double> ParsePercent(const std::string& flag, std::string value) {
  std::string number = value;
  if (!number.empty() && number.back() == '%') number.pop_back();
  double pct = 0;
  if (!absl::SimpleAtod(number, &pct) || !std::isfinite(pct) || pct < 0 || pct > 1000) {
    return Invalid(
        absl::StrCat(flag, ": must be a percentage from 0 to 1000, got \"", value, "\""));
  }
  return pct;
}

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
    if (positional.size() < 2)
      return Invalid("export: missing RUN (an id, a prefix or latest, optionally @MACHINE)");
    if (positional.size() > 2) {
      return Invalid(absl::StrCat("export: unexpected argument \"", positional[2], "\""));
    }
    options.run_id = positional[1];
    return absl::OkStatus();
  }
  options.command = CliCommand::kCompare;
  if (positional.size() < 2) {
    return Invalid(
        "compare: missing A and B (run ids, prefixes or latest, each optionally "
        "@MACHINE), or one RUN that ran on two machines");
  }
  if (positional.size() > 3) {
    return Invalid(absl::StrCat("compare: unexpected argument \"", positional[3], "\""));
  }
  if (options.format != "table" && options.format != "markdown" && options.format != "json" &&
      options.format != "html") {
    return Invalid(absl::StrCat("--format: compare prints table, markdown, json or html, got \"",
                                options.format, "\""));
  }
  options.compare.assign(positional.begin() + 1, positional.end());
  return absl::OkStatus();
}

// `results list` / `results show RUN`.
absl::Status ParseResultsCommand(const std::vector<std::string>& positional, CliOptions& options) {
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
    if (positional.size() < 3)
      return Invalid("results show: missing RUN (an id, a prefix or latest, optionally @MACHINE)");
    options.run_id = positional[2];
    expected = 3;
  } else {
    return Invalid(absl::StrCat("results: unknown action \"", verb, "\" (known: list, show)"));
  }
  if (positional.size() > expected) {
    return Invalid(
        absl::StrCat("results ", verb, ": unexpected argument \"", positional[expected], "\""));
  }
  if (!options.store.empty() && !options.coordinator.empty()) {
    return Invalid(absl::StrCat("results ", verb, ": give --store or --coordinator, not both"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CliOptions> ParseCliArgs(const std::vector<std::string>& args) {
  CliOptions options;
  PARLAB_ASSIGN_OR_RETURN(flags::ParsedFlags parsed, flags::ParseFlags(args, kCliFlags));
  std::vector<std::string>& positional = parsed.positional;
  if (parsed.help || (!positional.empty() && positional[0] == "help")) {
    options.command = CliCommand::kHelp;
    std::vector<std::string> topic = positional;
    if (!topic.empty() && topic[0] == "help") topic.erase(topic.begin());
    options.help_topic = CommandName(topic);
    if (!options.help_topic.empty() && FindCommand(options.help_topic) == nullptr) {
      return Invalid(absl::StrCat("help: unknown command \"", options.help_topic,
                                  "\" (known: run, workers, models, models validate, results "
                                  "list, results show, compare, export, serve)"));
    }
    return options;
  }
  if (parsed.version) {
    options.command = CliCommand::kVersion;
    return options;
  }
  for (const auto& [arg, value] : parsed.values) {
    if (IsClusterFlag(arg)) {
      PARLAB_RETURN_IF_ERROR(ParseClusterFlag(arg, value, options));
    } else if (arg == "--no-store") {
      options.no_store = true;
    } else if (arg == "--long") {
      options.long_listing = true;
    } else if (arg == "--workers") {
      options.workers = flags::SplitList(value);
      if (options.workers.empty()) {
        return Invalid(
            absl::StrCat("--workers: must list HOST:PORT addresses, got \"", value, "\""));
      }
    } else if (arg == "--coordinator") {
      if (value.empty()) return Invalid("--coordinator: must be HOST:PORT, got \"\"");
      options.coordinator = value;
    } else if (arg == "--format") {
      if (!IsReportFormat(value)) {
        return Invalid(
            absl::StrCat("--format: must be ", report::kReportFormatList, ", got \"", value, "\""));
      }
      options.format = value;
    } else if (arg == "--connect-timeout") {
      PARLAB_ASSIGN_OR_RETURN(options.connect_timeout, flags::PositiveSeconds(arg, value));
    } else if (arg == "--plugins") {
      options.plugins = value;
    } else if (arg == "--store") {
      if (value.empty()) return Invalid("--store: must name a file, got \"\"");
      options.store = value;
    } else if (arg == "--limit") {
      if (!absl::SimpleAtoi(value, &options.limit) || options.limit < 0) {
        return Invalid(absl::StrCat("--limit: must be a whole number >= 0, got \"", value, "\""));
      }
    } else if (arg == "--tls-ca" || arg == "--tls-cert" || arg == "--tls-key" ||
               arg == "--token-file") {
      if (value.empty()) return Invalid(absl::StrCat(arg, ": must name a file, got \"\""));
      (arg == "--tls-ca"     ? options.tls_ca
       : arg == "--tls-cert" ? options.tls_cert
       : arg == "--tls-key"  ? options.tls_key
                             : options.token_file) = value;
    } else if (arg == "--tokens") {
      if (value.empty()) return Invalid("--tokens: must name a file, got \"\"");
      options.tokens = value;
    } else if (arg == "--insecure") {
      options.insecure = true;
    } else if (arg == "--listen") {
      options.listen = value;
    } else if (arg == "--fail-if-slower") {
      PARLAB_ASSIGN_OR_RETURN(options.fail_if_slower_pct, ParsePercent(arg, value));
    } else if (arg == "--progress") {
      if (absl::StatusOr<ProgressMode> mode = ParseProgressMode(value); !mode.ok()) {
        return mode.status();
      }
      options.progress = value;
    }
  }
  if (positional.empty())
    return Invalid("missing command (run, workers, models, results, compare, export or serve)");
  const std::string& command = positional[0];
  if (command == "run") {
    options.command = CliCommand::kRun;
    if (positional.size() < 2) return Invalid("run: missing PLAN.json");
    if (positional.size() > 2) {
      return Invalid(absl::StrCat("run: unexpected argument \"", positional[2], "\""));
    }
    options.plan_path = positional[1];
    // Flags that would do nothing in this mode are errors, not silence.
    if (!options.coordinator.empty() && options.no_store) {
      return Invalid(
          "run: --no-store does nothing with --coordinator (the daemon stores by its own "
          "--store/--no-store)");
    }
    if (!options.coordinator.empty() && !options.store.empty()) {
      return Invalid(
          "run: --store does nothing with --coordinator (the daemon stores by its own --store)");
    }
    if (!options.plugins.empty() && (!options.coordinator.empty() || !options.workers.empty())) {
      return Invalid(absl::StrCat("run: --plugins is for the auto-started local worker; with ",
                                  options.coordinator.empty() ? "--workers" : "--coordinator",
                                  " the workers load their own"));
    }
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
  } else if (command == "serve") {
    options.command = CliCommand::kServe;
    if (positional.size() > 1) {
      return Invalid(absl::StrCat("serve: unexpected argument \"", positional[1], "\""));
    }
  } else if (command == "compare" || command == "export") {
    PARLAB_RETURN_IF_ERROR(ParseStoredRunCommand(positional, options));
  } else if (command == "models" && positional.size() > 1 && positional[1] == "validate") {
    options.command = CliCommand::kModelsValidate;
    if (positional.size() < 3) return Invalid("models validate: missing PATH.so");
    if (positional.size() > 3) {
      return Invalid(absl::StrCat("models validate: unexpected argument \"", positional[3], "\""));
    }
    options.plugin_path = positional[2];
    if (!options.plugins.empty()) {
      return Invalid(
          "models validate: --plugins does nothing (it validates the PATH.so it is given)");
    }
  } else if (command == "models") {
    options.command = CliCommand::kModels;
    if (positional.size() > 1) {
      return Invalid(
          absl::StrCat("models: unexpected argument \"", positional[1], "\" (known: validate)"));
    }
    if (!options.workers.empty() && !options.coordinator.empty()) {
      return Invalid("models: give --workers or --coordinator, not both");
    }
  } else {
    const std::string closest = flags::ClosestName(
        command, {"run", "workers", "models", "results", "compare", "export", "serve", "help"});
    return Invalid(
        absl::StrCat("unknown command \"", command, "\"",
                     closest.empty() ? "" : absl::StrCat(" (did you mean \"", closest, "\"?)"),
                     " (known: run, workers, models, results, compare, export, serve)"));
  }
  // A flag the command does not read would do nothing: say so, and where it belongs.
  if (const CommandSpec* spec = FindCommand(CommandName(positional)); spec != nullptr) {
    for (const auto& [arg, value] : parsed.values) {
      if (std::find(spec->flags.begin(), spec->flags.end(), arg) != spec->flags.end()) continue;
      std::vector<std::string> readers;
      for (const CommandSpec& other : Commands()) {
        if (std::find(other.flags.begin(), other.flags.end(), arg) != other.flags.end()) {
          readers.push_back(other.name);
        }
      }
      return Invalid(absl::StrCat(arg, ": not a flag of `", spec->name,
                                  "` (it is for: ", absl::StrJoin(readers, ", "), ")"));
    }
  }
  // Credentials for daemons would do nothing for the local worker or a store file.
  if (!TalksToDaemons(options)) {
    for (const auto& [arg, value] : parsed.values) {
      if (arg == "--tls-ca" || arg == "--tls-cert" || arg == "--tls-key" || arg == "--token-file") {
        return Invalid(absl::StrCat(arg,
                                    ": does nothing without --coordinator, --workers, --hostfile "
                                    "or --workers-dns (the local worker and --store need no "
                                    "credentials)"));
      }
    }
  }
  // Descriptions of workers and models are lists, not result rows: no CSV or gbench layout.
  if ((options.command == CliCommand::kWorkers || options.command == CliCommand::kModels) &&
      options.format != "table" && options.format != "json") {
    return Invalid(
        absl::StrCat("--format: ", command, " prints table or json, got \"", options.format, "\""));
  }
  return options;
}

bool TalksToDaemons(const CliOptions& options) {
  return !options.coordinator.empty() || !options.workers.empty() || !options.hostfile.empty() ||
         !options.workers_dns.empty();
}

absl::StatusOr<security::ClientSecurity> ClientSecurityOf(const CliOptions& options) {
  security::ClientSecurityFiles files;
  files.tls_ca = options.tls_ca;
  files.tls_cert = options.tls_cert;
  files.tls_key = options.tls_key;
  files.token_file = options.token_file;
  security::ApplyTokenEnvironment(files);
  return security::LoadClientSecurity(files);
}

}  // namespace parlab::cli
