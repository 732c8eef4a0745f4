#include "reports/seal_openssl.h"

#include <cstdio>
#include <ctime>

#include <openssl/err.h>
#include <openssl/pem.h>

namespace mfx::reports::ssl {

std::string ErrorText() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

BioPtr MemoryBio(ByteSpan bytes) {
  return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

Result<std::vector<X509Ptr>> ReadCertificates(const std::string& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return Fail(ErrorCode::kNotFound, path + ": cannot open (" + ErrorText() + ")");
  std::vector<X509Ptr> out;
  for (;;) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    out.push_back(std::move(cert));
  }
  ERR_clear_error();  // the loop ends with a "no start line" error
  if (out.empty()) return Fail(ErrorCode::kCorrupt, path + ": no PEM certificate in the file");
  return out;
}

std::string SubjectText(const X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0) {
    return {};
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

std::string CertSha256(const X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return {};
  return HexEncode(ByteSpan(md, len));
}

std::string Asn1TimeText(const ASN1_TIME* t) {
  if (t == nullptr) return {};
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return {};
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string CmsSigningTime(CMS_ContentInfo* cms) {
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
  if (infos == nullptr || sk_CMS_SignerInfo_num(infos) < 1) return {};
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
  const int idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
  if (idx < 0) return {};
  X509_ATTRIBUTE* attr = CMS_signed_get_attr(si, idx);
  ASN1_TYPE* type = attr != nullptr ? X509_ATTRIBUTE_get0_type(attr, 0) : nullptr;
  if (type == nullptr) return {};
  if (type->type == V_ASN1_UTCTIME || type->type == V_ASN1_GENERALIZEDTIME) {
    return Asn1TimeText(type->value.asn1_string);
  }
  return {};
}

}  // namespace mfx::reports::ssl
