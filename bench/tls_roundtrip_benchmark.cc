// What TLS and tokens cost a call: an in-process WorkerService whose Describe checks the caller
// (ServerSecurity::Authorize) as the daemons do, called over loopback in plaintext, TLS, TLS with
// a bearer token, and mutual TLS. Two shapes:
//   BM_RoundTrip/MODE      one unary call on a connected channel (a job's RunJob call and the
//                          liveness pings ride a channel made once per run);
//   BM_ConnectAndCall/MODE a fresh channel per call: connect (+ TLS handshake) and one call,
//                          what every worker of a run costs once (a 256-worker broadcast
//                          connects to 256 workers).
// Certificates are made at start with scripts/make-lab-certs.sh (OpenSSL).
//
//   build/bin/tls_roundtrip_benchmark --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "parlab/security/net_security.h"
#include "parlab/v1/parlab.grpc.pb.h"

namespace {

using parlab::security::ClientSecurity;
using parlab::security::DaemonSecurityFlags;
using parlab::security::ServerSecurity;

constexpr char kToken[] = "bench-token-0123456789abcdef";

class AuthorizingService final : public parlab::v1::WorkerService::Service {
 public:
  explicit AuthorizingService(const ServerSecurity* security) : security_(security) {}
  grpc::Status Describe(grpc::ServerContext* context, const parlab::v1::DescribeRequest*,
                        parlab::v1::WorkerDescription* response) override {
    grpc::Status allowed =
        security_->Authorize(*context, parlab::security::Role::kSubmit, "Describe", nullptr);
    if (!allowed.ok()) return allowed;
    response->set_address("ok");
    return grpc::Status::OK;
  }

 private:
  const ServerSecurity* security_;
};

enum Mode { kPlaintext = 0, kTls = 1, kTlsToken = 2, kMutualTls = 3 };

// One server per mode, made once for the process.
struct Setup {
  std::string address;
  ClientSecurity client;
  std::unique_ptr<ServerSecurity> security;
  std::unique_ptr<AuthorizingService> service;
  std::unique_ptr<grpc::Server> server;
};

const std::string& CertDir() {
  static const std::string* dir = [] {
    std::string path = "/tmp/parlab-bench-certs-XXXXXX";
    if (mkdtemp(path.data()) == nullptr) abort();
    const std::string command =
        absl::StrCat("bash '", PARLAB_MAKE_LAB_CERTS, "' '", path, "' 127.0.0.1 >/dev/null");
    if (std::system(command.c_str()) != 0) abort();
    std::ofstream(path + "/tokens") << "bench submit " << kToken << "\n";
    return new std::string(path);
  }();
  return *dir;
}

Setup& SetupFor(Mode mode) {
  static Setup* setups[4] = {};
  if (setups[mode] != nullptr) return *setups[mode];
  const std::string& dir = CertDir();
  DaemonSecurityFlags flags;
  auto* setup = new Setup();
  if (mode != kPlaintext) {
    flags.tls_cert = dir + "/127.0.0.1.crt";
    flags.tls_key = dir + "/127.0.0.1.key";
    flags.tls_ca = dir + "/ca.crt";
    setup->client.ca_pem = parlab::security::ReadPemFile("ca", flags.tls_ca).value();
  }
  if (mode == kTlsToken) {
    flags.tokens = dir + "/tokens";
    setup->client.token = kToken;
  }
  if (mode == kMutualTls) {
    flags.tls_client_auth = true;
    setup->client.cert_pem = parlab::security::ReadPemFile("c", dir + "/client.crt").value();
    setup->client.key_pem = parlab::security::ReadPemFile("k", dir + "/client.key").value();
  }
  setup->security = ServerSecurity::Create(flags, "127.0.0.1:0", "bench").value();
  setup->service = std::make_unique<AuthorizingService>(setup->security.get());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", setup->security->credentials(), &port);
  builder.RegisterService(setup->service.get());
  setup->server = builder.BuildAndStart();
  setup->address = absl::StrCat("127.0.0.1:", port);
  setups[mode] = setup;
  return *setup;
}

bool Call(parlab::v1::WorkerService::Stub& stub) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  parlab::v1::WorkerDescription description;
  return stub.Describe(&context, parlab::v1::DescribeRequest(), &description).ok();
}

void BM_RoundTrip(benchmark::State& state) {
  Setup& setup = SetupFor(static_cast<Mode>(state.range(0)));
  auto stub = parlab::v1::WorkerService::NewStub(
      parlab::security::CreateChannel(setup.address, grpc::ChannelArguments(), setup.client));
  if (!Call(*stub)) state.SkipWithError("the first call failed");
  for (auto _ : state) {
    if (!Call(*stub)) state.SkipWithError("a call failed");
  }
}

void BM_ConnectAndCall(benchmark::State& state) {
  Setup& setup = SetupFor(static_cast<Mode>(state.range(0)));
  for (auto _ : state) {
    // A distinct channel argument keeps gRPC from sharing one subchannel across iterations.
    grpc::ChannelArguments args;
    args.SetInt("parlab.bench.iteration", static_cast<int>(state.iterations()));
    auto stub = parlab::v1::WorkerService::NewStub(
        parlab::security::CreateChannel(setup.address, args, setup.client));
    if (!Call(*stub)) state.SkipWithError("a call failed");
  }
}

void Modes(benchmark::internal::Benchmark* b) {
  b->ArgName("mode");  // 0 plaintext, 1 TLS, 2 TLS + token, 3 mutual TLS
  for (int mode : {kPlaintext, kTls, kTlsToken, kMutualTls}) b->Arg(mode);
}

BENCHMARK(BM_RoundTrip)->Apply(Modes)->UseRealTime();
BENCHMARK(BM_ConnectAndCall)->Apply(Modes)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
