#ifndef KVO_CHIREDIS_SHIM_H
#define KVO_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <sys/eventfd.h>
#include <sys/time.h>

// Replies are parsed by hiredis's reader; the connection's socket I/O is the client's own.

/// Why a bounded reader refused a reply.
enum { KVO_REPLY_FITS = 0, KVO_REPLY_TOO_LARGE = 1, KVO_REPLY_TOO_DEEP = 2 };

/// A hiredis reader whose replies are bounded: hiredis builds each reply through these functions,
/// which refuse (hiredis then fails with "out of memory", and `refusal` says why) an array nested
/// deeper than `max_depth` or a reply whose strings and elements pass `max_bytes`.
typedef struct {
    redisReplyObjectFunctions functions;
    redisReplyObjectFunctions *defaults;
    long long max_bytes;
    int max_depth;
    /// Bytes charged to the reply being read; the caller resets it when a reply is complete.
    long long charged;
    int refusal;
} kvo_reply_bounds;

/// Fixed cost charged per reply object (hiredis's `redisReply` and its allocation).
#define KVO_REPLY_OBJECT_COST 64

static inline int kvo_reply_charge(kvo_reply_bounds *bounds, long long bytes) {
    bounds->charged += bytes + KVO_REPLY_OBJECT_COST;
    if (bounds->charged <= bounds->max_bytes) return 1;
    bounds->refusal = KVO_REPLY_TOO_LARGE;
    return 0;
}

static inline void *kvo_bounded_string(const redisReadTask *task, char *str, size_t len) {
    kvo_reply_bounds *bounds = (kvo_reply_bounds *)task->privdata;
    if (!kvo_reply_charge(bounds, (long long)len)) return NULL;
    return bounds->defaults->createString(task, str, len);
}

static inline void *kvo_bounded_array(const redisReadTask *task, int elements) {
    kvo_reply_bounds *bounds = (kvo_reply_bounds *)task->privdata;
    int depth = 1;
    for (const redisReadTask *parent = task->parent; parent != NULL; parent = parent->parent) depth++;
    if (depth > bounds->max_depth) {
        bounds->refusal = KVO_REPLY_TOO_DEEP;
        return NULL;
    }
    if (!kvo_reply_charge(bounds, (long long)elements * (long long)sizeof(void *))) return NULL;
    return bounds->defaults->createArray(task, elements);
}

static inline void *kvo_bounded_integer(const redisReadTask *task, long long value) {
    kvo_reply_bounds *bounds = (kvo_reply_bounds *)task->privdata;
    if (!kvo_reply_charge(bounds, 0)) return NULL;
    return bounds->defaults->createInteger(task, value);
}

static inline void *kvo_bounded_nil(const redisReadTask *task) {
    kvo_reply_bounds *bounds = (kvo_reply_bounds *)task->privdata;
    if (!kvo_reply_charge(bounds, 0)) return NULL;
    return bounds->defaults->createNil(task);
}

/// A reader building hiredis's usual `redisReply` objects within `bounds` (which must outlive it).
static inline redisReader *kvo_bounded_reader_create(kvo_reply_bounds *bounds) {
    redisReader *reader = redisReaderCreate();
    if (reader == NULL) return NULL;
    bounds->defaults = reader->fn;
    bounds->functions = *reader->fn;
    bounds->functions.createString = kvo_bounded_string;
    bounds->functions.createArray = kvo_bounded_array;
    bounds->functions.createInteger = kvo_bounded_integer;
    bounds->functions.createNil = kvo_bounded_nil;
    bounds->charged = 0;
    bounds->refusal = KVO_REPLY_FITS;
    reader->fn = &bounds->functions;
    reader->privdata = bounds;
    return reader;
}

/// The length a bulk string being read claims (its header is complete, its bytes are not), or -1.
static inline long long kvo_reader_claimed_bulk(const redisReader *reader) {
    if (reader->ridx < 0 || reader->rstack[reader->ridx].type != REDIS_REPLY_STRING) return -1;
    long long length = 0;
    for (size_t at = reader->pos; at < reader->len; at++) {
        char c = reader->buf[at];
        if (c == '\r') return length;
        if (c < '0' || c > '9') return -1;
        if (length > (1LL << 50)) return length;
        length = length * 10 + (c - '0');
    }
    return -1;
}

/// Bytes received that the reader has not parsed yet.
static inline size_t kvo_reader_unparsed(const redisReader *reader) {
    return reader->len - reader->pos;
}

/// A non-blocking eventfd that wakes a thread waiting in poll.
static inline int kvo_wake_descriptor(void) {
    return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}
#endif
