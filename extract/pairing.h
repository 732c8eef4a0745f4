#pragma once
// Pairing ("Trust This Computer?") as a state machine, run only after consent is recorded.
//
// Each poll is one lockdownd_pair(client, NULL) on a plain lockdown connection (internal mode:
// libimobiledevice generates the host certificates and, on success, stores the record with its
// EscrowBag through usbmuxd — DEVICE.md §3). Pending and locked answers come back at once; mfx
// polls about once a second until the owner answers or `timeout` passes, telling the examiner
// what to ask for. Every change of state is a custody `pairing` event (outcome pending, locked,
// trusted, denied, error); success also records the change made to the phone.
//
// Known limits (DEVICE.md §3): 1.3.0 makes SHA-1-signed certificates and a HostID seeded from the
// current second (predictable); the remedy is external mode with our own certificates.

#include <chrono>
#include <string>

#include "core/result.h"
#include "extract/acquisition_hooks.h"
#include "extract/device_handles.h"

namespace mfx::extract {

enum class PairingOutcome {
  kTrusted,     // the owner tapped Trust: a new pair record exists
  kDenied,      // "Don't Trust"
  kLocked,      // still locked when the time ran out
  kPending,     // the dialog was never answered in time
  kProhibited,  // PairingProhibitedOverThisConnection / MCProtected: cannot proceed here
  kCancelled,   // the examiner stopped
  kError,       // anything else (named in `message`)
};
std::string_view PairingOutcomeName(PairingOutcome outcome);

struct PairingOptions {
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::milliseconds timeout{std::chrono::minutes(3)};
  std::string evidence_id;   // stamped on the custody events
  std::string authority;     // consent id
};

struct PairingResult {
  PairingOutcome outcome = PairingOutcome::kError;
  int polls = 0;
  std::string message;  // for the examiner
};

// Runs the state machine. Errors are only for a failed custody append; device refusals are
// outcomes.
Result<PairingResult> RunPairing(idevice_t device, const std::string& udid,
                                 const PairingOptions& options, AcquisitionHooks& hooks);

}  // namespace mfx::extract
