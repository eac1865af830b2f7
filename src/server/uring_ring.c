/* uring_ring: the io_uring model's rings — set up with what the kernel offers, probed once —
 * and the provided buffers that receives land in. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "uring_internal.h"

/* Returns a free submission entry, submitting the full queue first when it has none. */
struct io_uring_sqe *uring_get_sqe(struct loop *l)
{
    struct io_uring_sqe *sqe;

    while (!(sqe = io_uring_get_sqe(&l->ring)))
        io_uring_submit(&l->ring);
    return sqe;
}

/* Names the request in sqe after c (NULL: the ring itself) and op, and counts it in flight. */
void uring_tag(struct loop *l, struct io_uring_sqe *sqe, struct uconn *c, enum op op)
{
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)c | op);
    l->inflight++;
    if (c)
        c->ops++;
}

/* Returns where provided buffer bid starts. */
char *uring_buf_addr(const struct loop *l, int bid)
{
    return l->bufs + (size_t)bid * BUF_SIZE;
}

/* Hands buffer bid back to the kernel for further receives. */
void uring_buf_recycle(struct loop *l, int bid)
{
    struct io_uring_sqe *sqe;

    l->free_bufs++;
    if (l->br) {
        io_uring_buf_ring_add(l->br, uring_buf_addr(l, bid), BUF_SIZE, (unsigned short)bid,
                              io_uring_buf_ring_mask(BUF_COUNT), 0);
        io_uring_buf_ring_advance(l->br, 1);
        return;
    }
    sqe = uring_get_sqe(l);
    io_uring_prep_provide_buffers(sqe, uring_buf_addr(l, bid), BUF_SIZE, 1, BUF_GROUP, bid);
    uring_tag(l, sqe, NULL, OP_PROVIDE);
}

/* Sets up l's ring with the best task-work mode the kernel takes: one issuer with deferred
 * task work (6.1), cooperative task work (5.19), or the default. Returns 0 or -errno. */
static int ring_init(struct loop *l, int probe)
{
    static const unsigned modes[] = {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
                                     IORING_SETUP_COOP_TASKRUN, 0};
    struct io_uring_params p;
    int ret = -EINVAL;

    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]) && ret == -EINVAL; i++) {
        if (!probe && modes[i] != l->feat->setup)
            continue;
        memset(&p, 0, sizeof(p));
        p.flags = modes[i] | IORING_SETUP_CQSIZE;
        p.cq_entries = CQ_ENTRIES;
        ret = io_uring_queue_init_params(SQ_ENTRIES, &l->ring, &p);
        if (ret == 0 && probe)
            l->feat->setup = modes[i];
    }
    l->ring_ok = ret == 0;
    return ret;
}

/* Returns the name of an operation this model needs that the kernel lacks, or NULL. */
static const char *missing_op(struct io_uring *ring)
{
    static const struct {
        int op;
        const char *name;
    } need[] = {
        {IORING_OP_ACCEPT, "accept"},       {IORING_OP_RECV, "recv"},
        {IORING_OP_SEND, "send"},           {IORING_OP_POLL_ADD, "poll"},
        {IORING_OP_ASYNC_CANCEL, "cancel"}, {IORING_OP_PROVIDE_BUFFERS, "provided buffers"}};
    struct io_uring_probe *p = io_uring_get_probe_ring(ring);
    const char *miss = p ? NULL : "the opcode probe";

    for (size_t i = 0; p && !miss && i < sizeof(need) / sizeof(need[0]); i++)
        if (!io_uring_opcode_supported(p, need[i].op))
            miss = need[i].name;
    if (p)
        io_uring_free_probe(p);
    return miss;
}

/* Submits the probe in sqe, asked on fd -1: flags are checked before the descriptor, so EBADF
 * means the kernel takes them and EINVAL that it does not. */
static int flags_taken(struct io_uring *ring, struct io_uring_sqe *sqe)
{
    struct io_uring_cqe *cqe;
    int res;

    io_uring_sqe_set_data64(sqe, 0);
    io_uring_submit_and_wait(ring, 1);
    if (io_uring_wait_cqe(ring, &cqe) < 0)
        return 0;
    res = cqe->res;
    io_uring_cqe_seen(ring, cqe);
    return res != -EINVAL;
}

/* Does the kernel take the multishot flag of accept (5.19) or recv (6.0), and (limit) a byte
 * limit on recv? */
static int has_multishot(struct io_uring *ring, int recv, int limit)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

    if (recv) {
        io_uring_prep_recv_multishot(sqe, -1, NULL, 0, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = BUF_GROUP;
        sqe->file_index = limit ? BUF_SIZE : 0;
    } else {
        io_uring_prep_multishot_accept(sqe, -1, NULL, NULL, 0);
    }
    return flags_taken(ring, sqe);
}

/* Is the UDP side asked to run as on kernels without multishot recvmsg? TCPECHO_URING_UDP=thread
 * does, so that the blocking thread serving UDP there is tested and measured here too. */
static int udp_thread_forced(void)
{
    const char *force = getenv("TCPECHO_URING_UDP");

    return force && strcmp(force, "thread") == 0;
}

/* Does the kernel take multishot recvmsg (6.0)? */
static int has_multishot_recvmsg(struct io_uring *ring)
{
    struct msghdr msg = {.msg_namelen = 0};
    struct io_uring_sqe *sqe;

    if (udp_thread_forced())
        return 0;
    sqe = io_uring_get_sqe(ring);
    io_uring_prep_recvmsg_multishot(sqe, -1, &msg, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = BUF_GROUP;
    return flags_taken(ring, sqe);
}

struct io_uring_buf_ring *uring_buf_ring_register(struct io_uring *ring, int group, unsigned count,
                                                  char *bufs, size_t stride, size_t len, int *err)
{
    struct io_uring_buf_reg reg = {.ring_entries = count, .bgid = (unsigned short)group};
    size_t bytes = count * sizeof(struct io_uring_buf);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct io_uring_buf_ring *br = p;
    int ret;

    *err = ENOMEM;
    if (p == MAP_FAILED)
        return NULL;
    reg.ring_addr = (uintptr_t)p;
    ret = io_uring_register_buf_ring(ring, &reg, 0);
    if (ret < 0) {
        *err = -ret;
        munmap(p, bytes);
        return NULL;
    }
    io_uring_buf_ring_init(br);
    for (unsigned i = 0; i < count; i++)
        io_uring_buf_ring_add(br, bufs + (size_t)i * stride, (unsigned)len, (unsigned short)i,
                              io_uring_buf_ring_mask(count), (int)i);
    io_uring_buf_ring_advance(br, (int)count);
    return br;
}

/* Maps the ring's buffers and hands them all to the kernel: in a buffer ring when it has them
 * (probe: find out, and fall back), or else with PROVIDE_BUFFERS. Returns 0 or -errno. */
static int bufs_init(struct loop *l, int probe)
{
    void *p = mmap(NULL, BUFS_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct io_uring_sqe *sqe;
    int ret;

    l->bufs = p == MAP_FAILED ? NULL : p;
    l->scratch = malloc(BUF_SIZE);
    if (!l->bufs || !l->scratch)
        return -ENOMEM;
    if (l->feat->buf_ring) {
        l->br = uring_buf_ring_register(&l->ring, BUF_GROUP, BUF_COUNT, l->bufs, BUF_SIZE, BUF_SIZE,
                                        &ret);
        if (!l->br && ret == EINVAL && probe)
            l->feat->buf_ring = 0;
        else if (!l->br)
            return -ret;
    }
    if (!l->br) {
        sqe = uring_get_sqe(l);
        io_uring_prep_provide_buffers(sqe, l->bufs, BUF_SIZE, BUF_COUNT, BUF_GROUP, 0);
        uring_tag(l, sqe, NULL, OP_PROVIDE);
    }
    l->free_bufs = BUF_COUNT;
    return 0;
}

/* Sets up l: its ring, and (probe) what the kernel offers, then its buffers. Logs why not and
 * returns -1 when it cannot; uring_loop_fini() undoes it either way. */
int uring_loop_init(struct loop *l, int probe)
{
    const char *miss;
    int ret = ring_init(l, probe);

    if (ret < 0) {
        log_error("io_uring: %s", strerror(-ret));
        return -1;
    }
    if (probe) {
        miss = missing_op(&l->ring);
        if (miss) {
            log_error("io_uring: the kernel lacks %s (Linux 5.7 or later needed)", miss);
            return -1;
        }
        l->feat->multishot_accept = has_multishot(&l->ring, 0, 0);
        l->feat->multishot_recv = has_multishot(&l->ring, 1, 0);
        l->feat->recv_limit = l->feat->multishot_recv && has_multishot(&l->ring, 1, 1);
        l->feat->multishot_recvmsg = has_multishot_recvmsg(&l->ring);
    }
    ret = bufs_init(l, probe);
    if (ret < 0) {
        log_error("io_uring: buffers: %s", strerror(-ret));
        return -1;
    }
    if (probe && !l->feat->buf_ring) /* the UDP side takes its buffers from a ring */
        l->feat->multishot_recvmsg = 0;
    if (l->udp_fd >= 0 && l->feat->multishot_recvmsg)
        return uring_udp_init(l);
    return 0;
}

/* Frees what uring_loop_init() set up. Nothing may be in flight. */
void uring_loop_fini(struct loop *l)
{
    if (l->ring_ok)
        io_uring_queue_exit(&l->ring);
    if (l->br)
        munmap(l->br, BR_BYTES);
    if (l->bufs)
        munmap(l->bufs, BUFS_BYTES);
    free(l->scratch);
    while (l->nspare > 0)
        free(l->spare[--l->nspare]);
    uring_udp_fini(l);
}

/* Says with -v which paths the kernel let this model take (udp: UDP is served too). */
void uring_log_paths(const struct features *f, long rings, int udp)
{
    const char *mode = f->setup & IORING_SETUP_DEFER_TASKRUN  ? "single issuer, deferred task work"
                       : f->setup & IORING_SETUP_COOP_TASKRUN ? "cooperative task work"
                                                              : "default task work";
    const char *recv = !f->multishot_recv ? "single-shot"
                       : f->recv_limit    ? "multishot, byte-limited"
                                          : "multishot, single-shot while echoes are unsent";

    log_debug("uring: %ld ring%s, %s; accept: %s; recv: %s; buffers: %s of %d x %d KiB", rings,
              rings == 1 ? "" : "s", mode, f->multishot_accept ? "multishot" : "single-shot", recv,
              f->buf_ring ? "ring" : "provided without a ring", BUF_COUNT, BUF_SIZE / 1024);
    if (udp && f->multishot_recvmsg)
        log_debug("uring: udp: a socket per ring, multishot recvmsg into a buffer ring, answers "
                  "sent from the buffer they arrived in");
    else if (udp)
        log_debug("uring: udp: one blocking thread, a datagram at a time (multishot recvmsg, "
                  "Linux 6.0, %s)",
                  udp_thread_forced() ? "turned off by TCPECHO_URING_UDP" : "missing here");
}

/* Before the listener is bound: can io_uring run here at all? Then a script never sees a
 * "listening on" line from a server that is about to fail. */
int uring_check(char *why, size_t len)
{
    struct io_uring ring;
    const char *miss;
    int ret = io_uring_queue_init(8, &ring, 0);

    if (ret < 0) {
        snprintf(why, len, "io_uring: %s", strerror(-ret));
        return -1;
    }
    miss = missing_op(&ring);
    io_uring_queue_exit(&ring);
    if (miss)
        snprintf(why, len, "io_uring: the kernel lacks %s (Linux 5.7 or later needed)", miss);
    return miss ? -1 : 0;
}

int uring_udp_per_loop(void)
{
    struct io_uring ring;
    int yes;

    if (udp_thread_forced() || io_uring_queue_init(8, &ring, 0) < 0)
        return 0;
    yes = has_multishot_recvmsg(&ring);
    io_uring_queue_exit(&ring);
    return yes;
}
