// A lifeline: a pipe whose write end only the parent holds, so that the child sees EOF on its
// read end the moment the parent dies, however it dies (kill -9 included). PR_SET_PDEATHSIG is
// no substitute next to threads: it fires when the *thread* that spawned the child exits, and
// gRPC's handler threads come and go.
//
//   Parent:  absl::StatusOr<Lifeline> line = Lifeline::Create();      // both ends O_CLOEXEC
//            SpawnInOwnProcessGroup(child, {"--lifeline", "3"}, {{line->child_end(), 3}});
//            line->CloseChildEnd();   // keep the write end for as long as we live
//   Child:   WatchLifeline(3, [] { kill(0, SIGKILL); });  // from a thread of its own
#ifndef PARLAB_COMMON_LIFELINE_H_
#define PARLAB_COMMON_LIFELINE_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace parlab {

// The parent's side. Moving it keeps the ends; destroying it closes both, which is what tells
// the child to go.
class Lifeline {
 public:
  [[nodiscard]] static absl::StatusOr<Lifeline> Create();
  Lifeline(Lifeline&& other) noexcept;
  Lifeline& operator=(Lifeline&& other) noexcept;
  Lifeline(const Lifeline&) = delete;
  Lifeline& operator=(const Lifeline&) = delete;
  ~Lifeline();

  // The read end, for the child's fd table (-1 once closed here).
  int child_end() const { return read_fd_; }
  // Closes our copy of the read end once the child has been spawned.
  void CloseChildEnd();

 private:
  Lifeline(int read_fd, int write_fd) : read_fd_(read_fd), write_fd_(write_fd) {}
  int read_fd_ = -1;
  int write_fd_ = -1;
};

// Parses the value of a --lifeline flag: a file descriptor >= 3 (0-2 are stdio).
[[nodiscard]] absl::StatusOr<int> ParseLifelineFd(const std::string& flag,
                                                  const std::string& value);

// Starts a detached thread that waits for EOF (or an error) on `fd` and then calls `on_parent_gone`
// once. `fd` is made close-on-exec so that nothing the caller execs holds it.
void WatchLifeline(int fd, std::function<void()> on_parent_gone);

}  // namespace parlab

#endif  // PARLAB_COMMON_LIFELINE_H_
