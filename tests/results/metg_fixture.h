// Made-up METG points and swept rows for the METG tests (results/metg_test,
// report/metg_section_test).
#ifndef PARLAB_TESTS_RESULTS_METG_FIXTURE_H_
#define PARLAB_TESTS_RESULTS_METG_FIXTURE_H_

#include <cstdint>
#include <string>

#include "parlab/results/aggregate.h"
#include "parlab/results/metg.h"

namespace parlab::results::testing {

inline MetgPoint Point(double granularity_ns, double efficiency) {
  MetgPoint point;
  point.granularity_ns = granularity_ns;
  point.efficiency = efficiency;
  return point;
}

// A swept row on a 2-core machine: `tasks` tasks per repetition, one measured wall.
inline ResultRow Row(const std::string& model, int concurrency, const std::string& value,
                     uint64_t tasks, double median_wall_ns) {
  ResultRow row;
  row.worker = "w:1";
  row.machine = "host";
  row.logical_cores = 2;
  row.model = model;
  row.concurrency = concurrency;
  row.sweep_value = value;
  row.status = v1::JOB_STATUS_OK;
  v1::Sample sample;
  sample.set_wall_ns(static_cast<int64_t>(median_wall_ns));
  sample.set_tasks(tasks);
  row.samples.push_back(sample);
  Aggregates a;
  a.measured_samples = 1;
  a.median_wall_ns = median_wall_ns;
  row.aggregates = a;
  return row;
}

}  // namespace parlab::results::testing

#endif  // PARLAB_TESTS_RESULTS_METG_FIXTURE_H_
