// The docs agree with the code: every plan key the parser accepts, every workload kind and
// every parameter its ParamReader accepts has its place in docs/plans.md, with the defaults of
// ApplyPlanDefaults; every flag of the CLI's one flag table is documented (docs/ or README.md);
// every command's --help lists exactly the flags that command accepts; and every RPC of the
// proto's services is listed in docs/api.md.
//
// The lists come from the code itself, through the errors it gives for an unknown name
// ("unknown field (known: ...)", "unknown parameter of KIND (valid: ...)"), so a key or a
// parameter added to the code without a line in the docs fails here.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "args.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "parlab/coordinator/plan.h"
#include "parlab/workloads/workload.h"

namespace parlab {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string PlansDoc() {
  const std::string text = ReadFile(std::filesystem::path(PARLAB_SOURCE_DIR) / "docs/plans.md");
  EXPECT_FALSE(text.empty()) << "docs/plans.md is missing";
  return text;
}

// "...(known: a, b, c)" or "...(valid: a, b)" -> {a, b, c}.
std::vector<std::string> ListAfter(const std::string& message, const std::string& marker) {
  const size_t at = message.find(marker);
  if (at == std::string::npos) return {};
  const size_t begin = at + marker.size();
  const size_t end = message.find(')', begin);
  return absl::StrSplit(message.substr(begin, end - begin), ", ", absl::SkipEmpty());
}

// The plan keys the parser accepts at `json`'s level, from its error for an unknown one.
std::vector<std::string> KnownKeys(const std::string& json) {
  absl::StatusOr<v1::Plan> plan = coordinator::ParsePlanJson(json);
  EXPECT_FALSE(plan.ok()) << json;
  if (plan.ok()) return {};
  return ListAfter(std::string(plan.status().message()), "(known: ");
}

// The parameters a workload's ParamReader accepts, from its error for an unknown one.
std::vector<std::string> WorkloadParams(const std::string& kind) {
  v1::WorkloadSpec spec;
  spec.set_kind(kind);
  (*spec.mutable_params())["no_such_param_xyz"] = "1";
  absl::Status status = workloads::ValidateWorkloadSpec(spec);
  EXPECT_FALSE(status.ok()) << kind;
  return ListAfter(std::string(status.message()), "(valid: ");
}

// The text of the section whose heading line starts with `heading`, up to the next heading of
// the same or a higher level; "" when there is none.
std::string Section(const std::string& doc, const std::string& heading) {
  const size_t level = heading.find_first_not_of('#');
  size_t at = doc.find("\n" + heading);
  if (at == std::string::npos) return "";
  at += 1;
  size_t end = at + heading.size();
  while (true) {
    end = doc.find("\n#", end);
    if (end == std::string::npos) return doc.substr(at);
    const size_t next_level = doc.find_first_not_of('#', end + 1) - (end + 1);
    if (next_level <= level && doc[end + 1 + next_level] == ' ') return doc.substr(at, end - at);
    ++end;
  }
}

TEST(PlansDocTest, EveryPlanKeyHasItsSection) {
  const std::string doc = PlansDoc();
  const std::vector<std::string> top = KnownKeys(R"({"no_such_key_xyz": 1})");
  ASSERT_GE(top.size(), 16u) << "the parser's list of keys was not found in its error";
  for (const std::string& key : top) {
    // workload and sweep are documented by their members below.
    if (key == "workload" || key == "sweep") continue;
    EXPECT_NE(Section(doc, absl::StrCat("### `", key, "`")), "")
        << "docs/plans.md has no section \"### `" << key << "`\" for the plan key " << key;
  }
  const std::string base = R"("workload": {"kind": "sleep"}, "models": ["sequential"])";
  const std::vector<std::string> workload =
      KnownKeys(R"({"workload": {"kind": "sleep", "no_such_key_xyz": 1}, "models": ["x"]})");
  const std::vector<std::string> sweep =
      KnownKeys(absl::StrCat("{", base, R"(, "sweep": {"no_such_key_xyz": 1}})"));
  ASSERT_THAT(workload, ::testing::Contains("kind"));
  ASSERT_THAT(sweep, ::testing::Contains("param"));
  for (const std::string& key : workload) {
    EXPECT_NE(Section(doc, absl::StrCat("### `workload.", key, "`")), "")
        << "docs/plans.md has no section for plan.workload." << key;
  }
  for (const std::string& key : sweep) {
    EXPECT_THAT(doc, ::testing::HasSubstr(absl::StrCat("`sweep.", key, "`")))
        << "docs/plans.md does not document plan.sweep." << key;
  }
}

TEST(PlansDocTest, EveryWorkloadParameterIsInItsKindsTable) {
  const std::string doc = PlansDoc();
  const std::string workloads = Section(doc, "## Workloads");
  ASSERT_NE(workloads, "") << "docs/plans.md has no \"## Workloads\" section";
  const std::vector<v1::WorkloadInfo> kinds = workloads::ListWorkloads();
  ASSERT_GE(kinds.size(), 11u);
  for (const v1::WorkloadInfo& kind : kinds) {
    const std::string section = Section(workloads, absl::StrCat("### `", kind.kind(), "`"));
    EXPECT_NE(section, "") << "docs/plans.md has no section \"### `" << kind.kind() << "`\"";
    const std::vector<std::string> params = WorkloadParams(kind.kind());
    EXPECT_FALSE(params.empty()) << kind.kind() << ": no parameter list in its error";
    for (const std::string& param : params) {
      EXPECT_THAT(section, ::testing::HasSubstr(absl::StrCat("| `", param, "` |")))
          << "docs/plans.md: the table of " << kind.kind() << " has no row for " << param;
    }
  }
}

// The defaults table quotes ApplyPlanDefaults' constants.
TEST(PlansDocTest, TheDefaultsAreTheCodes) {
  const std::string doc = PlansDoc();
  for (const std::string& row :
       {absl::StrCat("| `repetitions` | ", coordinator::kDefaultRepetitions, " |"),
        absl::StrCat("| `warmup` | ", coordinator::kDefaultWarmup, " |"),
        absl::StrCat("| max(", coordinator::kDefaultMaxRepetitions, ", `repetitions`) |"),
        std::string("| `concurrency` | `[1]` |")}) {
    EXPECT_NE(doc.find(row), std::string::npos)
        << "docs/plans.md's defaults table has no row \"" << row << "\"";
  }
}

// A flag of the global help: its name and whether it takes a value ("  --limit N  ...").
struct CliFlag {
  std::string name;
  bool takes_value = false;
};

std::vector<CliFlag> CliFlagsFromHelp() {
  std::vector<CliFlag> flags;
  static const std::regex kLine(R"(^  (--[a-z][a-z-]*)( [A-Z])?)");
  for (absl::string_view line : absl::StrSplit(cli::Usage(), '\n')) {
    std::cmatch match;
    const std::string text(line);
    if (std::regex_search(text.c_str(), match, kLine)) {
      flags.push_back({match[1].str(), match[2].matched});
    }
  }
  return flags;
}

// Every RPC of every service in parlab.proto is named in docs/api.md's list of the services, so
// a call added to the proto cannot go undocumented.
TEST(ApiDocTest, EveryRpcIsInTheServicesList) {
  const std::string doc = ReadFile(std::filesystem::path(PARLAB_SOURCE_DIR) / "docs/api.md");
  const std::string services = Section(doc, "## The services");
  ASSERT_NE(services, "") << "docs/api.md has no section \"The services\"";
  const google::protobuf::FileDescriptor* file = v1::Plan::descriptor()->file();
  ASSERT_GE(file->service_count(), 2);
  for (int s = 0; s < file->service_count(); ++s) {
    const google::protobuf::ServiceDescriptor* service = file->service(s);
    EXPECT_THAT(services, ::testing::HasSubstr("`" + service->name() + "`"));
    for (int m = 0; m < service->method_count(); ++m) {
      const std::string& rpc = service->method(m)->name();
      EXPECT_TRUE(std::regex_search(services, std::regex("`" + rpc + "[`( ]")))
          << "docs/api.md does not list " << service->name() << "." << rpc;
    }
  }
}

TEST(CliDocTest, EveryFlagIsDocumented) {
  std::string docs = ReadFile(std::filesystem::path(PARLAB_SOURCE_DIR) / "README.md");
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(PARLAB_SOURCE_DIR) / "docs")) {
    if (entry.path().extension() == ".md") docs += ReadFile(entry.path());
  }
  const std::vector<CliFlag> flags = CliFlagsFromHelp();
  ASSERT_GE(flags.size(), 10u) << cli::Usage();
  for (const CliFlag& flag : flags) {
    const std::regex mention(absl::StrCat(flag.name, "([^a-z-]|$)"));
    EXPECT_TRUE(std::regex_search(docs, mention))
        << flag.name << " is in `parlab --help` but in neither README.md nor docs/*.md";
  }
}

// What each command accepts is what its --help lists: a flag `parlab CMD --help` shows is never
// refused as another command's, and one it does not show is refused.
TEST(CliDocTest, EachCommandsHelpListsTheFlagsItAccepts) {
  const std::map<std::string, std::vector<std::string>> commands = {
      {"run", {"run", "p.json"}},
      {"workers", {"workers"}},
      {"models", {"models"}},
      {"models validate", {"models", "validate", "m.so"}},
      {"results list", {"results", "list"}},
      {"results show", {"results", "show", "latest"}},
      {"compare", {"compare", "latest"}},
      {"export", {"export", "latest"}},
  };
  // A valid value for each flag that takes one, so that the value passes and only "is it this
  // command's flag" decides (values are checked before the command's flags); "x" otherwise.
  const std::map<std::string, std::string> values = {
      {"--workers", "h:1"},       {"--coordinator", "h:1"}, {"--format", "json"},
      {"--connect-timeout", "1"}, {"--workers-dns", "h:1"}, {"--select", "a=b"},
      {"--mode", "shard"},        {"--limit", "3"},         {"--progress", "none"},
  };
  const std::vector<CliFlag> flags = CliFlagsFromHelp();
  ASSERT_GE(flags.size(), 10u);
  for (const auto& [name, args] : commands) {
    const std::string help = cli::CommandUsage(name);
    ASSERT_NE(help, "") << name;
    for (const CliFlag& flag : flags) {
      std::vector<std::string> argv = args;
      argv.push_back(flag.name);
      if (flag.takes_value) {
        auto value = values.find(flag.name);
        argv.push_back(value == values.end() ? "x" : value->second);
      }
      absl::StatusOr<cli::CliOptions> parsed = cli::ParseCliArgs(argv);
      const bool listed = help.find(absl::StrCat("\n  ", flag.name, " ")) != std::string::npos;
      const std::string error = parsed.ok() ? "" : std::string(parsed.status().message());
      if (listed) {
        // A listed flag may still need a partner ("--tls-ca does nothing without
        // --coordinator"), but it must never be refused as another command's flag.
        EXPECT_EQ(error.find(": not a flag of `"), std::string::npos)
            << "parlab " << name << " " << flag.name << ": " << error << ", but `parlab " << name
            << " --help` lists it:\n"
            << help;
      } else {
        // A flag the help does not list must be refused, whatever the words.
        EXPECT_FALSE(parsed.ok()) << "parlab " << name << " " << flag.name
                                  << ": accepted, but not listed in `parlab " << name
                                  << " --help`:\n"
                                  << help;
      }
    }
  }
}

}  // namespace
}  // namespace parlab
