#ifndef DHCPKAFKA_CLMDB_SHIM_H
#define DHCPKAFKA_CLMDB_SHIM_H
// LMDB, as packaged by Debian's liblmdb-dev (pkg-config: lmdb).
#include <lmdb.h>
#endif
