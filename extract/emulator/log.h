// Transcript log of the device emulator.
//
// Every protocol step the emulator takes (usbmuxd requests, lockdown requests, DeviceLink messages,
// faults) is written as one line "<seconds since start> [<component>] <text>" to the transcript
// file in the state folder and, when echo is on, to stderr. Private keys and passwords are never
// passed to it.
//
// Thread-safe: lines from concurrent connections never interleave.
#pragma once

#include <fmt/format.h>

#include <filesystem>
#include <string_view>

namespace mfx::extract::emulator {

// Opens (truncates) the transcript file. Without a call, lines go to stderr only when echoing.
void OpenTranscript(const std::filesystem::path& path, bool echo_to_stderr);

// Appends one line. Safe to call before OpenTranscript (then it only echoes, if enabled).
void LogLine(std::string_view component, std::string_view text);

// Always printed to stderr too, whatever the echo setting: things a test author must see, such as
// a Restore request that our own tool must never send.
void LogLoud(std::string_view component, std::string_view text);

template <typename... Args>
void Log(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  LogLine(component, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace mfx::extract::emulator
