import Testing

/// Every test that reads or changes process-wide state — the environment libsystemd reads with
/// getenv (NOTIFY_SOCKET, WATCHDOG_*), or child processes that inherit it (journald) — lives in
/// this one serialized suite, so none of them runs beside another. Suites nested in extensions
/// of it inherit `.serialized`.
@Suite(.serialized)
enum ProcessEnvironmentTests {}
