// Channel security for every parlab gRPC channel: TLS (gRPC's SSL credentials, mutual TLS as an
// option) from PEM files, bearer tokens with roles in call metadata, and the bind policy
// (loopback without TLS is the default; any other address needs TLS and a token, or --insecure).
// docs/security.md has the threat model and the set-up.
//
// Server side (a daemon):
//   PARLAB_ASSIGN_OR_RETURN(auto security, security::ServerSecurity::Create(options, listen));
//   builder.AddListeningPort(listen, security->credentials(), &port);
//   ...in a method:
//   security::Caller caller;
//   if (grpc::Status s = security->Authorize(*context, security::Role::kSubmit, "SubmitRun",
//                                            &caller); !s.ok()) return s;
// Client side (once per process, before any channel is made):
//   PARLAB_ASSIGN_OR_RETURN(auto client, security::LoadClientSecurity(files));
//   security::SetProcessClientSecurity(client);
//   std::shared_ptr<grpc::Channel> channel = security::CreateChannel(address, args);
#ifndef PARLAB_SECURITY_NET_SECURITY_H_
#define PARLAB_SECURITY_NET_SECURITY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/auth_context.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/channel_arguments.h"
#include "parlab/common/flags.h"

namespace parlab::security {

// What a caller may do. kAdmin may do everything the others may, and name arbitrary worker
// addresses in SubmitRun.workers.
enum class Role {
  kSubmit,  // run plans (SubmitRun, RunJob), read results and workers
  kWorker,  // RegisterWorker, Heartbeat, DeregisterWorker
  kAdmin,
};
const char* RoleName(Role role);
// "submit", "worker", "admin"; anything else: `ROLE: must be submit, worker or admin, got "x"`.
[[nodiscard]] absl::StatusOr<Role> ParseRole(absl::string_view text);
// Whether a caller with role `have` may do what needs `need`.
bool RoleAllows(Role have, Role need);

// Secrets shorter than this are refused: a token is a password that never expires.
inline constexpr size_t kMinSecretLength = 16;

struct Token {
  std::string name;  // who: recorded as the caller's identity, never secret
  Role role = Role::kSubmit;
  std::string secret;  // what the client sends as `authorization: Bearer SECRET`
};

// A --tokens file: one `NAME ROLE SECRET` per line, `#` comments, blank lines ignored. Errors
// name the file and the line: `tokens.txt:3: expected NAME ROLE SECRET, got 2 fields`.
[[nodiscard]] absl::StatusOr<std::vector<Token>> ParseTokens(absl::string_view text,
                                                             absl::string_view origin);
[[nodiscard]] absl::StatusOr<std::vector<Token>> ReadTokensFile(const std::string& path);

// The secret a client presents, from a --token-file (the secret alone on a line, or a
// `NAME ROLE SECRET` line of a tokens file: its last field), `#` comments ignored.
[[nodiscard]] absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

// The whole contents of a file (certificates, keys); the error names the flag and the path.
[[nodiscard]] absl::StatusOr<std::string> ReadPemFile(absl::string_view flag,
                                                      const std::string& path);

// Whether `listen` (HOST:PORT, [V6]:PORT, unix:PATH) is reachable only from this machine.
bool IsLoopbackListen(absl::string_view listen);

// The security flags of a daemon, as written on its command line (paths, not contents).
struct DaemonSecurityFlags {
  std::string tls_cert;          // --tls-cert: own certificate (server, and client for mTLS)
  std::string tls_key;           // --tls-key
  std::string tls_ca;            // --tls-ca: the lab CA that peers' certificates chain to
  bool tls_client_auth = false;  // --tls-client-auth: require client certificates
  std::string tokens;            // --tokens: accepted tokens (server side)
  std::string token_file;        // --token-file: the token this process presents (client side)
  std::string tls_server_name;   // --tls-server-name: the name peers' certificates must carry
  bool insecure = false;         // --insecure: a non-loopback bind without TLS and tokens
};

// The table entries of the security flags, for a daemon's flag table (common/flags.h).
const std::vector<flags::Flag>& DaemonFlagTable();
// Whether `flag` is one of DaemonFlagTable(), and applying it.
bool IsDaemonFlag(absl::string_view flag);
[[nodiscard]] absl::Status ApplyDaemonFlag(absl::string_view flag, const std::string& value,
                                           DaemonSecurityFlags& out);

// Who called, once Authorize() accepted the call.
struct Caller {
  std::string identity;  // "token:NAME", "cert:SUBJECT", or "" (an open server: anonymous)
  Role role = Role::kAdmin;
};

// The server half: credentials to listen with and the check of each call.
class ServerSecurity {
 public:
  // Checks the flags against the bind policy and loads every file. InvalidArgument (exit 2)
  // for a non-loopback `listen` without TLS and tokens (naming the flags to add), a
  // --tls-cert without --tls-key, --tls-client-auth without --tls-ca, an unreadable file or a
  // bad tokens file. `program` ("parlab-worker") words the messages.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ServerSecurity>> Create(
      const DaemonSecurityFlags& flags, const std::string& listen, absl::string_view program);

  // An open server: loopback, no TLS, no tokens, every caller anonymous and admin (the default
  // of `parlab run`'s local worker and of in-process tests).
  static std::unique_ptr<ServerSecurity> Open();

  std::shared_ptr<grpc::ServerCredentials> credentials() const;

  // OK with `caller` filled in, or UNAUTHENTICATED (no token, an unknown token) /
  // PERMISSION_DENIED (a token whose role does not allow `method`), each message saying what
  // was expected. With tokens configured a token is required; without tokens but with
  // --tls-client-auth the verified client certificate is the identity, with roles submit and
  // worker (not admin); with neither the server is open. [thread-safe]
  [[nodiscard]] grpc::Status Authorize(const grpc::ServerContext& context, Role need,
                                       absl::string_view method, Caller* caller) const;

  // "TLS, mutual TLS, 3 tokens" / "plaintext, no tokens": for the start log line.
  std::string Summary() const;
  // A warning to print at every start (--insecure on a non-loopback address), or "".
  const std::string& warning() const { return warning_; }
  bool tls() const { return !cert_.empty(); }
  // The --tls-cert and --tls-key contents (PEM), "" without TLS: for a server that is not gRPC
  // (the dashboard's HTTPS).
  const std::string& cert_pem() const { return cert_; }
  const std::string& key_pem() const { return key_; }
  bool tokens_required() const { return !tokens_.empty(); }
  // The token whose secret is `secret`, or null. [thread-safe]
  const Token* FindToken(absl::string_view secret) const;

 private:
  ServerSecurity() = default;

  std::string program_;
  std::string cert_;
  std::string key_;
  std::string ca_;
  bool client_auth_ = false;
  std::vector<Token> tokens_;
  // SHA-256 of each secret -> its index in tokens_: a call's token is found with one lookup.
  absl::flat_hash_map<std::string, size_t> by_digest_;
  std::string warning_;
};

// The client half: what this process presents on every channel it opens.
struct ClientSecurity {
  std::string ca_pem;    // non-empty: TLS, verifying the server against this CA
  std::string cert_pem;  // with key_pem: a client certificate (mutual TLS)
  std::string key_pem;
  std::string token;  // non-empty: sent as `authorization: Bearer TOKEN` on every call
  // Non-empty: every server's certificate must name this instead of the address dialled (a
  // fleet behind one DNS name whose addresses are not known in advance: Kubernetes pods).
  std::string server_name;
};

// Loads the files: `tls_ca` (empty: plaintext), `tls_cert`+`tls_key` (both or neither; only
// with tls_ca), `token_file` (empty: no token unless `token` is given directly, which callers
// take from the environment only).
struct ClientSecurityFiles {
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string token_file;
  std::string token;  // already read (PARLAB_TOKEN); never from a command-line value
};
[[nodiscard]] absl::StatusOr<ClientSecurity> LoadClientSecurity(const ClientSecurityFiles& files);

// What a daemon presents on its own calls: TLS with --tls-ca (its --tls-cert/--tls-key as the
// client certificate), and the token of --token-file.
[[nodiscard]] absl::StatusOr<ClientSecurity> DaemonClientSecurity(const DaemonSecurityFlags& flags);

// The CLI's environment: PARLAB_TOKEN (the secret) or PARLAB_TOKEN_FILE (a file holding it);
// `files.token_file` (--token-file) wins over both. Fills files.token / files.token_file.
void ApplyTokenEnvironment(ClientSecurityFiles& files);

// The one client identity of this process; set once at start, before any channel is made
// (a process has one identity: its certificate and its token). Default: plaintext, no token.
void SetProcessClientSecurity(ClientSecurity security);
const ClientSecurity& ProcessClientSecurity();

// A channel to `address` with the process's client security: TLS credentials when a CA is
// set, and the bearer token on every call when one is set.
std::shared_ptr<grpc::Channel> CreateChannel(const std::string& address,
                                             const grpc::ChannelArguments& args);
std::shared_ptr<grpc::Channel> CreateChannel(const std::string& address,
                                             const grpc::ChannelArguments& args,
                                             const ClientSecurity& security);

// "cert:SUBJECT" of the verified TLS certificate of a call's peer (a server's, read by the
// client after the call; a client's, read by the server), or "" without TLS.
std::string PeerIdentity(const std::shared_ptr<const grpc::AuthContext>& auth);

// A random secret of `bytes` bytes as hex (getrandom): per-registration heartbeat secrets.
std::string RandomSecret(size_t bytes = 24);

// The SHA-256 of a secret (32 raw bytes): the key tokens are looked up by.
std::string SecretDigest(absl::string_view secret);

// Equal in time independent of where they differ (secrets).
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace parlab::security

#endif  // PARLAB_SECURITY_NET_SECURITY_H_
