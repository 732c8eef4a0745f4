#pragma once
// The consent record that gates `mfx acquire` (CUSTODY.md §9).
//
// A JSON file given with --consent. mfx records consent; it does not judge its legal validity.
// It refuses to start when the record is malformed, incomplete, withdrawn, when the signed form
// given with --consent-form does not have the SHA-256 the record states, or when the device
// written on the form is not the device attached.
//
// Format ("mfx-consent/1"; keys are lower_snake_case so the scope can go into the custody log;
// no key may contain "password": the case folder refuses such names, hence
// "temporary_backup_encryption"):
//   {
//     "schema": "mfx-consent/1",                                        (optional)
//     "consent_id": "CF-2026-0042-01",                                  required, [A-Za-z0-9._-]{1,64}
//     "form": {"reference": "paper form #0042, scanned", "sha256": "<64 hex>",    both required
//              "template": "…", "version": "…", "pages": 2, "signed": true},
//     "language": "en", "interpreter": null,
//     "consenting_person": {"name": "…",                                required
//                           "relationship": "owner" | "authorised_user" |
//                                           "parent_or_guardian" | "employer_owner",   required
//                           "identity_checked": "passport …", "contact": "…"},
//     "device": {"udid": "…", "serial_number": "…", "imei": "…", "phone_number": "…",
//                "product_type": "iPhone12,1", "model": "iPhone 11 (as written)"},
//                                                 at least one of udid, serial_number, imei,
//                                                 phone_number
//     "scope": {"purpose": "…",                                         required
//               "temporary_backup_encryption": false,                   required (bool)
//               "data": "…", "date_range": "…", "deleted_data_recovery": false, "retention": "…"},
//     "given": {"time": "2026-03-14T09:20:00+01:00", "place": "…"},     time required, with zone
//     "obtained_by": {"name": "…", "role": "…"},                        name required
//     "witness": {"name": "…", "role": "…", "signed": true},            name required
//     "withdrawn": null | {"time": "…", "how": "…", "recorded_by": "…"}   non-null: refused
//   }

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace mfx::extract {

inline constexpr const char* kConsentSchema = "mfx-consent/1";

struct DeviceOnForm {
  std::optional<std::string> udid, serial_number, imei, phone_number, product_type, model;
};

struct ConsentRecord {
  std::filesystem::path path;
  std::string sha256;  // of the record file's bytes
  std::string consent_id;
  std::string person_name;
  std::string relationship;
  std::string purpose;
  bool temporary_backup_encryption = false;
  std::string given_time;  // as written
  std::string form_reference;
  std::string form_sha256;
  std::filesystem::path form_file;  // --consent-form, when given (its SHA-256 was checked)
  std::string witness_name;
  std::string obtained_by;
  DeviceOnForm device;
  nlohmann::json scope;
  nlohmann::json raw;
};

// Reads and validates a consent record; `form_file` (may be empty) is the signed form, whose
// SHA-256 must equal form.sha256. Errors (kInvalidArgument) list every problem found, each naming
// the field: "consent record consent.json: consenting_person.relationship: must be one of …".
Result<ConsentRecord> LoadConsentRecord(const std::filesystem::path& path,
                                        const std::filesystem::path& form_file = {},
                                        int64_t now_unix_micros = 0);

// What the device says about itself, as far as it has been read (pre-session: udid and
// product_type only; in a session: everything).
struct DeviceFacts {
  std::optional<std::string> udid, product_type, serial_number, imei, imei2, meid, phone_number;
};

struct DeviceComparison {
  std::vector<std::string> matched;     // "udid", "imei", …
  std::vector<std::string> mismatched;  // "serial_number: form F17… ≠ device F18…"
  std::vector<std::string> unchecked;   // fields on the form the device has not told us (yet)
  bool ok() const { return mismatched.empty(); }
  nlohmann::json ToJson() const;
};
DeviceComparison CompareDevice(const DeviceOnForm& form, const DeviceFacts& device);

}  // namespace mfx::extract
