// Command-line parsing for the `parlab` CLI, kept apart from main() so it is unit-tested.
//
//   PARLAB_ASSIGN_OR_RETURN(CliOptions options, ParseCliArgs(argc, argv));
//   if (options.command == CliCommand::kRun) ...
//
// Errors name the argument and the value: `--format: must be table, markdown, csv, json,
// gbench-json or html, got "xml"`.
#ifndef PARLAB_COORDINATOR_CLI_ARGS_H_
#define PARLAB_COORDINATOR_CLI_ARGS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "parlab/security/net_security.h"

namespace parlab::cli {

enum class CliCommand {
  kHelp,
  kVersion,
  kRun,
  kWorkers,
  kModels,
  kModelsValidate,
  kResultsList,
  kResultsShow,
  kCompare,
  kExport,
  kServe,
};

struct CliOptions {
  CliCommand command = CliCommand::kHelp;
  std::string help_topic;            // kHelp: "" (global help), or a command ("results show")
  std::string plan_path;             // run
  std::string plugin_path;           // models validate PATH.so
  std::vector<std::string> workers;  // --workers a:1,b:2
  std::string coordinator;           // --coordinator ADDR
  std::string format = "table";      // --format table|markdown|csv|json|gbench-json|html
  absl::Duration connect_timeout = absl::Seconds(5);
  std::string plugins;               // --plugins DIR[:DIR]: for the auto-started local worker
  std::string progress = "auto";     // --progress auto|bar|lines|none (run)
  std::string store;                 // --store FILE: the result store (empty: DefaultStorePath())
  bool no_store = false;             // --no-store: `run` keeps nothing
  bool long_listing = false;         // --long: `workers` prints every model and workload
  std::string run_id;                // results show RUN, export RUN
  std::vector<std::string> compare;  // compare A [B]: RUN or RUN@HOST selectors
  std::optional<double> fail_if_slower_pct;   // compare --fail-if-slower PCT
  std::string listen = "127.0.0.1:7480";      // serve --listen ADDR
  int limit = 0;                              // results list --limit N (0: every run)
  std::map<std::string, std::string> select;  // --select KEY=VALUE[,...] (run): plan.select
  std::string mode;                           // --mode broadcast|shard (run): plan.mode
  std::string hostfile;                       // --hostfile FILE: more workers
  std::string workers_dns;                    // --workers-dns NAME:PORT: more workers
  // Talking to daemons over TLS with a token (docs/security.md). Never a secret itself: the
  // token comes from --token-file, PARLAB_TOKEN or PARLAB_TOKEN_FILE.
  std::string tls_ca;      // --tls-ca FILE: the lab CA; TLS on every channel
  std::string tls_cert;    // --tls-cert FILE: client certificate (mutual TLS)
  std::string tls_key;     // --tls-key FILE
  std::string token_file;  // --token-file FILE
  // serve: --tls-cert/--tls-key above are the dashboard's HTTPS certificate.
  std::string tokens;     // serve --tokens FILE: accepted tokens
  bool insecure = false;  // serve --insecure: a non-loopback --listen without TLS and tokens
};

// Whether the command talks to daemons (--coordinator, --workers, --hostfile, --workers-dns)
// rather than to the auto-started local worker or a store file.
bool TalksToDaemons(const CliOptions& options);

// What this process presents to daemons: --tls-ca/--tls-cert/--tls-key and the token of
// --token-file, else $PARLAB_TOKEN, else the file $PARLAB_TOKEN_FILE. Errors name the flag.
[[nodiscard]] absl::StatusOr<security::ClientSecurity> ClientSecurityOf(const CliOptions& options);

// The global help: the commands, every flag (from the same table the parser reads) with its
// default, and the exit statuses.
std::string Usage();

// The help of one command ("run", "results show", "models validate"): its synopsis, what it
// does, and only the flags it reads, from the same table. "" for an unknown command.
std::string CommandUsage(const std::string& command);

[[nodiscard]] absl::StatusOr<CliOptions> ParseCliArgs(const std::vector<std::string>& args);

}  // namespace parlab::cli

#endif  // PARLAB_COORDINATOR_CLI_ARGS_H_
