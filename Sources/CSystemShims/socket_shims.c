#define _GNU_SOURCE
#include "socket_shims.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

struct dk_receive_batch {
    unsigned slots;
    size_t slot_size;
    unsigned char *data;
    struct mmsghdr *headers;
    struct iovec *vectors;
    unsigned char *control;
};

#define DK_CONTROL_SIZE CMSG_SPACE(sizeof(struct ucred))

dk_receive_batch *dk_receive_batch_create(unsigned slots, size_t slot_size) {
    dk_receive_batch *batch = calloc(1, sizeof(*batch));
    if (!batch) return NULL;
    batch->slots = slots;
    batch->slot_size = slot_size;
    batch->data = malloc((size_t)slots * slot_size);
    batch->headers = calloc(slots, sizeof(struct mmsghdr));
    batch->vectors = calloc(slots, sizeof(struct iovec));
    batch->control = calloc(slots, DK_CONTROL_SIZE);
    if (!batch->data || !batch->headers || !batch->vectors || !batch->control) {
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
    free(batch);
}

int dk_receive_batch_receive(dk_receive_batch *batch, int fd, int wait_for_one) {
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
    int flags = MSG_TRUNC | (wait_for_one ? MSG_WAITFORONE : MSG_DONTWAIT);
    int received;
    do {
        received = recvmmsg(fd, batch->headers, batch->slots, flags, NULL);
    } while (received < 0 && errno == EINTR);
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
