// The METG section the table report prints, and the words for a METG that is absent.
#include "parlab/report/metg_section.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metg_fixture.h"

namespace parlab::report {
namespace {

using results::Aggregates;
using results::MetgCurve;
using results::MetgNote;
using results::MetgPoint;
using results::ResultRow;
using results::testing::Point;
using results::testing::Row;
using ::testing::HasSubstr;

TEST(MetgSectionTest, OneLinePerCurveWithItsPoints) {
  std::vector<ResultRow> rows = {
      Row("sequential", 1, "big", 1000, 1e6),    Row("sequential", 1, "mid", 1000, 1e5),
      Row("sequential", 1, "small", 1000, 1e4),  Row("thread_pool", 4, "big", 1000, 0.55e6),
      Row("thread_pool", 4, "mid", 1000, 0.8e5), Row("thread_pool", 4, "small", 1000, 2.5e4)};
  std::ostringstream out;
  WriteMetgSection(rows, out);
  EXPECT_THAT(out.str(), HasSubstr("METG(50%)"));
  EXPECT_THAT(out.str(), ::testing::ContainsRegex("thread_pool +4 +2 +128 ns"));
  EXPECT_THAT(out.str(), HasSubstr("big: 1.1 us, 91%"));
}

TEST(MetgSectionTest, NoSweepNoSection) {
  ResultRow row = Row("threads", 2, "", 100, 1e6);
  EXPECT_TRUE(results::ComputeMetg({row}).empty());
  std::ostringstream out;
  WriteMetgSection({row}, out);
  EXPECT_EQ(out.str(), "");
}

TEST(MetgNoteTextTest, SaysWhyTheMetgIsAbsent) {
  EXPECT_EQ(MetgNoteText(MetgNote::kNone, {}), "");
  EXPECT_EQ(MetgNoteText(MetgNote::kNoPoints, {}), "no points");
  EXPECT_EQ(MetgNoteText(MetgNote::kNeverReached, {}), "efficiency < 50% at every point");
  EXPECT_EQ(MetgNoteText(MetgNote::kBelowSmallestPoint, {Point(2500, 0.97), Point(1000, 0.99)}),
            "METG below the smallest point, 1.0 us");
  std::vector<ResultRow> rows = {Row("sequential", 1, "big", 100, 1e6),
                                 Row("threads", 2, "big", 100, 0.5e6),
                                 Row("threads", 2, "small", 100, 0.5e4)};
  std::vector<MetgCurve> curves = results::ComputeMetg(rows);
  ASSERT_EQ(curves.size(), 1u);
  EXPECT_EQ(MetgNoteText(curves[0].note, curves[0].points),
            "METG below the smallest point, 10.0 us");
}

}  // namespace
}  // namespace parlab::report
