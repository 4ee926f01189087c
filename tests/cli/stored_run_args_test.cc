// `parlab compare` / `parlab export` on the command line, and --format's accepted names.
#include <string>
#include <vector>

#include "args.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parlab::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ErrorOf(const std::vector<std::string>& args) {
  absl::StatusOr<CliOptions> options = ParseCliArgs(args);
  return options.ok() ? "" : std::string(options.status().message());
}

TEST(StoredRunArgsTest, CompareTakesOneOrTwoRuns) {
  absl::StatusOr<CliOptions> two =
      ParseCliArgs({"compare", "run-a", "latest@alpha", "--store", "x.db", "--format", "json"});
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->command, CliCommand::kCompare);
  EXPECT_THAT(two->compare, ElementsAre("run-a", "latest@alpha"));
  EXPECT_EQ(two->store, "x.db");
  EXPECT_EQ(two->format, "json");

  absl::StatusOr<CliOptions> one = ParseCliArgs({"compare", "run-a"});
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_THAT(one->compare, ElementsAre("run-a"));

  EXPECT_THAT(ErrorOf({"compare"}), HasSubstr("compare: missing A and B"));
  EXPECT_THAT(ErrorOf({"compare", "a", "b", "c"}), HasSubstr("unexpected argument \"c\""));
  EXPECT_THAT(ErrorOf({"compare", "a", "b", "--format", "csv"}),
              HasSubstr("compare prints table, markdown, json or html, got \"csv\""));
  EXPECT_THAT(ErrorOf({"compare", "a", "b", "--store", "x.db", "--coordinator", "h:1"}),
              HasSubstr("give --store or --coordinator, not both"));
}

TEST(StoredRunArgsTest, ExportTakesOneRunAndEveryFormat) {
  for (const char* format : {"table", "markdown", "csv", "json", "gbench-json"}) {
    absl::StatusOr<CliOptions> options = ParseCliArgs({"export", "latest", "--format", format});
    ASSERT_TRUE(options.ok()) << format << ": " << options.status();
    EXPECT_EQ(options->command, CliCommand::kExport);
    EXPECT_EQ(options->run_id, "latest");
    EXPECT_EQ(options->format, format);
  }
  EXPECT_THAT(ErrorOf({"export"}), HasSubstr("export: missing RUN"));
  EXPECT_THAT(ErrorOf({"export", "a", "b"}), HasSubstr("unexpected argument \"b\""));
  EXPECT_THAT(ErrorOf({"export", "a", "--format", "xml"}),
              HasSubstr("must be table, markdown, csv, json, gbench-json or html, got \"xml\""));
}

TEST(StoredRunArgsTest, RunAcceptsTheNewFormatsButWorkersDoNot) {
  absl::StatusOr<CliOptions> run = ParseCliArgs({"run", "p.json", "--format=gbench-json"});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->format, "gbench-json");
  EXPECT_THAT(ErrorOf({"workers", "--format", "csv"}),
              HasSubstr("workers prints table or json, got \"csv\""));
}

}  // namespace
}  // namespace parlab::cli
