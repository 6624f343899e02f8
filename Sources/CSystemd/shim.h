#ifndef DROPSTREAM_CSYSTEMD_SHIM_H
#define DROPSTREAM_CSYSTEMD_SHIM_H
// Without this, sd-journal.h turns sd_journal_sendv into a macro that adds CODE_FILE/CODE_LINE of
// the C caller. Swift cannot see function-like macros anyway, but we say it outright: the Swift
// log handler sends CODE_FILE/CODE_LINE/CODE_FUNC of the Swift call site itself.
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <sys/uio.h>
#endif
