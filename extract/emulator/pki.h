// Keys, certificates and pair records of the emulated device and of a pre-paired host.
//
// A real device owns one RSA key pair and publishes its public half as `DevicePublicKey` (PEM
// "RSA PUBLIC KEY", PKCS#1). A host that pairs makes a root CA, a host certificate and a device
// certificate for that public key (DEVICE.md §3). For pre-paired scenarios the emulator plays that
// host once at start-up, so that the record it stores in its usbmuxd looks like one a host made.
//
// All keys are generated fresh per run (RSA-2048) and written only below the state folder.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "extract/emulator/plist_util.h"

namespace mfx::extract::emulator {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

EvpPkeyPtr GenerateRsaKey(int bits = 2048);

// Signs a v3 certificate for `subject_key`; `issuer_cert` == nullptr means self-signed.
X509Ptr MakeCertificate(EVP_PKEY* subject_key, EVP_PKEY* issuer_key, X509* issuer_cert,
                        std::string_view common_name, bool is_ca, long serial);

std::string CertificateToPem(X509* cert);
std::string PrivateKeyToPem(EVP_PKEY* key);         // PKCS#8 "PRIVATE KEY"
std::string RsaPublicKeyToPkcs1Pem(EVP_PKEY* key);  // "RSA PUBLIC KEY", as lockdownd publishes it
X509Ptr CertificateFromPem(std::string_view pem);   // nullptr when unparsable
EvpPkeyPtr PrivateKeyFromPem(std::string_view pem);
std::vector<uint8_t> CertificateDer(X509* cert);
bool CertificateMatchesKey(X509* cert, EVP_PKEY* key);

// What a host keeps after pairing; the device side keeps the public parts.
struct HostPairing {
  std::string host_id;
  std::string system_buid;
  std::string root_certificate_pem;
  std::string root_private_key_pem;
  std::string host_certificate_pem;
  std::string host_private_key_pem;
  std::string device_certificate_pem;
};

// Plays the host side of pairing for `device_key`: root + host keys, three certificates, a HostID.
HostPairing MakeHostPairing(EVP_PKEY* device_key, std::string_view system_buid);

// The usbmuxd pair record ("PairRecordData") for a pairing, as libimobiledevice stores it: PEM
// bytes as <data>, HostID, SystemBUID, WiFiMACAddress, and EscrowBag unless `escrow_bag` is empty.
PlistPtr MakePairRecordPlist(const HostPairing& pairing, std::string_view wifi_mac,
                             const std::vector<uint8_t>& escrow_bag);

// An opaque escrow keybag blob the device hands out on Pair and expects back at StartService.
std::vector<uint8_t> MakeEscrowBag();

}  // namespace mfx::extract::emulator
