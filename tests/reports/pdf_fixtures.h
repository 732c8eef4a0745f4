#pragma once
// Hand-built report models (schema "mfx-report/1") for the PDF tests, written from the schema
// agreed with the HTML report — not produced by BuildReportModel — and helpers that run the
// poppler-utils tools (pdftotext, pdfinfo, pdffonts, pdftoppm) on a rendered PDF. Header-only:
// tests/reports/CMakeLists.txt compiles *_test.cpp only.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mfx::testing::pdf_fixtures {

using nlohmann::json;

// Hashes written out in full so tests can look for them in the text layer.
inline const std::string kExhibitHash = "3f1c9a7be2d44c0f8a61b5e9d07c23aa4b19e6f0d85c7a3e2b1f90c4d6e8a7b2";
inline const std::string kExhibit2Hash = "a0b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c7d8e9f";
inline const std::string kDbHash = "9e8d7c6b5a49382716051f2e3d4c5b6a79881726354453627180f9e8d7c6b5a4";
inline const std::string kHeadHash = "c4a7e1d09b3f2851e6a0c9d7b4f3e2a1908f7e6d5c4b3a29180716253443526a";
inline const std::string kSmsExportHash = "5d41402abc4b2a76b9719d911017c592ae5b1f7d6e4c3b2a1908f7e6d5c4b3a2";

inline json Device() {
  return {{"udid", "00008030-001A2B3C4D5E802E"},
          {"serial_number", "F2LXK0QJHG7F"},
          {"product_type", "iPhone12,1"},
          {"ios_version", "17.4.1"},
          {"build_version", "21E237"},
          {"device_name", "Alex's iPhone"},
          {"imei", "356789104512345"},
          {"imei2", "356789104598765"},
          {"meid", "35678910451234"},
          {"iccid", "8949020000012345678"},
          {"phone_number", "+49 151 23456789"}};
}

inline json SmsColumns() {
  return json::array({{{"name", "#"}, {"label", "#"}},
                      {{"name", "utc"}, {"label", "UTC"}},
                      {{"name", "local"}, {"label", "Local (Europe/Berlin)"}},
                      {{"name", "parties"}, {"label", "Parties"}},
                      {{"name", "content"}, {"label", "Content"}},
                      {{"name", "source"}, {"label", "Source"}},
                      {{"name", "status"}, {"label", "Status"}}});
}

inline json SmsRow(int n, const std::string& text, const std::string& status = "intact") {
  char utc[64], local[64];
  std::snprintf(utc, sizeof utc, "2026-03-%02dT09:%02d:07.512Z", 1 + n % 28, n % 60);
  std::snprintf(local, sizeof local, "2026-03-%02d 10:%02d:07.512 +01:00", 1 + n % 28, n % 60);
  return json::array({std::to_string(n), utc, local, n % 2 ? "from +49 151 9876543" : "to Sam Rivera", text,
                      "HomeDomain/Library/SMS/sms.db \u00B7 message \u00B7 rowid " + std::to_string(1000 + n),
                      status});
}

// A small, complete model: every section has content; the SMS table is capped (5 of 7 shown).
inline json SmallModel() {
  json m;
  m["schema"] = "mfx-report/1";
  m["report_id"] = "2026-0042-R";
  m["revision"] = 1;
  m["generated"] = "2026-03-14T09:41:07.512Z";
  m["display_zone"] = "Europe/Berlin";
  m["tzdata"] = "2024a";
  m["tool"] = {{"name", "mfx"}, {"version", "0.1.0"}, {"build", "abc123def456"}};
  m["case"] = {{"case_number", "2026-0042"},
               {"examiner", "Jane Q. Doe"},
               {"examiner_id", "DF-117"},
               {"agency", "Example County Digital Forensics Unit"},
               {"agency_address", "12 Harbour Road, Example City"},
               {"requestor", "Det. Sam Okafor, Example County Police"},
               {"description", "Phone seized at the scene of a burglary."}};
  m["authority"] = {
      {"basis", "consent"},
      {"consents",
       json::array({{{"id", "CF-77"},
                     {"record_path", "consent/CF-77.json"},
                     {"record_sha256", "11aa22bb33cc44dd55ee66ff77889900aabbccddeeff00112233445566778899"},
                     {"form_path", "consent/CF-77-form.pdf"},
                     {"form_sha256", "99887766554433221100ffeeddccbbaa00998877665544332211ffeeddccbbaa"},
                     {"summary",
                      {{"given_by", "Alex Example"},
                       {"relationship", "owner"},
                       {"scope", "messages, calls, photos; 2026-01-01 to 2026-03-10"},
                       {"given", "2026-03-13T15:02:00+01:00"}}}}})}};
  m["evidence"] = json::array({{{"id", "E-01"},
                                {"root_id", "E-01"},
                                {"kind", "ingested"},
                                {"location", "/cases/2026-0042/incoming/00008030-001A2B3C4D5E802E"},
                                {"hash_list", "evidence/E-01.sha256"},
                                {"hash_list_sha256", kExhibitHash},
                                {"files", 18234},
                                {"bytes", 5120339968ULL},
                                {"registered", "2026-03-14T08:02:11Z"},
                                {"device", Device()},
                                {"backup",
                                 {{"encrypted", true},
                                  {"last_backup_date", "2026-03-13T18:44:02Z"},
                                  {"is_full_backup", true}}},
                                {"not_hashed", json::array({"Snapshot/link-to-elsewhere (symlink)"})}}});
  m["acquisition"] = json::array(
      {{{"seq", 2}, {"time", "2026-03-14T08:01:30Z"}, {"event", "decryption_opened"}, {"evidence_id", "E-01"},
        {"detail", "backup password supplied by the owner (not recorded)"}}});
  // report_model.h lists registrations apart from acquisition events.
  m["registration"] = json::array({{{"seq", 3},
                                    {"time", "2026-03-14T08:02:11Z"},
                                    {"event", "evidence_registered"},
                                    {"evidence_id", "E-01"},
                                    {"detail", {{"files", 18234}, {"bytes", 5120339968ULL}, {"duration_ms", 912345}}}}});
  m["integrity"] = {{"case_db", {{"path", "artifacts.sqlite"}, {"sha256", kDbHash}}},
                    {"custody_head", {{"seq", 14}, {"sha256", kHeadHash}}},
                    {"exhibits", json::array({{{"id", "E-01"}, {"hash_list", "evidence/E-01.sha256"},
                                               {"hash_list_sha256", kExhibitHash}}})},
                    {"verifications", json::array({{{"seq", 9},
                                                    {"time", "2026-03-14T09:10:00Z"},
                                                    {"event", "hash_verified"},
                                                    {"result", "all 18234 files equal"}}})}};
  m["processing"] = {
      {"parsers",
       json::array({{{"name", "sms"},
                     {"version", "3"},
                     {"status", "ok"},
                     {"seconds", 1.42},
                     {"counts", {{"sms_message", 7}}},
                     {"inputs", json::array({{{"path", "HomeDomain/Library/SMS/sms.db"},
                                              {"sha256", "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"},
                                              {"size", 4411392}}})},
                     {"issues", json::array({{{"kind", "damaged_row"},
                                              {"input", "HomeDomain/Library/SMS/sms.db"},
                                              {"table", "message"},
                                              {"rowid", 1013},
                                              {"message", "attributedBody is not a typedstream"}}})}},
                    {{"name", "whatsapp"},
                     {"version", "2"},
                     {"status", "unsupported"},
                     {"seconds", 0.03},
                     {"counts", json::object()},
                     {"inputs", json::array()},
                     {"error", "ChatStorage.sqlite: unknown schema (ZWAMESSAGE has no ZTEXT)"}}})},
      {"timezone_statement",
       "All times are stored in UTC. Local times are shown in Europe/Berlin (tzdata 2024a) with the offset in "
       "force at each instant. The device's time-zone setting was Europe/Berlin."}};
  m["findings"] = {{"counts", {{"sms_message", 7}, {"call", 2}}}, {"total", 9}};
  json sms_rows = json::array();
  for (int i = 1; i <= 5; ++i) sms_rows.push_back(SmsRow(i, "Message number " + std::to_string(i) + " about the meeting."));
  sms_rows[2][6] = "deleted";
  m["tables"] = json::array(
      {{{"kind", "sms_message"},
        {"title", "Messages (SMS/iMessage)"},
        {"columns", SmsColumns()},
        {"total", 7},
        {"shown", 5},
        {"cap", 5},
        {"rows", sms_rows},
        {"export", "exports/sms_message.csv"},
        {"export_sha256", kSmsExportHash},
        {"note", "5 of 7 shown; full list exports/sms_message.csv, SHA-256 " + kSmsExportHash}},
       {{"kind", "call"},
        {"title", "Calls"},
        {"columns", json::array({{{"name", "#"}, {"label", "#"}},
                                 {{"name", "utc"}, {"label", "UTC"}},
                                 {{"name", "local"}, {"label", "Local (Europe/Berlin)"}},
                                 {{"name", "parties"}, {"label", "Parties"}},
                                 {{"name", "content"}, {"label", "Direction, duration"}},
                                 {{"name", "source"}, {"label", "Source"}},
                                 {{"name", "status"}, {"label", "Status"}}})},
        {"total", 2},
        {"shown", 2},
        {"cap", 5000},
        {"rows", json::array({json::array({"1", "2026-03-12T18:01:00Z", "2026-03-12 19:01:00 +01:00",
                                           "+49 151 9876543", "incoming, answered, 3 min 12 s",
                                           "HomeDomain/Library/CallHistoryDB/CallHistory.storedata \u00B7 ZCALLRECORD \u00B7 rowid 77",
                                           "intact"}),
                              json::array({"2", "2026-03-12T18:30:00Z", "2026-03-12 19:30:00 +01:00",
                                           "Sam Rivera", "outgoing, missed",
                                           "HomeDomain/Library/CallHistoryDB/CallHistory.storedata \u00B7 ZCALLRECORD \u00B7 rowid 78",
                                           "intact"})})},
        {"export", "exports/call.csv"},
        {"export_sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}});
  m["limitations"] = json::array(
      {"A logical backup does not contain the whole file system; deleted records are mostly absent.",
       "The results relate only to the items examined.",
       "Custody of exhibit E-01 before its registration is outside mfx's knowledge."});
  json custody = json::array();
  const char* events[] = {"case_created", "consent_recorded", "decryption_opened", "evidence_registered",
                          "parsed", "parsed", "hash_verified", "report_generated"};
  for (int i = 0; i < 8; ++i) {
    char hash[65];
    for (int k = 0; k < 64; ++k) hash[k] = "0123456789abcdef"[(i * 7 + k * 3) % 16];
    hash[64] = 0;
    custody.push_back({{"seq", i},
                       {"time", "2026-03-14T08:0" + std::to_string(i) + ":00Z"},
                       {"event", events[i]},
                       {"actor", "Jane Q. Doe (examiner)"},
                       {"summary", std::string("step ") + std::to_string(i)},
                       {"entry_sha256", hash}});
  }
  m["custody"] = custody;
  return m;
}

// Message texts in several scripts, with bidi controls, for the multilingual test.
inline const std::string kArabic = "مرحبا، كيف حالك اليوم؟";
inline const std::string kHebrew = "שלום, מה שלומך היום?";
inline const std::string kChinese = "我们明天下午三点在车站见面。";
inline const std::string kJapanese = "明日の午後三時に駅で会いましょう。";
inline const std::string kEmoji = "See you there \U0001F600\U0001F44D\U0001F1E9\U0001F1EA \U0001F469\u200D\U0001F4BB";
inline const std::string kBidiSpoof = "invoice_\u202Efdp.exe and \u2066isolated\u2069 text";

inline json MultilingualModel() {
  json m = SmallModel();
  json rows = json::array({SmsRow(1, kArabic), SmsRow(2, kHebrew), SmsRow(3, kChinese), SmsRow(4, kJapanese),
                           SmsRow(5, kEmoji), SmsRow(6, kBidiSpoof),
                           SmsRow(7, "Mixed: " + kHebrew + " / 123 / " + kArabic)});
  m["tables"][0]["rows"] = rows;
  m["tables"][0]["total"] = 7;
  m["tables"][0]["shown"] = 7;
  m["tables"][0]["cap"] = 5000;
  m["findings"]["counts"]["sms_message"] = 7;
  return m;
}

// One very long message (10,000 characters: numbered words so every part is recognisable) and a
// 2,000-character URL.
inline std::string LongMessage() {
  std::string s;
  for (int i = 0; s.size() < 10000; ++i) s += "w" + std::to_string(i) + " ";
  s.resize(10000);
  s.back() = 'Z';
  return s;
}
inline std::string LongUrl() {
  std::string s = "https://example.com/track?id=";
  for (int i = 0; s.size() < 2000; ++i) s += "q" + std::to_string(i) + "x";
  s.resize(2000);
  return s;
}

inline json LongCellModel() {
  json m = SmallModel();
  m["tables"][0]["rows"] = json::array({SmsRow(1, "short"), SmsRow(2, LongMessage()), SmsRow(3, LongUrl()), SmsRow(4, "after")});
  m["tables"][0]["total"] = 4;
  m["tables"][0]["shown"] = 4;
  m["tables"][0]["cap"] = 5000;
  return m;
}

// `kinds` tables of `rows` rows each (for the performance test).
inline json LargeModel(int kinds, int rows) {
  json m = SmallModel();
  json tables = json::array();
  json counts = json::object();
  for (int k = 0; k < kinds; ++k) {
    json t;
    t["kind"] = "kind_" + std::to_string(k);
    t["title"] = "Records of kind " + std::to_string(k);
    t["columns"] = SmsColumns();
    t["total"] = rows;
    t["shown"] = rows;
    t["cap"] = 5000;
    json r = json::array();
    for (int i = 1; i <= rows; ++i) {
      r.push_back(SmsRow(i, "Message " + std::to_string(i) + (i % 7 == 0 ? " with a somewhat longer body that wraps "
                                                                           "onto a second line in the content column"
                                                                         : "")));
    }
    t["rows"] = std::move(r);
    t["export"] = "exports/kind_" + std::to_string(k) + ".csv";
    t["export_sha256"] = kSmsExportHash;
    tables.push_back(std::move(t));
    counts["kind_" + std::to_string(k)] = rows;
  }
  m["tables"] = tables;
  m["findings"]["counts"] = counts;
  m["findings"]["total"] = kinds * rows;
  return m;
}

}  // namespace mfx::testing::pdf_fixtures
