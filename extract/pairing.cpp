#include "extract/pairing.h"

#include <thread>

#include "extract/device_errors.h"
#include "extract/device_session.h"

namespace mfx::extract {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// The custody outcome names of CUSTODY.md §3.3.
const char* CustodyOutcome(lockdownd_error_t code) {
  switch (code) {
    case LOCKDOWN_E_SUCCESS:
      return "trusted";
    case LOCKDOWN_E_PAIRING_DIALOG_RESPONSE_PENDING:
      return "pending";
    case LOCKDOWN_E_PASSWORD_PROTECTED:
      return "locked";
    case LOCKDOWN_E_USER_DENIED_PAIRING:
      return "denied";
    default:
      return "error";
  }
}

}  // namespace

std::string_view PairingOutcomeName(PairingOutcome outcome) {
  switch (outcome) {
    case PairingOutcome::kTrusted:
      return "trusted";
    case PairingOutcome::kDenied:
      return "denied";
    case PairingOutcome::kLocked:
      return "locked";
    case PairingOutcome::kPending:
      return "pending";
    case PairingOutcome::kProhibited:
      return "prohibited";
    case PairingOutcome::kCancelled:
      return "cancelled";
    case PairingOutcome::kError:
      return "error";
  }
  return "error";
}

Result<PairingResult> RunPairing(idevice_t device, const std::string& udid,
                                 const PairingOptions& options, AcquisitionHooks& hooks) {
  PairingResult result;
  const auto started = Clock::now();
  const auto deadline = started + options.timeout;
  lockdownd_error_t last = LOCKDOWN_E_UNKNOWN_ERROR;
  bool first = true;
  std::optional<PlainLockdown> lockdown;

  auto record = [&](lockdownd_error_t code, json extra) -> Status {
    json detail = {{"action", "pair"},
                   {"outcome", CustodyOutcome(code)},
                   {"udid", udid},
                   {"poll", result.polls},
                   {"lockdown_error", code == LOCKDOWN_E_SUCCESS ? json() : json(LockdownErrorText(code))},
                   {"elapsed_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                      Clock::now() - started)
                                      .count()}};
    for (auto& [k, v] : extra.items()) detail[k] = v;
    json fields = {{"detail", detail}};
    if (!options.evidence_id.empty()) fields["evidence_id"] = options.evidence_id;
    if (!options.authority.empty()) fields["authority_ref"] = options.authority;
    if (code == LOCKDOWN_E_SUCCESS) {
      fields["changes"] = {{"what", "pairing record created: the phone now trusts this computer "
                                    "(host certificate and EscrowBag stored by usbmuxd)"},
                           {"why", "lockdown sessions and mobilebackup2 need a trusted host"},
                           {"by", "mfx acquire (owner tapped Trust)"}};
    }
    return hooks.RecordEvent("pairing", std::move(fields));
  };

  while (true) {
    if (hooks.Cancelled()) {
      result.outcome = PairingOutcome::kCancelled;
      result.message = "pairing cancelled by the examiner";
      MFX_RETURN_IF_ERROR(record(LOCKDOWN_E_UNKNOWN_ERROR, {{"outcome", "error"}, {"reason", "cancelled"}}));
      return result;
    }
    if (!lockdown) {
      auto connected = PlainLockdown::Connect(device);
      if (!connected) {
        result.outcome = PairingOutcome::kError;
        result.message = connected.error().message;
        MFX_RETURN_IF_ERROR(record(LOCKDOWN_E_MUX_ERROR, {{"reason", SanitizeUtf8(result.message)}}));
        return result;
      }
      lockdown.emplace(std::move(*connected));
    }
    ++result.polls;
    const lockdownd_error_t code = lockdownd_pair(lockdown->get(), nullptr);
    const bool changed = first || code != last;
    first = false;
    last = code;
    switch (code) {
      case LOCKDOWN_E_SUCCESS:
        result.outcome = PairingOutcome::kTrusted;
        result.message = "paired: the phone now trusts this computer";
        hooks.Tell(Notice::kInfo, "The owner tapped Trust: " + result.message + ".");
        MFX_RETURN_IF_ERROR(record(code, json::object()));
        return result;
      case LOCKDOWN_E_PAIRING_DIALOG_RESPONSE_PENDING:
        if (changed) {
          hooks.Tell(Notice::kInstruction,
                     "The phone shows \"Trust This Computer?\": ask the owner to tap Trust (and "
                     "enter the passcode if asked). Waiting…");
          MFX_RETURN_IF_ERROR(record(code, json::object()));
        }
        break;
      case LOCKDOWN_E_PASSWORD_PROTECTED:
        if (changed) {
          hooks.Tell(Notice::kInstruction,
                     "The phone is locked: ask the owner to unlock it (mfx asks again every "
                     "second). Waiting…");
          MFX_RETURN_IF_ERROR(record(code, json::object()));
        }
        break;
      case LOCKDOWN_E_USER_DENIED_PAIRING:
        result.outcome = PairingOutcome::kDenied;
        result.message = "the owner refused to trust this computer (\"Don't Trust\") — stopping";
        hooks.Tell(Notice::kWarning, "The owner refused (\"Don't Trust\") — stopping. Nothing was acquired.");
        MFX_RETURN_IF_ERROR(record(code, json::object()));
        return result;
      case LOCKDOWN_E_PAIRING_PROHIBITED_OVER_THIS_CONNECTION:
      case LOCKDOWN_E_MC_PROTECTED:
        result.outcome = PairingOutcome::kProhibited;
        result.message = "pairing is prohibited on this connection (" + LockdownErrorText(code) +
                         "): a device management policy or the connection type forbids it";
        hooks.Tell(Notice::kWarning, "The phone refuses pairing: " + result.message + ". Stopping.");
        MFX_RETURN_IF_ERROR(record(code, {{"reason", "prohibited"}}));
        return result;
      case LOCKDOWN_E_MUX_ERROR:
      case LOCKDOWN_E_SSL_ERROR:
      case LOCKDOWN_E_RECEIVE_TIMEOUT:
        // The connection went away (the phone may have been re-plugged): reconnect and go on.
        lockdown.reset();
        if (changed) {
          hooks.Tell(Notice::kWarning, "Lost the lockdown connection while pairing (" +
                                           LockdownErrorText(code) + "); retrying.");
        }
        break;
      default:
        result.outcome = PairingOutcome::kError;
        result.message = "pairing failed: " + LockdownErrorText(code);
        hooks.Tell(Notice::kWarning, result.message + ". Stopping.");
        MFX_RETURN_IF_ERROR(record(code, json::object()));
        return result;
    }
    if (Clock::now() + options.poll_interval > deadline) {
      const auto seconds =
          std::chrono::duration_cast<std::chrono::seconds>(options.timeout).count();
      if (last == LOCKDOWN_E_PASSWORD_PROTECTED) {
        result.outcome = PairingOutcome::kLocked;
        result.message = "the phone stayed locked for " + std::to_string(seconds) + " s — stopping";
      } else {
        result.outcome = PairingOutcome::kPending;
        result.message = "nobody answered \"Trust This Computer?\" within " +
                         std::to_string(seconds) + " s — stopping";
      }
      hooks.Tell(Notice::kWarning, "Pairing timed out: " + result.message + ".");
      MFX_RETURN_IF_ERROR(record(last, {{"reason", "timeout"}}));
      return result;
    }
    std::this_thread::sleep_for(options.poll_interval);
  }
}

}  // namespace mfx::extract
