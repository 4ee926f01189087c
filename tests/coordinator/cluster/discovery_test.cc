// Worker discovery and selection: hostfile parsing, DNS resolution (localhost), label
// selection, and the registry's states (registered, heartbeats, lost, listed + health check).
#include "parlab/cluster/discovery.h"

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "parlab/cluster/registry.h"

namespace parlab::cluster {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(HostfileTest, SkipsCommentsBlanksAndDuplicates) {
  absl::StatusOr<std::vector<std::string>> hosts = ParseHostfile(
      "# the rack\n"
      "node1:7471\n"
      "\n"
      "  node2:7471   # trailing comment\n"
      "10.0.0.3:7471\n"
      "node1:7471\n"
      "[fd00::4]:7471\n",
      "hosts.txt");
  ASSERT_TRUE(hosts.ok()) << hosts.status();
  EXPECT_THAT(*hosts, ElementsAre("node1:7471", "node2:7471", "10.0.0.3:7471", "[fd00::4]:7471"));
}

TEST(HostfileTest, ErrorsNameTheLine) {
  absl::StatusOr<std::vector<std::string>> hosts = ParseHostfile("a:1\n\nnode7\n", "hosts.txt");
  ASSERT_FALSE(hosts.ok());
  EXPECT_THAT(std::string(hosts.status().message()),
              HasSubstr("hosts.txt:3: expected HOST:PORT with PORT in 1..65535, got \"node7\""));
  EXPECT_FALSE(ParseHostfile("a:0\n", "h").ok());
  EXPECT_FALSE(ParseHostfile("a:1 b:2\n", "h").ok());
}

TEST(HostfileTest, MissingFileIsNamed) {
  absl::StatusOr<std::vector<std::string>> hosts = ReadHostfile("/nonexistent/parlab-hosts");
  ASSERT_FALSE(hosts.ok());
  EXPECT_THAT(std::string(hosts.status().message()), HasSubstr("/nonexistent/parlab-hosts"));
}

TEST(DnsTest, LocalhostResolvesToLoopback) {
  absl::StatusOr<std::vector<std::string>> addresses = ResolveWorkersDns("localhost:4711");
  ASSERT_TRUE(addresses.ok()) << addresses.status();
  EXPECT_THAT(*addresses, Contains("127.0.0.1:4711"));
}

TEST(DnsTest, BadNamesAreErrors) {
  EXPECT_THAT(std::string(ResolveWorkersDns("localhost").status().message()),
              HasSubstr("expected NAME:PORT"));
  absl::StatusOr<std::vector<std::string>> none = ResolveWorkersDns("no-such-host.invalid:1");
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(std::string(none.status().message()),
              HasSubstr("cannot resolve \"no-such-host.invalid\""));
}

v1::WorkerDescription Labelled(const std::string& address,
                               std::map<std::string, std::string> labels) {
  v1::WorkerDescription worker;
  worker.set_address(address);
  worker.mutable_labels()->insert(labels.begin(), labels.end());
  return worker;
}

TEST(SelectTest, KeepsMatchingWorkersAndListsLabelsOtherwise) {
  std::vector<v1::WorkerDescription> workers = {Labelled("w1:1", {{"rack", "a"}, {"gen", "zen3"}}),
                                                Labelled("w2:1", {{"rack", "b"}}),
                                                Labelled("w3:1", {})};
  google::protobuf::Map<std::string, std::string> select;
  EXPECT_THAT(*SelectWorkers(select, workers), ElementsAre(0, 1, 2));
  select["rack"] = "b";
  EXPECT_THAT(*SelectWorkers(select, workers), ElementsAre(1));
  select["rack"] = "a";
  select["gen"] = "zen3";
  EXPECT_THAT(*SelectWorkers(select, workers), ElementsAre(0));
  select["rack"] = "c";
  absl::StatusOr<std::vector<size_t>> none = SelectWorkers(select, workers);
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(std::string(none.status().message()),
              HasSubstr("plan.select: no worker has gen=zen3,rack=c (labels seen: w1:1 "
                        "{gen=zen3,rack=a}, w2:1 {rack=b}, w3:1 {})"));
}

v1::WorkerStatus StatusOf(const std::vector<v1::WorkerStatus>& all, const std::string& address) {
  for (const v1::WorkerStatus& status : all) {
    if (status.description().address() == address) return status;
  }
  ADD_FAILURE() << "no status for " << address;
  return {};
}

TEST(RegistryTest, HeartbeatsKeepAWorkerAliveAndSilenceLosesIt) {
  RegistryOptions options;
  options.heartbeat_timeout = absl::Milliseconds(300);
  WorkerRegistry registry(options);
  EXPECT_FALSE(registry.HasAnySource());
  EXPECT_FALSE(registry.Heartbeat("w:1", false));  // never registered: register again
  ASSERT_TRUE(registry.Register(Labelled("w:1", {{"rack", "a"}})).ok());
  EXPECT_FALSE(registry.Register(v1::WorkerDescription()).ok());
  EXPECT_TRUE(registry.HasAnySource());

  v1::WorkerStatus status = StatusOf(*registry.Statuses(), "w:1");
  EXPECT_EQ(status.state(), kStateIdle);
  EXPECT_EQ(status.source(), "registered");
  EXPECT_EQ(status.description().labels().at("rack"), "a");
  EXPECT_GT(status.last_seen_unix_ms(), 0);

  EXPECT_TRUE(registry.Heartbeat("w:1", true));
  EXPECT_EQ(StatusOf(*registry.Statuses(), "w:1").state(), kStateBusy);

  absl::SleepFor(absl::Milliseconds(500));
  status = StatusOf(*registry.Statuses(), "w:1");
  EXPECT_EQ(status.state(), kStateLost);
  EXPECT_THAT(status.lost_reason(), HasSubstr("no heartbeat for"));
  std::vector<std::string> lost;
  EXPECT_TRUE(registry.RunnableAddresses(&lost)->empty());
  EXPECT_THAT(lost, ElementsAre(HasSubstr("w:1 (no heartbeat for")));

  EXPECT_TRUE(registry.Heartbeat("w:1", false));  // it came back
  EXPECT_EQ(StatusOf(*registry.Statuses(), "w:1").state(), kStateIdle);
}

TEST(RegistryTest, ListedWorkersAreHealthChecked) {
  RegistryOptions options;
  options.workers = {"127.0.0.1:1"};  // nothing listens on port 1
  options.heartbeat_timeout = absl::Milliseconds(300);
  WorkerRegistry registry(options);
  absl::StatusOr<std::vector<v1::WorkerStatus>> statuses = registry.Statuses();
  ASSERT_TRUE(statuses.ok()) << statuses.status();
  ASSERT_EQ(statuses->size(), 1u);
  EXPECT_EQ((*statuses)[0].state(), kStateLost);
  EXPECT_EQ((*statuses)[0].source(), "list");
  EXPECT_EQ((*statuses)[0].last_seen_unix_ms(), 0);
  EXPECT_THAT((*statuses)[0].lost_reason(), HasSubstr("unreachable"));
}

TEST(RegistryTest, ABadHostfileIsAnError) {
  RegistryOptions options;
  options.hostfile = "/nonexistent/parlab-hosts";
  WorkerRegistry registry(options);
  EXPECT_THAT(std::string(registry.Statuses().status().message()),
              HasSubstr("--hostfile: cannot read"));
}

}  // namespace
}  // namespace parlab::cluster
