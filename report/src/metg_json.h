// The JSON form of the METG section (the "metg" array of parlab.results/v1), for the JSON
// reporter. Private to the report library: its public headers stay free of nlohmann.
//
//   document["metg"] = MetgToJson(rows);
#ifndef PARLAB_REPORT_SRC_METG_JSON_H_
#define PARLAB_REPORT_SRC_METG_JSON_H_

#include <vector>

#include "nlohmann/json.hpp"
#include "parlab/results/aggregate.h"

namespace parlab::report {

using MetgJson = nlohmann::ordered_json;

// One entry per METG curve: machine, worker, model, concurrency, p, metg_ns (null when
// absent), note (why), points [{sweep_value, tasks, median_wall_ns, granularity_ns,
// efficiency}], largest granularity first. Empty when no row is swept.
MetgJson MetgToJson(const std::vector<results::ResultRow>& rows);

}  // namespace parlab::report

#endif  // PARLAB_REPORT_SRC_METG_JSON_H_
