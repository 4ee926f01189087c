// Self-registration: `parlab-worker --coordinator ADDR` announces itself to a coordinator
// (RegisterWorker), then sends a Heartbeat every interval saying whether a job is running. A
// coordinator that answers known=false (it restarted) gets the registration again; one that is
// down is retried at every interval, forever: a worker never exits because of its coordinator.
// Stop() (SIGTERM, SIGINT) ends the registration with DeregisterWorker, waiting at most 1 s, so a
// cleanly stopped worker leaves the coordinator's list at once instead of at the heartbeat timeout.
//
//   Announcer announcer("10.0.0.2:7470", absl::Seconds(1),
//                       [&] { return server.Description(); }, [&] { return server.busy(); });
//   ...                       // runs on its own thread
//   announcer.Stop();         // at shutdown (the destructor does it too)
#ifndef PARLAB_WORKER_ANNOUNCER_H_
#define PARLAB_WORKER_ANNOUNCER_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "parlab/v1/parlab.grpc.pb.h"

namespace parlab {

class Announcer {
 public:
  // `describe` returns what to register (its address is the one the coordinator will dial);
  // `busy` whether a job runs now. Both are called on the announcer's thread.
  Announcer(std::string coordinator, absl::Duration interval,
            std::function<v1::WorkerDescription()> describe, std::function<bool()> busy);
  ~Announcer();
  Announcer(const Announcer&) = delete;
  Announcer& operator=(const Announcer&) = delete;

  // Stops the heartbeat thread (cancelling a call in flight) and deregisters when registered;
  // returns within about 1 s even when the coordinator hangs.
  void Stop();

 private:
  void Loop();
  // Makes `context` the call Stop() cancels; false when Stop() came first (make no call).
  bool Track(grpc::ClientContext* context);
  void Untrack();
  void Deregister(v1::CoordinatorService::Stub& stub, const std::string& address,
                  const std::string& secret);

  const std::string coordinator_;
  const absl::Duration interval_;
  const std::function<v1::WorkerDescription()> describe_;
  const std::function<bool()> busy_;
  absl::Mutex mutex_;
  absl::Notification stop_;  // notified under mutex_, so Track() and Stop() never cross
  grpc::ClientContext* in_flight_ ABSL_GUARDED_BY(mutex_) = nullptr;
  std::thread thread_;
};

// The address to announce: `advertise` when given; else the bound address, with a wildcard
// host (0.0.0.0, [::]) replaced by this machine's hostname, which other machines can dial.
std::string AnnouncedAddress(const std::string& advertise, const std::string& bound);

}  // namespace parlab

#endif  // PARLAB_WORKER_ANNOUNCER_H_
