// The parlab.results/v1 document (docs/output-format.md) as a JSON value: the JSON reporter
// writes it, the HTML reporter embeds its plan. Private to the report library.
//
//   Json doc = RunDocument(context, rows);   // doc["results"][i]["aggregates"]["median_wall_ns"]
#ifndef PARLAB_REPORT_SRC_JSON_DOCUMENT_H_
#define PARLAB_REPORT_SRC_JSON_DOCUMENT_H_

#include <vector>

#include "nlohmann/json.hpp"
#include "parlab/report/reporter.h"
#include "parlab/results/aggregate.h"

namespace parlab::report {

// The whole document: format, run_id, plan, machines, results, summary (and metg when swept).
nlohmann::ordered_json RunDocument(const RunContext& context,
                                   const std::vector<results::ResultRow>& rows);

// The plan's part of it: name, description, workload, models, concurrency, repetitions, ...
nlohmann::ordered_json PlanJson(const v1::Plan& plan);

}  // namespace parlab::report

#endif  // PARLAB_REPORT_SRC_JSON_DOCUMENT_H_
