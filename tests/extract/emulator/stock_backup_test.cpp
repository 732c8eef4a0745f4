// Conformance: the stock idevicebackup2 makes full backups from the emulator, and every file it
// wrote has the SHA-256 the emulator says it sent.
#include <sqlite3.h>
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "tests/extract/emulator/emulator_harness.h"

namespace mfx::extract::test {
namespace {

using nlohmann::json;

constexpr const char* kUdid = "00008030-001A35E02E38802E";

json ContentFiles() {
  return json::array({
      {{"domain", "HomeDomain"},
       {"relativePath", "Library/SMS/sms.db"},
       {"size", 1048576},
       {"seed", 1}},
      {{"domain", "HomeDomain"},
       {"relativePath", "Library/Notes/hello.txt"},
       {"text", "hello, world\n"}},
      {{"domain", "HomeDomain"}, {"relativePath", "Library/empty"}, {"text", ""}},
      {{"domain", "CameraRollDomain"},
       {"relativePath", "Media/DCIM/100APPLE/IMG_0001.HEIC"},
       {"size", 32769},
       {"seed", 2}},
      {{"domain", "AppDomain-net.whatsapp.WhatsApp"},
       {"relativePath",
        "Documents/\xc3\xbc\xc3\xb1\xc3\xae\xc3\xa7\xc3\xb8"
        "d\xc3\xa9 \xe6\x96\x87.txt"},
       {"text", "unicode path"}},
      {{"domain", "AppDomainGroup-group.net.whatsapp.WhatsApp.shared"},
       {"relativePath", "ChatStorage.sqlite"},
       {"size", 65536},
       {"seed", 3}},
      {{"domain", "WirelessDomain"},
       {"relativePath", "Library/Databases/DataUsage.sqlite"},
       {"size", 32768},
       {"seed", 4}},
      {{"domain", "HomeDomain"},
       {"relativePath", "Library/Preferences/com.apple.x.plist"},
       {"base64", "YnBsaXN0MDDRAQJRYVFiCAsNAAAAAAAAAQEAAAAAAAAAAwAAAAAAAAAAAAAAAAAAAA8="}},
      {{"domain", "HomeDomain"},
       {"relativePath", "Library/link"},
       {"type", "symlink"},
       {"target", "/private/var/mobile/Library/SMS"}},
  });
}

// Runs a full backup and checks the host's copy against the emulator's record. Returns the record.
json BackupAndVerify(EmulatorProcess& emulator, const std::filesystem::path& backup_dir,
                     const json& scenario_files) {
  const ToolResult backup =
      emulator.Run({MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", backup_dir.string()});
  INFO(backup.Output() + emulator.TranscriptTail());
  REQUIRE(backup.exit_code == 0);
  REQUIRE(backup.Says("Backup Successful."));

  const json record = emulator.RecordNow();
  const json& attempt = LastBackup(record);
  REQUIRE(attempt["outcome"]["result"] == "success");
  CHECK(attempt["outcome"]["readback_ok"] == true);

  // Every file the emulator placed is on the host with the bytes the emulator sent.
  std::set<std::filesystem::path> expected = {std::filesystem::path(kUdid) / "Info.plist"};
  std::map<std::string, const json*> by_id;
  for (const json& file : attempt["files"]) {
    const std::string final_path = file["final_path"];
    if (file["kind"] == "content") by_id[file["file_id"]] = &file;
    if (final_path.empty()) continue;
    INFO(final_path);
    const std::filesystem::path host_file = backup_dir / final_path;
    REQUIRE(std::filesystem::is_regular_file(host_file));
    CHECK(std::filesystem::file_size(host_file) == file["bytes_sent"].get<uint64_t>());
    CHECK(Sha256OfFile(host_file) == file["sha256"].get<std::string>());
    CHECK(file["status"] == "complete");
    expected.insert(final_path);
  }
  // ... and nothing else (no Snapshot leftovers, no stray files).
  const std::vector<std::filesystem::path> host_files = RegularFilesBelow(backup_dir);
  CHECK(std::set<std::filesystem::path>(host_files.begin(), host_files.end()) == expected);
  CHECK_FALSE(std::filesystem::exists(backup_dir / kUdid / "Snapshot"));

  // Every regular file of the scenario was sent, and literal contents arrived verbatim (this
  // check does not rely on the record at all).
  size_t regular = 0;
  for (const json& spec : scenario_files) {
    if (spec.value("type", "file") != "file") continue;
    ++regular;
    const std::string id = FileId(spec["domain"], spec["relativePath"]);
    INFO(spec.dump());
    REQUIRE(by_id.count(id) == 1);
    CHECK((*by_id[id])["final_path"] == std::string(kUdid) + "/" + id.substr(0, 2) + "/" + id);
    const std::filesystem::path host_file = backup_dir / kUdid / id.substr(0, 2) / id;
    if (spec.contains("text")) CHECK(ReadFile(host_file) == spec["text"].get<std::string>());
    if (spec.contains("size"))
      CHECK(std::filesystem::file_size(host_file) == spec["size"].get<uint64_t>());
  }
  CHECK(by_id.size() == regular);

  // Status.plist says finished; the manifest lists every file under its fileID.
  PlistHandle status = ReadPlistFile(backup_dir / kUdid / "Status.plist");
  REQUIRE(status);
  CHECK(PlistString(static_cast<plist_t>(status.get()), "SnapshotState") == "finished");
  // immutable=1: a plain read-only open of this WAL-mode database would create -wal and -shm
  // files next to it, i.e. change the evidence folder (FORMATS.md §3.2).
  sqlite3* db = nullptr;
  const std::string uri = "file:" + (backup_dir / kUdid / "Manifest.db").string() + "?immutable=1";
  REQUIRE(sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) ==
          SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT fileID, domain, relativePath, flags FROM Files", -1,
                             &statement, nullptr) == SQLITE_OK);
  size_t file_rows = 0;
  while (sqlite3_step(statement) == SQLITE_ROW) {
    const std::string id = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    const std::string domain = reinterpret_cast<const char*>(sqlite3_column_text(statement, 1));
    const std::string path = reinterpret_cast<const char*>(sqlite3_column_text(statement, 2));
    CHECK(id == FileId(domain, path));
    if (sqlite3_column_int(statement, 3) == 1) {
      ++file_rows;
      CHECK(by_id.count(id) == 1);
    }
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  CHECK(file_rows == regular);
  return record;
}

TEST_CASE("idevicebackup2 backup --full: every file has the SHA-256 the emulator sent",
          "[extract][emulator][conformance][backup]") {
  const json files = ContentFiles();
  EmulatorProcess emulator(json{{"name", "full backup"}, {"content", {{"files", files}}}});
  const json record = BackupAndVerify(emulator, emulator.MakeDir("backup"), files);
  CHECK(record["forbidden_requests"].empty());
  // The sync lock: opened (created: AFC_FOPEN_RW), locked, and the notifications posted.
  std::vector<std::string> posted;
  for (const json& event : Events(record, "host_notification")) posted.push_back(event["name"]);
  CHECK(posted == std::vector<std::string>{"com.apple.itunes-mobdev.syncWillStart",
                                           "com.apple.itunes-mobdev.syncLockRequest",
                                           "com.apple.itunes-mobdev.syncDidStart",
                                           "com.apple.itunes-mobdev.syncDidFinish"});
  REQUIRE(Events(record, "afc_created_file").size() == 1);
  CHECK(Events(record, "afc_created_file")[0]["path"] == "/com.apple.itunes.lock_sync");
  CHECK(emulator.Stop() == 0);
}

TEST_CASE("a second full backup into the same folder succeeds and replaces the first",
          "[extract][emulator][conformance][backup]") {
  const json files =
      json::array({{{"domain", "HomeDomain"}, {"relativePath", "a.txt"}, {"text", "first"}}});
  EmulatorProcess emulator(json{{"content", {{"files", files}}}});
  const std::filesystem::path dir = emulator.MakeDir("backup");
  BackupAndVerify(emulator, dir, files);
  const json record = BackupAndVerify(emulator, dir, files);
  CHECK(record["backups"].size() == 2);
}

TEST_CASE(
    "DeviceLink version 300 (upstream 1.3.0) and 400 (Debian) are both accepted by Debian's client",
    "[extract][emulator][conformance][backup]") {
  const uint64_t version = GENERATE(300u, 400u);
  const json files =
      json::array({{{"domain", "HomeDomain"}, {"relativePath", "v.txt"}, {"text", "dl"}}});
  EmulatorProcess emulator(
      json{{"protocol", {{"dl_version", version}}}, {"content", {{"files", files}}}});
  const json record = BackupAndVerify(emulator, emulator.MakeDir("backup"), files);
  const std::vector<json> exchanges = Events(record, "dl_version_exchange");
  REQUIRE(exchanges.size() == 1);
  CHECK(exchanges[0]["offered"] == version);
  CHECK(exchanges[0]["host"] == "DLVersionsOk");
}

TEST_CASE("a DeviceLink version above the client's is refused by the client",
          "[extract][emulator][conformance]") {
  EmulatorProcess emulator(json{{"protocol", {{"dl_version", 500}}}});
  const ToolResult backup = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", emulator.MakeDir("backup").string()});
  INFO(backup.Output());
  CHECK(backup.exit_code != 0);
  CHECK_FALSE(backup.Says("Backup Successful."));
  const json record = emulator.StopAndReadRecord();
  const std::vector<json> exchanges = Events(record, "dl_version_exchange");
  REQUIRE(exchanges.size() == 1);
  CHECK(exchanges[0]["host"] != "DLVersionsOk");
  CHECK(record["backups"].empty());
}

TEST_CASE("replay_backup re-sends an existing plain backup byte for byte",
          "[extract][emulator][conformance][backup]") {
  const json files = ContentFiles();
  EmulatorProcess first(json{{"content", {{"files", files}}}});
  const std::filesystem::path original = first.MakeDir("original");
  BackupAndVerify(first, original, files);
  first.Stop();

  EmulatorProcess replay(json{{"content", {{"replay_backup", (original / kUdid).string()}}}});
  const std::filesystem::path copy = replay.MakeDir("copy");
  const ToolResult backup =
      replay.Run({MFX_IDEVICEBACKUP2_TOOL, "backup", "--full", copy.string()});
  INFO(backup.Output() + replay.TranscriptTail());
  REQUIRE(backup.exit_code == 0);
  const json record = replay.StopAndReadRecord();
  size_t compared = 0;
  for (const json& file : LastBackup(record)["files"]) {
    if (file["kind"] != "content") continue;
    const std::string final_path = file["final_path"];
    CHECK(Sha256OfFile(copy / final_path) == file["sha256"].get<std::string>());
    CHECK(Sha256OfFile(original / final_path) == file["sha256"].get<std::string>());
    ++compared;
  }
  CHECK(compared == 8);
}

TEST_CASE("Restore, Unback and EnableCloudBackup are refused and recorded loudly",
          "[extract][emulator][conformance]") {
  // A forensic acquisition must never send them; the emulator refuses and records each one.
  const json files =
      json::array({{{"domain", "HomeDomain"}, {"relativePath", "r.txt"}, {"text", "r"}}});
  EmulatorProcess emulator(json{{"content", {{"files", files}}}});
  const std::filesystem::path dir = emulator.MakeDir("backup");
  BackupAndVerify(emulator, dir, files);
  const ToolResult restore = emulator.Run(
      {MFX_IDEVICEBACKUP2_TOOL, "restore", "--skip-apps", "--no-reboot", dir.string()});
  INFO(restore.Output() + emulator.TranscriptTail());
  CHECK(restore.exit_code != 0);
  CHECK(restore.Says("Restore Failed"));
  const ToolResult unback = emulator.Run({MFX_IDEVICEBACKUP2_TOOL, "unback", dir.string()});
  INFO(unback.Output());
  CHECK(unback.Says("ErrorCode 1: Unback refused"));
  const ToolResult cloud = emulator.Run({MFX_IDEVICEBACKUP2_TOOL, "cloud", "on"});
  INFO(cloud.Output());
  CHECK(cloud.Says("Could not enable cloud backup."));
  const json record = emulator.StopAndReadRecord();
  std::vector<std::string> refused;
  for (const json& request : record["forbidden_requests"]) refused.push_back(request["request"]);
  CHECK(refused == std::vector<std::string>{"Restore", "Unback", "EnableCloudBackup"});
  CHECK(ReadFile(emulator.dir() / "emulator.stderr").find("REFUSED Restore") != std::string::npos);
}

}  // namespace
}  // namespace mfx::extract::test
