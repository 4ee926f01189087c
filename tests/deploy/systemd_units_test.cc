// deploy/systemd: each unit's ExecStart, expanded the way systemd expands it with the shipped
// env file, must be a command line the daemon accepts; the service settings the deployment
// relies on (restart, kill the runners with the daemon, no hardening that breaks fork/exec)
// are checked by name; `systemd-analyze verify` runs where it is installed.
#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "deploy/deploy_test_util.h"
#include "gtest/gtest.h"
#include "parlab/worker/flags.h"

namespace parlab::deploy_test {
namespace {

// "Key=Value" lines of a unit's [Service] section (a repeated key keeps every value).
std::multimap<std::string, std::string> ServiceSection(const std::string& text) {
  std::multimap<std::string, std::string> keys;
  std::string section;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      section = std::string(line);
      continue;
    }
    const size_t eq = line.find('=');
    if (section == "[Service]" && eq != absl::string_view::npos) {
      keys.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
    }
  }
  return keys;
}

std::string Get(const std::multimap<std::string, std::string>& keys, const std::string& key) {
  auto it = keys.find(key);
  return it == keys.end() ? "" : it->second;
}

// Environment= defaults, then the EnvironmentFile's assignments over them, as systemd does.
std::map<std::string, std::string> Environment(const std::multimap<std::string, std::string>& keys,
                                               const std::string& env_file_text) {
  std::map<std::string, std::string> env;
  auto [begin, end] = keys.equal_range("Environment");
  for (auto it = begin; it != end; ++it) {
    for (absl::string_view assignment : absl::StrSplit(it->second, ' ', absl::SkipEmpty())) {
      const size_t eq = assignment.find('=');
      env[std::string(assignment.substr(0, eq))] = std::string(assignment.substr(eq + 1));
    }
  }
  for (absl::string_view line : absl::StrSplit(env_file_text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    const size_t eq = line.find('=');
    env[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  return env;
}

// ExecStart's words: ${VAR} is one word, $VAR splits on whitespace (systemd.service(5)).
std::vector<std::string> ExpandExecStart(const std::string& exec,
                                         const std::map<std::string, std::string>& env) {
  std::vector<std::string> words;
  for (absl::string_view word : absl::StrSplit(exec, ' ', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&word, "${") && absl::ConsumeSuffix(&word, "}")) {
      words.push_back(env.at(std::string(word)));
    } else if (absl::ConsumePrefix(&word, "$")) {
      for (absl::string_view part :
           absl::StrSplit(env.at(std::string(word)), ' ', absl::SkipEmpty())) {
        words.emplace_back(part);
      }
    } else {
      words.emplace_back(word);
    }
  }
  return words;
}

struct Unit {
  std::multimap<std::string, std::string> service;
  std::vector<std::string> argv;  // ExecStart expanded
};

Unit LoadUnit(const std::string& name, const std::string& env_name) {
  const std::string text = ReadFile(DeployPath("systemd/" + name));
  EXPECT_FALSE(text.empty()) << DeployPath("systemd/" + name) << " is missing";
  const std::string env_text = ReadFile(DeployPath("systemd/" + env_name));
  EXPECT_FALSE(env_text.empty()) << DeployPath("systemd/" + env_name) << " is missing";
  Unit unit;
  unit.service = ServiceSection(text);
  unit.argv = ExpandExecStart(Get(unit.service, "ExecStart"), Environment(unit.service, env_text));
  return unit;
}

void ExpectDaemonSettings(const Unit& unit) {
  EXPECT_FALSE(Get(unit.service, "User").empty());
  EXPECT_NE(Get(unit.service, "User"), "root");
  EXPECT_EQ(Get(unit.service, "Restart"), "on-failure");
  // control-group: a stopped or restarted daemon takes its runners and their children along.
  EXPECT_EQ(Get(unit.service, "KillMode"), "control-group");
  EXPECT_EQ(Get(unit.service, "NoNewPrivileges"), "yes");
  EXPECT_EQ(Get(unit.service, "ProtectSystem"), "strict");
  EXPECT_NE(Get(unit.service, "EnvironmentFile"), "");
}

TEST(SystemdUnitsTest, WorkerUnitStartsAWorkerThatCanForkRunners) {
  Unit unit = LoadUnit("parlab-worker.service", "parlab-worker.env");
  ExpectDaemonSettings(unit);
  // Process models fork a child per unit of concurrency; systemd's default cap (15% of the
  // kernel's) would fail them, while no cap at all would let a fork loop take the machine.
  int64_t tasks_max = 0;
  ASSERT_TRUE(absl::SimpleAtoi(Get(unit.service, "TasksMax"), &tasks_max))
      << "TasksMax must be a number, got \"" << Get(unit.service, "TasksMax") << "\"";
  EXPECT_GE(tasks_max, 1024);
  EXPECT_LE(tasks_max, 65536);
  // A job that allocates without bound is killed inside the unit, not across the host.
  const std::string memory_max = Get(unit.service, "MemoryMax");
  EXPECT_NE(memory_max, "");
  EXPECT_NE(memory_max, "infinity");
  // A cgroup per job (pids.max, memory.max) needs the unit's cgroup delegated and writable.
  EXPECT_NE(Get(unit.service, "Delegate").find("pids"), std::string::npos)
      << "Delegate= must hand the worker the pids controller";
  EXPECT_NE(Get(unit.service, "ProtectControlGroups"), "yes") << "it makes cgroups read-only";
  EXPECT_EQ(unit.service.count("SystemCallFilter"), 0u) << "runners fork, exec, set affinity";
  EXPECT_EQ(unit.service.count("MemoryDenyWriteExecute"), 0u) << "plugins are dlopen'd";
  ASSERT_FALSE(unit.argv.empty());
  EXPECT_EQ(unit.argv[0], "/usr/local/bin/parlab-worker");
  absl::StatusOr<WorkerOptions> options = ParseWorkerFlags(
      std::vector<std::string>(unit.argv.begin() + 1, unit.argv.end()), "/usr/local/bin");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->listen, "0.0.0.0:7471");
  // A network address: TLS and tokens (docs/security.md), never --insecure.
  EXPECT_FALSE(options->security.tls_cert.empty());
  EXPECT_FALSE(options->security.tls_ca.empty());
  EXPECT_FALSE(options->security.tokens.empty());
  EXPECT_FALSE(options->security.token_file.empty());
  EXPECT_FALSE(options->security.insecure);
}

TEST(SystemdUnitsTest, CoordinatorUnitKeepsItsStoreInTheStateDirectory) {
  Unit unit = LoadUnit("parlab-coordinator.service", "parlab-coordinator.env");
  ExpectDaemonSettings(unit);
  const std::string state_dir = "/var/lib/" + Get(unit.service, "StateDirectory");
  ASSERT_NE(state_dir, "/var/lib/");
  ASSERT_FALSE(unit.argv.empty());
  EXPECT_EQ(unit.argv[0], "/usr/local/bin/parlab-coordinator");
  std::vector<std::string> args(unit.argv.begin() + 1, unit.argv.end());
  bool store_in_state_dir = false;
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--store") store_in_state_dir = args[i + 1].rfind(state_dir + "/", 0) == 0;
  }
  EXPECT_TRUE(store_in_state_dir) << "--store must be under " << state_dir;
  for (const char* flag : {"--tls-cert", "--tls-key", "--tls-ca", "--tokens", "--token-file"}) {
    EXPECT_NE(std::find(args.begin(), args.end(), flag), args.end()) << flag << " missing";
  }
  EXPECT_EQ(std::find(args.begin(), args.end(), "--insecure"), args.end());
  EXPECT_EQ(CoordinatorRejects(args), "");
}

TEST(SystemdUnitsTest, SystemdAnalyzeFindsNothingButTheUninstalledBinaries) {
  const std::vector<std::string> argv = {"/usr/bin/systemd-analyze", "verify",
                                         DeployPath("systemd/parlab-worker.service"),
                                         DeployPath("systemd/parlab-coordinator.service")};
  if (!std::filesystem::exists(argv[0])) GTEST_SKIP() << argv[0] << " is not installed";
  e2e::Completed run = e2e::RunToCompletion(argv, absl::Seconds(30));
  for (absl::string_view line : absl::StrSplit(run.out + run.err, '\n', absl::SkipEmpty())) {
    // The binaries are only there after `cmake --install`; anything else is a unit error.
    EXPECT_NE(line.find("is not executable: No such file"), absl::string_view::npos) << line;
  }
}

}  // namespace
}  // namespace parlab::deploy_test
