// The `parlab` CLI's argument parser.
#include "args.h"

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parlab::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ErrorOf(const std::vector<std::string>& args) {
  absl::StatusOr<CliOptions> options = ParseCliArgs(args);
  EXPECT_FALSE(options.ok());
  return options.ok() ? "" : std::string(options.status().message());
}

TEST(ParseCliArgsTest, RunWithEveryOption) {
  absl::StatusOr<CliOptions> options = ParseCliArgs(
      {"run", "plan.json", "--workers", "a:1,b:2", "--format=json", "--connect-timeout", "0.5"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->command, CliCommand::kRun);
  EXPECT_EQ(options->plan_path, "plan.json");
  EXPECT_THAT(options->workers, ::testing::ElementsAre("a:1", "b:2"));
  EXPECT_EQ(options->format, "json");
  EXPECT_EQ(options->connect_timeout, absl::Milliseconds(500));
  // --plugins is for the auto-started local worker (with --workers it is an error, below).
  absl::StatusOr<CliOptions> local = ParseCliArgs({"run", "plan.json", "--plugins", "/x:/y"});
  ASSERT_TRUE(local.ok()) << local.status();
  EXPECT_EQ(local->plugins, "/x:/y");
}

TEST(ParseCliArgsTest, CredentialsForDaemonsOnly) {
  absl::StatusOr<CliOptions> remote =
      ParseCliArgs({"run", "p.json", "--coordinator", "c:1", "--tls-ca", "ca.crt", "--tls-cert",
                    "me.crt", "--tls-key", "me.key", "--token-file", "me.token"});
  ASSERT_TRUE(remote.ok()) << remote.status();
  EXPECT_TRUE(TalksToDaemons(*remote));
  EXPECT_EQ(remote->tls_ca, "ca.crt");
  EXPECT_EQ(remote->tls_cert, "me.crt");
  EXPECT_EQ(remote->tls_key, "me.key");
  EXPECT_EQ(remote->token_file, "me.token");
  EXPECT_TRUE(ParseCliArgs({"results", "list", "--coordinator", "c:1", "--tls-ca", "ca"}).ok());
  EXPECT_TRUE(ParseCliArgs({"workers", "--workers", "w:1", "--token-file", "t"}).ok());
  // The local worker and a store file need none: a flag that would do nothing is an error.
  absl::StatusOr<CliOptions> local = ParseCliArgs({"run", "p.json", "--tls-ca", "ca.crt"});
  EXPECT_THAT(local.status().message(),
              HasSubstr("--tls-ca: does nothing without --coordinator, --workers"));
  EXPECT_FALSE(ParseCliArgs({"results", "list", "--store", "s.db", "--token-file", "t"}).ok());
  EXPECT_FALSE(ParseCliArgs({"models", "validate", "x.so", "--tls-ca", "ca"}).ok());
  // A secret is never a command-line value.
  EXPECT_THAT(ParseCliArgs({"run", "p.json", "--coordinator", "c:1", "--token", "s3cret"})
                  .status()
                  .message(),
              HasSubstr("unknown option \"--token\""));
}

TEST(ParseCliArgsTest, Defaults) {
  absl::StatusOr<CliOptions> options = ParseCliArgs({"run", "p.json"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->format, "table");
  EXPECT_EQ(options->connect_timeout, absl::Seconds(5));
  EXPECT_TRUE(options->workers.empty());
  EXPECT_TRUE(options->coordinator.empty());
}

TEST(ParseCliArgsTest, HelpAndVersion) {
  EXPECT_EQ(ParseCliArgs({"--help"})->command, CliCommand::kHelp);
  EXPECT_EQ(ParseCliArgs({"run", "--version"})->command, CliCommand::kVersion);
  EXPECT_EQ(ParseCliArgs({"workers", "--coordinator", "c:1"})->command, CliCommand::kWorkers);
}

TEST(ParseCliArgsTest, BadValuesNameTheOptionAndValue) {
  EXPECT_THAT(ErrorOf({"run", "p.json", "--format", "xml"}),
              HasSubstr("--format: must be table, markdown, csv, json, gbench-json or html, "
                        R"(got "xml")"));
  EXPECT_THAT(ErrorOf({"run", "p.json", "--connect-timeout", "soon"}),
              HasSubstr(R"(--connect-timeout: must be a positive number of seconds, got "soon")"));
  EXPECT_THAT(ErrorOf({"run", "p.json", "--connect-timeout=0"}), HasSubstr(R"(got "0")"));
  EXPECT_THAT(ErrorOf({"run", "p.json", "--workers", ","}), HasSubstr("--workers"));
  EXPECT_THAT(ErrorOf({"run", "p.json", "--workers"}), HasSubstr("--workers: missing value"));
  EXPECT_THAT(ErrorOf({"run", "p.json", "--frobnicate"}),
              HasSubstr(R"(unknown option "--frobnicate")"));
}

TEST(ParseCliArgsTest, BadCommands) {
  EXPECT_THAT(ErrorOf({}), HasSubstr("missing command"));
  EXPECT_THAT(ErrorOf({"run"}), HasSubstr("run: missing PLAN.json"));
  EXPECT_THAT(ErrorOf({"run", "a.json", "b.json"}), HasSubstr(R"(unexpected argument "b.json")"));
  EXPECT_THAT(ErrorOf({"bench"}), HasSubstr(R"(unknown command "bench")"));
  EXPECT_THAT(ErrorOf({"runn", "p.json"}),
              HasSubstr(R"(unknown command "runn" (did you mean "run"?))"));
  EXPECT_THAT(ErrorOf({"run", "p.json", "--formt", "json"}),
              HasSubstr(R"(unknown option "--formt" (did you mean --format?))"));
  EXPECT_THAT(ErrorOf({"workers", "--workers", "a:1", "--coordinator", "c:1"}),
              HasSubstr("not both"));
}

// A flag that would do nothing in the chosen mode is an error naming the conflict.
TEST(ParseCliArgsTest, FlagsThatWouldDoNothingAreErrors) {
  EXPECT_THAT(ErrorOf({"run", "p.json", "--coordinator", "c:1", "--no-store"}),
              HasSubstr("run: --no-store does nothing with --coordinator"));
  EXPECT_THAT(ErrorOf({"run", "p.json", "--coordinator", "c:1", "--store", "x.db"}),
              HasSubstr("run: --store does nothing with --coordinator"));
  EXPECT_THAT(ErrorOf({"run", "p.json", "--coordinator", "c:1", "--plugins", "/p"}),
              HasSubstr("run: --plugins is for the auto-started local worker; with --coordinator"));
  EXPECT_THAT(ErrorOf({"run", "p.json", "--workers", "w:1", "--plugins", "/p"}),
              HasSubstr("with --workers the workers load their own"));
  EXPECT_THAT(ErrorOf({"models", "validate", "m.so", "--plugins", "/p"}),
              HasSubstr("models validate: --plugins does nothing"));
  EXPECT_TRUE(ParseCliArgs({"run", "p.json", "--plugins", "/p", "--no-store"}).ok());
}

// `parlab CMD --help` and `parlab help CMD`: the command's own synopsis and only its flags.
TEST(ParseCliArgsTest, EveryCommandHasItsOwnHelp) {
  for (const char* command : {"run", "workers", "models", "models validate", "results list",
                              "results show", "compare", "export"}) {
    std::vector<std::string> args = absl::StrSplit(command, ' ');
    args.push_back("--help");
    absl::StatusOr<CliOptions> options = ParseCliArgs(args);
    ASSERT_TRUE(options.ok()) << command << ": " << options.status();
    EXPECT_EQ(options->command, CliCommand::kHelp);
    EXPECT_EQ(options->help_topic, command);
    const std::string help = CommandUsage(command);
    EXPECT_THAT(help, HasSubstr(absl::StrCat("usage: parlab ", command))) << help;
    EXPECT_NE(help, Usage());
  }
  EXPECT_EQ(ParseCliArgs({"help", "results", "show"})->help_topic, "results show");
  EXPECT_EQ(ParseCliArgs({"-h"})->help_topic, "");
  const std::string run = CommandUsage("run");
  EXPECT_THAT(run, HasSubstr("--progress MODE"));
  EXPECT_THAT(run, HasSubstr("--format FORMAT"));
  EXPECT_THAT(run, HasSubstr("table, markdown, csv, json, gbench-json or html"));
  EXPECT_THAT(run, Not(HasSubstr("--limit")));
  EXPECT_THAT(CommandUsage("results list"), HasSubstr("--limit N"));
  EXPECT_THAT(CommandUsage("results list"), Not(HasSubstr("--progress")));
  EXPECT_THAT(ErrorOf({"help", "frobnicate"}), HasSubstr("help: unknown command \"frobnicate\""));
}

// A flag the command does not read is an error that names the commands that do.
TEST(ParseCliArgsTest, AFlagOfAnotherCommandIsAnError) {
  EXPECT_THAT(ErrorOf({"run", "p.json", "--limit", "3"}),
              HasSubstr("--limit: not a flag of `run` (it is for: results list)"));
  EXPECT_THAT(ErrorOf({"results", "list", "--progress", "none"}),
              HasSubstr("--progress: not a flag of `results list` (it is for: run)"));
  EXPECT_THAT(ErrorOf({"export", "latest", "--long"}),
              HasSubstr("--long: not a flag of `export` (it is for: workers)"));
}

}  // namespace
}  // namespace parlab::cli
