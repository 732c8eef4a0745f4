#include "reports/case_outputs.h"

#include <algorithm>
#include <exception>
#include <thread>

#include "core/file_util.h"
#include "reports/report_model.h"
#include "reports/report_writers.h"

namespace mfx::reports {

const std::vector<std::string>& AllFormats() {
  static const std::vector<std::string> kFormats = {"html", "pdf", "csv", "jsonl", "case", "kml"};
  return kFormats;
}

Result<std::set<std::string>> ParseFormats(const std::string& list) {
  std::set<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = list.find(',', start);
    std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item == "all") {
      out.insert(AllFormats().begin(), AllFormats().end());
    } else if (!item.empty()) {
      if (std::find(AllFormats().begin(), AllFormats().end(), item) == AllFormats().end()) {
        return Fail(ErrorCode::kInvalidArgument,
                    "--format: unknown format '" + item + "' (html, pdf, csv, jsonl, case, kml, all)");
      }
      out.insert(item);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<OutputResult> WriteOutputsAndSeal(CaseFolder& folder, const OutputOptions& options) {
  OutputResult out;
  const std::set<std::string> formats =
      options.formats.empty() ? std::set<std::string>(AllFormats().begin(), AllFormats().end()) : options.formats;
  MFX_ASSIGN_OR_RETURN(int revision, BeginRevision(folder));
  const auto db = folder.Path("artifacts.sqlite");
  if (!std::filesystem::exists(db)) {
    return Fail(ErrorCode::kNotFound, db.string() + ": no case database (run mfx analyze first)");
  }
  nlohmann::json outputs = nlohmann::json::array();
  SealOptions seal;
  // `written_sha256`: the hash the writer took of the `written_bytes` it wrote (else the caller's
  // known hash while the file keeps its size and mtime, else the file is read). Either way the
  // seal reuses the hash while the file keeps its size and mtime.
  auto add_output = [&](const std::string& rel, const std::string& written_sha256 = {},
                        uint64_t written_bytes = 0) -> Status {
    std::string sha = written_sha256;
    std::optional<KnownHash> before;
    if (sha.empty()) {
      before = StampHash(folder.Path(rel), {});
      const auto known = options.known_hashes.find(rel);
      if (before && known != options.known_hashes.end() && SameState(*before, known->second)) {
        sha = known->second.sha256;
      } else {
        MFX_ASSIGN_OR_RETURN(sha, core::HashFileHex(folder.Path(rel)));
      }
    }
    outputs.push_back({{"path", rel}, {"sha256", sha}});
    std::optional<KnownHash> known = StampHash(folder.Path(rel), sha);
    const bool unchanged = written_sha256.empty() ? before && known && SameState(*before, *known)
                                                  : known && known->size == written_bytes;
    if (unchanged) seal.known_hashes[rel] = std::move(*known);
    return {};
  };
  MFX_RETURN_IF_ERROR(add_output("artifacts.sqlite"));
  if (formats.count("jsonl") || formats.count("csv")) {
    std::error_code ec;
    std::filesystem::remove_all(folder.Path("exports"), ec);
    MFX_ASSIGN_OR_RETURN(out.exports, WriteExports(db, folder.Path("exports"), options.zone));
    for (const auto& [name, rows] : out.exports.records) {
      const bool jsonl = name.ends_with(".jsonl");
      if ((jsonl && !formats.count("jsonl")) || (!jsonl && !formats.count("csv"))) {
        std::filesystem::remove(folder.Path("exports/" + name), ec);
        continue;
      }
      const auto sha = out.exports.sha256.find(name);
      const auto bytes = out.exports.bytes.find(name);
      MFX_RETURN_IF_ERROR(add_output(
          "exports/" + name, sha == out.exports.sha256.end() ? std::string() : sha->second,
          bytes == out.exports.bytes.end() ? 0 : bytes->second));
    }
  }
  const auto available = ReportFormats();
  ReportContext ctx{folder, db, options.zone,
                    options.report_id.empty() ? folder.case_number() + "-R" : options.report_id, revision};
  std::vector<std::string> todo;  // in the order their outputs are listed
  for (const char* f : {"html", "pdf", "case", "kml"}) {
    if (!formats.count(f)) continue;
    if (std::find(available.begin(), available.end(), f) == available.end()) {
      out.unavailable.push_back(f);
      continue;
    }
    todo.push_back(f);
  }
  // The report model is built once (report.json is written when HTML or PDF is asked for) and
  // shared, read-only, by the writers.
  nlohmann::json model;
  auto asked = [&](const char* f) { return std::find(todo.begin(), todo.end(), f) != todo.end(); };
  const bool rendered = asked("html") || asked("pdf");
  if (rendered || asked("case")) {
    bool wrote_model = false;
    MFX_ASSIGN_OR_RETURN(model, ReportModelForRevision(ctx, /*write=*/rendered, &wrote_model));
    if (wrote_model) {
      MFX_RETURN_IF_ERROR(add_output(kReportJsonPath));
      out.reports.push_back(kReportJsonPath);
    }
  }
  // Two lanes side by side: CASE JSON-LD then PDF on this thread, HTML then KML on a second one.
  // Alone they took 19.6, 16.1, 6.6 and 1.7 s for a 470k-record case, 44 s one after the other.
  // JSON-LD and PDF each need 50–60 MB beside the model; run together with the rest they took
  // the analysis to 259–273 MB, past its 256 MB budget, so they never overlap.
  std::vector<Result<std::vector<std::string>>> written(todo.size(), std::vector<std::string>{});
  auto lane = [&](std::initializer_list<const char*> names) {
    for (const char* f : names) {
      const auto it = std::find(todo.begin(), todo.end(), f);
      if (it == todo.end()) continue;
      const size_t i = static_cast<size_t>(it - todo.begin());
      try {
        written[i] = WriteReportFromModel(ctx, todo[i], model);
      } catch (const std::exception& e) {
        written[i] = Fail(ErrorCode::kInternal, todo[i] + " report: " + e.what());
      }
    }
  };
  {
    std::thread light([&] { lane({"html", "kml"}); });
    lane({"case", "pdf"});
    light.join();
  }
  for (size_t i = 0; i < todo.size(); ++i) {
    if (!written[i]) return tl::unexpected(written[i].error());
    for (const auto& rel : *written[i]) {
      MFX_RETURN_IF_ERROR(add_output(rel));
      out.reports.push_back(rel);
    }
  }
  nlohmann::json fmts = nlohmann::json::array();
  for (const auto& f : formats) fmts.push_back(f);
  MFX_RETURN_IF_ERROR(folder.RecordEvent(
      "report_generated",
      {{"detail", {{"report_id", ctx.report_id}, {"revision", revision}, {"formats", fmts},
                   {"not_available", out.unavailable}, {"display_zone", options.zone.name()},
                   {"tzdata", core::TimeZone::TzdataVersion()}, {"outputs", outputs}}}}));
  seal.report_id = ctx.report_id;
  seal.signing = options.signing;
  MFX_ASSIGN_OR_RETURN(out.seal, SealCase(folder, seal));
  return out;
}

}  // namespace mfx::reports
