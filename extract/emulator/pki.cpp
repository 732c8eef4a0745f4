#include "extract/emulator/pki.h"

#include <openssl/bio.h>
#include <openssl/encoder.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "extract/emulator/byte_order.h"
#include "extract/emulator/crypto_util.h"

namespace mfx::extract::emulator {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
struct ExtDeleter {
  void operator()(X509_EXTENSION* ext) const { X509_EXTENSION_free(ext); }
};
struct EncoderCtxDeleter {
  void operator()(OSSL_ENCODER_CTX* ctx) const { OSSL_ENCODER_CTX_free(ctx); }
};

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(length));
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtDeleter> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    throw CryptoError("cannot add certificate extension");
  }
}

}  // namespace

EvpPkeyPtr GenerateRsaKey(int bits) {
  EvpPkeyPtr key(EVP_RSA_gen(static_cast<unsigned int>(bits)));
  if (!key) throw CryptoError("RSA key generation failed");
  return key;
}

X509Ptr MakeCertificate(EVP_PKEY* subject_key, EVP_PKEY* issuer_key, X509* issuer_cert,
                        std::string_view common_name, bool is_ca, long serial) {
  X509Ptr cert(X509_new());
  if (!cert) throw CryptoError("X509_new failed");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60L * 60 * 24);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 365 * 10);
  X509_set_pubkey(cert.get(), subject_key);
  if (!common_name.empty()) {
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(common_name.data()),
                               static_cast<int>(common_name.size()), -1, 0);
  }
  X509* issuer = issuer_cert != nullptr ? issuer_cert : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));
  AddExtension(cert.get(), issuer, NID_basic_constraints,
               is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  AddExtension(cert.get(), issuer, NID_subject_key_identifier, "hash");
  if (!is_ca) {
    AddExtension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) {
    throw CryptoError("certificate signing failed");
  }
  return cert;
}

std::string CertificateToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) throw CryptoError("PEM_write_bio_X509");
  return BioToString(bio.get());
}

std::string PrivateKeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw CryptoError("PEM_write_bio_PrivateKey");
  }
  return BioToString(bio.get());
}

std::string RsaPublicKeyToPkcs1Pem(EVP_PKEY* key) {
  // "type-specific" output of an RSA public key is the PKCS#1 RSAPublicKey structure, which
  // libimobiledevice 1.3.0 expects (it decodes "RSA PUBLIC KEY").
  std::unique_ptr<OSSL_ENCODER_CTX, EncoderCtxDeleter> ctx(
      OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_PUBLIC_KEY, "PEM", "type-specific", nullptr));
  if (!ctx) throw CryptoError("OSSL_ENCODER_CTX_new_for_pkey");
  unsigned char* data = nullptr;
  size_t length = 0;
  if (OSSL_ENCODER_to_data(ctx.get(), &data, &length) != 1)
    throw CryptoError("OSSL_ENCODER_to_data");
  std::string pem(reinterpret_cast<char*>(data), length);
  OPENSSL_free(data);
  return pem;
}

X509Ptr CertificateFromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

EvpPkeyPtr PrivateKeyFromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return EvpPkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

std::vector<uint8_t> CertificateDer(X509* cert) {
  unsigned char* der = nullptr;
  const int length = i2d_X509(cert, &der);
  if (length <= 0) return {};
  std::vector<uint8_t> out(der, der + length);
  OPENSSL_free(der);
  return out;
}

bool CertificateMatchesKey(X509* cert, EVP_PKEY* key) {
  EVP_PKEY* cert_key = X509_get0_pubkey(cert);
  return cert_key != nullptr && EVP_PKEY_eq(cert_key, key) == 1;
}

HostPairing MakeHostPairing(EVP_PKEY* device_key, std::string_view system_buid) {
  EvpPkeyPtr root_key = GenerateRsaKey();
  EvpPkeyPtr host_key = GenerateRsaKey();
  X509Ptr root_cert = MakeCertificate(root_key.get(), root_key.get(), nullptr, "Root", true, 0);
  X509Ptr host_cert =
      MakeCertificate(host_key.get(), root_key.get(), root_cert.get(), "Host", false, 0);
  X509Ptr device_cert =
      MakeCertificate(device_key, root_key.get(), root_cert.get(), "Device", false, 0);
  HostPairing pairing;
  pairing.host_id = NewUuid();
  pairing.system_buid = std::string(system_buid);
  pairing.root_certificate_pem = CertificateToPem(root_cert.get());
  pairing.root_private_key_pem = PrivateKeyToPem(root_key.get());
  pairing.host_certificate_pem = CertificateToPem(host_cert.get());
  pairing.host_private_key_pem = PrivateKeyToPem(host_key.get());
  pairing.device_certificate_pem = CertificateToPem(device_cert.get());
  return pairing;
}

PlistPtr MakePairRecordPlist(const HostPairing& pairing, std::string_view wifi_mac,
                             const std::vector<uint8_t>& escrow_bag) {
  PlistPtr record = NewDict();
  Set(record.get(), "DeviceCertificate", NewData(pairing.device_certificate_pem));
  if (!escrow_bag.empty()) Set(record.get(), "EscrowBag", NewData(escrow_bag));
  Set(record.get(), "HostCertificate", NewData(pairing.host_certificate_pem));
  Set(record.get(), "HostID", NewString(pairing.host_id));
  Set(record.get(), "HostPrivateKey", NewData(pairing.host_private_key_pem));
  Set(record.get(), "RootCertificate", NewData(pairing.root_certificate_pem));
  Set(record.get(), "RootPrivateKey", NewData(pairing.root_private_key_pem));
  Set(record.get(), "SystemBUID", NewString(pairing.system_buid));
  Set(record.get(), "WiFiMACAddress", NewString(wifi_mac));
  return record;
}

std::vector<uint8_t> MakeEscrowBag() {
  // Shaped like a keybag (TLV: VERS, TYPE 2 = escrow, UUID, then random wrapped material); only
  // its identity matters to the emulator, which compares it byte for byte at StartService.
  std::vector<uint8_t> bag;
  auto tag = [&bag](const char* name, std::span<const uint8_t> value) {
    bag.insert(bag.end(), name, name + 4);
    AppendBe32(bag, static_cast<uint32_t>(value.size()));
    bag.insert(bag.end(), value.begin(), value.end());
  };
  const uint8_t vers[4] = {0, 0, 0, 4};
  const uint8_t type[4] = {0, 0, 0, 2};
  tag("VERS", vers);
  tag("TYPE", type);
  tag("UUID", RandomBytes(16));
  tag("HMCK", RandomBytes(40));
  tag("WRAP", std::vector<uint8_t>{0, 0, 0, 1});
  tag("SALT", RandomBytes(20));
  return bag;
}

}  // namespace mfx::extract::emulator
