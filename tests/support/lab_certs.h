// A lab CA, certificates and tokens for the tests of TLS and tokens, made the way a lab makes
// them: scripts/make-lab-certs.sh (OpenSSL) into a fresh temporary directory.
//
//   absl::StatusOr<LabCerts> certs = LabCerts::Make({"127.0.0.1", "localhost"});
//   ASSERT_TRUE(certs.ok()) << certs.status();
//   certs->Cert("127.0.0.1");  // ".../127.0.0.1.crt"; Key(...), ca(), client_cert()
//   std::string tokens = certs->WriteFile("tokens", "alice submit 0123456789abcdef0123\n");
#ifndef PARLAB_TESTS_SUPPORT_LAB_CERTS_H_
#define PARLAB_TESTS_SUPPORT_LAB_CERTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace parlab::test_support {

class LabCerts {
 public:
  // A CA and a certificate per host (subjectAltName DNS or IP), plus client.crt, in a new
  // directory under $TMPDIR, left in place (a few KiB) so that a failure can be looked at.
  [[nodiscard]] static absl::StatusOr<LabCerts> Make(const std::vector<std::string>& hosts);

  const std::string& dir() const { return dir_; }
  std::string ca() const { return dir_ + "/ca.crt"; }
  std::string Cert(const std::string& host) const { return dir_ + "/" + host + ".crt"; }
  std::string Key(const std::string& host) const { return dir_ + "/" + host + ".key"; }
  std::string client_cert() const { return dir_ + "/client.crt"; }
  std::string client_key() const { return dir_ + "/client.key"; }
  // Writes `contents` to dir()/name (mode 0600) and returns its path.
  std::string WriteFile(const std::string& name, const std::string& contents) const;

 private:
  std::string dir_;
};

}  // namespace parlab::test_support

#endif  // PARLAB_TESTS_SUPPORT_LAB_CERTS_H_
