#ifndef DHCPKAFKA_CRDKAFKA_SHIM_H
#define DHCPKAFKA_CRDKAFKA_SHIM_H
// librdkafka, as packaged by Debian's librdkafka-dev (pkg-config: rdkafka).
// rdkafka_mock.h is included for the development broker and the outage tests.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#endif
