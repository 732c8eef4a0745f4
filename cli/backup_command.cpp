// mfx backup info | ls | export — reading a backup folder without a case (CONTRACT.md).
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/progress.h"
#include "core/time.h"
#include "reports/backup_export.h"

namespace mfx::cli {
namespace {

using json = nlohmann::json;
using parsers::backup::Backup;
using parsers::backup::EntryKind;
using parsers::backup::ManifestFormat;

json OptStr(const std::optional<std::string>& s) { return s ? json(SanitizeUtf8(*s)) : json(); }

std::string FormatName(ManifestFormat f) {
  switch (f) {
    case ManifestFormat::kManifestDb: return "Manifest.db";
    case ManifestFormat::kMbdb: return "Manifest.mbdb";
    case ManifestFormat::kNone: return "none";
  }
  return "none";
}

json IdentityJson(const parsers::backup::DeviceIdentity& id) {
  return {{"udid", OptStr(id.udid)},
          {"serial_number", OptStr(id.serial_number)},
          {"product_type", OptStr(id.product_type)},
          {"product_name", OptStr(id.product_name)},
          {"ios_version", OptStr(id.product_version)},
          {"build_version", OptStr(id.build_version)},
          {"device_name", OptStr(id.device_name)},
          {"imei", OptStr(id.imei)},
          {"imei2", OptStr(id.imei2)},
          {"meid", OptStr(id.meid)},
          {"iccid", OptStr(id.iccid)},
          {"phone_number", OptStr(id.phone_number)}};
}

json TimeJson(const std::optional<core::Timestamp>& t) {
  if (!t || !t->has_instant()) return nullptr;
  return t->ToIsoUtc();
}

json InfoJson(const Backup& b) {
  uint64_t files = 0, dirs = 0, symlinks = 0, other = 0, missing = 0, recorded_bytes = 0, stored_bytes = 0;
  for (size_t i = 0; i < b.entries().size(); ++i) {
    const auto& e = b.entries()[i];
    switch (e.kind) {
      case EntryKind::kFile:
        ++files;
        recorded_bytes += e.recorded_size.value_or(0);
        if (b.blob(i).present) stored_bytes += b.blob(i).size;
        else ++missing;
        break;
      case EntryKind::kDirectory: ++dirs; break;
      case EntryKind::kSymlink: ++symlinks; break;
      case EntryKind::kUnknown: ++other; break;
    }
  }
  const auto& enc = b.encryption();
  json j;
  j["backup"] = b.folder().string();
  j["manifest"] = FormatName(b.manifest_format());
  j["device"] = IdentityJson(b.identity());
  j["last_backup_date"] = b.info() ? TimeJson(b.info()->last_backup_date) : json();
  j["manifest_date"] = b.manifest_plist() ? TimeJson(b.manifest_plist()->date) : json();
  j["status"] = b.status() ? json{{"snapshot_state", OptStr(b.status()->snapshot_state)},
                                  {"backup_state", OptStr(b.status()->backup_state)},
                                  {"is_full_backup", b.status()->is_full_backup ? json(*b.status()->is_full_backup) : json()},
                                  {"version", OptStr(b.status()->version)},
                                  {"date", TimeJson(b.status()->date)}}
                           : json();
  j["was_passcode_set"] = b.manifest_plist() && b.manifest_plist()->was_passcode_set
                              ? json(*b.manifest_plist()->was_passcode_set) : json();
  json e{{"was_encrypted", enc.was_encrypted},
         {"evidence", enc.was_encrypted_evidence},
         {"manifest_encrypted", enc.manifest_encrypted},
         {"files_encrypted", enc.blobs_encrypted},
         {"decision", enc.blobs_decision},
         {"unlocked", enc.unlocked},
         {"classes_unlocked", enc.classes_unlocked},
         {"classes_not_recoverable", enc.classes_not_recoverable}};
  if (enc.keybag) {
    const auto& kb = *enc.keybag;
    e["keybag"] = {{"version", kb.version}, {"type", kb.type}, {"iterations", kb.iterations},
                   {"two_stage", kb.two_stage()},
                   {"dp_iterations", kb.dp_iterations ? json(*kb.dp_iterations) : json()},
                   {"classes", kb.classes.size()}};
  }
  j["encryption"] = e;
  // A locked manifest lists nothing: its counts are unknown (null), not zero.
  const bool manifest_readable = !(enc.manifest_encrypted && !enc.unlocked);
  j["manifest_readable"] = manifest_readable;
  auto count = [&](uint64_t n) { return manifest_readable ? json(n) : json(); };
  j["counts"] = {{"rows", count(b.entries().size())},
                 {"files", count(files)},
                 {"directories", count(dirs)},
                 {"symlinks", count(symlinks)},
                 {"other", count(other)},
                 {"missing_payloads", count(missing)},
                 {"recorded_bytes", count(recorded_bytes)},
                 {"stored_bytes", count(stored_bytes)}};
  json notes = json::array();
  for (const auto& n : b.notes()) {
    notes.push_back({{"level", std::string(parsers::backup::NoteLevelName(n.level))},
                     {"message", SanitizeUtf8(n.message)}});
  }
  j["notes"] = notes;
  json unlisted = json::array();
  for (const auto& f : b.unlisted_files()) unlisted.push_back(SanitizeUtf8(f));
  j["unlisted_files"] = unlisted;
  json resized = json::array();
  for (const auto& d : b.size_differences()) {
    resized.push_back({{"path", SanitizeUtf8(d.path)}, {"stored", d.stored}, {"recorded", d.recorded}});
  }
  j["size_differences"] = resized;
  if (b.info()) j["installed_applications"] = b.info()->installed_applications.size();
  return j;
}

void PrintInfoText(const json& j) {
  auto s = [](const json& v) { return v.is_null() ? std::string("-") : v.is_string() ? v.get<std::string>() : v.dump(); };
  const json& d = j["device"];
  std::cout << "backup:          " << s(j["backup"]) << "\n"
            << "device:          " << s(d["device_name"]) << " (" << s(d["product_type"]) << ")\n"
            << "iOS:             " << s(d["ios_version"]) << " (" << s(d["build_version"]) << ")\n"
            << "UDID:            " << s(d["udid"]) << "\n"
            << "serial:          " << s(d["serial_number"]) << "\n"
            << "IMEI:            " << s(d["imei"]) << "\n"
            << "phone number:    " << s(d["phone_number"]) << "\n"
            << "last backup:     " << s(j["last_backup_date"]) << "\n"
            << "manifest:        " << s(j["manifest"]) << "\n";
  if (!j["status"].is_null()) {
    std::cout << "snapshot state:  " << s(j["status"]["snapshot_state"]) << "\n";
  }
  const json& e = j["encryption"];
  std::cout << "encrypted:       " << (e["was_encrypted"].get<bool>() ? "yes" : "no");
  if (e["was_encrypted"].get<bool>()) {
    const bool still = e["files_encrypted"].get<bool>() || e["manifest_encrypted"].get<bool>();
    std::cout << (e["files_encrypted"].get<bool>() ? ", files encrypted now" : ", files plaintext now")
              << (!still ? " (no password needed)" : e["unlocked"].get<bool>() ? ", unlocked" : ", locked");
  }
  std::cout << "\n";
  const json& c = j["counts"];
  if (!j["manifest_readable"].get<bool>()) {
    std::cout << "files:           unknown: the manifest that lists them is encrypted\n";
  } else {
    std::cout << "files:           " << s(c["files"]) << " (" << s(c["missing_payloads"])
              << " missing payloads), " << s(c["directories"]) << " directories, "
              << s(c["symlinks"]) << " symlinks\n"
              << "size (manifest): " << core::HumanBytes(c["recorded_bytes"].get<uint64_t>())
              << "\n";
  }
  for (const auto& n : j["notes"]) {
    std::cout << n["level"].get<std::string>() << ": " << n["message"].get<std::string>() << "\n";
  }
}

int Info(const std::vector<std::string>& args) {
  po::options_description opts("mfx backup info options");
  opts.add_options()("backup", po::value<std::string>()->required(), "backup folder")
                    ("json", "print JSON");
  AddPasswordOptions(opts);
  po::positional_options_description pos;
  pos.add("backup", 1);
  auto parsed = ParseArgs("usage: mfx backup info BACKUP_DIR [--password-file F] [--json]", opts, pos, args);
  if (parsed.help) return kExitOk;
  auto backup = OpenBackupForCommand(parsed.vm["backup"].as<std::string>(), parsed.vm, false);
  if (!backup) return Report(backup.error());
  const json j = InfoJson(**backup);
  if (parsed.vm.count("json")) {
    std::cout << j.dump(2) << "\n";
  } else {
    PrintInfoText(j);
  }
  return kExitOk;
}

int Ls(const std::vector<std::string>& args) {
  po::options_description opts("mfx backup ls options");
  opts.add_options()("backup", po::value<std::string>()->required(), "backup folder")
                    ("domain", po::value<std::string>(), "only this domain")
                    ("all", "also list directories and symlinks")
                    ("json", "one JSON object per line");
  AddPasswordOptions(opts);
  po::positional_options_description pos;
  pos.add("backup", 1);
  auto parsed = ParseArgs(
      "usage: mfx backup ls BACKUP_DIR [--domain D] [--password-file F] [--all] [--json]\n"
      "Prints domain/relativePath, size (bytes) and modification time (UTC), tab-separated.",
      opts, pos, args);
  if (parsed.help) return kExitOk;
  auto backup = OpenBackupForCommand(parsed.vm["backup"].as<std::string>(), parsed.vm, true);
  if (!backup) return Report(backup.error());
  const Backup& b = **backup;
  if (b.entries().empty() && b.encryption().manifest_encrypted) {
    return Report(Error{ErrorCode::kInvalidArgument, "the manifest is encrypted: give --password-file"});
  }
  const std::string domain = parsed.vm.count("domain") ? parsed.vm["domain"].as<std::string>() : "";
  const bool all = parsed.vm.count("all") > 0;
  const bool as_json = parsed.vm.count("json") > 0;
  std::vector<size_t> order;
  for (size_t i = 0; i < b.entries().size(); ++i) {
    const auto& e = b.entries()[i];
    if (!domain.empty() && e.domain != domain) continue;
    if (!all && e.kind != EntryKind::kFile) continue;
    order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return b.entries()[x].Path() < b.entries()[y].Path();
  });
  std::string out;
  for (size_t i : order) {
    const auto& e = b.entries()[i];
    std::optional<uint64_t> size;
    std::string problem;
    if (e.kind == EntryKind::kFile) {
      auto f = b.OpenEntry(e);
      if (f) size = (*f)->Size();
      else problem = f.error().ToString();
    }
    const std::string mtime = e.mtime ? core::FormatIsoUtc(*e.mtime * 1000000) : "-";
    if (as_json) {
      json j{{"path", SanitizeUtf8(e.Path())},
             {"domain", SanitizeUtf8(e.domain)},
             {"relative_path", SanitizeUtf8(e.relative_path)},
             {"file_id", e.file_id},
             {"kind", std::string(parsers::backup::EntryKindName(e.kind))},
             {"size", size ? json(*size) : json()},
             {"recorded_size", e.recorded_size ? json(*e.recorded_size) : json()},
             {"mtime", e.mtime ? json(mtime) : json()},
             {"mode", e.mode},
             {"protection_class", e.protection_class ? json(*e.protection_class) : json()}};
      if (!e.target.empty()) j["target"] = SanitizeUtf8(e.target);
      if (!problem.empty()) j["problem"] = problem;
      out += j.dump() + "\n";
    } else {
      std::string size_text = size ? std::to_string(*size)
                              : e.kind == EntryKind::kFile ? "?" : std::string(parsers::backup::EntryKindName(e.kind));
      out += SanitizeUtf8(e.Path()) + "\t" + size_text + "\t" + mtime + "\n";
    }
    if (out.size() > (1 << 16)) {
      std::cout << out;
      out.clear();
    }
  }
  std::cout << out;
  return kExitOk;
}

int Export(const std::vector<std::string>& args) {
  po::options_description opts("mfx backup export options");
  opts.add_options()("backup", po::value<std::string>()->required(), "backup folder")
                    ("dest", po::value<std::string>()->required(), "destination folder (new or empty)")
                    ("domain", po::value<std::string>(), "only this domain")
                    ("threads", po::value<unsigned>()->default_value(2), "worker threads")
                    ("no-direct-io", "write every file through the page cache (default: files of 4 MiB or "
                                     "more are written with O_DIRECT)");
  AddPasswordOptions(opts);
  po::positional_options_description pos;
  pos.add("backup", 1).add("dest", 1);
  auto parsed = ParseArgs(
      "usage: mfx backup export BACKUP_DIR DEST [--domain D] [--password-file F]\n"
      "Writes every file as DEST/<domain>/<relativePath> (decrypted), keeping modification times,\n"
      "plus DEST/mfx-export.sha256 (hashes of what was written) and DEST/mfx-export-report.txt.",
      opts, pos, args);
  if (parsed.help) return kExitOk;
  auto backup = OpenBackupForCommand(parsed.vm["backup"].as<std::string>(), parsed.vm, true);
  if (!backup) return Report(backup.error());
  reports::ExportOptions options;
  if (parsed.vm.count("domain")) options.domain = parsed.vm["domain"].as<std::string>();
  options.threads = parsed.vm["threads"].as<unsigned>();
  options.direct_io = parsed.vm.count("no-direct-io") == 0;
  const std::filesystem::path dest = parsed.vm["dest"].as<std::string>();
  auto summary = reports::ExportBackup(**backup, dest, options);
  if (!summary) return Report(summary.error());
  const auto& s = *summary;
  std::cout << "exported " << s.exported.size() << " files (" << core::HumanBytes(s.bytes) << ") to "
            << dest.string() << " in " << s.seconds << " s\n";
  for (const auto& r : s.refused) std::cout << "  " << r << "\n";
  for (const auto& m : s.missing) std::cout << "  missing payload: " << SanitizeUtf8(m) << "\n";
  for (const auto& f : s.failed) std::cout << "  FAILED: " << f << "\n";
  for (const auto& d : s.size_differences) std::cout << "  size differs: " << d << "\n";
  if (!s.symlinks.empty()) {
    std::cout << "  " << s.symlinks.size() << " symlinks not created (listed in "
              << (dest / reports::kExportReport).string() << ")\n";
  }
  std::cout << "  hashes: " << (dest / reports::kExportHashList).string() << "\n";
  if (!s.failed.empty()) {
    std::cerr << "mfx: " << s.failed.size() << " files could not be exported (see above)\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

int BackupCommand(const std::vector<std::string>& args) {
  const std::string usage =
      "usage: mfx backup info|ls|export ...\n"
      "  info BACKUP_DIR [--password-file F] [--json]      backup metadata\n"
      "  ls BACKUP_DIR [--domain D] [--password-file F]     list files: domain/relativePath, size, mtime\n"
      "  export BACKUP_DIR DEST [--domain D] [--password-file F]   write the decrypted files";
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << usage << "\n";
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "info") return Info(rest);
  if (args[0] == "ls") return Ls(rest);
  if (args[0] == "export") return Export(rest);
  throw UsageError{"unknown backup subcommand '" + args[0] + "' (info, ls, export)"};
}

}  // namespace mfx::cli
