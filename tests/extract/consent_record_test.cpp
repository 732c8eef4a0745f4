// The consent record (CUSTODY.md §9): what makes `mfx acquire` refuse before touching anything,
// and the comparison of the form's device with what the phone says.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "core/crypto.h"
#include "extract/consent.h"
#include "tests/extract/acquire_harness.h"

namespace mfx::extract::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Files {
  Files() {
    std::string pattern = (fs::temp_directory_path() / "mfx-consent-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
  }
  ~Files() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path Write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
    return dir / name;
  }
  fs::path dir;
};

TEST_CASE("consent record: a complete record loads", "[extract][consent]") {
  Files files;
  const json record = ConsentJson();
  const fs::path path = files.Write("c.json", record.dump(2));
  auto loaded = LoadConsentRecord(path, files.Write("form.pdf", kConsentFormBytes));
  REQUIRE(loaded);
  CHECK(loaded->consent_id == "CF-TEST-1");
  CHECK(loaded->relationship == "owner");
  CHECK(loaded->temporary_backup_encryption);
  CHECK(loaded->device.serial_number == std::optional<std::string>("F17ZK0AAN72J"));
  CHECK(loaded->sha256 == core::Sha256Hex(AsBytes(record.dump(2))));
}

TEST_CASE("consent record: every missing or wrong field is named", "[extract][consent]") {
  Files files;
  struct Case {
    const char* what;
    std::function<void(json&)> edit;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"no id", [](json& j) { j.erase("consent_id"); }, "consent_id: required"},
      {"bad id", [](json& j) { j["consent_id"] = "a b/c"; }, "consent_id: required"},
      {"no form hash", [](json& j) { j["form"].erase("sha256"); }, "form.sha256: required"},
      {"no person", [](json& j) { j.erase("consenting_person"); }, "consenting_person.name: required"},
      {"bad relationship", [](json& j) { j["consenting_person"]["relationship"] = "friend"; },
       "consenting_person.relationship: required, one of owner"},
      {"no device id", [](json& j) { j["device"] = {{"model", "iPhone 11"}}; },
       "device: the form must identify the device"},
      {"no scope", [](json& j) { j.erase("scope"); }, "scope: required object"},
      {"scope without the temporary-password answer",
       [](json& j) { j["scope"].erase("temporary_backup_encryption"); },
       "scope.temporary_backup_encryption: required"},
      {"a password key in the scope", [](json& j) { j["scope"]["temp_password_ok"] = true; },
       "must not contain \"password\""},
      {"time without zone", [](json& j) { j["given"]["time"] = "2025-01-10T09:00:00"; },
       "is not ISO 8601 with a zone"},
      {"time in the future", [](json& j) { j["given"]["time"] = "2999-01-10T09:00:00Z"; },
       "lies in the future"},
      {"no witness", [](json& j) { j.erase("witness"); }, "witness.name: required"},
      {"no collector", [](json& j) { j.erase("obtained_by"); }, "obtained_by.name: required"},
      {"wrong schema", [](json& j) { j["schema"] = "other/1"; }, "schema: must be"},
  };
  for (const Case& c : cases) {
    json record = ConsentJson();
    c.edit(record);
    auto loaded = LoadConsentRecord(files.Write("c.json", record.dump()));
    INFO(c.what);
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().code == ErrorCode::kInvalidArgument);
    CHECK_THAT(loaded.error().message, Catch::Contains(c.message));
  }
}

TEST_CASE("consent record: withdrawn, unreadable, wrong form", "[extract][consent]") {
  Files files;
  json withdrawn = ConsentJson();
  withdrawn["withdrawn"] = {{"time", "2025-01-11T10:00:00Z"}, {"how", "phone call"}};
  auto w = LoadConsentRecord(files.Write("w.json", withdrawn.dump()));
  REQUIRE_FALSE(w);
  CHECK_THAT(w.error().message, Catch::Contains("was withdrawn at 2025-01-11T10:00:00Z"));

  CHECK_FALSE(LoadConsentRecord(files.Write("bad.json", "{not json")));
  CHECK_FALSE(LoadConsentRecord(files.dir / "missing.json"));

  auto f = LoadConsentRecord(files.Write("c.json", ConsentJson().dump()),
                             files.Write("other.pdf", "another form"));
  REQUIRE_FALSE(f);
  CHECK_THAT(f.error().message, Catch::Contains("form.sha256: the record says"));
}

TEST_CASE("consent record: the form's device against the phone", "[extract][consent]") {
  DeviceOnForm form;
  form.udid = "00008030001a35e02e38802e";  // written without the dash, lower case
  form.serial_number = "f17zk0aan72j";
  form.imei = "35 678910 512345 6";
  form.phone_number = "(555) 010-0199";
  DeviceFacts pre;
  pre.udid = "00008030-001A35E02E38802E";
  pre.product_type = "iPhone12,1";
  DeviceComparison c = CompareDevice(form, pre);
  CHECK(c.ok());
  CHECK(c.matched == std::vector<std::string>{"udid"});
  CHECK(c.unchecked == std::vector<std::string>{"serial_number", "imei", "phone_number"});

  DeviceFacts session = pre;
  session.serial_number = "F17ZK0AAN72J";
  session.imei = "356789105123456";
  session.phone_number = "+1 (555) 010-0199";
  c = CompareDevice(form, session);
  CHECK(c.ok());
  CHECK(c.matched.size() == 4);

  session.serial_number = "F18ZZZZZZZZZ";
  c = CompareDevice(form, session);
  REQUIRE_FALSE(c.ok());
  CHECK_THAT(c.mismatched[0], Catch::Contains("serial_number: the form says 'f17zk0aan72j'"));

  DeviceOnForm second_sim;
  second_sim.imei = "359999999999999";
  DeviceFacts dual;
  dual.imei = "356789105123456";
  dual.imei2 = "359999999999999";
  CHECK(CompareDevice(second_sim, dual).ok());
}

}  // namespace
}  // namespace mfx::extract::test
