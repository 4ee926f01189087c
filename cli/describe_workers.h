// What `parlab workers` and `parlab models` both need: the descriptions of the workers a
// command names (--coordinator: its ListWorkers; --workers: Describe each; neither: a local
// worker started as `parlab run` does and stopped again), and their JSON form.
//
//   PARLAB_ASSIGN_OR_RETURN(v1::ListWorkersResponse workers, DescribeWorkers(options, interrupt));
//   PrintJson(workers);
#ifndef PARLAB_COORDINATOR_CLI_DESCRIBE_WORKERS_H_
#define PARLAB_COORDINATOR_CLI_DESCRIBE_WORKERS_H_

#include "absl/status/statusor.h"
#include "args.h"
#include "commands.h"
#include "google/protobuf/message.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::cli {

[[nodiscard]] absl::StatusOr<v1::ListWorkersResponse> DescribeWorkers(const CliOptions& options,
                                                                      Interrupt& interrupt);

// Pretty JSON on stdout, proto field names, zero values printed (max_concurrency 0 means
// "unbounded", so it must show).
void PrintJson(const google::protobuf::Message& message);

}  // namespace parlab::cli

#endif  // PARLAB_COORDINATOR_CLI_DESCRIBE_WORKERS_H_
