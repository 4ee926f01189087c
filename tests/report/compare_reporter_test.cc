// `parlab compare`'s three outputs over made-up runs: table, Markdown and JSON.
#include "parlab/report/compare_reporter.h"

#include <sstream>
#include <string>

#include "compare_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace parlab::report {
namespace {

using results::RunComparison;
using results::testing::Compare;
using results::testing::MakeRun;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(CompareTest, ReportsTableMarkdownAndJson) {
  v1::RunRecord b = MakeRun("run-b", 52, 63, 11);
  RunComparison c = Compare(MakeRun("run-a", 40, 42, 22), b);

  std::ostringstream table;
  ASSERT_TRUE(ReportComparison(c, "table", table).ok());
  EXPECT_THAT(table.str(), HasSubstr("A: run-a on alpha (127.0.0.1:4511): plan cpu-sieve"));
  EXPECT_THAT(table.str(), HasSubstr("slower"));
  EXPECT_THAT(table.str(), HasSubstr("faster"));
  EXPECT_THAT(table.str(), HasSubstr("1.500 ["));
  EXPECT_THAT(table.str(), HasSubstr("B against A: faster in 1, slower in 2, no significant "
                                     "difference in 0 of 3 comparable rows"));
  EXPECT_THAT(table.str(), HasSubstr("Warning: alpha ran the same plan"));

  std::ostringstream markdown;
  ASSERT_TRUE(ReportComparison(c, "markdown", markdown).ok());
  EXPECT_THAT(markdown.str(), HasSubstr("## Compare run-a (A) with run-b (B)"));
  EXPECT_THAT(markdown.str(), HasSubstr("| thread_pool |"));
  EXPECT_THAT(markdown.str(), Not(HasSubstr("\t")));

  std::ostringstream json;
  ASSERT_TRUE(ReportComparison(c, "json", json).ok());
  nlohmann::json doc = nlohmann::json::parse(json.str());
  EXPECT_EQ(doc["format"], "parlab.compare/v1");
  ASSERT_EQ(doc["rows"].size(), 3u);
  EXPECT_EQ(doc["rows"][1]["verdict"], "slower");
  EXPECT_NEAR(doc["rows"][1]["ratio"].get<double>(), 1.5, 1e-6);
  EXPECT_LT(doc["rows"][1]["p_value"].get<double>(), 0.05);
  EXPECT_GT(doc["rows"][1]["ratio_ci"]["low"].get<double>(), 1);
  EXPECT_EQ(doc["rows"][1]["a"]["measured_samples"], 8);
  EXPECT_EQ(doc["warnings"][0]["code"], "machine-state-changed");

  std::ostringstream csv;
  absl::Status bad = ReportComparison(c, "csv", csv);
  EXPECT_THAT(std::string(bad.message()),
              HasSubstr("compare prints table, markdown, json or html"));
}

// An interval excluding 1 next to "no significant difference": the row is marked and a note
// says which test decides and why the two can disagree.
TEST(CompareTest, MarksRowsWhereTheIntervalAndTheTestDisagree) {
  RunComparison c;
  c.a_label = "a";
  c.b_label = "b";
  results::ComparedRow row;
  row.model = "threads";
  row.concurrency = 2;
  row.a.median = 11;
  row.b.median = 21;
  row.comparison = results::stats::CompareSamples({10, 11, 12}, {20, 21, 22});
  c.rows.push_back(row);
  std::ostringstream table;
  ASSERT_TRUE(ReportComparison(c, "table", table).ok());
  EXPECT_THAT(table.str(), HasSubstr("no significant difference *"));
  EXPECT_THAT(table.str(), HasSubstr("* On 1 row the ratio's 95% CI and the U test disagree: the "
                                     "verdict follows the U test"));
  std::ostringstream json;
  ASSERT_TRUE(ReportComparison(c, "json", json).ok());
  EXPECT_EQ(nlohmann::json::parse(json.str())["rows"][0]["interval_agrees"], false);
}

}  // namespace
}  // namespace parlab::report
