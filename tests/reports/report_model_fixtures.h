#pragma once
// Fixtures of the report tests (report model, HTML, CASE/UCO, KML): cases analyzed from generated
// backups with the mfx binary, synthetic case databases written straight through CaseDatabase
// (fast, any size, hostile text), headless Chromium, and the case database read back with SQL —
// the independent side every report is compared against. Header-only (only *_test.cpp compile).

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/sqlite_db.h"
#include "core/timezone.h"
#include "reports/case_db.h"
#include "reports/case_folder.h"
#include "reports/report_writers.h"
#include "tests/reports/case_fixtures.h"

namespace mfx::testing {

// The folder of the test binary (inside the build tree): where screenshots and npm tools go.
inline fs::path BuildTreeDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::temp_directory_path() : exe.parent_path();
}

inline nlohmann::json ReadJsonFile(const fs::path& p) { return nlohmann::json::parse(ReadAllText(p)); }

inline int64_t QueryInt(const fs::path& db, const std::string& sql) {
  auto d = core::SqliteDb::OpenReadOnly(db);
  if (!d) throw std::runtime_error(d.error().ToString());
  auto v = (*d)->QueryInt(sql);
  if (!v) throw std::runtime_error(sql + ": " + v.error().ToString());
  return *v;
}

// A case made by `mfx analyze` from a backup the generator wrote (rich content: SMS, WhatsApp,
// contacts, calls, Safari, notes, photos, calendar …).
struct AnalyzedCase {
  fs::path case_dir;
  GeneratedBackup backup;
  std::string output;  // mfx's stdout + stderr
};

inline AnalyzedCase AnalyzeGenerated(const fs::path& parent, const std::string& formats,
                                     const std::string& tz = "Europe/Berlin",
                                     const GenerateOptions& gen = {}) {
  AnalyzedCase c;
  c.backup = GenerateBackup(parent, "backup", gen);
  c.case_dir = parent / "CASE";
  std::string cmd = ShellQuote(MFX_BINARY) + " analyze " + ShellQuote(c.backup.dir.string()) +
                    " --case " + ShellQuote(c.case_dir.string()) +
                    " --case-number 2026-0042 --examiner 'Examiner One' --tz " + ShellQuote(tz) +
                    " --format " + ShellQuote(formats);
  if (!c.backup.password_file.empty()) {
    cmd += " --password-file " + ShellQuote(c.backup.password_file.string());
  }
  const int rc = RunCommand(cmd + " 2>&1", &c.output);
  if (rc != 0) throw std::runtime_error("mfx analyze failed (" + std::to_string(rc) + "):\n" + c.output);
  return c;
}

inline AnalyzedCase& SharedAnalyzedCase() {
  // One analyzed case per test process for the read-only checks (generation + analysis take a
  // few seconds); tests that change a case make their own.
  static ProcessTempDir dir;
  static AnalyzedCase* c =
      new AnalyzedCase(AnalyzeGenerated(dir.path(), "html,csv,jsonl,case,kml"));
  return *c;
}

// ---- Synthetic cases ----------------------------------------------------------------------

struct SyntheticOptions {
  int64_t messages = 0;
  int64_t chats = 50;
  int64_t contacts = 0;
  int64_t calls = 0;
  int64_t photos = 0;            // every third one has coordinates
  int64_t needle_every = 0;      // every n-th message text contains "needle-7f3a"
  std::vector<std::string> extra_texts;  // messages with exactly these texts (hostile input)
};

struct SyntheticCase {
  fs::path case_dir;
  std::unique_ptr<reports::CaseFolder> folder;
  int64_t needles = 0;
  int64_t with_coordinates = 0;
  fs::path db() const { return case_dir / "artifacts.sqlite"; }
};

inline parsers::Provenance Source(const char* domain, const char* path, const char* table, int64_t rowid) {
  parsers::Provenance p;
  p.domain = domain;
  p.path = path;
  p.file_id = "3d0d7e5fb2ce288813306e4d4636395e047a3d28";
  p.table = table;
  p.rowid = rowid;
  return p;
}

// A case folder (no exhibit) with a case database written straight through CaseDatabase.
inline SyntheticCase MakeSyntheticCase(const fs::path& dir, const SyntheticOptions& o) {
  SyntheticCase c;
  c.case_dir = dir;
  auto folder = reports::CaseFolder::CreateOrOpen(dir, TestCaseOptions());
  if (!folder) throw std::runtime_error(folder.error().ToString());
  c.folder = std::move(*folder);
  auto db = reports::CaseDatabase::Create(c.db());
  if (!db) throw std::runtime_error(db.error().ToString());
  const int64_t base_us = 1710408413000000;  // 2024-03-14T09:26:53Z
  int64_t rowid = 0;
  auto message = [&](int64_t i, std::string text) {
    parsers::Message m;
    m.app = i % 5 == 0 ? "WhatsApp" : "Messages";
    m.parser = i % 5 == 0 ? "whatsapp/1.0" : "sms/1.0";
    m.time = core::FromUnixMicros(base_us + i * 37'000'123);
    m.source = i % 5 == 0 ? Source("AppDomainGroup-group.net.whatsapp.WhatsApp.shared", "ChatStorage.sqlite",
                                   "ZWAMESSAGE", ++rowid)
                          : Source("HomeDomain", "Library/SMS/sms.db", "message", ++rowid);
    m.direction = i % 3 == 0 ? "outgoing" : "incoming";
    const int64_t chat = i % std::max<int64_t>(o.chats, 1);
    m.party = "+4915550" + std::to_string(1000 + chat);
    m.chat = "chat" + std::to_string(chat);
    m.service = i % 5 == 0 ? "WhatsApp" : (i % 2 ? "iMessage" : "SMS");
    m.text = std::move(text);
    m.deleted = i % 97 == 0;
    if (i % 41 == 0) {
      m.latitude = 52.520008 + static_cast<double>(i % 100) / 1000.0;
      m.longitude = 13.404954;
      ++c.with_coordinates;
    }
    (*db)->Add(std::move(m));
  };
  int64_t i = 0;
  for (; i < o.messages; ++i) {
    std::string text = "Message " + std::to_string(i) + " about the meeting at " +
                       std::to_string(8 + i % 12) + ":30, see you there — ümlaut ✓";
    if (o.needle_every > 0 && i % o.needle_every == 0) {
      text += " needle-7f3a";
      ++c.needles;
    }
    message(i, text);
  }
  for (const auto& t : o.extra_texts) message(i++, t);
  for (int64_t k = 0; k < o.contacts; ++k) {
    parsers::Contact ct;
    ct.app = "Contacts";
    ct.parser = "contacts/1.0";
    ct.time = core::FromUnixSeconds(1600000000 + k * 1000);
    ct.source = Source("HomeDomain", "Library/AddressBook/AddressBook.sqlitedb", "ABPerson", k + 1);
    ct.first_name = "First" + std::to_string(k);
    ct.last_name = "Last";
    ct.phones = {"+4915550" + std::to_string(1000 + k)};
    ct.phone_labels = {"Mobile"};
    ct.emails = {"person" + std::to_string(k) + "@example.com"};
    ct.email_labels = {"Work"};
    (*db)->Add(std::move(ct));
  }
  for (int64_t k = 0; k < o.calls; ++k) {
    parsers::Call call;
    call.app = "Phone";
    call.parser = "calls/1.0";
    call.time = core::FromUnixSeconds(1700000000 + k * 3600);
    call.source = Source("HomeDomain", "Library/CallHistoryDB/CallHistory.storedata", "ZCALLRECORD", k + 1);
    call.party = "+4915550" + std::to_string(1000 + k);
    call.direction = k % 2 ? "incoming" : "outgoing";
    call.answered = k % 3 != 0;
    call.duration_s = 12.5 * static_cast<double>(k);
    call.call_type = "voice";
    (*db)->Add(std::move(call));
  }
  for (int64_t k = 0; k < o.photos; ++k) {
    parsers::Photo p;
    p.app = "Photos";
    p.parser = "photos/1.0";
    p.time = core::FromUnixSeconds(1690000000 + k * 600);
    p.source = Source("CameraRollDomain", "Media/PhotoData/Photos.sqlite", "ZASSET", k + 1);
    p.filename = "IMG_" + std::to_string(1000 + k) + ".HEIC";
    p.directory = "DCIM/100APPLE";
    p.media_type = "photo";
    if (k % 3 == 0) {
      p.latitude = 48.860346 - static_cast<double>(k) * 0.001;
      p.longitude = 2.331199;
      ++c.with_coordinates;
    }
    (*db)->Add(std::move(p));
  }
  parsers::ParserRun run;
  run.name = "sms";
  run.version = "1.0";
  run.status = parsers::ParserRun::Status::kOk;
  run.counts["messages"] = o.messages;
  run.seconds = 0.25;
  parsers::InputUse in;
  in.path = "HomeDomain/Library/SMS/sms.db";
  in.sha256 = std::string(64, 'a');
  in.size = 4096;
  run.inputs.push_back(in);
  if (auto s = (*db)->AddRuns({run}); !s) throw std::runtime_error(s.error().ToString());
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"case_number", "2026-0042"}, {"tool", "mfx test"}, {"ios_version", "17.4"}}) {
    if (auto s = (*db)->SetInfo(k, v); !s) throw std::runtime_error(s.error().ToString());
  }
  if (auto s = (*db)->Finish(); !s) throw std::runtime_error(s.error().ToString());
  return c;
}

inline std::vector<std::string> WriteReports(SyntheticCase& c, const std::vector<std::string>& formats,
                                             const core::TimeZone& zone = core::TimeZone::Utc()) {
  reports::ReportContext ctx{*c.folder, c.db(), zone, "2026-0042-R", 1};
  std::vector<std::string> out;
  for (const auto& f : formats) {
    auto w = reports::WriteReport(ctx, f);
    if (!w) throw std::runtime_error(f + ": " + w.error().ToString());
    out.insert(out.end(), w->begin(), w->end());
  }
  return out;
}

// ---- Headless Chromium ----------------------------------------------------------------------

inline bool HaveChromium() { return fs::exists("/usr/bin/chromium"); }

struct BrowserRun {
  std::string dom;
  double wall_ms = 0;
  int rc = 0;
};

// Loads file://<html><fragment> in headless Chromium and returns the DOM after the load event
// (the report renders synchronously, so the first view is in it), or writes a screenshot.
inline BrowserRun RunChromium(const fs::path& html, const std::string& fragment,
                              const fs::path& screenshot = {}, const std::string& window = "1440,1000") {
  TempDir profile;
  std::string cmd = "/usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-background-networking "
                    "--disable-component-update --disable-sync --no-first-run --disable-extensions "
                    "--hide-scrollbars --user-data-dir=" +
                    ShellQuote(profile.path().string()) + " --window-size=" + window;
  if (screenshot.empty()) {
    cmd += " --dump-dom";
  } else {
    cmd += " --screenshot=" + ShellQuote(screenshot.string());
  }
  cmd += " " + ShellQuote("file://" + html.string() + fragment) + " 2>/dev/null";
  BrowserRun r;
  const auto t0 = std::chrono::steady_clock::now();
  r.rc = RunCommand(cmd, &r.dom);
  r.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

// The value of attribute `name` on the element with id `id` in a dumped DOM ("" when absent).
inline std::string DomAttribute(const std::string& dom, const std::string& id, const std::string& name) {
  const size_t at = dom.find("id=\"" + id + "\"");
  if (at == std::string::npos) return {};
  const size_t start = dom.rfind('<', at);
  const size_t end = dom.find('>', at);
  const std::string tag = dom.substr(start, end - start);
  const std::regex re(name + "=\"([^\"]*)\"");
  std::smatch m;
  return std::regex_search(tag, m, re) ? m[1].str() : std::string();
}

}  // namespace mfx::testing
