#pragma once
// report/case.jsonld — the case as CASE 1.4.0 / UCO 1.4.0 JSON-LD (CUSTODY.md §7).
//
// One JSON object {"@context": {…inline…}, "@graph": [node, node, …]}, written node by node
// (never one document in memory): the investigation, the consent authorizations, the examiner
// (Person + Has_Role → Examiner role) and agency, each exhibit's device (MobileDevice with
// DeviceFacet, MobileDeviceFacet and the project facet mfx:AppleDeviceFacet for UDID, ProductType
// and build), its OS, SIM and phone account, mfx as a Tool and each parser as a ConfiguredTool,
// the investigative actions (registration or acquisition, parsing per parser, reporting) with
// performer, instrument, object, result and times, a ProvenanceRecord per exhibit, File
// observables with SHA256 hashes (each exhibit's hash list, the case database, the parsers'
// input files), and the parsed records — messages (Message/SMSMessage + MessageFacet, chats as
// MessageThread), contacts (Contact + ContactFacet with ContactPhone/ContactEmail), calls (Call +
// CallFacet), web history (URLHistory + URLHistoryFacet/URLHistoryEntry), locations (Location +
// LatLongCoordinatesFacet for photos, shared locations and calendar events), and every other
// kind as a generic ObservableObject with its name — each with an ObservableRelationship
// "Contained_Within" to its source File and, for database rows, a TableField +
// TableFieldFacet{tableName, recordRowID}; deleted records carry RecoveredObjectFacet.
//
// Identifiers: every node has an @id "kb:<type>-<uuid>" where <uuid> is a UUIDv5 of the case UUID
// and a stable key (records: kind, source file, table, row id, deleted flag and the occurrence
// among equal keys — not the case-database id, which depends on parser thread timing), so a
// regenerated export keeps its IRIs; no blank nodes; no facet shared by two objects. "kb:" is bound
// to a per-case namespace "urn:mfx:case:<case uuid>:". The case UUID is a UUIDv5 (mfx namespace)
// of case.json's case number and creation time. Times are typed xsd:dateTime, coordinates
// xsd:decimal, hashes {hashMethod "SHA256", hashValue xsd:hexBinary}.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "reports/report_writers.h"

namespace mfx::reports {

inline constexpr const char* kCaseJsonLdPath = "report/case.jsonld";

// Writes report/case.jsonld for `model` (this revision's report model, report_model.h).
Result<std::vector<std::string>> WriteCaseJsonLd(const ReportContext& ctx,
                                                 const nlohmann::json& model);

// RFC 4122 version-5 UUID (SHA-1) of `name` in namespace `ns` (both as text, ns in canonical
// 8-4-4-4-12 form); lowercase canonical text.
std::string UuidV5(std::string_view ns, std::string_view name);

// The case UUID used for every IRI of a case (see above).
std::string CaseUuid(const nlohmann::json& case_json);

}  // namespace mfx::reports
