#define _GNU_SOURCE
#include "socket_shims.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

struct dk_receive_batch {
    unsigned slots;
    size_t slot_size;
    unsigned char *data;
    struct mmsghdr *headers;
    struct iovec *vectors;
    unsigned char *control;
    unsigned char *control_truncated;
    unsigned passed_descriptors;
};

// Room for the credentials and a few descriptors. Descriptors that do not fit are discarded by
// the kernel (MSG_CTRUNC); those that fit are closed by dk_close_passed_descriptors.
#define DK_CONTROL_SIZE (CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(8 * sizeof(int)))

/// Closes every descriptor a sender passed with SCM_RIGHTS in message `header`; returns how many.
static unsigned dk_close_passed_descriptors(struct msghdr *header) {
    unsigned closed = 0;
    if (header->msg_controllen == 0) return 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(header); c != NULL; c = CMSG_NXTHDR(header, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0)) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        unsigned char *data = CMSG_DATA(c);
        for (size_t i = 0; i < count; i++) {
            int fd;
            memcpy(&fd, data + i * sizeof(int), sizeof(fd));
            if (fd >= 0) {
                close(fd);
                closed++;
            }
        }
        // Never look at these again (dk_receive_batch_info walks the same headers).
        c->cmsg_type = -1;
    }
    return closed;
}

static int dk_receive_batch_receive_any(dk_receive_batch *batch, int fd, int mode, unsigned limit);

dk_receive_batch *dk_receive_batch_create(unsigned slots, size_t slot_size) {
    dk_receive_batch *batch = calloc(1, sizeof(*batch));
    if (!batch) return NULL;
    batch->slots = slots;
    batch->slot_size = slot_size;
    batch->data = malloc((size_t)slots * slot_size);
    batch->headers = calloc(slots, sizeof(struct mmsghdr));
    batch->vectors = calloc(slots, sizeof(struct iovec));
    batch->control = calloc(slots, DK_CONTROL_SIZE);
    batch->control_truncated = calloc(slots, 1);
    if (!batch->data || !batch->headers || !batch->vectors || !batch->control || !batch->control_truncated) {
        dk_receive_batch_destroy(batch);
        return NULL;
    }
    return batch;
}

void dk_receive_batch_destroy(dk_receive_batch *batch) {
    if (!batch) return;
    free(batch->data);
    free(batch->headers);
    free(batch->vectors);
    free(batch->control);
    free(batch->control_truncated);
    free(batch);
}

int dk_receive_batch_receive(dk_receive_batch *batch, int fd, int wait_for_one) {
    return dk_receive_batch_receive_any(batch, fd, wait_for_one ? MSG_WAITFORONE : MSG_DONTWAIT, 0);
}

int dk_receive_batch_receive_flags(dk_receive_batch *batch, int fd, int peek, unsigned limit) {
    return dk_receive_batch_receive_any(batch, fd, MSG_DONTWAIT | (peek ? MSG_PEEK : 0), limit);
}

int dk_set_peek_offset(int fd, int offset) {
    return setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &offset, sizeof(offset));
}

int dk_peek_offset(int fd) {
    int offset = -1;
    socklen_t length = sizeof(offset);
    if (getsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &offset, &length) != 0) return -1;
    return offset;
}

static int dk_receive_batch_receive_any(dk_receive_batch *batch, int fd, int mode, unsigned limit) {
    for (unsigned i = 0; i < batch->slots; i++) {
        batch->vectors[i].iov_base = batch->data + (size_t)i * batch->slot_size;
        batch->vectors[i].iov_len = batch->slot_size;
        struct msghdr *header = &batch->headers[i].msg_hdr;
        memset(header, 0, sizeof(*header));
        header->msg_iov = &batch->vectors[i];
        header->msg_iovlen = 1;
        header->msg_control = batch->control + (size_t)i * DK_CONTROL_SIZE;
        header->msg_controllen = DK_CONTROL_SIZE;
        batch->headers[i].msg_len = 0;
    }
    int flags = MSG_TRUNC | mode;
    int received;
    do {
        received = recvmmsg(fd, batch->headers, limit > 0 && limit < batch->slots ? limit : batch->slots, flags, NULL);
    } while (received < 0 && errno == EINTR);
    // Nobody may pass descriptors to the daemon: close every one at once, whatever else is wrong
    // with the datagram (also when the control data was cut short, MSG_CTRUNC).
    batch->passed_descriptors = 0;
    for (int i = 0; i < received; i++) {
        unsigned closed = dk_close_passed_descriptors(&batch->headers[i].msg_hdr);
        batch->passed_descriptors += closed;
        batch->control_truncated[i] = (batch->headers[i].msg_hdr.msg_flags & MSG_CTRUNC) != 0 || closed > 0;
    }
    return received;
}

const unsigned char *dk_receive_batch_data(const dk_receive_batch *batch, unsigned index) {
    return batch->data + (size_t)index * batch->slot_size;
}

dk_datagram_info dk_receive_batch_info(const dk_receive_batch *batch, unsigned index) {
    dk_datagram_info info;
    memset(&info, 0, sizeof(info));
    const struct mmsghdr *entry = &batch->headers[index];
    // With MSG_TRUNC, msg_len is the datagram's real length even when the slot was too small.
    info.full_length = entry->msg_len;
    info.length = entry->msg_len < batch->slot_size ? entry->msg_len : batch->slot_size;
    struct msghdr *header = (struct msghdr *)&entry->msg_hdr;
    info.carried_descriptors = batch->control_truncated[index];
    for (struct cmsghdr *c = CMSG_FIRSTHDR(header); c != NULL; c = CMSG_NXTHDR(header, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
            struct ucred credentials;
            memcpy(&credentials, CMSG_DATA(c), sizeof(credentials));
            info.has_credentials = 1;
            info.pid = credentials.pid;
            info.uid = credentials.uid;
            info.gid = credentials.gid;
        }
    }
    return info;
}

int dk_enable_passcred(int fd) {
    int on = 1;
    return setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
}

unsigned dk_receive_batch_passed_descriptors(const dk_receive_batch *batch) {
    return batch->passed_descriptors;
}

int dk_shutdown_receive(int fd) {
    return shutdown(fd, SHUT_RD);
}

int dk_notify_with_fds(const char *path, const char *state, const int *fds, int fd_count) {
    struct sockaddr_un address;
    memset(&address, 0, sizeof(address));
    address.sun_family = AF_UNIX;
    size_t length = strlen(path);
    if (length == 0 || length >= sizeof(address.sun_path) || fd_count < 0 || fd_count > 16) {
        errno = EINVAL;
        return -1;
    }
    memcpy(address.sun_path, path, length);
    socklen_t address_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length + 1);
    if (path[0] == '@') {
        address.sun_path[0] = 0;
        address_length -= 1;
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct iovec vector = {.iov_base = (void *)state, .iov_len = strlen(state)};
    union {
        struct cmsghdr header;
        unsigned char bytes[CMSG_SPACE(16 * sizeof(int))];
    } control;
    memset(&control, 0, sizeof(control));
    struct msghdr message;
    memset(&message, 0, sizeof(message));
    message.msg_name = &address;
    message.msg_namelen = address_length;
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    if (fd_count > 0) {
        message.msg_control = control.bytes;
        message.msg_controllen = CMSG_SPACE(fd_count * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&message);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(fd_count * sizeof(int));
        memcpy(CMSG_DATA(c), fds, fd_count * sizeof(int));
    }
    ssize_t sent;
    do {
        sent = sendmsg(fd, &message, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    int saved = errno;
    close(fd);
    errno = saved;
    return sent < 0 ? -1 : 0;
}

uint64_t dk_digest(const unsigned char *bytes, size_t length) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ ((uint64_t)length * 0xFF51AFD7ED558CCDull);
    size_t i = 0;
    for (; i + 8 <= length; i += 8) {
        uint64_t word;
        memcpy(&word, bytes + i, 8);
        h ^= word;
        h *= 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
    }
    uint64_t tail = 0;
    if (length > i) memcpy(&tail, bytes + i, length - i);
    h ^= tail;
    h *= 0x94D049BB133111EBull;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 32;
    return h;
}
