#include "parlab/results/samples.h"

namespace parlab::results {

int CountMeasured(const v1::JobResult& result) {
  int measured = 0;
  for (const v1::Sample& sample : result.samples()) measured += sample.warmup() ? 0 : 1;
  return measured;
}

std::vector<double> MeasuredWalls(const std::vector<v1::Sample>& samples) {
  std::vector<double> walls;
  for (const v1::Sample& sample : samples) {
    if (!sample.warmup()) walls.push_back(static_cast<double>(sample.wall_ns()));
  }
  return walls;
}

std::string JobStatusName(v1::JobStatus status) {
  switch (status) {
    case v1::JOB_STATUS_OK:
      return "OK";
    case v1::JOB_STATUS_FAILED:
      return "FAILED";
    case v1::JOB_STATUS_CANCELLED:
      return "CANCELLED";
    default:
      return "UNSPECIFIED";
  }
}

}  // namespace parlab::results
