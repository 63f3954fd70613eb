// Crash points: the places in the sync protocol where a process holds something another side
// does not know of yet (stored, not yet answered; answered, not yet recorded). The
// fault-injection harness kills processes there, as kill -9 would, to prove that nothing is
// lost or doubled whichever side dies in such a window (docs/testing.md, "Crash points").
//
// Off unless the environment names an arming file, GUICHET_CRASH_FILE. Then every pass through
// a point looks at that file (one stat; it is re-read only when it changed). The file holds lines
// "<point> <n>": the n-th pass through that point after the file was written renames the file
// to "<file>.fired" (so a restarted process is not armed again, and the harness knows why the
// process died), says so on standard error, and raises SIGKILL.
#pragma once

namespace guichet::crash {

// The points, by name (a point is passed by one process kind only).
inline constexpr const char* kServerStored = "server.stored";          // a commit durable, its answers not sent
inline constexpr const char* kRelayAnswered = "relay.answered";        // central stored a batch, the centre not yet
inline constexpr const char* kRelayPulled = "relay.pulled";            // central's status changes read, not stored
inline constexpr const char* kTerminalAnswered = "terminal.answered";  // the centre stored a batch, the outbox not yet
// Scanned files (PUT /api/v1/attachments/{sha256}), one request each.
inline constexpr const char* kServerFileStored = "server.file_stored";    // a file durable, not yet answered
inline constexpr const char* kRelayFileAnswered = "relay.file_answered";  // central stored a file, the centre not yet
inline constexpr const char* kTerminalFileAnswered =
    "terminal.file_answered";  // the centre stored a file, the terminal not yet

// One pass through `point`. Without GUICHET_CRASH_FILE, a load and a branch.
void point(const char* name);

}  // namespace guichet::crash
