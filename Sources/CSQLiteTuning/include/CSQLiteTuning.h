#ifndef CSQLITETUNING_H
#define CSQLITETUNING_H

/// Turns off SQLite's process-wide memory statistics (SQLITE_CONFIG_MEMSTATUS), which take a global
/// mutex around every allocation SQLite makes. Debian's libsqlite3 is built without the lookaside
/// allocator, so every small allocation of a statement step goes through malloc and that mutex.
/// `sqlite3_config` is variadic (Swift cannot call it) and only works before SQLite initialises:
/// call this before the process opens its first connection. Returns SQLITE_OK (0), or
/// SQLITE_MISUSE (21) when SQLite was already initialised, which leaves the statistics on.
int dhcpkafka_sqlite_disable_memstatus(void);

#endif
