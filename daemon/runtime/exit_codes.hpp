#pragma once

// sysexits(3) values, as documented in docs/daemon.md and tcpchatd(8).
namespace tcpchat::exit_code {
inline constexpr int ok = 0;
inline constexpr int usage = 64;          // EX_USAGE: a bad option or value on the command line
inline constexpr int no_input = 66;       // EX_NOINPUT: the config file cannot be read
inline constexpr int unavailable = 69;    // EX_UNAVAILABLE: cannot listen (address in use, ...)
inline constexpr int software = 70;       // EX_SOFTWARE: internal error
inline constexpr int io_error = 74;       // EX_IOERR: the history file is unusable at start
inline constexpr int no_permission = 77;  // EX_NOPERM: permission denied (privileged port, file)
inline constexpr int config = 78;         // EX_CONFIG: invalid config file content
}  // namespace tcpchat::exit_code
