#ifndef DHCPKAFKA_SOCKET_SHIMS_H
#define DHCPKAFKA_SOCKET_SHIMS_H
// Thin helpers around Linux socket calls that Swift cannot reach directly:
// recvmmsg and SCM_CREDENTIALS need _GNU_SOURCE, and CMSG_* are macros.
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// Facts about one received datagram.
typedef struct dk_datagram_info {
    /// Bytes stored in the slot (at most the slot size).
    size_t length;
    /// The datagram's real length; larger than `length` when it did not fit the slot.
    size_t full_length;
    /// Non-zero when the kernel attached the sender's credentials (SO_PASSCRED).
    int has_credentials;
    pid_t pid;
    uid_t uid;
    gid_t gid;
    /// Non-zero when the sender passed descriptors (SCM_RIGHTS, already closed) or more control
    /// data than fits (MSG_CTRUNC).
    int carried_descriptors;
} dk_datagram_info;

/// A reusable set of receive slots for recvmmsg. Opaque; owned by exactly one Swift object.
typedef struct dk_receive_batch dk_receive_batch;

/// Allocates `slots` slots of `slot_size` bytes each. Returns NULL when out of memory.
dk_receive_batch *dk_receive_batch_create(unsigned slots, size_t slot_size);
/// Frees a batch made by dk_receive_batch_create.
void dk_receive_batch_destroy(dk_receive_batch *batch);
/// Receives up to all slots' worth of datagrams from `fd`. `wait_for_one` non-zero blocks until
/// at least one arrives (MSG_WAITFORONE), else returns at once. Returns the count, or -1 with errno.
int dk_receive_batch_receive(dk_receive_batch *batch, int fd, int wait_for_one);
/// As dk_receive_batch_receive, but `peek` non-zero leaves the datagrams queued (MSG_PEEK; with
/// SO_PEEK_OFF set, each peek continues after the previous one). Never waits. At most `limit`
/// datagrams (0: every slot).
int dk_receive_batch_receive_flags(dk_receive_batch *batch, int fd, int peek, unsigned limit);

/// SO_PEEK_OFF: sets the socket's peek offset in bytes (0 turns peeking-with-offset on). 0 or -1 with errno.
int dk_set_peek_offset(int fd, int offset);
/// The socket's peek offset in bytes, or -1 (off, or errno set).
int dk_peek_offset(int fd);
/// The bytes of slot `index` of the last receive.
const unsigned char *dk_receive_batch_data(const dk_receive_batch *batch, unsigned index);
/// What is known of slot `index` of the last receive.
dk_datagram_info dk_receive_batch_info(const dk_receive_batch *batch, unsigned index);

/// How many descriptors passed with SCM_RIGHTS the last receive closed (all of them, always).
unsigned dk_receive_batch_passed_descriptors(const dk_receive_batch *batch);

/// `shutdown(fd, SHUT_RD)`: senders get EPIPE from now on, datagrams already queued stay readable.
int dk_shutdown_receive(int fd);

/// Sends `state` (sd_notify assignments such as "FDSTORE=1\nFDNAME=ingest") to systemd's
/// notification socket `path` (a leading '@' names an abstract socket) with `fds` attached
/// (SCM_RIGHTS), as sd_pid_notify_with_fds does. 0, or -1 with errno.
int dk_notify_with_fds(const char *path, const char *state, const int *fds, int fd_count);

/// A 64-bit digest of `length` bytes at `bytes` (not cryptographic): tells the datagrams of one
/// commit apart when a successor compares the head of the socket queue with what was committed.
uint64_t dk_digest(const unsigned char *bytes, size_t length);

/// Turns on SO_PASSCRED so every datagram carries its sender's pid, uid and gid. 0 or -1 with errno.
int dk_enable_passcred(int fd);
#endif
