// deploy/k8s: no cluster is reachable here, so the manifests are checked the way a cluster
// would first fail on them: every file parses as YAML, and the names tie together (Service
// selectors match pod labels, ports match container ports and the daemons' --listen, the DNS
// name the coordinator is given is the headless Service's, volumes name existing claims and
// ConfigMaps). The containers' arguments go through the real flag parsers.
#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "args.h"
#include "deploy/deploy_test_util.h"
#include "gtest/gtest.h"
#include "parlab/coordinator/plan.h"
#include "parlab/worker/flags.h"
#include "yaml-cpp/yaml.h"

namespace parlab::deploy_test {
namespace {

namespace fs = std::filesystem;

constexpr char kNamespace[] = "parlab";

// metadata.KEY, or "" (yaml-cpp throws on indexing through a missing key, so look first).
std::string Metadata(const YAML::Node& doc, const char* key) {
  const YAML::Node metadata = doc["metadata"];
  return metadata && metadata.IsMap() ? metadata[key].as<std::string>("") : "";
}

struct Manifest {
  std::string file;
  YAML::Node doc;
  std::string kind() const { return doc["kind"].as<std::string>(""); }
  std::string name() const { return Metadata(doc, "name"); }
};

class K8sManifestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<fs::path> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(DeployPath("k8s"))) {
      if (entry.path().extension() == ".yaml") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    ASSERT_FALSE(files.empty()) << "no *.yaml in " << DeployPath("k8s");
    for (const fs::path& file : files) {
      try {
        for (const YAML::Node& doc : YAML::LoadAllFromFile(file.string())) {
          manifests_.push_back({file.filename().string(), doc});
        }
      } catch (const YAML::Exception& e) {
        FAIL() << file << ": not valid YAML: " << e.what();
      }
    }
  }

  // The one manifest of `kind` named `name` (or, for templates, generateName'd `name`).
  const Manifest& Get(const std::string& kind, const std::string& name) {
    for (const Manifest& m : manifests_) {
      if (m.kind() == kind && (m.name() == name || Metadata(m.doc, "generateName") == name)) {
        return m;
      }
    }
    ADD_FAILURE() << "no " << kind << " named " << name << " in deploy/k8s";
    static const Manifest kMissing{"", YAML::Node()};
    return kMissing;
  }

  std::vector<Manifest> manifests_;
};

YAML::Node PodSpec(const Manifest& m) { return m.doc["spec"]["template"]["spec"]; }
YAML::Node PodLabels(const Manifest& m) { return m.doc["spec"]["template"]["metadata"]["labels"]; }
YAML::Node FirstContainer(const Manifest& m) { return PodSpec(m)["containers"][0]; }

std::vector<std::string> Args(const YAML::Node& container) {
  std::vector<std::string> args;
  for (const YAML::Node& arg : container["args"]) args.push_back(arg.as<std::string>());
  return args;
}

// The value of --flag in `args`, written `--flag=V` or `--flag V`.
std::optional<std::string> FlagValue(const std::vector<std::string>& args,
                                     const std::string& flag) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].rfind(flag + "=", 0) == 0) return args[i].substr(flag.size() + 1);
    if (args[i] == flag && i + 1 < args.size()) return args[i + 1];
  }
  return std::nullopt;
}

int PortOf(const std::string& host_port) {
  return std::stoi(host_port.substr(host_port.rfind(':') + 1));
}

// Every key=value of `selector` is among `labels`.
void ExpectSelects(const YAML::Node& selector, const YAML::Node& labels, const std::string& what) {
  ASSERT_TRUE(selector.IsMap() && selector.size() > 0) << what << ": empty selector";
  for (const auto& entry : selector) {
    const std::string key = entry.first.as<std::string>();
    EXPECT_EQ(labels[key].as<std::string>("<missing>"), entry.second.as<std::string>())
        << what << ": selector " << key << " does not match the pod label";
  }
}

// The container port a Service's targetPort (a name or a number) points at; -1 if none.
int ResolveTargetPort(const YAML::Node& service_port, const YAML::Node& container) {
  const std::string target =
      service_port["targetPort"].as<std::string>(service_port["port"].as<std::string>());
  for (const YAML::Node& port : container["ports"]) {
    if (port["name"].as<std::string>("") == target ||
        port["containerPort"].as<std::string>() == target) {
      return port["containerPort"].as<int>();
    }
  }
  return -1;
}

TEST_F(K8sManifestsTest, EveryManifestIsNamedAndInTheParlabNamespace) {
  std::map<std::string, std::string> seen;  // kind/name -> file
  for (const Manifest& m : manifests_) {
    SCOPED_TRACE(m.file);
    EXPECT_FALSE(m.doc["apiVersion"].as<std::string>("").empty());
    ASSERT_FALSE(m.kind().empty());
    if (m.kind() == "Kustomization") continue;
    const std::string name = m.name().empty() ? Metadata(m.doc, "generateName") : m.name();
    EXPECT_FALSE(name.empty()) << m.kind() << " without metadata.name";
    if (m.kind() != "Namespace") {
      EXPECT_EQ(Metadata(m.doc, "namespace"), kNamespace);
    }
    const auto [it, inserted] = seen.emplace(m.kind() + "/" + name, m.file);
    EXPECT_TRUE(inserted) << m.kind() << "/" << name << " also in " << it->second;
  }
}

TEST_F(K8sManifestsTest, KustomizationListsEveryStandingResource) {
  const Manifest& kustomization = Get("Kustomization", "");
  std::vector<std::string> listed;
  for (const YAML::Node& file : kustomization.doc["resources"]) {
    listed.push_back(file.as<std::string>());
    EXPECT_TRUE(fs::exists(DeployPath("k8s/" + listed.back()))) << listed.back();
  }
  EXPECT_EQ(kustomization.doc["namespace"].as<std::string>(""), kNamespace);
  for (const Manifest& m : manifests_) {
    // The run Job is a template created once per run, so it is not applied with the rest.
    if (m.kind() == "Kustomization" || m.kind() == "Job") continue;
    EXPECT_NE(std::find(listed.begin(), listed.end(), m.file), listed.end())
        << m.file << " (" << m.kind() << ") is not in kustomization.yaml";
  }
}

TEST_F(K8sManifestsTest, HeadlessServiceSelectsTheWorkerPods) {
  const Manifest& workers = Get("DaemonSet", "parlab-worker");
  const Manifest& service = Get("Service", "parlab-workers");
  EXPECT_EQ(service.doc["spec"]["clusterIP"].as<std::string>(""), "None");
  ExpectSelects(workers.doc["spec"]["selector"]["matchLabels"], PodLabels(workers),
                "DaemonSet parlab-worker");
  ExpectSelects(service.doc["spec"]["selector"], PodLabels(workers), "Service parlab-workers");
  const YAML::Node container = FirstContainer(workers);
  const int port = ResolveTargetPort(service.doc["spec"]["ports"][0], container);
  ASSERT_GT(port, 0) << "the Service's targetPort names no worker container port";
  std::optional<std::string> listen = FlagValue(Args(container), "--listen");
  ASSERT_TRUE(listen.has_value()) << "the worker needs --listen 0.0.0.0:PORT to be reachable";
  EXPECT_EQ(PortOf(*listen), port);
  // A TCP probe: the kubelet's gRPC probe speaks no TLS.
  EXPECT_EQ(container["readinessProbe"]["tcpSocket"]["port"].as<int>(-1), port);
}

TEST_F(K8sManifestsTest, CoordinatorFindsTheWorkersThroughTheHeadlessService) {
  const Manifest& service = Get("Service", "parlab-workers");
  const std::vector<std::string> args =
      Args(FirstContainer(Get("Deployment", "parlab-coordinator")));
  std::optional<std::string> dns = FlagValue(args, "--workers-dns");
  ASSERT_TRUE(dns.has_value()) << absl::StrJoin(args, " ");
  EXPECT_EQ(*dns, absl::StrCat(service.name(), ".", kNamespace, ".svc.cluster.local:",
                               service.doc["spec"]["ports"][0]["port"].as<int>()));
}

TEST_F(K8sManifestsTest, CoordinatorStoreLivesOnThePersistentVolumeClaim) {
  const Manifest& coordinator = Get("Deployment", "parlab-coordinator");
  // SQLite on a ReadWriteOnce volume: one writer, and the old pod gone before the new one.
  EXPECT_EQ(coordinator.doc["spec"]["replicas"].as<int>(), 1);
  EXPECT_EQ(coordinator.doc["spec"]["strategy"]["type"].as<std::string>(""), "Recreate");
  const YAML::Node container = FirstContainer(coordinator);
  std::optional<std::string> store = FlagValue(Args(container), "--store");
  ASSERT_TRUE(store.has_value());
  std::string volume;
  for (const YAML::Node& mount : container["volumeMounts"]) {
    if (store->rfind(mount["mountPath"].as<std::string>() + "/", 0) == 0) {
      volume = mount["name"].as<std::string>();
    }
  }
  ASSERT_FALSE(volume.empty()) << "--store " << *store << " is on no mounted volume";
  std::string claim;
  for (const YAML::Node& v : PodSpec(coordinator)["volumes"]) {
    if (v["name"].as<std::string>() == volume) {
      claim = v["persistentVolumeClaim"]["claimName"].as<std::string>("");
    }
  }
  ASSERT_FALSE(claim.empty()) << "volume " << volume << " is not a persistentVolumeClaim";
  Get("PersistentVolumeClaim", claim);
}

TEST_F(K8sManifestsTest, CoordinatorServiceReachesTheCoordinatorAndTheJobUsesIt) {
  const Manifest& coordinator = Get("Deployment", "parlab-coordinator");
  const Manifest& service = Get("Service", "parlab-coordinator");
  ExpectSelects(coordinator.doc["spec"]["selector"]["matchLabels"], PodLabels(coordinator),
                "Deployment parlab-coordinator");
  ExpectSelects(service.doc["spec"]["selector"], PodLabels(coordinator),
                "Service parlab-coordinator");
  const YAML::Node container = FirstContainer(coordinator);
  const int port = ResolveTargetPort(service.doc["spec"]["ports"][0], container);
  ASSERT_GT(port, 0) << "the Service's targetPort names no coordinator container port";
  std::optional<std::string> listen = FlagValue(Args(container), "--listen");
  ASSERT_TRUE(listen.has_value());
  EXPECT_EQ(PortOf(*listen), port);

  absl::StatusOr<cli::CliOptions> run =
      cli::ParseCliArgs(Args(FirstContainer(Get("Job", "parlab-run-"))));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->command, cli::CliCommand::kRun);
  EXPECT_EQ(run->coordinator,
            absl::StrCat(service.name(), ":", service.doc["spec"]["ports"][0]["port"].as<int>()));
  EXPECT_EQ(run->format, "json");
}

TEST_F(K8sManifestsTest, JobRunsThePlanFromTheConfigMap) {
  const Manifest& job = Get("Job", "parlab-run-");
  EXPECT_EQ(PodSpec(job)["restartPolicy"].as<std::string>(""), "Never");
  const YAML::Node container = FirstContainer(job);
  absl::StatusOr<cli::CliOptions> run = cli::ParseCliArgs(Args(container));
  ASSERT_TRUE(run.ok()) << run.status();
  // plan path = mountPath/key of a ConfigMap volume.
  std::string plan_text;
  for (const YAML::Node& mount : container["volumeMounts"]) {
    const std::string dir = mount["mountPath"].as<std::string>() + "/";
    if (run->plan_path.rfind(dir, 0) != 0) continue;
    for (const YAML::Node& v : PodSpec(job)["volumes"]) {
      if (v["name"].as<std::string>() != mount["name"].as<std::string>()) continue;
      const Manifest& config = Get("ConfigMap", v["configMap"]["name"].as<std::string>(""));
      plan_text = config.doc["data"][run->plan_path.substr(dir.size())].as<std::string>("");
    }
  }
  ASSERT_FALSE(plan_text.empty()) << run->plan_path << " is no key of a mounted ConfigMap";
  absl::StatusOr<v1::Plan> plan = coordinator::ParsePlanJson(plan_text);
  EXPECT_TRUE(plan.ok()) << plan.status();
}

TEST_F(K8sManifestsTest, DaemonsAcceptTheirArguments) {
  const YAML::Node worker = FirstContainer(Get("DaemonSet", "parlab-worker"));
  std::vector<std::string> worker_args = Args(worker);
  // Kubernetes expands $(VAR) from the container's env: each one must be defined there.
  for (std::string& arg : worker_args) {
    for (const YAML::Node& env : worker["env"]) {
      arg = absl::StrReplaceAll(arg, {{"$(" + env["name"].as<std::string>() + ")", "node-a"}});
    }
    EXPECT_EQ(arg.find("$("), std::string::npos) << arg << ": variable not in the env";
  }
  absl::StatusOr<WorkerOptions> options = ParseWorkerFlags(worker_args, "/opt/parlab/bin");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->labels["k8s_node"], "node-a");
  EXPECT_EQ(CoordinatorRejects(Args(FirstContainer(Get("Deployment", "parlab-coordinator")))), "");
}

// "SECRET/KEY" of the Secret item mounted at `path` in `container` of `m`, or "".
std::string SecretItemAt(const Manifest& m, const YAML::Node& container, const std::string& path) {
  for (const YAML::Node& mount : container["volumeMounts"]) {
    const std::string dir = mount["mountPath"].as<std::string>() + "/";
    if (path.rfind(dir, 0) != 0) continue;
    for (const YAML::Node& v : PodSpec(m)["volumes"]) {
      if (v["name"].as<std::string>() != mount["name"].as<std::string>() || !v["secret"]) continue;
      for (const YAML::Node& item : v["secret"]["items"]) {
        if (item["path"].as<std::string>("") == path.substr(dir.size())) {
          return v["secret"]["secretName"].as<std::string>("") + "/" +
                 item["key"].as<std::string>("");
        }
      }
    }
  }
  return "";
}

TEST_F(K8sManifestsTest, DaemonsServeTlsAndCheckTokensFromSecrets) {
  const Manifest& workers = Get("DaemonSet", "parlab-worker");
  const Manifest& coordinator = Get("Deployment", "parlab-coordinator");
  const Manifest& job = Get("Job", "parlab-run-");
  for (const Manifest* m : {&workers, &coordinator}) {
    const YAML::Node container = FirstContainer(*m);
    const std::vector<std::string> args = Args(container);
    EXPECT_EQ(std::find(args.begin(), args.end(), "--insecure"), args.end()) << m->file;
    for (const char* flag : {"--tls-cert", "--tls-key", "--tls-ca", "--tokens"}) {
      std::optional<std::string> path = FlagValue(args, flag);
      ASSERT_TRUE(path.has_value()) << m->file << ": no " << flag;
      EXPECT_NE(SecretItemAt(*m, container, *path), "")
          << m->file << ": " << flag << " " << *path << " is no item of a mounted Secret";
    }
    // Every pod states what it needs and where it stops.
    EXPECT_TRUE(container["resources"]["requests"]["memory"]) << m->file;
    EXPECT_TRUE(container["resources"]["limits"]["memory"]) << m->file;
  }
  // The coordinator verifies the workers by the headless Service's name (pod IPs are in no
  // certificate) and presents its own token to them.
  const std::vector<std::string> coordinator_args = Args(FirstContainer(coordinator));
  EXPECT_EQ(
      FlagValue(coordinator_args, "--tls-server-name").value_or(""),
      absl::StrCat(Get("Service", "parlab-workers").name(), ".", kNamespace, ".svc.cluster.local"));
  EXPECT_EQ(SecretItemAt(coordinator, FirstContainer(coordinator),
                         FlagValue(coordinator_args, "--token-file").value_or("")),
            "parlab-tokens/coordinator.token");
  // The run: TLS, and the token from a file named in the environment, not the command line.
  const YAML::Node run = FirstContainer(job);
  absl::StatusOr<cli::CliOptions> options = cli::ParseCliArgs(Args(run));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_NE(SecretItemAt(job, run, options->tls_ca), "");
  std::string token_file;
  for (const YAML::Node& env : run["env"]) {
    if (env["name"].as<std::string>() == "PARLAB_TOKEN_FILE")
      token_file = env["value"].as<std::string>();
  }
  EXPECT_EQ(SecretItemAt(job, run, token_file), "parlab-tokens/run.token");
  EXPECT_TRUE(run["resources"]["limits"]["memory"]);
}

TEST_F(K8sManifestsTest, OnlyTheCoordinatorReachesTheWorkers) {
  const Manifest& policy = Get("NetworkPolicy", "parlab-workers-from-coordinator");
  ExpectSelects(policy.doc["spec"]["podSelector"]["matchLabels"],
                PodLabels(Get("DaemonSet", "parlab-worker")), "NetworkPolicy podSelector");
  const YAML::Node ingress = policy.doc["spec"]["ingress"];
  ASSERT_EQ(ingress.size(), 1u);
  ASSERT_EQ(ingress[0]["from"].size(), 1u);
  ExpectSelects(ingress[0]["from"][0]["podSelector"]["matchLabels"],
                PodLabels(Get("Deployment", "parlab-coordinator")), "NetworkPolicy from");
  EXPECT_FALSE(ingress[0]["from"][0]["namespaceSelector"]) << "only pods of this namespace";
  EXPECT_EQ(ingress[0]["ports"][0]["port"].as<int>(), 7471);
}

TEST_F(K8sManifestsTest, EveryContainerRunsTheImageTheDockerfileBuilds) {
  const std::string image = absl::StrCat("parlab:", PARLAB_VERSION);
  for (const Manifest& m : manifests_) {
    if (!m.doc["spec"] || !m.doc["spec"]["template"]) continue;
    for (const YAML::Node& container : PodSpec(m)["containers"]) {
      EXPECT_EQ(container["image"].as<std::string>(""), image) << m.file;
      // Each container says which binary it runs; the image holds all of them in its PATH.
      const std::string command = container["command"][0].as<std::string>("");
      EXPECT_TRUE(command == "parlab" || command == "parlab-worker" ||
                  command == "parlab-coordinator")
          << m.file << ": command " << command;
    }
  }
  EXPECT_NE(ReadFile(DeployPath("docker/Dockerfile")).find("-t " + image + " "), std::string::npos)
      << "deploy/docker/Dockerfile should document building " << image;
}

}  // namespace
}  // namespace parlab::deploy_test
