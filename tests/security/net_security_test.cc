// Channel security: the tokens file, the bind policy, and real gRPC calls in process against a
// server with TLS, mutual TLS and tokens (certificates from scripts/make-lab-certs.sh): each
// refused call says why, an accepted one knows who called.
#include "parlab/security/net_security.h"

#include <memory>

#include "gmock/gmock.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "parlab/v1/parlab.grpc.pb.h"
#include "support/lab_certs.h"

namespace parlab::security {
namespace {

using test_support::LabCerts;
using ::testing::HasSubstr;

constexpr char kAlice[] = "alice-secret-0123456789";
constexpr char kNode[] = "node1-secret-0123456789";
constexpr char kRoot[] = "root-secret-01234567890";

TEST(TokensTest, ParsesNameRoleSecretWithComments) {
  absl::StatusOr<std::vector<Token>> tokens = ParseTokens(
      "# lab tokens\n\nalice submit alice-secret-0123456789\n  node1\tworker "
      "node1-secret-0123456789  # rack a\nroot admin root-secret-01234567890\n",
      "tokens.txt");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  ASSERT_EQ(tokens->size(), 3u);
  EXPECT_EQ((*tokens)[0].name, "alice");
  EXPECT_EQ((*tokens)[0].role, Role::kSubmit);
  EXPECT_EQ((*tokens)[1].role, Role::kWorker);
  EXPECT_EQ((*tokens)[1].secret, "node1-secret-0123456789");
  EXPECT_EQ((*tokens)[2].role, Role::kAdmin);
}

TEST(TokensTest, ErrorsNameTheLine) {
  EXPECT_THAT(ParseTokens("alice submit\n", "t").status().message(),
              HasSubstr("t:1: expected NAME ROLE SECRET, got 2 fields"));
  EXPECT_THAT(ParseTokens("\nalice root 0123456789abcdef0\n", "t").status().message(),
              HasSubstr("t:2: ROLE: must be submit, worker or admin, got \"root\""));
  EXPECT_THAT(ParseTokens("alice submit short\n", "t").status().message(),
              HasSubstr("must have at least 16 characters, got 5"));
  EXPECT_THAT(ParseTokens("a submit 0123456789abcdef0\na worker 0123456789abcdef1\n", "t")
                  .status()
                  .message(),
              HasSubstr("t:2: token name \"a\" appears twice"));
  EXPECT_THAT(ParseTokens("# nothing\n", "t").status().message(), HasSubstr("no tokens"));
}

TEST(TokensTest, RolesAllow) {
  EXPECT_TRUE(RoleAllows(Role::kAdmin, Role::kWorker));
  EXPECT_TRUE(RoleAllows(Role::kAdmin, Role::kSubmit));
  EXPECT_TRUE(RoleAllows(Role::kSubmit, Role::kSubmit));
  EXPECT_FALSE(RoleAllows(Role::kSubmit, Role::kWorker));
  EXPECT_FALSE(RoleAllows(Role::kWorker, Role::kSubmit));
  EXPECT_FALSE(RoleAllows(Role::kSubmit, Role::kAdmin));
}

TEST(TokensTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_EQ(RandomSecret(24).size(), 48u);
  EXPECT_NE(RandomSecret(), RandomSecret());
}

TEST(PolicyTest, LoopbackAddresses) {
  EXPECT_TRUE(IsLoopbackListen("127.0.0.1:0"));
  EXPECT_TRUE(IsLoopbackListen("127.1.2.3:7471"));
  EXPECT_TRUE(IsLoopbackListen("localhost:7471"));
  EXPECT_TRUE(IsLoopbackListen("[::1]:7471"));
  EXPECT_TRUE(IsLoopbackListen("unix:/run/parlab.sock"));
  EXPECT_FALSE(IsLoopbackListen("0.0.0.0:7471"));
  EXPECT_FALSE(IsLoopbackListen("[::]:7471"));
  EXPECT_FALSE(IsLoopbackListen("10.0.0.5:7471"));
  EXPECT_FALSE(IsLoopbackListen("node1.lab:7471"));
  EXPECT_FALSE(IsLoopbackListen(":7471"));
}

TEST(PolicyTest, NonLoopbackWithoutTlsAndTokensIsRefusedNamingTheFlags) {
  absl::StatusOr<std::unique_ptr<ServerSecurity>> refused =
      ServerSecurity::Create({}, "0.0.0.0:7471", "parlab-worker");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("--listen 0.0.0.0:7471"));
  EXPECT_THAT(refused.status().message(), HasSubstr("--tls-cert/--tls-key"));
  EXPECT_THAT(refused.status().message(), HasSubstr("--tokens"));
  EXPECT_THAT(refused.status().message(), HasSubstr("--insecure"));

  DaemonSecurityFlags insecure;
  insecure.insecure = true;
  absl::StatusOr<std::unique_ptr<ServerSecurity>> allowed =
      ServerSecurity::Create(insecure, "0.0.0.0:7471", "parlab-worker");
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_THAT((*allowed)->warning(), HasSubstr("WARNING: --insecure"));

  absl::StatusOr<std::unique_ptr<ServerSecurity>> loopback =
      ServerSecurity::Create({}, "127.0.0.1:0", "parlab-worker");
  ASSERT_TRUE(loopback.ok()) << loopback.status();
  EXPECT_EQ((*loopback)->warning(), "");
  EXPECT_EQ((*loopback)->Summary(), "plaintext, no tokens");
}

TEST(PolicyTest, FlagsThatGoTogether) {
  DaemonSecurityFlags cert_only;
  cert_only.tls_cert = "x.crt";
  EXPECT_THAT(ServerSecurity::Create(cert_only, "127.0.0.1:0", "w").status().message(),
              HasSubstr("--tls-cert and --tls-key go together"));
  DaemonSecurityFlags client_auth;
  client_auth.tls_client_auth = true;
  EXPECT_THAT(ServerSecurity::Create(client_auth, "127.0.0.1:0", "w").status().message(),
              HasSubstr("--tls-client-auth: needs --tls-ca FILE"));
  DaemonSecurityFlags missing;
  missing.tokens = "/nonexistent/tokens";
  EXPECT_THAT(ServerSecurity::Create(missing, "127.0.0.1:0", "w").status().message(),
              HasSubstr("--tokens: cannot read \"/nonexistent/tokens\""));
}

// A WorkerService whose Describe needs the submit role and answers with the caller's identity.
class EchoService final : public v1::WorkerService::Service {
 public:
  explicit EchoService(const ServerSecurity* security) : security_(security) {}
  grpc::Status Describe(grpc::ServerContext* context, const v1::DescribeRequest*,
                        v1::WorkerDescription* response) override {
    Caller caller;
    grpc::Status status = security_->Authorize(*context, Role::kSubmit, "Describe", &caller);
    if (!status.ok()) return status;
    response->set_address(caller.identity);
    return grpc::Status::OK;
  }

 private:
  const ServerSecurity* security_;
};

class SecureServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<LabCerts> certs = LabCerts::Make({"127.0.0.1", "workers.lab"});
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *certs;
    absl::StatusOr<LabCerts> other = LabCerts::Make({"127.0.0.1"});
    ASSERT_TRUE(other.ok()) << other.status();
    other_ = *other;
    tokens_ = certs_.WriteFile("tokens", absl::StrCat("alice submit ", kAlice, "\nnode1 worker ",
                                                      kNode, "\nroot admin ", kRoot, "\n"));
  }

  void Serve(const DaemonSecurityFlags& flags) {
    absl::StatusOr<std::unique_ptr<ServerSecurity>> security =
        ServerSecurity::Create(flags, "127.0.0.1:0", "test-daemon");
    ASSERT_TRUE(security.ok()) << security.status();
    security_ = *std::move(security);
    service_ = std::make_unique<EchoService>(security_.get());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", security_->credentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    address_ = absl::StrCat("127.0.0.1:", port);
  }

  DaemonSecurityFlags TlsFlags() const {
    DaemonSecurityFlags flags;
    flags.tls_cert = certs_.Cert("127.0.0.1");
    flags.tls_key = certs_.Key("127.0.0.1");
    flags.tls_ca = certs_.ca();
    flags.tokens = tokens_;
    return flags;
  }

  ClientSecurity Client(const LabCerts& certs, const std::string& token, bool client_cert) {
    ClientSecurityFiles files;
    files.tls_ca = certs.ca();
    if (client_cert) {
      files.tls_cert = certs.client_cert();
      files.tls_key = certs.client_key();
    }
    files.token = token;
    absl::StatusOr<ClientSecurity> security = LoadClientSecurity(files);
    EXPECT_TRUE(security.ok()) << security.status();
    return security.ok() ? *security : ClientSecurity();
  }

  grpc::Status Call(const ClientSecurity& security, v1::WorkerDescription* out = nullptr) {
    std::shared_ptr<grpc::Channel> channel =
        CreateChannel(address_, grpc::ChannelArguments(), security);
    auto stub = v1::WorkerService::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::WorkerDescription description;
    grpc::Status status = stub->Describe(&context, v1::DescribeRequest(), &description);
    if (out != nullptr) *out = description;
    return status;
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  LabCerts certs_;
  LabCerts other_;
  std::string tokens_;
  std::unique_ptr<ServerSecurity> security_;
  std::unique_ptr<EchoService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

TEST_F(SecureServerTest, TokensDecideOverTls) {
  Serve(TlsFlags());
  EXPECT_EQ(security_->Summary(), "TLS, 3 tokens");

  grpc::Status none = Call(Client(certs_, "", false));
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("Describe needs a bearer token of role submit"));

  grpc::Status wrong = Call(Client(certs_, "not-a-token-0123456789", false));
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(wrong.error_message(), HasSubstr("unknown token"));

  grpc::Status role = Call(Client(certs_, kNode, false));
  EXPECT_EQ(role.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(role.error_message(),
              HasSubstr("needs role submit (or admin); token \"node1\" has role worker"));

  v1::WorkerDescription who;
  grpc::Status ok = Call(Client(certs_, kAlice, false), &who);
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_EQ(who.address(), "token:alice");
  ASSERT_TRUE(Call(Client(certs_, kRoot, false), &who).ok());
  EXPECT_EQ(who.address(), "token:root");
}

TEST_F(SecureServerTest, PlaintextClientAndAnotherCaAreRefusedByTheHandshake) {
  Serve(TlsFlags());
  ClientSecurity plaintext;
  plaintext.token = kAlice;
  EXPECT_EQ(Call(plaintext).error_code(), grpc::StatusCode::UNAVAILABLE);
  // The server's certificate does not chain to the other lab's CA.
  EXPECT_EQ(Call(Client(other_, kAlice, false)).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(SecureServerTest, MutualTlsNeedsAClientCertificateFromTheLabCa) {
  DaemonSecurityFlags flags = TlsFlags();
  flags.tls_client_auth = true;
  flags.tokens.clear();
  Serve(flags);
  EXPECT_EQ(security_->Summary(), "mutual TLS, no tokens");
  EXPECT_EQ(Call(Client(certs_, "", false)).error_code(), grpc::StatusCode::UNAVAILABLE);
  // A certificate of another CA, for a server that trusts this one only.
  ClientSecurity foreign = Client(certs_, "", false);
  foreign.cert_pem = Client(other_, "", true).cert_pem;
  foreign.key_pem = Client(other_, "", true).key_pem;
  EXPECT_EQ(Call(foreign).error_code(), grpc::StatusCode::UNAVAILABLE);
  v1::WorkerDescription who;
  grpc::Status ok = Call(Client(certs_, "", true), &who);
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_THAT(who.address(), HasSubstr("cert:"));
  EXPECT_THAT(who.address(), HasSubstr("parlab-client"));
}

TEST_F(SecureServerTest, AFleetCertificateIsCheckedByItsNameNotTheAddress) {
  // One certificate for every worker behind a DNS name (Kubernetes pods): it names
  // workers.lab, not the address dialled.
  DaemonSecurityFlags flags = TlsFlags();
  flags.tls_cert = certs_.Cert("workers.lab");
  flags.tls_key = certs_.Key("workers.lab");
  Serve(flags);
  ClientSecurity by_address = Client(certs_, kAlice, false);
  EXPECT_EQ(Call(by_address).error_code(), grpc::StatusCode::UNAVAILABLE);
  ClientSecurity by_name = by_address;
  by_name.server_name = "workers.lab";
  grpc::Status ok = Call(by_name);
  EXPECT_TRUE(ok.ok()) << ok.error_message();
  ClientSecurity wrong_name = by_address;
  wrong_name.server_name = "other.lab";
  EXPECT_EQ(Call(wrong_name).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(SecureServerTest, OpenServerTakesEveryone) {
  Serve({});
  v1::WorkerDescription who;
  ASSERT_TRUE(Call(ClientSecurity(), &who).ok());
  EXPECT_EQ(who.address(), "");
}

TEST(ClientSecurityTest, TokenFileAndEnvironment) {
  absl::StatusOr<LabCerts> certs = LabCerts::Make({"localhost"});
  ASSERT_TRUE(certs.ok()) << certs.status();
  const std::string alone = certs->WriteFile("alone", "# mine\n  abcdef0123456789abcd  \n");
  const std::string line = certs->WriteFile("line", "me submit abcdef0123456789abce\n");
  EXPECT_EQ(*ReadTokenFile(alone), "abcdef0123456789abcd");
  EXPECT_EQ(*ReadTokenFile(line), "abcdef0123456789abce");
  EXPECT_THAT(ReadTokenFile(certs->WriteFile("empty", "#\n")).status().message(),
              HasSubstr("holds no token"));

  ClientSecurityFiles files;
  setenv("PARLAB_TOKEN", "from-env-0123456789", 1);
  ApplyTokenEnvironment(files);
  EXPECT_EQ(files.token, "from-env-0123456789");
  unsetenv("PARLAB_TOKEN");
  setenv("PARLAB_TOKEN_FILE", alone.c_str(), 1);
  ClientSecurityFiles from_file;
  ApplyTokenEnvironment(from_file);
  unsetenv("PARLAB_TOKEN_FILE");
  EXPECT_EQ(from_file.token_file, alone);
  EXPECT_EQ(LoadClientSecurity(from_file)->token, "abcdef0123456789abcd");

  ClientSecurityFiles cert_without_ca;
  cert_without_ca.tls_cert = certs->client_cert();
  cert_without_ca.tls_key = certs->client_key();
  EXPECT_THAT(LoadClientSecurity(cert_without_ca).status().message(), HasSubstr("--tls-ca"));
  ClientSecurityFiles not_pem;
  not_pem.tls_ca = alone;
  EXPECT_THAT(LoadClientSecurity(not_pem).status().message(), HasSubstr("is not a PEM file"));
}

}  // namespace
}  // namespace parlab::security
