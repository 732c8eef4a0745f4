#include "extract/consent.h"

#include <algorithm>
#include <cctype>

#include "core/crypto.h"
#include "core/file_util.h"
#include "core/time.h"
#include "extract/device_session.h"

namespace mfx::extract {
namespace {

using nlohmann::json;

const std::vector<std::string>& Relationships() {
  static const std::vector<std::string> k = {"owner", "authorised_user", "parent_or_guardian",
                                             "employer_owner"};
  return k;
}

bool ValidId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

bool IsHex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
           return std::isxdigit(c) != 0;
         });
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Upper(std::string_view s, bool drop_dashes_and_spaces) {
  std::string out;
  for (char c : s) {
    if (drop_dashes_and_spaces && (c == '-' || c == ' ')) continue;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

std::string Digits(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= '0' && c <= '9') out.push_back(c);
  }
  return out;
}

// A non-empty string member, or nullopt; a present member of another type is a problem.
std::optional<std::string> Text(const json& object, const char* key, const std::string& where,
                                std::vector<std::string>& problems) {
  if (!object.is_object() || !object.contains(key) || object[key].is_null()) return std::nullopt;
  if (!object[key].is_string()) {
    problems.push_back(where + key + ": must be a string");
    return std::nullopt;
  }
  std::string value = object[key].get<std::string>();
  if (value.find_first_not_of(" \t") == std::string::npos) return std::nullopt;
  return value;
}

const json& Member(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

}  // namespace

Result<ConsentRecord> LoadConsentRecord(const std::filesystem::path& path,
                                        const std::filesystem::path& form_file,
                                        int64_t now_unix_micros) {
  const std::string name = "consent record " + path.string();
  auto text = core::ReadTextFile(path, 4 << 20);
  if (!text) return Fail(ErrorCode::kNotFound, name + ": " + text.error().message);
  const json record = json::parse(*text, nullptr, false);
  if (record.is_discarded() || !record.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, name + ": not a JSON object");
  }
  ConsentRecord out;
  out.path = path;
  out.sha256 = core::Sha256Hex(AsBytes(*text));
  out.raw = record;
  std::vector<std::string> problems;

  if (record.contains("schema") &&
      (!record["schema"].is_string() || record["schema"].get<std::string>() != kConsentSchema)) {
    problems.push_back(std::string("schema: must be \"") + kConsentSchema + "\"");
  }
  out.consent_id = Text(record, "consent_id", "", problems).value_or("");
  if (!ValidId(out.consent_id)) {
    problems.push_back("consent_id: required, 1–64 characters of A–Z, a–z, 0–9, '.', '_', '-'");
  }

  const json& form = Member(record, "form");
  out.form_reference = Text(form, "reference", "form.", problems).value_or("");
  if (out.form_reference.empty()) problems.push_back("form.reference: required (which signed form)");
  out.form_sha256 = Lower(Text(form, "sha256", "form.", problems).value_or(""));
  if (!IsHex64(out.form_sha256)) {
    problems.push_back("form.sha256: required, the SHA-256 of the signed form (64 hex digits)");
  }

  const json& person = Member(record, "consenting_person");
  out.person_name = Text(person, "name", "consenting_person.", problems).value_or("");
  if (out.person_name.empty()) problems.push_back("consenting_person.name: required (who consented)");
  out.relationship = Text(person, "relationship", "consenting_person.", problems).value_or("");
  if (std::find(Relationships().begin(), Relationships().end(), out.relationship) ==
      Relationships().end()) {
    problems.push_back(
        "consenting_person.relationship: required, one of owner, authorised_user, "
        "parent_or_guardian, employer_owner (the basis of their capacity to consent)");
  }

  const json& device = Member(record, "device");
  out.device.udid = Text(device, "udid", "device.", problems);
  out.device.serial_number = Text(device, "serial_number", "device.", problems);
  out.device.imei = Text(device, "imei", "device.", problems);
  out.device.phone_number = Text(device, "phone_number", "device.", problems);
  out.device.product_type = Text(device, "product_type", "device.", problems);
  out.device.model = Text(device, "model", "device.", problems);
  if (!out.device.udid && !out.device.serial_number && !out.device.imei &&
      !out.device.phone_number) {
    problems.push_back(
        "device: the form must identify the device by at least one of udid, serial_number, imei, "
        "phone_number (mfx compares them with the phone before acquiring)");
  }

  const json& scope = Member(record, "scope");
  if (!scope.is_object()) {
    problems.push_back("scope: required object (purpose, temporary_backup_encryption, …)");
  } else {
    out.scope = scope;
    out.purpose = Text(scope, "purpose", "scope.", problems).value_or("");
    if (out.purpose.empty()) problems.push_back("scope.purpose: required");
    const json& temp = Member(scope, "temporary_backup_encryption");
    if (!temp.is_boolean()) {
      problems.push_back(
          "scope.temporary_backup_encryption: required, true or false (may mfx set a temporary "
          "backup password on the phone?)");
    } else {
      out.temporary_backup_encryption = temp.get<bool>();
    }
    for (const auto& [key, value] : scope.items()) {
      if (Lower(key).find("password") != std::string::npos) {
        problems.push_back("scope." + key +
                           ": field names must not contain \"password\" (the case folder refuses "
                           "them); use temporary_backup_encryption");
      }
    }
  }

  const json& given = Member(record, "given");
  out.given_time = Text(given, "time", "given.", problems).value_or("");
  if (out.given_time.empty()) {
    problems.push_back("given.time: required, ISO 8601 with a zone (2026-03-14T09:20:00+01:00)");
  } else {
    // The zone must be written: 'Z' or ±HH:MM after the seconds (and fraction).
    size_t pos = 19;
    if (pos < out.given_time.size() && out.given_time[pos] == '.') {
      ++pos;
      while (pos < out.given_time.size() && std::isdigit(static_cast<unsigned char>(out.given_time[pos])))
        ++pos;
    }
    const bool zoned = pos < out.given_time.size() &&
                       (out.given_time[pos] == 'Z' || out.given_time[pos] == '+' ||
                        out.given_time[pos] == '-');
    auto parsed = core::ParseIsoTime(out.given_time);
    if (!parsed || !parsed->has_instant() || !zoned) {
      problems.push_back("given.time: '" + SanitizeUtf8(out.given_time) +
                         "' is not ISO 8601 with a zone (2026-03-14T09:20:00+01:00)");
    } else {
      const int64_t now = now_unix_micros != 0 ? now_unix_micros : HostUnixMicros();
      if (*parsed->unix_micros > now + int64_t{10} * 60 * 1000000) {
        problems.push_back("given.time: " + out.given_time + " lies in the future");
      }
    }
  }

  out.obtained_by = Text(Member(record, "obtained_by"), "name", "obtained_by.", problems).value_or("");
  if (out.obtained_by.empty()) problems.push_back("obtained_by.name: required (who obtained consent)");
  out.witness_name = Text(Member(record, "witness"), "name", "witness.", problems).value_or("");
  if (out.witness_name.empty()) problems.push_back("witness.name: required");

  const json& withdrawn = Member(record, "withdrawn");
  if (!withdrawn.is_null() && !(withdrawn.is_boolean() && !withdrawn.get<bool>())) {
    std::string when;
    if (withdrawn.is_object() && withdrawn.contains("time") && withdrawn["time"].is_string())
      when = " at " + withdrawn["time"].get<std::string>();
    return Fail(ErrorCode::kInvalidArgument,
                name + ": consent " + out.consent_id + " was withdrawn" + when +
                    "; mfx does not acquire under a withdrawn consent");
  }

  if (!form_file.empty()) {
    auto hash = core::HashFileHex(form_file);
    if (!hash) {
      problems.push_back("--consent-form " + form_file.string() + ": " + hash.error().message);
    } else if (IsHex64(out.form_sha256) && *hash != out.form_sha256) {
      problems.push_back("form.sha256: the record says " + out.form_sha256 + " but " +
                         form_file.string() + " has SHA-256 " + *hash +
                         " (wrong form file, or the form was changed)");
    }
    out.form_file = form_file;
  }

  if (!problems.empty()) {
    std::string message = name + ": not a valid consent record:";
    for (const std::string& p : problems) message += "\n  " + SanitizeUtf8(p);
    return Fail(ErrorCode::kInvalidArgument, message);
  }
  return out;
}

json DeviceComparison::ToJson() const {
  return json{{"matched", matched}, {"mismatched", mismatched}, {"unchecked", unchecked}};
}

DeviceComparison CompareDevice(const DeviceOnForm& form, const DeviceFacts& device) {
  DeviceComparison out;
  auto compare = [&](const char* field, const std::optional<std::string>& on_form,
                     std::vector<std::optional<std::string>> candidates,
                     std::string (*normalise)(std::string_view),
                     bool (*equal)(const std::string&, const std::string&)) {
    if (!on_form) return;
    const std::string want = normalise(*on_form);
    bool known = false;
    std::string seen;
    for (const auto& c : candidates) {
      if (!c || c->empty()) continue;
      known = true;
      const std::string got = normalise(*c);
      if (equal(want, got)) {
        out.matched.push_back(field);
        return;
      }
      seen += (seen.empty() ? "" : " / ") + *c;
    }
    if (!known) {
      out.unchecked.push_back(field);
      return;
    }
    out.mismatched.push_back(std::string(field) + ": the form says '" + SanitizeUtf8(*on_form) +
                             "', the phone says '" + SanitizeUtf8(seen) + "'");
  };
  auto same = [](const std::string& a, const std::string& b) { return !a.empty() && a == b; };
  auto id_norm = [](std::string_view s) { return Upper(s, true); };
  auto plain_norm = [](std::string_view s) { return Upper(s, false); };
  auto digit_norm = [](std::string_view s) { return Digits(s); };
  // Phone numbers: the form may carry or omit the country code; the last 7+ digits decide.
  auto phone_equal = [](const std::string& a, const std::string& b) {
    if (a.size() < 7 || b.size() < 7) return !a.empty() && a == b;
    const std::string& shorter = a.size() <= b.size() ? a : b;
    const std::string& longer = a.size() <= b.size() ? b : a;
    return longer.compare(longer.size() - shorter.size(), shorter.size(), shorter) == 0;
  };
  compare("udid", form.udid, {device.udid}, id_norm, same);
  compare("product_type", form.product_type, {device.product_type}, plain_norm, same);
  compare("serial_number", form.serial_number, {device.serial_number}, plain_norm, same);
  compare("imei", form.imei, {device.imei, device.imei2, device.meid}, id_norm, same);
  compare("phone_number", form.phone_number, {device.phone_number}, digit_norm, phone_equal);
  return out;
}

}  // namespace mfx::extract
