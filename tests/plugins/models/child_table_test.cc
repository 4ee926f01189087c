// ChildTable (plugins/models/processes/child_table.h): the processes model's children in a
// shared mapping — slots as unit numbers, reports through the mapping, reaping and killing.
#include "child_table.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace parlab::models {
namespace {

struct Report {
  int32_t value;
};
using Table = ChildTable<Report>;

int OpenFds() {
  int n = 0;
  DIR* dir = opendir("/proc/self/fd");
  while (readdir(dir) != nullptr) ++n;
  closedir(dir);
  return n;
}

// Waits until every child ended; returns the exits in the order they were reaped.
std::vector<Table::Exit> Drain(Table& table, std::vector<Report>& reports) {
  std::vector<Table::Exit> exits;
  while (table.size() > 0) {
    table.WaitSome(1000, [&](const Table::Exit& exit) {
      exits.push_back(exit);
      reports.push_back(exit.report != nullptr ? *exit.report : Report{-1});
    });
  }
  return exits;
}

TEST(ChildTable, ReportsComeBackThroughTheSlots) {
  Table table;
  ASSERT_EQ(table.Init(3), 0);
  for (uint64_t tag = 0; tag < 3; ++tag) {
    const int err = table.Spawn(
        tag, [&](uint32_t slot, Report& r) { r.value = static_cast<int32_t>(tag * 10 + slot); });
    ASSERT_EQ(err, 0);
  }
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.Spawn(3, [](uint32_t, Report&) {}), EAGAIN);  // every slot taken
  std::vector<Report> reports;
  const std::vector<Table::Exit> exits = Drain(table, reports);
  ASSERT_EQ(exits.size(), 3u);
  for (size_t i = 0; i < exits.size(); ++i) {
    EXPECT_TRUE(WIFEXITED(exits[i].wait_status));
    EXPECT_EQ(exits[i].slot, exits[i].tag);  // the lowest free slot, in spawn order
    EXPECT_EQ(reports[i].value, static_cast<int32_t>(exits[i].tag * 10 + exits[i].slot));
  }
}

TEST(ChildTable, ANewChildTakesTheLowestFreeSlot) {
  Table table;
  ASSERT_EQ(table.Init(3), 0);
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  // Slots 0 and 2 wait for the pipe to close; slot 1 ends at once.
  auto wait_for_pipe = [&](uint32_t, Report& r) {
    close(pipe_fds[1]);
    char c;
    r.value = static_cast<int32_t>(read(pipe_fds[0], &c, 1));
  };
  ASSERT_EQ(table.Spawn(0, wait_for_pipe), 0);
  ASSERT_EQ(table.Spawn(1, [](uint32_t, Report& r) { r.value = 1; }), 0);
  ASSERT_EQ(table.Spawn(2, wait_for_pipe), 0);
  std::vector<uint32_t> ended;
  while (ended.empty()) {
    table.WaitSome(1000, [&](const Table::Exit& exit) { ended.push_back(exit.slot); });
  }
  EXPECT_EQ(ended, std::vector<uint32_t>{1});
  std::vector<uint32_t> got;
  ASSERT_EQ(table.Spawn(3, [](uint32_t, Report&) {}), 0);
  while (got.empty()) {
    table.WaitSome(1000, [&](const Table::Exit& exit) { got.push_back(exit.slot); });
  }
  EXPECT_EQ(got, std::vector<uint32_t>{1});
  close(pipe_fds[0]);
  close(pipe_fds[1]);  // the waiting children read EOF and end
  std::vector<Report> reports;
  EXPECT_EQ(Drain(table, reports).size(), 2u);
}

TEST(ChildTable, AChildThatThrowsOrDiesReportsNothing) {
  Table table;
  ASSERT_EQ(table.Init(2), 0);
  ASSERT_EQ(table.Spawn(0, [](uint32_t, Report&) { throw std::runtime_error("no"); }), 0);
  ASSERT_EQ(table.Spawn(1, [](uint32_t, Report&) { raise(SIGUSR1); }), 0);
  std::vector<Report> reports;
  for (const Table::Exit& exit : Drain(table, reports)) {
    EXPECT_EQ(exit.report, nullptr) << "tag " << exit.tag;
    if (exit.tag == 0) {
      EXPECT_TRUE(WIFEXITED(exit.wait_status));
    } else {
      ASSERT_TRUE(WIFSIGNALED(exit.wait_status));
      EXPECT_EQ(WTERMSIG(exit.wait_status), SIGUSR1);
    }
  }
}

TEST(ChildTable, KillAllAndTheDestructorLeaveNoChildAndNoFd) {
  const int fds_before = OpenFds();
  {
    Table table;
    ASSERT_EQ(table.Init(4), 0);
    for (uint64_t tag = 0; tag < 4; ++tag) {
      ASSERT_EQ(table.Spawn(tag, [](uint32_t, Report&) { pause(); }), 0);
    }
    table.KillAll();
    EXPECT_EQ(table.size(), 0u);
    // The destructor kills and reaps this last one.
    ASSERT_EQ(table.Spawn(9, [](uint32_t, Report&) { pause(); }), 0);
  }
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);  // ECHILD: nothing left, not even a zombie
  EXPECT_EQ(OpenFds(), fds_before);
}

}  // namespace
}  // namespace parlab::models
