// lockdownd on device port 62078 (DEVICE.md §3, §5): QueryType, Get/Set/RemoveValue with the
// pre-session rule, Pair / ValidatePair / Unpair through the scripted consent state machine,
// StartSession (TLS on the same socket) / StopSession (back to plain), StartService (single-use
// ports, EscrowBag check for mobilebackup2), Goodbye.
#pragma once

#include <string_view>

#include "extract/emulator/channel.h"
#include "extract/emulator/device_state.h"

namespace mfx::extract::emulator {

class Emulator;

// Serves one lockdown connection until the host closes it. Throws ConnectionClosed.
void ServeLockdown(Emulator& emulator, Channel& channel);

// Runs the device's TLS server handshake for `host` (its DeviceCertificate and our key) and checks
// that the host presented the RootCertificate the device trusts for it. Throws ConnectionClosed.
void StartTlsForHost(Emulator& emulator, Channel& channel, const TrustedHost& host,
                     std::string_view purpose);

}  // namespace mfx::extract::emulator
