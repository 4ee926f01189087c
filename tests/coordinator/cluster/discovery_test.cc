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
  EXPECT_EQ(registry.Heartbeat("w:1", "", false),
            SecretCheck::kUnknown);  // never registered: register again
  absl::StatusOr<std::string> secret = registry.Register(Labelled("w:1", {{"rack", "a"}}));
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_FALSE(registry.Register(v1::WorkerDescription()).ok());
  EXPECT_TRUE(registry.HasAnySource());

  v1::WorkerStatus status = StatusOf(*registry.Statuses(), "w:1");
  EXPECT_EQ(status.state(), kStateIdle);
  EXPECT_EQ(status.source(), "registered");
  EXPECT_EQ(status.description().labels().at("rack"), "a");
  EXPECT_GT(status.last_seen_unix_ms(), 0);

  EXPECT_EQ(registry.Heartbeat("w:1", *secret, true), SecretCheck::kOk);
  EXPECT_EQ(StatusOf(*registry.Statuses(), "w:1").state(), kStateBusy);

  absl::SleepFor(absl::Milliseconds(500));
  status = StatusOf(*registry.Statuses(), "w:1");
  EXPECT_EQ(status.state(), kStateLost);
  EXPECT_THAT(status.lost_reason(), HasSubstr("no heartbeat for"));
  std::vector<std::string> lost;
  EXPECT_TRUE(registry.RunnableAddresses(&lost)->empty());
  EXPECT_THAT(lost, ElementsAre(HasSubstr("w:1 (no heartbeat for")));

  EXPECT_EQ(registry.Heartbeat("w:1", *secret, false), SecretCheck::kOk);  // it came back
  EXPECT_EQ(StatusOf(*registry.Statuses(), "w:1").state(), kStateIdle);
}

// A registered worker that dies while no run uses it is logged when it goes (the loss watch),
// once, and again when it comes back; nothing else asks for its status meanwhile.
TEST(RegistryTest, TheLossWatchLogsAWorkerLostWhileIdleOnce) {
  RegistryOptions options;
  options.heartbeat_timeout = absl::Milliseconds(200);
  options.heartbeat_interval = absl::Milliseconds(50);
  WorkerRegistry registry(options);
  absl::StatusOr<std::string> secret = registry.Register(Labelled("idle:1", {}));
  ASSERT_TRUE(secret.ok()) << secret.status();
  ::testing::internal::CaptureStderr();
  registry.StartLossWatch();
  absl::SleepFor(absl::Milliseconds(600));  // three timeouts: one line, not three
  EXPECT_EQ(registry.SweepLost(), 0) << "the watch has already logged it";
  EXPECT_EQ(registry.Heartbeat("idle:1", *secret, false), SecretCheck::kOk);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("event=worker_lost worker=idle:1 state=idle reason=\"no heartbeat "
                             "for"));
  EXPECT_EQ(log.find("event=worker_lost"), log.rfind("event=worker_lost")) << log;
  EXPECT_THAT(log, HasSubstr("event=worker_back worker=idle:1 silent_s=0"));
}

TEST(RegistryTest, AHeartbeatMustCarryItsRegistrationsSecret) {
  WorkerRegistry registry(RegistryOptions{});
  absl::StatusOr<std::string> first = registry.Register(Labelled("w:1", {}), "token:node1");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_GE(first->size(), 32u);
  EXPECT_EQ(registry.Heartbeat("w:1", "", false), SecretCheck::kWrongSecret);
  EXPECT_EQ(registry.Heartbeat("w:1", "guess", true), SecretCheck::kWrongSecret);
  EXPECT_EQ(registry.Heartbeat("w:1", *first, false), SecretCheck::kOk);
  EXPECT_EQ(registry.IdentityOf("w:1"), "token:node1");
  // Registering again gives a new secret; the old one no longer counts.
  absl::StatusOr<std::string> second = registry.Register(Labelled("w:1", {}), "token:node1");
  ASSERT_TRUE(second.ok());
  EXPECT_NE(*first, *second);
  EXPECT_EQ(registry.Heartbeat("w:1", *first, false), SecretCheck::kWrongSecret);
  EXPECT_EQ(registry.Heartbeat("w:1", *second, false), SecretCheck::kOk);
  // Another identity cannot take over a live registration.
  absl::StatusOr<std::string> stolen = registry.Register(Labelled("w:1", {}), "token:rogue");
  EXPECT_EQ(stolen.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(stolen.status().message(), HasSubstr("registered by token:node1, which is alive"));
}

// A worker that stops cleanly leaves at once (not lost after the timeout); only with its own
// registration's secret, so nobody else removes it.
TEST(RegistryTest, DeregisteringNeedsTheSecretAndRemovesTheEntry) {
  WorkerRegistry registry(RegistryOptions{});
  absl::StatusOr<std::string> secret = registry.Register(Labelled("w:1", {}), "token:node1");
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ(registry.Deregister("w:1", ""), SecretCheck::kWrongSecret);
  EXPECT_EQ(registry.Deregister("w:1", "guess"), SecretCheck::kWrongSecret);
  EXPECT_EQ(registry.Deregister("w:2", *secret), SecretCheck::kUnknown);
  ASSERT_EQ(registry.Statuses()->size(), 1u);  // refused: still there
  EXPECT_EQ(registry.Deregister("w:1", *secret), SecretCheck::kOk);
  EXPECT_TRUE(registry.Statuses()->empty());
  EXPECT_FALSE(registry.IsKnown("w:1"));
  EXPECT_EQ(registry.Deregister("w:1", *secret), SecretCheck::kUnknown);  // twice: gone
  EXPECT_EQ(registry.Heartbeat("w:1", *secret, false), SecretCheck::kUnknown);
}

TEST(RegistryTest, SilentRegistrationsExpireAndTheRegistryHasACap) {
  RegistryOptions options;
  options.heartbeat_timeout = absl::Milliseconds(100);
  options.expire_after = absl::Milliseconds(300);
  options.max_registered = 2;
  WorkerRegistry registry(options);
  ASSERT_TRUE(registry.Register(Labelled("w:1", {})).ok());
  ASSERT_TRUE(registry.Register(Labelled("w:2", {})).ok());
  EXPECT_TRUE(registry.IsKnown("w:2"));
  EXPECT_FALSE(registry.IsKnown("w:9"));
  absl::StatusOr<std::string> third = registry.Register(Labelled("w:3", {}));
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(third.status().message(),
              HasSubstr("registry full: 2 workers registered, the limit is 2"));
  // Re-registering a known address is not a new entry.
  EXPECT_TRUE(registry.Register(Labelled("w:2", {})).ok());

  absl::SleepFor(absl::Milliseconds(450));
  EXPECT_TRUE(registry.Statuses()->empty());  // pruned, not listed as lost forever
  EXPECT_FALSE(registry.IsKnown("w:1"));
  EXPECT_EQ(registry.Heartbeat("w:1", "x", false), SecretCheck::kUnknown);
  EXPECT_TRUE(registry.Register(Labelled("w:3", {})).ok());
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
