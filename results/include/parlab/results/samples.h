// Small facts about job results that every layer above asks the same way: which model is the
// speedup baseline, how many measured repetitions a result holds, a job status's name.
//
//   if (CountMeasured(result) != job.repetitions()) ...;   // warm-ups never count
//   row.status_name = JobStatusName(result.status());      // "OK", "FAILED", ...
#ifndef PARLAB_RESULTS_SAMPLES_H_
#define PARLAB_RESULTS_SAMPLES_H_

#include <string>
#include <vector>

#include "parlab/v1/parlab.pb.h"

namespace parlab::results {

// The model every speedup is measured against (at concurrency 1, on the same machine).
inline constexpr char kBaselineModel[] = "sequential";

// The measured (non-warm-up) samples of a result.
int CountMeasured(const v1::JobResult& result);

// Measured wall times in the order they were measured (the order of the samples).
std::vector<double> MeasuredWalls(const std::vector<v1::Sample>& samples);

// "OK", "FAILED", "CANCELLED", "UNSPECIFIED".
std::string JobStatusName(v1::JobStatus status);

}  // namespace parlab::results

#endif  // PARLAB_RESULTS_SAMPLES_H_
