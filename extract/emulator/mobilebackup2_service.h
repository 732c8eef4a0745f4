// The device side of com.apple.mobilebackup2 (DEVICE.md §6, §8.3): DeviceLink version exchange,
// Hello, then per request — Backup (the full upload flow with Snapshot staging, MoveItems, final
// Status.plist and read-back), ChangePassword, Info / List — until DLMessageDisconnect.
// Restore, Unback and EnableCloudBackup are refused and logged loudly: mfx must never send them.
//
// Scripted faults (scenario "faults") are injected here: cable pull, stall, detach, sync cancel,
// end-of-file error marker, PurgeDiskSpace, passcode prompt, malicious destinations, final error
// code. Everything sent is written to the record.
#pragma once

#include "extract/emulator/channel.h"

namespace mfx::extract::emulator {

class Emulator;

// Serves one mobilebackup2 connection (TLS already running). Throws ConnectionClosed.
void ServeMobilebackup2(Emulator& emulator, Channel& channel);

}  // namespace mfx::extract::emulator
