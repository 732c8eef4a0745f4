#include "extract/verification.h"

#include <set>

#include "core/file_util.h"
#include "core/plist.h"
#include "parsers/backup/backup.h"

namespace mfx::extract {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json Capped(const std::vector<std::string>& list) {
  json out = json::array();
  for (size_t i = 0; i < list.size() && i < 100; ++i) out.push_back(SanitizeUtf8(list[i]));
  return out;
}

bool IsPartName(const std::string& name) {
  return name.size() > 5 && (name.ends_with(".part") || name.find(".part-") != std::string::npos);
}

}  // namespace

json VerificationResult::ToJson() const {
  return json{{"ok", ok},
              {"snapshot_state", snapshot_state.empty() ? json() : json(snapshot_state)},
              {"manifest_checked", manifest_checked},
              {"encrypted", encrypted},
              {"key_file_written", key_file_written},
              {"manifest_files", manifest_files},
              {"verified_files", verified_files},
              {"missing_count", missing.size()},
              {"missing", Capped(missing)},
              {"size_mismatch_count", size_mismatch.size()},
              {"size_mismatch", Capped(size_mismatch)},
              {"part_files_count", part_files.size()},
              {"part_files", Capped(part_files)},
              {"problems", Capped(problems)},
              {"notes", Capped(notes)}};
}

VerificationResult VerifyAcquiredBackup(const fs::path& backup_dir, const Ledger& ledger,
                                        const VerifyOptions& options) {
  VerificationResult r;
  const std::string prefix = ledger.udid + "/";

  // 1. Status.plist.
  if (auto bytes = core::ReadTextFile(backup_dir / "Status.plist", 1 << 20); bytes) {
    if (auto plist = core::ParsePlist(AsBytes(*bytes), "Status.plist"); plist) {
      if (const core::PlistValue* s = plist->Find("SnapshotState"); s && s->AsString()) {
        r.snapshot_state = *s->AsString();
      }
    }
  }
  if (r.snapshot_state != "finished") {
    r.problems.push_back("Status.plist SnapshotState is " +
                         (r.snapshot_state.empty() ? std::string("missing") : "'" + r.snapshot_state + "'") +
                         ", not 'finished'");
  }

  // 2. No .part file left.
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(backup_dir, fs::directory_options::none, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && IsPartName(it->path().filename().string())) {
      r.part_files.push_back(fs::relative(it->path(), backup_dir, ec).string());
    }
  }
  if (!r.part_files.empty()) {
    r.problems.push_back(std::to_string(r.part_files.size()) +
                         " partial (.part) file(s) remain in the backup folder");
  }

  // 3. Manifest rows against the complete files of the ledger.
  std::set<std::string> complete;
  for (const LedgerFile* f : ledger.CurrentFiles()) {
    if (f->path.compare(0, prefix.size(), prefix) == 0) complete.insert(f->path.substr(prefix.size()));
  }
  parsers::backup::OpenOptions open;
  open.password = options.password;
  open.key_file = options.key_file;
  open.scratch_parent = options.scratch;
  auto backup = parsers::backup::Backup::Open(backup_dir, open);
  if (!backup) {
    r.problems.push_back("the backup does not open: " + backup.error().message);
  } else {
    const parsers::backup::Backup& b = **backup;
    r.encrypted = b.encryption().was_encrypted;
    r.key_file_written = b.encryption().key_file_written;
    if (b.manifest_format() != parsers::backup::ManifestFormat::kManifestDb) {
      r.problems.push_back("no readable Manifest.db");
    } else if (b.encryption().manifest_encrypted && !b.encryption().unlocked) {
      r.notes.push_back(
          "Manifest.db is encrypted and no password was given: its rows were not checked");
    } else {
      r.manifest_checked = true;
      for (size_t i = 0; i < b.entries().size(); ++i) {
        const parsers::backup::ManifestEntry& e = b.entries()[i];
        if (e.kind != parsers::backup::EntryKind::kFile) continue;
        if (e.flags && *e.flags != 1) continue;
        ++r.manifest_files;
        const parsers::backup::BlobInfo& blob = b.blob(i);
        const std::string label = e.Path() + " (" + e.file_id + ")";
        if (!blob.present || complete.count(blob.path) == 0) {
          r.missing.push_back(label);
          continue;
        }
        if (e.recorded_size) {
          uint64_t expected = *e.recorded_size;
          if (b.encryption().blobs_encrypted) expected = (expected / 16 + 1) * 16;
          if (blob.size != expected) {
            r.size_mismatch.push_back(label + ": manifest " + std::to_string(*e.recorded_size) +
                                      " bytes, file " + std::to_string(blob.size));
            continue;
          }
        }
        ++r.verified_files;
      }
      if (!r.missing.empty()) {
        r.problems.push_back(std::to_string(r.missing.size()) +
                             " file(s) listed in Manifest.db have no complete file");
      }
      if (!r.size_mismatch.empty()) {
        r.problems.push_back(std::to_string(r.size_mismatch.size()) +
                             " file(s) differ in size from Manifest.db");
      }
    }
    for (const auto& note : b.notes()) {
      if (note.level != parsers::backup::BackupNote::Level::kInfo) r.notes.push_back(note.message);
    }
  }
  r.ok = r.problems.empty();
  return r;
}

}  // namespace mfx::extract
