// Encrypted backups: the emulator's encrypted output is checked with an independent decryption
// written here from FORMATS.md §2 (keybag → KEK → class keys → ManifestKey / per-file keys), and
// backup encryption is switched on and off with the stock idevicebackup2.
#include <openssl/evp.h>
#include <sqlite3.h>
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <map>

#include "tests/extract/emulator/emulator_harness.h"

namespace mfx::extract::test {
namespace {

using nlohmann::json;
using Bytes = std::vector<uint8_t>;

constexpr const char* kUdid = "00008030-001A35E02E38802E";

uint32_t Be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
uint32_t Le32(const uint8_t* p) {
  return uint32_t{p[3]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[1]} << 8 | p[0];
}

struct Keybag {
  std::map<std::string, Bytes> global;
  std::map<uint32_t, std::map<std::string, Bytes>> classes;
};

// TLV: 4-byte tag, u32 BE length, value; the second UUID opens the first class record.
Keybag ParseKeybag(const Bytes& blob) {
  Keybag keybag;
  std::map<std::string, Bytes>* current = nullptr;
  std::map<std::string, Bytes> pending;
  bool seen_uuid = false;
  for (size_t i = 0; i + 8 <= blob.size();) {
    const std::string tag(blob.begin() + static_cast<long>(i),
                          blob.begin() + static_cast<long>(i) + 4);
    const uint32_t length = Be32(&blob[i + 4]);
    const Bytes value(blob.begin() + static_cast<long>(i) + 8,
                      blob.begin() + static_cast<long>(i + 8 + length));
    i += 8 + length;
    if (tag == "UUID" && seen_uuid) {
      pending.clear();
      current = &pending;
    }
    if (tag == "UUID") seen_uuid = true;
    if (current == nullptr) {
      keybag.global[tag] = value;
    } else {
      (*current)[tag] = value;
      if (tag == "WPKY") keybag.classes[Be32(pending.at("CLAS").data())] = pending;
    }
  }
  return keybag;
}

Bytes Pbkdf2(const EVP_MD* md, const Bytes& password, const Bytes& salt, uint32_t rounds) {
  Bytes out(32);
  PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()),
                    static_cast<int>(password.size()), salt.data(), static_cast<int>(salt.size()),
                    static_cast<int>(rounds), md, 32, out.data());
  return out;
}

// RFC 3394 unwrap; empty on integrity failure (a wrong key).
Bytes Unwrap(const Bytes& kek, const uint8_t* wrapped, size_t size) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  Bytes out(size);
  int length = 0;
  int tail = 0;
  const bool ok =
      EVP_DecryptInit_ex(ctx, EVP_aes_256_wrap(), nullptr, kek.data(), nullptr) == 1 &&
      EVP_DecryptUpdate(ctx, out.data(), &length, wrapped, static_cast<int>(size)) == 1 &&
      EVP_DecryptFinal_ex(ctx, out.data() + length, &tail) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return {};
  out.resize(static_cast<size_t>(length + tail));
  return out;
}

Bytes CbcDecrypt(const Bytes& key, const std::string& cipher, bool padding) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  const uint8_t iv[16] = {};
  EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr, key.data(), iv);
  EVP_CIPHER_CTX_set_padding(ctx, padding ? 1 : 0);
  Bytes out(cipher.size() + 16);
  int length = 0;
  int tail = 0;
  EVP_DecryptUpdate(ctx, out.data(), &length, reinterpret_cast<const uint8_t*>(cipher.data()),
                    static_cast<int>(cipher.size()));
  const bool ok = EVP_DecryptFinal_ex(ctx, out.data() + length, &tail) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return {};
  out.resize(static_cast<size_t>(length + tail));
  return out;
}

std::string Sha256Hex(const Bytes& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

plist_t Resolve(plist_t objects, plist_t node) {
  while (node != nullptr && plist_get_node_type(node) == PLIST_UID) {
    uint64_t index = 0;
    plist_get_uid_val(node, &index);
    node = plist_array_get_item(objects, static_cast<uint32_t>(index));
  }
  return node;
}

struct MbFile {
  uint64_t size = 0;
  Bytes encryption_key;
};

// Decodes the NSKeyedArchiver MBFile: $top.root → dict; EncryptionKey → {NS.data}.
MbFile DecodeMbFile(const void* blob, int size) {
  plist_t root = nullptr;
  plist_from_bin(static_cast<const char*>(blob), static_cast<uint32_t>(size), &root);
  PlistHandle owner(root);
  MbFile file;
  plist_t objects = plist_dict_get_item(root, "$objects");
  plist_t dict = Resolve(objects, plist_dict_get_item(plist_dict_get_item(root, "$top"), "root"));
  plist_get_uint_val(plist_dict_get_item(dict, "Size"), &file.size);
  plist_t key = Resolve(objects, plist_dict_get_item(dict, "EncryptionKey"));
  plist_t data = key != nullptr ? Resolve(objects, plist_dict_get_item(key, "NS.data")) : nullptr;
  if (data != nullptr && plist_get_node_type(data) == PLIST_DATA) {
    uint64_t length = 0;
    const char* bytes = plist_get_data_ptr(data, &length);
    file.encryption_key.assign(bytes, bytes + length);
  }
  return file;
}

// Decrypts the backup in `backup_dir` with `password` and checks every file against the record.
void VerifyEncryptedBackup(const std::filesystem::path& backup_dir, const std::string& password,
                           const json& attempt, const json& scenario_files) {
  const std::filesystem::path device_dir = backup_dir / kUdid;
  PlistHandle manifest = ReadPlistFile(device_dir / "Manifest.plist");
  REQUIRE(manifest);
  plist_t manifest_dict = static_cast<plist_t>(manifest.get());
  CHECK(PlistBool(manifest_dict, "IsEncrypted") == true);
  auto data_of = [&](const char* key) {
    uint64_t length = 0;
    const char* bytes = plist_get_data_ptr(plist_dict_get_item(manifest_dict, key), &length);
    return Bytes(bytes, bytes + length);
  };
  const Keybag keybag = ParseKeybag(data_of("BackupKeyBag"));
  REQUIRE(keybag.global.count("DPSL") == 1);
  const Bytes pw(password.begin(), password.end());
  const Bytes stage1 =
      Pbkdf2(EVP_sha256(), pw, keybag.global.at("DPSL"), Be32(keybag.global.at("DPIC").data()));
  const Bytes kek =
      Pbkdf2(EVP_sha1(), stage1, keybag.global.at("SALT"), Be32(keybag.global.at("ITER").data()));
  std::map<uint32_t, Bytes> class_keys;
  for (const auto& [protection_class, record] : keybag.classes) {
    if (Be32(record.at("WRAP").data()) != 2) continue;  // WRAP 3 needs the device UID key
    const Bytes key = Unwrap(kek, record.at("WPKY").data(), record.at("WPKY").size());
    REQUIRE(key.size() == 32);
    class_keys[protection_class] = key;
  }
  CHECK(class_keys.size() == 7);
  // A wrong password fails the RFC 3394 integrity check (FORMATS.md §2.3).
  const Bytes wrong_kek = Pbkdf2(EVP_sha1(),
                                 Pbkdf2(EVP_sha256(), Bytes{'x'}, keybag.global.at("DPSL"),
                                        Be32(keybag.global.at("DPIC").data())),
                                 keybag.global.at("SALT"), Be32(keybag.global.at("ITER").data()));
  CHECK(Unwrap(wrong_kek, keybag.classes.at(1).at("WPKY").data(), 40).empty());

  const Bytes manifest_key = data_of("ManifestKey");
  REQUIRE(manifest_key.size() == 44);
  const Bytes db_key =
      Unwrap(class_keys.at(Le32(manifest_key.data())), manifest_key.data() + 4, 40);
  REQUIRE(db_key.size() == 32);
  const Bytes db = CbcDecrypt(db_key, ReadFile(device_dir / "Manifest.db"), false);
  REQUIRE(db.size() > 16);
  REQUIRE(std::memcmp(db.data(), "SQLite format 3", 16) == 0);
  const std::filesystem::path plain_db = backup_dir / "Manifest.decrypted.db";
  std::ofstream(plain_db, std::ios::binary)
      .write(reinterpret_cast<const char*>(db.data()), static_cast<std::streamsize>(db.size()));

  std::map<std::string, const json*> sent;
  for (const json& file : attempt["files"]) {
    if (file["kind"] == "content") sent[file["file_id"]] = &file;
  }
  std::map<std::string, std::string> texts;
  for (const json& spec : scenario_files) {
    if (spec.contains("text")) texts[FileId(spec["domain"], spec["relativePath"])] = spec["text"];
  }
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open_v2(plain_db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "SELECT fileID, file FROM Files WHERE flags = 1", -1, &statement,
                             nullptr) == SQLITE_OK);
  size_t decrypted = 0;
  while (sqlite3_step(statement) == SQLITE_ROW) {
    const std::string id = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    INFO(id);
    const MbFile file =
        DecodeMbFile(sqlite3_column_blob(statement, 1), sqlite3_column_bytes(statement, 1));
    REQUIRE(file.encryption_key.size() == 44);
    const Bytes file_key =
        Unwrap(class_keys.at(Le32(file.encryption_key.data())), file.encryption_key.data() + 4, 40);
    REQUIRE(file_key.size() == 32);
    const std::string cipher = ReadFile(device_dir / id.substr(0, 2) / id);
    CHECK(cipher.size() % 16 == 0);
    const Bytes plain = CbcDecrypt(file_key, cipher, true);
    CHECK(plain.size() == file.size);
    REQUIRE(sent.count(id) == 1);
    CHECK(Sha256Hex(plain) == (*sent.at(id))["plaintext_sha256"].get<std::string>());
    CHECK(Sha256OfFile(device_dir / id.substr(0, 2) / id) ==
          (*sent.at(id))["sha256"].get<std::string>());
    if (texts.count(id) != 0) CHECK(std::string(plain.begin(), plain.end()) == texts.at(id));
    ++decrypted;
  }
  sqlite3_finalize(statement);
  sqlite3_close(raw);
  CHECK(decrypted == sent.size());
}

json EncryptedFiles() {
  return json::array({
      {{"domain", "HomeDomain"},
       {"relativePath", "Library/SMS/sms.db"},
       {"size", 40960},
       {"seed", 9}},
      {{"domain", "KeychainDomain"},
       {"relativePath", "keychain-backup.plist"},
       {"text", "not really a keychain"},
       {"protection_class", 1}},
      {{"domain", "HomeDomain"},
       {"relativePath", "Library/block16.bin"},
       {"text", "0123456789abcdef"},
       {"protection_class", 2}},
      {{"domain", "HomeDomain"}, {"relativePath", "Library/empty"}, {"text", ""}},
  });
}

TEST_CASE("encrypted backup: idevicebackup2 receives it and it decrypts per FORMATS.md §2",
          "[extract][emulator][conformance][encryption]") {
  const json files = EncryptedFiles();
  EmulatorProcess emulator(
      json{{"encryption", {{"password", "mfx test \xc3\xa9"}, {"dpic", 2000}, {"iter", 1000}}},
           {"content", {{"files", files}}}});
  const ToolResult will =
      emulator.Run({MFX_IDEVICEINFO_TOOL, "-q", "com.apple.mobile.backup", "-k", "WillEncrypt"});
  CHECK(will.out == "true\n");
  const std::filesystem::path dir = emulator.MakeDir("backup");
  const ToolResult backup =
      emulator.Run({MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", dir.string()});
  INFO(backup.Output() + emulator.TranscriptTail());
  REQUIRE(backup.Says("Backup will be encrypted."));
  REQUIRE(backup.Says("Backup Successful."));
  const json record = emulator.StopAndReadRecord();
  const json& attempt = LastBackup(record);
  CHECK(attempt["encrypted"] == true);
  for (const json& file : attempt["files"]) {
    if (file["final_path"] == "") continue;
    CHECK(Sha256OfFile(dir / file["final_path"].get<std::string>()) ==
          file["sha256"].get<std::string>());
  }
  VerifyEncryptedBackup(dir, "mfx test \xc3\xa9", attempt, files);
}

TEST_CASE("ChangePassword: encryption on, an encrypted backup, a wrong password, encryption off",
          "[extract][emulator][conformance][encryption]") {
  const json files = EncryptedFiles();
  EmulatorProcess emulator(
      json{{"encryption", {{"dpic", 1000}, {"iter", 1000}}}, {"content", {{"files", files}}}});
  auto will_encrypt = [&] {
    return emulator
        .Run({MFX_IDEVICEINFO_TOOL, "-q", "com.apple.mobile.backup", "-k", "WillEncrypt"})
        .out;
  };
  CHECK(will_encrypt() == "false\n");

  const ToolResult on = emulator.Run({MFX_IDEVICEBACKUP2_TOOL, "encryption", "on", "temporary-pw"});
  INFO(on.Output());
  CHECK(on.Says("Backup encryption has been enabled successfully."));
  CHECK(will_encrypt() == "true\n");

  const std::filesystem::path dir = emulator.MakeDir("backup");
  const ToolResult backup =
      emulator.Run({MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", dir.string()});
  INFO(backup.Output());
  REQUIRE(backup.Says("Backup Successful."));

  const ToolResult wrong =
      emulator.Run({MFX_IDEVICEBACKUP2_TOOL, "encryption", "off", "not-the-pw"});
  INFO(wrong.Output());
  CHECK(wrong.Says("ErrorCode 207: Invalid password"));
  CHECK(wrong.Says("Could not disable backup encryption."));
  CHECK(will_encrypt() == "true\n");

  const ToolResult off =
      emulator.Run({MFX_IDEVICEBACKUP2_TOOL, "encryption", "off", "temporary-pw"});
  INFO(off.Output());
  CHECK(off.Says("Backup encryption has been disabled successfully."));
  CHECK(will_encrypt() == "false\n");

  const json record = emulator.StopAndReadRecord();
  VerifyEncryptedBackup(dir, "temporary-pw", LastBackup(record), files);
  std::vector<std::string> results;
  for (const json& event : Events(record, "change_password")) results.push_back(event["result"]);
  CHECK(results == std::vector<std::string>{"ok", "Incorrect backup password", "ok"});
}

}  // namespace
}  // namespace mfx::extract::test
