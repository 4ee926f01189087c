#include "parlab/security/net_security.h"

#include <arpa/inet.h>
#include <openssl/sha.h>
#include <sys/random.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/auth_context.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/client_interceptor.h"
#include "parlab/common/status_macros.h"

namespace parlab::security {
namespace {

constexpr char kBearer[] = "Bearer ";

const std::vector<flags::Flag>& Table() {
  static const std::vector<flags::Flag>* table = new std::vector<flags::Flag>{
      {"--tls-cert", "FILE",
       "this daemon's certificate (PEM): TLS on --listen, and its client\n"
       "certificate towards peers that require one (docs/security.md)",
       ""},
      {"--tls-key", "FILE", "the private key of --tls-cert (PEM)", ""},
      {"--tls-ca", "FILE",
       "the lab CA (PEM): peers' certificates must chain to it; makes this\n"
       "daemon's own calls (to workers, to the coordinator) use TLS",
       ""},
      {"--tls-client-auth", "",
       "require a client certificate signed by --tls-ca on every call (mutual TLS)", ""},
      {"--tokens", "FILE",
       "accepted bearer tokens, one `NAME ROLE SECRET` per line (roles: submit,\n"
       "worker, admin; # comments); every call must carry one",
       ""},
      {"--token-file", "FILE",
       "the token this daemon presents on its own calls (registration,\n"
       "coordinator -> worker); never give a secret on the command line",
       ""},
      {"--tls-server-name", "NAME",
       "the name the peers' certificates must carry, instead of the address\n"
       "dialled (workers found by --workers-dns whose pod IPs no certificate names)",
       ""},
      {"--insecure", "",
       "allow a non-loopback --listen without TLS and tokens: anyone who reaches\n"
       "the port may do everything (a warning at every start)",
       ""},
  };
  return *table;
}

std::string Trimmed(absl::string_view line) {
  const size_t hash = line.find('#');
  if (hash != absl::string_view::npos) line = line.substr(0, hash);
  return std::string(absl::StripAsciiWhitespace(line));
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read \"", path, "\""));
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// The host part of HOST:PORT, [V6]:PORT.
std::string ListenHost(absl::string_view listen) {
  if (absl::StartsWith(listen, "[")) {
    const size_t close = listen.find(']');
    return std::string(listen.substr(1, close == absl::string_view::npos ? 0 : close - 1));
  }
  const size_t colon = listen.rfind(':');
  return std::string(colon == absl::string_view::npos ? listen : listen.substr(0, colon));
}

class BearerInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit BearerInterceptor(std::string header) : header_(std::move(header)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({"authorization", header_});
    }
    methods->Proceed();
  }

 private:
  const std::string header_;
};

class BearerInterceptorFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerInterceptorFactory(const std::string& token)
      : header_(absl::StrCat(kBearer, token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new BearerInterceptor(header_);
  }

 private:
  const std::string header_;
};

std::mutex process_mutex;
ClientSecurity* process_security = nullptr;

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kSubmit:
      return "submit";
    case Role::kWorker:
      return "worker";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

absl::StatusOr<Role> ParseRole(absl::string_view text) {
  if (text == "submit") return Role::kSubmit;
  if (text == "worker") return Role::kWorker;
  if (text == "admin") return Role::kAdmin;
  return absl::InvalidArgumentError(
      absl::StrCat("ROLE: must be submit, worker or admin, got \"", text, "\""));
}

bool RoleAllows(Role have, Role need) { return have == Role::kAdmin || have == need; }

absl::StatusOr<std::vector<Token>> ParseTokens(absl::string_view text, absl::string_view origin) {
  std::vector<Token> tokens;
  int number = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++number;
    const std::string line = Trimmed(raw);
    if (line.empty()) continue;
    std::vector<std::string> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const std::string where = absl::StrCat(origin, ":", number);
    if (fields.size() != 3) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": expected NAME ROLE SECRET, got ",
                                                     fields.size(), " field",
                                                     fields.size() == 1 ? "" : "s"));
    }
    absl::StatusOr<Role> role = ParseRole(fields[1]);
    if (!role.ok())
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", role.status().message()));
    if (fields[2].size() < kMinSecretLength) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": the secret of \"", fields[0], "\" must have at least ", kMinSecretLength,
          " characters, got ", fields[2].size(), " (make one with `openssl rand -hex 24`)"));
    }
    for (const Token& other : tokens) {
      if (other.name == fields[0]) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": token name \"", fields[0], "\" appears twice"));
      }
      if (other.secret == fields[2]) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": the secret of \"", fields[0],
                                                       "\" is also the secret of \"", other.name,
                                                       "\""));
      }
    }
    tokens.push_back(Token{fields[0], *role, fields[2]});
  }
  if (tokens.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": no tokens (expected lines of NAME ROLE SECRET)"));
  }
  return tokens;
}

absl::StatusOr<std::vector<Token>> ReadTokensFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok())
    return absl::InvalidArgumentError(absl::StrCat("--tokens: ", text.status().message()));
  return ParseTokens(*text, absl::StrCat("--tokens ", path));
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("token file: ", text.status().message()));
  }
  for (absl::string_view raw : absl::StrSplit(*text, '\n')) {
    const std::string line = Trimmed(raw);
    if (line.empty()) continue;
    std::vector<std::string> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() != 1 && fields.size() != 3) {
      return absl::InvalidArgumentError(
          absl::StrCat("token file ", path, ": expected the secret alone or NAME ROLE SECRET, got ",
                       fields.size(), " fields"));
    }
    return fields.back();
  }
  return absl::InvalidArgumentError(absl::StrCat("token file ", path, ": holds no token"));
}

absl::StatusOr<std::string> ReadPemFile(absl::string_view flag, const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok())
    return absl::InvalidArgumentError(absl::StrCat(flag, ": ", text.status().message()));
  if (!absl::StrContains(*text, "-----BEGIN ")) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": \"", path, "\" is not a PEM file (no -----BEGIN line)"));
  }
  return text;
}

bool IsLoopbackListen(absl::string_view listen) {
  if (absl::StartsWith(listen, "unix:") || absl::StartsWith(listen, "unix-abstract:")) return true;
  const std::string host = ListenHost(listen);
  if (host == "localhost" || host == "ip6-localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

const std::vector<flags::Flag>& DaemonFlagTable() { return Table(); }

bool IsDaemonFlag(absl::string_view flag) {
  for (const flags::Flag& entry : Table()) {
    if (entry.name == flag) return true;
  }
  return false;
}

absl::Status ApplyDaemonFlag(absl::string_view flag, const std::string& value,
                             DaemonSecurityFlags& out) {
  if (flag == "--tls-client-auth") {
    out.tls_client_auth = true;
    return absl::OkStatus();
  }
  if (flag == "--insecure") {
    out.insecure = true;
    return absl::OkStatus();
  }
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(flag, ": must name a file"));
  if (flag == "--tls-cert") out.tls_cert = value;
  if (flag == "--tls-key") out.tls_key = value;
  if (flag == "--tls-ca") out.tls_ca = value;
  if (flag == "--tokens") out.tokens = value;
  if (flag == "--token-file") out.token_file = value;
  if (flag == "--tls-server-name") out.tls_server_name = value;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ServerSecurity>> ServerSecurity::Create(
    const DaemonSecurityFlags& flags, const std::string& listen, absl::string_view program) {
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        flags.tls_cert.empty() ? "--tls-key" : "--tls-cert",
        ": --tls-cert and --tls-key go together (the certificate and its private key)"));
  }
  if (flags.tls_client_auth && flags.tls_ca.empty()) {
    return absl::InvalidArgumentError(
        "--tls-client-auth: needs --tls-ca FILE (the lab CA that signs client certificates)");
  }
  if (flags.tls_client_auth && flags.tls_cert.empty()) {
    return absl::InvalidArgumentError(
        "--tls-client-auth: needs --tls-cert/--tls-key (client certificates are checked in a "
        "TLS handshake)");
  }
  const bool tls = !flags.tls_cert.empty();
  const bool authenticated = !flags.tokens.empty() || flags.tls_client_auth;
  std::unique_ptr<ServerSecurity> security(new ServerSecurity());
  security->program_ = std::string(program);
  if (!IsLoopbackListen(listen)) {
    if (!(tls && authenticated) && !flags.insecure) {
      std::vector<std::string> missing;
      if (!tls) missing.push_back("--tls-cert/--tls-key FILE");
      if (!authenticated) missing.push_back("--tokens FILE");
      return absl::InvalidArgumentError(
          absl::StrCat("--listen ", listen, ": a non-loopback address needs TLS and a token; add ",
                       absl::StrJoin(missing, " and "),
                       " (docs/security.md), or --insecure to serve it unprotected"));
    }
    if (!(tls && authenticated)) {
      security->warning_ = absl::StrCat(
          program, ": WARNING: --insecure: serving ", listen, " without ",
          tls ? "tokens" : (authenticated ? "TLS" : "TLS or tokens"),
          ": anyone who reaches this port can ",
          tls || authenticated ? "read or forge what it sends" : "run jobs and read results",
          " (docs/security.md)");
    }
  }
  if (tls) {
    PARLAB_ASSIGN_OR_RETURN(security->cert_, ReadPemFile("--tls-cert", flags.tls_cert));
    PARLAB_ASSIGN_OR_RETURN(security->key_, ReadPemFile("--tls-key", flags.tls_key));
  }
  if (!flags.tls_ca.empty()) {
    PARLAB_ASSIGN_OR_RETURN(security->ca_, ReadPemFile("--tls-ca", flags.tls_ca));
  }
  security->client_auth_ = flags.tls_client_auth;
  if (!flags.tokens.empty()) {
    PARLAB_ASSIGN_OR_RETURN(security->tokens_, ReadTokensFile(flags.tokens));
    for (size_t i = 0; i < security->tokens_.size(); ++i) {
      security->by_digest_.emplace(SecretDigest(security->tokens_[i].secret), i);
    }
  }
  return security;
}

std::unique_ptr<ServerSecurity> ServerSecurity::Open() {
  return std::unique_ptr<ServerSecurity>(new ServerSecurity());
}

std::shared_ptr<grpc::ServerCredentials> ServerSecurity::credentials() const {
  if (cert_.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(
      client_auth_ ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                   : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_root_certs = ca_;
  options.pem_key_cert_pairs.push_back({key_, cert_});
  return grpc::SslServerCredentials(options);
}

grpc::Status ServerSecurity::Authorize(const grpc::ServerContext& context, Role need,
                                       absl::string_view method, Caller* caller) const {
  Caller who;
  std::string subject;
  if (client_auth_) {
    subject = PeerIdentity(context.auth_context());
    if (subject.empty()) {
      // gRPC refuses the handshake first; this is the belt to its braces.
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          absl::StrCat(program_, ": ", method,
                                       " needs a client certificate signed by the lab CA "
                                       "(--tls-cert/--tls-key on the client)"));
    }
  }
  // Built only for a refusal: the accepted path allocates nothing it does not keep.
  auto wanted = [need] {
    return need == Role::kAdmin ? std::string("admin")
                                : absl::StrCat(RoleName(need), " (or admin)");
  };
  if (!tokens_.empty()) {
    const auto& metadata = context.client_metadata();
    auto it = metadata.find("authorization");
    if (it == metadata.end()) {
      return grpc::Status(
          grpc::StatusCode::UNAUTHENTICATED,
          absl::StrCat(program_, ": ", method, " needs a bearer token of role ", wanted(),
                       " (`authorization: Bearer TOKEN`); the client sent none: give it "
                       "--token-file FILE, or PARLAB_TOKEN / PARLAB_TOKEN_FILE for parlab"));
    }
    absl::string_view header(it->second.data(), it->second.size());
    if (!absl::StartsWith(header, kBearer)) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          absl::StrCat(program_, ": ", method,
                                       ": the authorization header must be `Bearer TOKEN`"));
    }
    header.remove_prefix(sizeof(kBearer) - 1);
    const Token* found = FindToken(header);
    if (found == nullptr) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          absl::StrCat(program_, ": ", method,
                                       ": unknown token (expected one of "
                                       "this daemon's --tokens, role ",
                                       wanted(), ")"));
    }
    if (!RoleAllows(found->role, need)) {
      return grpc::Status(
          grpc::StatusCode::PERMISSION_DENIED,
          absl::StrCat(program_, ": ", method, " needs role ", wanted(), "; token \"", found->name,
                       "\" has role ", RoleName(found->role)));
    }
    who.identity = absl::StrCat("token:", found->name);
    who.role = found->role;
  } else if (client_auth_) {
    // A certificate from the lab CA is a lab machine: it may submit and register, not
    // administer (admin needs a token).
    if (need == Role::kAdmin) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          absl::StrCat(program_, ": ", method,
                                       " needs role admin: a client certificate gives submit and "
                                       "worker only; the admin role needs --tokens"));
    }
    who.identity = subject;
    who.role = need;
  }
  if (caller != nullptr) *caller = std::move(who);
  return grpc::Status::OK;
}

const Token* ServerSecurity::FindToken(absl::string_view secret) const {
  // One hash and one lookup, whatever the number of tokens; the lookup's timing depends on the
  // SHA-256 of what was presented, which says nothing about any secret, and the one candidate is
  // then compared in constant time.
  auto it = by_digest_.find(SecretDigest(secret));
  if (it == by_digest_.end()) return nullptr;
  const Token& token = tokens_[it->second];
  return ConstantTimeEquals(token.secret, secret) ? &token : nullptr;
}

std::string ServerSecurity::Summary() const {
  std::vector<std::string> parts;
  parts.push_back(cert_.empty() ? "plaintext" : (client_auth_ ? "mutual TLS" : "TLS"));
  parts.push_back(tokens_.empty() ? "no tokens" : absl::StrCat(tokens_.size(), " tokens"));
  return absl::StrJoin(parts, ", ");
}

absl::StatusOr<ClientSecurity> LoadClientSecurity(const ClientSecurityFiles& files) {
  ClientSecurity security;
  if (files.tls_cert.empty() != files.tls_key.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        files.tls_cert.empty() ? "--tls-key" : "--tls-cert",
        ": --tls-cert and --tls-key go together (the client certificate and its key)"));
  }
  if (!files.tls_cert.empty() && files.tls_ca.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert: a client certificate needs TLS: add --tls-ca FILE (the lab CA)");
  }
  if (!files.tls_ca.empty()) {
    PARLAB_ASSIGN_OR_RETURN(security.ca_pem, ReadPemFile("--tls-ca", files.tls_ca));
  }
  if (!files.tls_cert.empty()) {
    PARLAB_ASSIGN_OR_RETURN(security.cert_pem, ReadPemFile("--tls-cert", files.tls_cert));
    PARLAB_ASSIGN_OR_RETURN(security.key_pem, ReadPemFile("--tls-key", files.tls_key));
  }
  if (!files.token_file.empty()) {
    absl::StatusOr<std::string> token = ReadTokenFile(files.token_file);
    if (!token.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--token-file: ", token.status().message()));
    }
    security.token = *std::move(token);
  } else {
    security.token = files.token;
  }
  for (char c : security.token) {
    if (c < 0x21 || c > 0x7e) {
      return absl::InvalidArgumentError(
          "token: must be printable ASCII without spaces (a secret from `openssl rand -hex 24`)");
    }
  }
  return security;
}

absl::StatusOr<ClientSecurity> DaemonClientSecurity(const DaemonSecurityFlags& flags) {
  ClientSecurityFiles files;
  files.tls_ca = flags.tls_ca;
  if (!flags.tls_ca.empty()) {
    files.tls_cert = flags.tls_cert;
    files.tls_key = flags.tls_key;
  }
  files.token_file = flags.token_file;
  PARLAB_ASSIGN_OR_RETURN(ClientSecurity security, LoadClientSecurity(files));
  if (!flags.tls_server_name.empty() && flags.tls_ca.empty()) {
    return absl::InvalidArgumentError(
        "--tls-server-name: only with --tls-ca (it names what the peers' certificates carry)");
  }
  security.server_name = flags.tls_server_name;
  return security;
}

void ApplyTokenEnvironment(ClientSecurityFiles& files) {
  if (!files.token_file.empty()) return;
  if (const char* token = std::getenv("PARLAB_TOKEN"); token != nullptr && *token != '\0') {
    files.token = std::string(absl::StripAsciiWhitespace(token));
    return;
  }
  if (const char* file = std::getenv("PARLAB_TOKEN_FILE"); file != nullptr && *file != '\0') {
    files.token_file = file;
  }
}

void SetProcessClientSecurity(ClientSecurity security) {
  std::lock_guard<std::mutex> lock(process_mutex);
  // Every identity set is kept for the life of the process (channels made earlier keep
  // pointing at theirs), in a list that stays reachable: intended, so not a leak to LSan.
  static auto* kept = new std::vector<std::unique_ptr<ClientSecurity>>();
  kept->push_back(std::make_unique<ClientSecurity>(std::move(security)));
  process_security = kept->back().get();
}

const ClientSecurity& ProcessClientSecurity() {
  std::lock_guard<std::mutex> lock(process_mutex);
  if (process_security == nullptr) process_security = new ClientSecurity();
  return *process_security;
}

std::shared_ptr<grpc::Channel> CreateChannel(const std::string& address,
                                             const grpc::ChannelArguments& args) {
  return CreateChannel(address, args, ProcessClientSecurity());
}

std::shared_ptr<grpc::Channel> CreateChannel(const std::string& address,
                                             const grpc::ChannelArguments& args,
                                             const ClientSecurity& security) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  grpc::ChannelArguments channel_args = args;
  if (!security.server_name.empty()) {
    channel_args.SetSslTargetNameOverride(security.server_name);
  }
  if (security.ca_pem.empty()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = security.ca_pem;
    options.pem_private_key = security.key_pem;
    options.pem_cert_chain = security.cert_pem;
    credentials = grpc::SslCredentials(options);
  }
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
  if (!security.token.empty()) {
    interceptors.push_back(std::make_unique<BearerInterceptorFactory>(security.token));
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(address, credentials, channel_args,
                                                                 std::move(interceptors));
}

std::string PeerIdentity(const std::shared_ptr<const grpc::AuthContext>& auth) {
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return "";
  std::string subject;
  for (const grpc::string_ref& value : auth->FindPropertyValues(GRPC_X509_SUBJECT_PROPERTY_NAME)) {
    subject.assign(value.data(), value.size());
  }
  return subject.empty() ? "" : absl::StrCat("cert:", subject);
}

std::string RandomSecret(size_t bytes) {
  std::string raw(bytes, '\0');
  size_t filled = 0;
  while (filled < bytes) {
    ssize_t n = getrandom(raw.data() + filled, bytes - filled, 0);
    if (n > 0) filled += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : raw) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 15]);
  }
  return hex;
}

std::string SecretDigest(absl::string_view secret) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? a[i] : 0;
    const unsigned char y = i < b.size() ? b[i] : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

}  // namespace parlab::security
