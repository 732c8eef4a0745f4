// mfx analyze BACKUP_DIR --case DIR — the main job for an existing backup folder (CONTRACT.md):
// register it as evidence (hash every file, custody event), decrypt virtually if encrypted, run
// every parser on read-only working copies, write the case database, the exports and the reports,
// and seal the case.
#include <future>
#include <iostream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/case_options.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/file_util.h"
#include "mfx/version.h"
#include "parsers/runner.h"
#include "reports/case_db.h"
#include "reports/case_files.h"

namespace mfx::cli {
namespace {

using json = nlohmann::json;

json IdentityJson(const parsers::backup::DeviceIdentity& id) {
  auto s = [](const std::optional<std::string>& v) { return v ? json(SanitizeUtf8(*v)) : json(); };
  return {{"udid", s(id.udid)}, {"serial_number", s(id.serial_number)}, {"product_type", s(id.product_type)},
          {"product_name", s(id.product_name)}, {"ios_version", s(id.product_version)},
          {"build_version", s(id.build_version)}, {"device_name", s(id.device_name)}, {"imei", s(id.imei)},
          {"imei2", s(id.imei2)}, {"meid", s(id.meid)}, {"iccid", s(id.iccid)},
          {"phone_number", s(id.phone_number)}};
}

json BackupFacts(const parsers::backup::Backup& b) {
  const auto& e = b.encryption();
  json notes = json::array();
  for (const auto& n : b.notes()) {
    notes.push_back({{"level", std::string(parsers::backup::NoteLevelName(n.level))}, {"message", SanitizeUtf8(n.message)}});
  }
  size_t missing = 0, files = 0;
  for (size_t i = 0; i < b.entries().size(); ++i) {
    if (b.entries()[i].kind != parsers::backup::EntryKind::kFile) continue;
    ++files;
    missing += !b.blob(i).present;
  }
  auto t = [](const std::optional<core::Timestamp>& ts) { return ts && ts->has_instant() ? json(ts->ToIsoUtc()) : json(); };
  return {{"path", b.folder().string()},
          {"manifest", b.manifest_format() == parsers::backup::ManifestFormat::kMbdb ? "Manifest.mbdb" : "Manifest.db"},
          {"last_backup_date", b.info() ? t(b.info()->last_backup_date) : json()},
          {"snapshot_state", b.status() && b.status()->snapshot_state ? json(*b.status()->snapshot_state) : json()},
          {"was_encrypted", e.was_encrypted},
          {"files_encrypted", e.blobs_encrypted},
          {"classes_not_recoverable", e.classes_not_recoverable},
          {"manifest_files", files},
          {"missing_payloads", missing},
          {"notes", notes}};
}

}  // namespace

int AnalyzeCommand(const std::vector<std::string>& args) {
  po::options_description opts("mfx analyze options");
  opts.add_options()("backup", po::value<std::string>()->required(), "backup folder (evidence; never written)")
                    ("case", po::value<std::string>()->required(), "case folder (created when new)")
                    ("only", po::value<std::string>(), "run only these parsers (comma-separated names)")
                    ("threads", po::value<unsigned>()->default_value(2), "parser threads");
  AddPasswordOptions(opts);
  AddCaseIdentityOptions(opts);
  AddOutputOptions(opts);
  po::positional_options_description pos;
  pos.add("backup", 1);
  auto parsed = ParseArgs(
      "usage: mfx analyze BACKUP_DIR --case DIR [--password-file F] [--case-number N] [--examiner NAME] [--tz ZONE]\n"
      "Registers the backup as evidence (SHA-256 of every file, custody event), decrypts it virtually when\n"
      "encrypted, runs every parser, writes CASE/artifacts.sqlite, CASE/exports/, CASE/report/ and seals the case.",
      opts, pos, args);
  if (parsed.help) return kExitOk;
  const auto& vm = parsed.vm;

  std::optional<core::SecretBytes> sign_passphrase;
  auto output_options = OutputOptionsFrom(vm, sign_passphrase);
  if (!output_options) throw UsageError{output_options.error().message};
  std::vector<std::string> only;
  if (vm.count("only")) {
    std::string list = vm["only"].as<std::string>();
    for (size_t start = 0; start <= list.size();) {
      const size_t comma = list.find(',', start);
      std::string name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!name.empty()) {
        bool known = false;
        for (const auto& m : parsers::BuiltinParsers()) known |= m.name == name;
        if (!known) throw UsageError{"--only: no parser named '" + name + "'"};
        only.push_back(name);
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }

  // 1. Open the evidence (read-only) before anything is written.
  std::optional<core::SecretBytes> password;
  auto backup = OpenBackupForCommand(vm["backup"].as<std::string>(), vm, /*need_payload=*/true, &password);
  if (!backup) return Report(backup.error());
  const parsers::backup::Backup& b = **backup;

  // 2. The case, and the evidence registered in it.
  auto folder = reports::CaseFolder::CreateOrOpen(vm["case"].as<std::string>(), CaseOptionsFrom(vm));
  if (!folder) return Report(folder.error());
  reports::CaseFolder& c = **folder;
  if (password) c.GuardSecret(*password);
  if (vm.count("key-file")) {
    if (auto key = parsers::backup::ReadKeyFile(vm["key-file"].as<std::string>())) c.GuardSecret(*key);
  }
  std::cerr << "hashing the backup folder as evidence …\n";
  auto item = c.RegisterIngestedBackup(b);
  if (!item) return Report(item.error());
  if (b.encryption().was_encrypted) {
    const auto& e = b.encryption();
    auto ev = c.RecordEvent("decryption_opened",
                            {{"evidence_id", item->id},
                             {"detail", {{"files_encrypted", e.blobs_encrypted},
                                         {"manifest_encrypted", e.manifest_encrypted},
                                         {"decision", e.blobs_decision},
                                         {"unlocked", e.unlocked},
                                         {"key_from_key_file", e.key_from_key_file},
                                         {"classes_unlocked", e.classes_unlocked},
                                         {"classes_not_recoverable", e.classes_not_recoverable}}}});
    if (!ev) return Report(ev.error());
  }

  // 3. Parsers → case database.
  auto scratch = c.ScratchDir();
  if (!scratch) return Report(scratch.error());
  const auto db_path = c.Path("artifacts.sqlite");
  auto db = reports::CaseDatabase::Create(db_path);
  if (!db) return Report(db.error());
  parsers::EvidenceFacts facts;
  facts.ios_version = b.identity().product_version.value_or("");
  facts.ios_major = facts.ios_version.empty() ? 0 : std::atoi(facts.ios_version.c_str());
  facts.was_encrypted = b.encryption().was_encrypted;
  parsers::RunOptions run_options;
  run_options.scratch = *scratch;
  run_options.threads = vm["threads"].as<unsigned>();
  run_options.only = only;
  Status copy_status;
  run_options.on_working_copy = [&](const parsers::ParserRun& run, const parsers::InputUse& use) {
    json copies = json::array();
    json hashes = json::array();
    for (const auto& cp : use.copies) {
      copies.push_back({{"source", SanitizeUtf8(cp.source)}, {"size", cp.size}, {"sha256", cp.sha256},
                        {"copy_sha256", cp.copy_sha256}});
      hashes.push_back({{"alg", "SHA-256"}, {"of", SanitizeUtf8(cp.source)}, {"value", cp.sha256}});
    }
    json detail = {{"parser", run.name}, {"input", SanitizeUtf8(use.path)}, {"copies", copies}};
    if (!use.rolled_back_sha256.empty()) {
      detail["hot_journal_rolled_back"] = {{"copy_sha256_after", use.rolled_back_sha256}};
    }
    auto ev = c.RecordEvent("working_copy", {{"evidence_id", item->id}, {"hashes", hashes}, {"detail", detail}});
    if (!ev && copy_status) copy_status = tl::unexpected(ev.error());
  };
  std::cerr << "parsing …\n";
  const auto runs = parsers::RunParsers(parsers::BuiltinParsers(), b.env(), facts, **db, run_options);
  if (!copy_status) return Report(copy_status.error());
  // The parsers are done with the evidence: the files they opened are re-hashed on other threads
  // while the case database is finished (its index builds run on one core); the custody event
  // follows `parsed`, as before.
  std::set<std::string> opened;  // backup-relative blob paths
  for (const auto& run : runs) {
    for (const auto& in : run.inputs) {
      std::vector<std::string> paths{in.path};
      for (const auto& cp : in.copies) paths.push_back(cp.source);
      for (const auto& p : paths) {
        if (const auto* e = b.Find(p)) opened.insert(b.blob(b.IndexOf(*e)).path);
      }
    }
  }
  auto rehash_plan = c.PlanRehash(item->id, std::vector<std::string>(opened.begin(), opened.end()));
  if (!rehash_plan) return Report(rehash_plan.error());
  auto rehash_hashes = std::async(
      std::launch::async, [&plan = *rehash_plan] { return reports::CaseFolder::RunRehash(plan); });
  if (auto s = (*db)->AddRuns(runs); !s) return Report(s.error());
  const std::map<std::string, std::string> info = {
      {"case_number", c.case_number()},
      {"evidence_id", item->id},
      {"evidence_hash_list_sha256", item->hash_list_sha256},
      {"device", IdentityJson(b.identity()).dump()},
      {"backup", BackupFacts(b).dump()},
      {"tool", std::string("mfx ") + kVersion + " (" + kGitSha + ")"},
      {"ios_version", facts.ios_version},
  };
  for (const auto& [k, v] : info) {
    if (auto s = (*db)->SetInfo(k, v); !s) return Report(s.error());
  }
  if (auto s = (*db)->Finish(); !s) return Report(s.error());

  // 4. Custody: what was parsed, with which inputs; then re-hash what the parsers opened.
  json parsed_detail = json::array();
  for (const auto& run : runs) {
    json inputs = json::array();
    for (const auto& in : run.inputs) {
      inputs.push_back({{"path", SanitizeUtf8(in.path)}, {"sha256", in.sha256}, {"size", in.size}});
    }
    size_t corrupt = 0, unsupported = 0;
    for (const auto& i : run.issues) {
      corrupt += i.kind == parsers::ParserIssue::Kind::kCorruptRow;
      unsupported += i.kind == parsers::ParserIssue::Kind::kUnsupported;
    }
    parsed_detail.push_back({{"parser", run.name}, {"version", run.version},
                             {"status", std::string(parsers::ParserStatusName(run.status))},
                             {"counts", run.counts}, {"inputs", inputs}, {"corrupt_rows", corrupt},
                             {"unsupported", unsupported}, {"error", run.error}});
  }
  const auto db_stamp = reports::StampHash(db_path, {});
  auto db_hash = core::HashFileHex(db_path);
  if (!db_hash) return Report(db_hash.error());
  // The outputs list artifacts.sqlite with this hash while the file keeps its size and mtime.
  if (auto after = reports::StampHash(db_path, *db_hash);
      db_stamp && after && reports::SameState(*db_stamp, *after)) {
    output_options->known_hashes["artifacts.sqlite"] = std::move(*after);
  }
  auto ev = c.RecordEvent("parsed", {{"evidence_id", item->id},
                                     {"hashes", json::array({{{"alg", "SHA-256"}, {"of", "artifacts.sqlite"}, {"value", *db_hash}}})},
                                     {"detail", {{"parsers", parsed_detail}}}});
  if (!ev) return Report(ev.error());
  auto hashes = rehash_hashes.get();
  if (!hashes) return Report(hashes.error());
  auto rehash = c.RecordRehash(*rehash_plan, *hashes, "files opened by the parsers, after parsing");
  if (!rehash) return Report(rehash.error());

  // 5. Exports, reports, seal.
  auto out = reports::WriteOutputsAndSeal(c, *output_options);
  if (!out) return Report(out.error());

  // 6. Summary.
  std::map<std::string, int64_t> totals;
  for (const auto& run : runs) {
    for (const auto& [kind, n] : run.counts) totals[kind] += n;
  }
  std::cout << "case " << c.case_number() << ": " << item->id << " = " << b.folder().string() << " ("
            << item->files << " files hashed, hash list " << item->hash_list_sha256.substr(0, 16) << "…)\n";
  std::cout << "records:\n";
  if (totals.empty()) std::cout << "  (none)\n";
  for (const auto& [kind, n] : totals) std::cout << "  " << kind << ": " << n << "\n";
  for (const auto& run : runs) {
    if (run.status == parsers::ParserRun::Status::kOk || run.status == parsers::ParserRun::Status::kNoInput) continue;
    std::cout << "parser " << run.name << ": " << parsers::ParserStatusName(run.status);
    if (!run.error.empty()) std::cout << " — " << run.error;
    std::cout << "\n";
    size_t shown = 0;
    for (const auto& i : run.issues) {
      if (++shown > 5) {
        std::cout << "    … " << run.issues.size() - 5 << " more in the case database (table issues)\n";
        break;
      }
      std::cout << "    " << SanitizeUtf8(i.input) << (i.rowid.empty() ? "" : " row " + i.rowid) << ": "
                << SanitizeUtf8(i.message) << "\n";
    }
  }
  size_t missing = 0;
  for (size_t i = 0; i < b.entries().size(); ++i) {
    missing += b.entries()[i].kind == parsers::backup::EntryKind::kFile && !b.blob(i).present;
  }
  if (missing) std::cout << "files missing from the backup: " << missing << " (see mfx backup info)\n";
  if (!rehash->ok()) std::cout << "WARNING: evidence changed during the analysis (custody event hash_mismatch)\n";
  PrintOutputs(c, *out);
  return rehash->ok() ? kExitOk : kExitFailure;
}

}  // namespace mfx::cli
