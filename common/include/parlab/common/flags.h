// One way to read command-line flags for parlab's three programs (`parlab`, `parlab-worker`,
// `parlab-coordinator`): each declares its flags in a table; the table parses the arguments,
// the shared value kinds (seconds, HOST:PORT, lists, KEY=VALUE) are validated here once, and
// the help lists every flag from the same table. Usage errors exit with kExitUsage.
//
//   const std::vector<Flag> kFlags = {
//       {"--listen", "HOST:PORT", "address to serve on", "127.0.0.1:0"},
//       {"--no-store", "", "record nothing"},
//   };
//   PARLAB_ASSIGN_OR_RETURN(ParsedFlags parsed, ParseFlags(args, kFlags));
//   for (const auto& [name, value] : parsed.values) { if (name == "--listen") ... }
//   std::cout << FlagHelp(kFlags);
#ifndef PARLAB_COMMON_FLAGS_H_
#define PARLAB_COMMON_FLAGS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace parlab::flags {

// The exit statuses of every parlab program (README, "Exit status").
inline constexpr int kExitOk = 0;
inline constexpr int kExitJobsFailed = 1;  // `parlab run`: some job failed; results printed
inline constexpr int kExitUsage = 2;       // bad arguments or plan, unreachable daemon, bad start
inline constexpr int kExitInterrupted = 130;  // Ctrl-C (128 + SIGINT)

struct Flag {
  std::string name;          // "--listen"
  std::string value_name;    // "HOST:PORT"; empty: a switch that takes no value
  std::string help;          // one line; "\n" continues it on the next, indented
  std::string default_text;  // printed as "(default ...)"; empty: nothing printed
};

struct ParsedFlags {
  std::vector<std::pair<std::string, std::string>> values;  // in command-line order
  std::vector<std::string> positional;                      // arguments that are not flags
  bool help = false;                                        // --help or -h
  bool version = false;                                     // --version
};

// `--name VALUE` and `--name=VALUE` both work; a switch takes no value. Errors name the
// argument: `unknown option "--frobnicate"`, `--workers: missing value`,
// `--no-store: takes no value, got "x"`.
[[nodiscard]] absl::StatusOr<ParsedFlags> ParseFlags(const std::vector<std::string>& args,
                                                     const std::vector<Flag>& flags);

// "  --listen HOST:PORT   address to serve on (default 127.0.0.1:0)" per flag, aligned.
std::string FlagHelp(const std::vector<Flag>& flags);

// A positive, finite number of seconds, at most `max`:
// `--connect-timeout: must be a positive number of seconds, got "soon"`;
// with a max: `--heartbeat-interval: must be a number of seconds in (0, 3600], got "0"`.
[[nodiscard]] absl::StatusOr<absl::Duration> PositiveSeconds(
    absl::string_view flag, absl::string_view value, absl::Duration max = absl::InfiniteDuration());

// HOST:PORT (or `shape`, e.g. "NAME:PORT" for a DNS name) with a port in min_port..65535
// (--listen allows 0: any free port):
// `--workers-dns: expected NAME:PORT with PORT in 1..65535, got "workers"`.
[[nodiscard]] absl::StatusOr<std::string> HostPort(absl::string_view flag, absl::string_view value,
                                                   int min_port = 1,
                                                   absl::string_view shape = "HOST:PORT");

// KEY=VALUE with a non-empty key: `--label: expected KEY=VALUE, got "rack"`.
[[nodiscard]] absl::StatusOr<std::pair<std::string, std::string>> KeyValue(absl::string_view flag,
                                                                           absl::string_view value);

// The name of `names` closest to `typed` (edit distance at most 2, or one is a prefix of the
// other), for "did you mean": `unknown command "runn" (did you mean "run"?)`. Empty: none.
std::string ClosestName(absl::string_view typed, const std::vector<std::string>& names);

// A comma-separated list without blanks: "a:1, b:2," -> {"a:1", "b:2"}.
std::vector<std::string> SplitList(absl::string_view value);

}  // namespace parlab::flags

#endif  // PARLAB_COMMON_FLAGS_H_
