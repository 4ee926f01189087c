// The JSON form of the METG section (the "metg" array of parlab.results/v1), for the JSON
// reporter. Private to the coordinator library: the public API (metg.h) stays free of nlohmann.
//
//   document["metg"] = MetgToJson(rows);
#ifndef PARLAB_COORDINATOR_SRC_METG_JSON_H_
#define PARLAB_COORDINATOR_SRC_METG_JSON_H_

#include <vector>

#include "nlohmann/json.hpp"
#include "parlab/coordinator/aggregate.h"

namespace parlab::coordinator {

using MetgJson = nlohmann::ordered_json;

// One entry per METG curve: machine, worker, model, concurrency, p, metg_ns (null when
// absent), note (why), points [{sweep_value, tasks, median_wall_ns, granularity_ns,
// efficiency}], largest granularity first. Empty when no row is swept.
MetgJson MetgToJson(const std::vector<ResultRow>& rows);

}  // namespace parlab::coordinator

#endif  // PARLAB_COORDINATOR_SRC_METG_JSON_H_
