// Self-registration: `parlab-worker --coordinator ADDR` announces itself to a coordinator
// (RegisterWorker), then sends a Heartbeat every interval saying whether a job is running. A
// coordinator that answers known=false (it restarted) gets the registration again; one that is
// down is retried at every interval, forever: a worker never exits because of its coordinator.
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

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "parlab/v1/parlab.pb.h"

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

  // Stops the heartbeat thread; returns within about one RPC deadline.
  void Stop();

 private:
  void Loop();

  const std::string coordinator_;
  const absl::Duration interval_;
  const std::function<v1::WorkerDescription()> describe_;
  const std::function<bool()> busy_;
  absl::Notification stop_;
  std::thread thread_;
};

// The address to announce: `advertise` when given; else the bound address, with a wildcard
// host (0.0.0.0, [::]) replaced by this machine's hostname, which other machines can dial.
std::string AnnouncedAddress(const std::string& advertise, const std::string& bound);

}  // namespace parlab

#endif  // PARLAB_WORKER_ANNOUNCER_H_
