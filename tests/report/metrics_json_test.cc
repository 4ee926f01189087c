// Sample.metrics in the JSON report: each sample's own figures, and the median of each over the
// measured samples (warm-ups excluded) in the row's aggregates.
#include <gtest/gtest.h>

#include <sstream>

#include "nlohmann/json.hpp"
#include "parlab/report/reporter.h"
#include "parlab/results/aggregate.h"

namespace parlab::report {
namespace {

namespace stats = results::stats;
using results::Aggregate;
using results::Aggregates;
using results::AggregateSamples;
using results::ResultRow;

v1::Sample SampleWith(bool warmup, int64_t wall_ns, double create_us) {
  v1::Sample s;
  s.set_warmup(warmup);
  s.set_wall_ns(wall_ns);
  s.set_tasks(50);
  (*s.mutable_metrics())["create_us_per_unit"] = create_us;
  return s;
}

TEST(MetricsJson, SamplesCarryMetricsAndAggregatesTheirMedian) {
  ResultRow row;
  row.worker = "127.0.0.1:1";
  row.machine = "alpha";
  row.model = "threads";
  row.concurrency = 50;
  row.status = v1::JOB_STATUS_OK;
  row.samples = {SampleWith(true, 9, 1000.0), SampleWith(false, 10, 30.0),
                 SampleWith(false, 12, 20.0), SampleWith(false, 11, 25.0),
                 SampleWith(false, 13, 40.0)};
  row.aggregates = AggregateSamples(row.samples);

  std::ostringstream out;
  JsonReporter reporter(out);
  reporter.ReportContext(RunContext{});
  reporter.ReportRows({row});
  reporter.Finalize();
  nlohmann::json doc = nlohmann::json::parse(out.str());
  const nlohmann::json& result = doc["results"][0];
  EXPECT_EQ(result["samples"][0]["metrics"]["create_us_per_unit"], 1000.0);
  EXPECT_EQ(result["samples"][4]["metrics"]["create_us_per_unit"], 40.0);
  // Measured 20, 25, 30, 40: the warm-up's 1000 is not counted.
  EXPECT_EQ(result["aggregates"]["median_metrics"]["create_us_per_unit"], 27.5);
}

TEST(MetricsJson, NoMetricsNoFields) {
  ResultRow row;
  row.model = "threads";
  row.status = v1::JOB_STATUS_OK;
  v1::Sample s;
  s.set_wall_ns(10);
  row.samples = {s};
  row.aggregates = AggregateSamples(row.samples);
  std::ostringstream out;
  JsonReporter reporter(out);
  reporter.ReportRows({row});
  reporter.Finalize();
  nlohmann::json doc = nlohmann::json::parse(out.str());
  EXPECT_FALSE(doc["results"][0]["samples"][0].contains("metrics"));
  EXPECT_FALSE(doc["results"][0]["aggregates"].contains("median_metrics"));
}

}  // namespace
}  // namespace parlab::report
