#ifndef DHCPKAFKA_PROCESS_SHIMS_H
#define DHCPKAFKA_PROCESS_SHIMS_H
/// Asks the kernel to send `signal` to this process when its parent dies (PR_SET_PDEATHSIG;
/// prctl is variadic, so Swift cannot call it). Returns 0, or -1 with errno.
int dk_exit_with_parent(int signal);
#endif
