#pragma once
// What the device layer needs from its caller during an acquisition: a custody log, the case's
// secret guard and the operator's screen. extract/ does not know the case folder (DESIGN.md: it
// uses core/ only); `mfx acquire` implements these with reports::CaseFolder and stderr.
//
// Every method is called from the acquiring thread only.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "core/secret.h"

namespace mfx::extract {

struct ConsentRecord;

enum class Notice {
  kInfo,         // progress in words ("paired", "backup started")
  kInstruction,  // the examiner must act ("ask the owner to tap Trust")
  kWarning,      // something is off but work goes on
  kAlarm,        // loud: the device was left changed (temporary password not removed), …
};

class AcquisitionHooks {
 public:
  virtual ~AcquisitionHooks() = default;
  // Copies the record (and form) into the case and appends `consent_recorded`. Called exactly
  // once, after the record was validated and matched against the device's public identity, and
  // before anything that can pair with or change the device.
  virtual Status RecordConsent(const ConsentRecord& record) = 0;
  // Appends a custody event (CUSTODY.md §3.3); `fields` as reports::CustodyLog::Append takes them.
  virtual Status RecordEvent(std::string_view event, nlohmann::json fields) = 0;
  // Registers a secret that must never be written into the case.
  virtual void GuardSecret(const core::SecretBytes& secret) = 0;
  virtual void Tell(Notice level, const std::string& message) = 0;
  // True once the examiner asked to stop (Ctrl-C).
  virtual bool Cancelled() const { return false; }
};

}  // namespace mfx::extract
