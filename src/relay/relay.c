/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vigia-relay: stores sealed envelopes per network in arrival order and
 * serves them after a cursor, with long-poll. It never sees plaintext: it
 * reads only the clear header of an envelope (network, epoch, device, batch
 * number) and checks device tokens against the verifier of each key epoch
 * (share/doc/sync-protocol.md).
 *
 * libmicrohttpd runs a thread per connection, so a long-poll simply waits on
 * a condition variable that every append broadcasts. One lock guards the
 * storage. An acknowledged batch is committed (WAL, synchronous=FULL)
 * before its 2xx leaves.
 *
 *   POST /v1/networks                          create (JSON: network, epoch, verifier)
 *   POST /v1/networks/ID/epochs                new key epoch (JSON: epoch, verifier)
 *   POST /v1/networks/ID/batches               body = envelope
 *   GET  /v1/networks/ID/batches?after=C&wait=S
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "vigia/util.h"
#include "vigia/sync.h"

#include "relay-store.h"

#define RELAY_MAX_WAIT 60
#define RELAY_LIST_LIMIT 500
#define RELAY_LIST_BYTES (16u * 1024 * 1024)
#define RELAY_MAX_JSON 4096
#define RELAY_BUCKETS 1024

struct relay_bucket {
    char key[64]; /* network/device */
    double tokens;
    int64_t at;
};

static struct {
    const struct relay_store_ops *ops;
    struct relay_store *store;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    size_t max_batch;
    double rate, burst;
    const char *create_secret;
    struct relay_bucket buckets[RELAY_BUCKETS];
    volatile sig_atomic_t stop;
} relay = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .changed = PTHREAD_COND_INITIALIZER,
    .max_batch = 4u * 1024 * 1024,
    .rate = 20,
    .burst = 200,
};

struct relay_request {
    struct buf body;
    bool too_big;
};

/* ---- responses ---------------------------------------------------------------- */

static enum MHD_Result relay_reply(struct MHD_Connection *c, unsigned status, const char *type,
                                   const char *body, size_t len, const char *retry_after)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc;

    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (retry_after != NULL)
        MHD_add_response_header(r, "Retry-After", retry_after);
    rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result relay_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    char *body = xasprintf("{\"error\":\"%s\"}\n", msg);
    enum MHD_Result rc =
        relay_reply(c, status, "application/json", body, strlen(body), status == 429 ? "1" : NULL);

    free(body);
    return rc;
}

/* ---- authentication and limits ------------------------------------------------ */

/*
 * Check the device token of a request against the verifier of its epoch.
 * Returns 0 with *current and *cutoff set, or an HTTP status.
 */
static unsigned relay_auth(struct MHD_Connection *c, const char *network, const char **device_out,
                           int64_t *epoch_out, int *current, int64_t *cutoff)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    const char *device = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Vigia-Device");
    const char *ep = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Vigia-Epoch");
    unsigned char verifier[32];
    char want[65];
    long epoch;
    int rc;

    if (auth == NULL || device == NULL || ep == NULL || strncmp(auth, "Bearer ", 7) != 0 ||
        !ulid_valid(device) || !util_parse_int(ep, 1, 1L << 30, &epoch) || strlen(auth + 7) != 64)
        return MHD_HTTP_UNAUTHORIZED;
    pthread_mutex_lock(&relay.lock);
    rc = relay.ops->epoch_get(relay.store, network, epoch, verifier, current, cutoff);
    pthread_mutex_unlock(&relay.lock);
    if (rc == RELAY_STORE_NOTFOUND)
        return MHD_HTTP_UNAUTHORIZED;
    if (rc != RELAY_STORE_OK)
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    sync_auth_token(verifier, device, want);
    sodium_memzero(verifier, sizeof verifier);
    if (sodium_memcmp(want, auth + 7, 64) != 0)
        return MHD_HTTP_UNAUTHORIZED;
    *device_out = device;
    *epoch_out = epoch;
    return 0;
}

/* Token bucket per network and device; true when the request may go on. */
static bool relay_rate_ok(const char *network, const char *device)
{
    char key[64];
    uint32_t h = 2166136261u;
    struct relay_bucket *b;
    int64_t now = timeutil_now_ms();
    bool ok;

    snprintf(key, sizeof key, "%s/%s", network, device);
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    pthread_mutex_lock(&relay.lock);
    b = &relay.buckets[h % RELAY_BUCKETS];
    if (strcmp(b->key, key) != 0) {
        snprintf(b->key, sizeof b->key, "%s", key);
        b->tokens = relay.burst;
        b->at = now;
    }
    b->tokens += (double)(now - b->at) / 1000.0 * relay.rate;
    if (b->tokens > relay.burst)
        b->tokens = relay.burst;
    b->at = now;
    ok = b->tokens >= 1.0;
    if (ok)
        b->tokens -= 1.0;
    pthread_mutex_unlock(&relay.lock);
    return ok;
}

/* ---- handlers ------------------------------------------------------------------- */

static bool relay_network_id(const char *s, size_t len)
{
    char id[ULID_LEN + 1];

    if (len != ULID_LEN)
        return false;
    memcpy(id, s, ULID_LEN);
    id[ULID_LEN] = '\0';
    return ulid_valid(id);
}

/* Read {"network"?, "epoch", "verifier"} from a JSON body. */
static bool relay_parse_epoch(const struct buf *body, char network[ULID_LEN + 1], int64_t *epoch,
                              unsigned char verifier[32])
{
    json_t *o = json_loadb(body->data ? body->data : "", body->len, 0, NULL);
    unsigned char *raw = NULL;
    size_t n = 0;
    bool ok = false;

    if (!json_is_object(o))
        goto out;
    if (network != NULL) {
        const char *id = json_string_value(json_object_get(o, "network"));
        if (id == NULL || !ulid_valid(id))
            goto out;
        snprintf(network, ULID_LEN + 1, "%s", id);
    }
    *epoch = json_integer_value(json_object_get(o, "epoch"));
    if (*epoch <= 0 || !json_is_string(json_object_get(o, "verifier")) ||
        sync_b64_decode(json_string_value(json_object_get(o, "verifier")), &raw, &n) != 0 ||
        n != 32)
        goto out;
    memcpy(verifier, raw, 32);
    ok = true;
out:
    free(raw);
    json_decref(o);
    return ok;
}

static enum MHD_Result relay_create(struct MHD_Connection *c, const struct relay_request *rq)
{
    char network[ULID_LEN + 1];
    unsigned char verifier[32];
    int64_t epoch;
    int rc;

    if (relay.create_secret != NULL) {
        const char *s = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Vigia-Create-Secret");
        if (s == NULL || strlen(s) != strlen(relay.create_secret) ||
            sodium_memcmp(s, relay.create_secret, strlen(s)) != 0)
            return relay_error(c, MHD_HTTP_UNAUTHORIZED, "creating networks needs the secret");
    }
    if (!relay_parse_epoch(&rq->body, network, &epoch, verifier))
        return relay_error(c, MHD_HTTP_BAD_REQUEST, "expected network, epoch and verifier");
    pthread_mutex_lock(&relay.lock);
    rc = relay.ops->network_create(relay.store, network, epoch, verifier);
    pthread_mutex_unlock(&relay.lock);
    if (rc == RELAY_STORE_EXISTS)
        return relay_error(c, MHD_HTTP_CONFLICT, "network exists");
    if (rc != RELAY_STORE_OK)
        return relay_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "storage failure");
    return relay_reply(c, MHD_HTTP_CREATED, "application/json", "{}\n", 3, NULL);
}

static enum MHD_Result relay_epoch(struct MHD_Connection *c, const char *network,
                                   const struct relay_request *rq)
{
    const char *device;
    int64_t epoch, cutoff, newepoch;
    unsigned char verifier[32];
    int current, rc;
    unsigned st = relay_auth(c, network, &device, &epoch, &current, &cutoff);

    if (st != 0)
        return relay_error(c, st, "bad credentials");
    if (!current)
        return relay_error(c, MHD_HTTP_UNAUTHORIZED, "key epoch superseded");
    if (!relay_parse_epoch(&rq->body, NULL, &newepoch, verifier) || newepoch != epoch + 1)
        return relay_error(c, MHD_HTTP_BAD_REQUEST, "expected the next epoch and its verifier");
    pthread_mutex_lock(&relay.lock);
    rc = relay.ops->epoch_add(relay.store, network, newepoch, verifier);
    pthread_mutex_unlock(&relay.lock);
    if (rc == RELAY_STORE_EXISTS)
        return relay_error(c, MHD_HTTP_CONFLICT, "epoch exists");
    if (rc != RELAY_STORE_OK)
        return relay_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "storage failure");
    return relay_reply(c, MHD_HTTP_CREATED, "application/json", "{}\n", 3, NULL);
}

static enum MHD_Result relay_post_batch(struct MHD_Connection *c, const char *network,
                                        const struct relay_request *rq)
{
    const char *device;
    int64_t epoch, cutoff, cursor;
    int current, rc;
    struct sync_header h;
    unsigned st = relay_auth(c, network, &device, &epoch, &current, &cutoff);
    char out[64];

    if (st != 0)
        return relay_error(c, st, "bad credentials");
    if (!current)
        return relay_error(c, MHD_HTTP_UNAUTHORIZED, "key epoch superseded");
    if (!relay_rate_ok(network, device))
        return relay_error(c, MHD_HTTP_TOO_MANY_REQUESTS, "slow down");
    if (sync_envelope_header((const unsigned char *)rq->body.data, rq->body.len, &h, NULL) != 0)
        return relay_error(c, MHD_HTTP_BAD_REQUEST, "not an envelope");
    if (strcmp(h.network, network) != 0 || strcmp(h.device, device) != 0 || h.epoch != epoch)
        return relay_error(c, MHD_HTTP_FORBIDDEN, "envelope header does not match credentials");
    pthread_mutex_lock(&relay.lock);
    rc = relay.ops->batch_append(relay.store, network, device, epoch, h.seq, rq->body.data,
                                 rq->body.len, &cursor);
    if (rc == RELAY_STORE_OK)
        pthread_cond_broadcast(&relay.changed);
    pthread_mutex_unlock(&relay.lock);
    if (rc == RELAY_STORE_EXISTS)
        return relay_error(c, MHD_HTTP_CONFLICT, "another batch has this number");
    if (rc != RELAY_STORE_OK)
        return relay_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "storage failure");
    snprintf(out, sizeof out, "{\"cursor\":%lld}\n", (long long)cursor);
    return relay_reply(c, MHD_HTTP_OK, "application/json", out, strlen(out), NULL);
}

struct relay_list {
    json_t *arr;
    int64_t last;
};

static int relay_list_one(const struct relay_batch *b, void *data)
{
    struct relay_list *l = data;
    char *b64 = sync_b64_encode(b->body, b->len);

    json_array_append_new(l->arr,
                          json_pack("{s:I,s:s}", "cursor", (json_int_t)b->cursor, "envelope", b64));
    free(b64);
    l->last = b->cursor;
    return 0;
}

static enum MHD_Result relay_get_batches(struct MHD_Connection *c, const char *network)
{
    const char *device;
    const char *a = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
    const char *w = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wait");
    int64_t epoch, cutoff, upto, last;
    long after = 0, wait = 0;
    int current, rc;
    struct relay_list l = {.arr = json_array()};
    unsigned st = relay_auth(c, network, &device, &epoch, &current, &cutoff);
    struct timespec deadline;
    json_t *o;
    char *body;
    enum MHD_Result mrc;

    if (st != 0) {
        json_decref(l.arr);
        return relay_error(c, st, "bad credentials");
    }
    if ((a != NULL && !util_parse_int(a, 0, INT64_MAX > LONG_MAX ? LONG_MAX : INT64_MAX, &after)) ||
        (w != NULL && !util_parse_int(w, 0, 3600, &wait))) {
        json_decref(l.arr);
        return relay_error(c, MHD_HTTP_BAD_REQUEST, "bad after or wait");
    }
    if (wait > RELAY_MAX_WAIT)
        wait = RELAY_MAX_WAIT;
    /* A superseded epoch reads only up to the rotation, where its new key waits. */
    upto = current ? INT64_MAX : cutoff;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += wait;
    pthread_mutex_lock(&relay.lock);
    for (;;) {
        rc = relay.ops->last_cursor(relay.store, network, &last);
        if (rc != RELAY_STORE_OK || (last > after && after < upto) || relay.stop)
            break;
        if (pthread_cond_timedwait(&relay.changed, &relay.lock, &deadline) == ETIMEDOUT)
            break;
    }
    if (rc == RELAY_STORE_OK)
        rc = relay.ops->batch_list(relay.store, network, after, upto, RELAY_LIST_LIMIT,
                                   RELAY_LIST_BYTES, relay_list_one, &l);
    pthread_mutex_unlock(&relay.lock);
    if (rc != RELAY_STORE_OK) {
        json_decref(l.arr);
        return relay_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "storage failure");
    }
    o = json_pack("{s:o,s:I}", "batches", l.arr, "cursor", (json_int_t)(l.last ? l.last : after));
    body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    mrc = relay_reply(c, MHD_HTTP_OK, "application/json", body, strlen(body), NULL);
    free(body);
    return mrc;
}

static enum MHD_Result relay_handle(void *cls, struct MHD_Connection *c, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **con_cls)
{
    struct relay_request *rq = *con_cls;
    const char *p;
    size_t idlen;
    bool post = strcmp(method, "POST") == 0;

    if (rq == NULL) {
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        long n;
        rq = xcalloc(1, sizeof *rq);
        buf_init(&rq->body);
        *con_cls = rq;
        if (cl != NULL && (!util_parse_int(cl, 0, LONG_MAX, &n) || (size_t)n > relay.max_batch))
            rq->too_big = true;
        if (rq->too_big)
            return relay_error(c, 413, "batch too large");
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (!rq->too_big && rq->body.len + *upload_data_size <= relay.max_batch)
            buf_add(&rq->body, upload_data, *upload_data_size);
        else
            rq->too_big = true;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (rq->too_big)
        return relay_error(c, 413, "batch too large");
    if (post && strcmp(url, "/v1/networks") == 0) {
        if (rq->body.len > RELAY_MAX_JSON)
            return relay_error(c, 413, "too large");
        return relay_create(c, rq);
    }
    if (strncmp(url, "/v1/networks/", 13) != 0)
        return relay_error(c, MHD_HTTP_NOT_FOUND, "no such resource");
    p = url + 13;
    idlen = strcspn(p, "/");
    if (!relay_network_id(p, idlen))
        return relay_error(c, MHD_HTTP_NOT_FOUND, "no such network");
    {
        char network[ULID_LEN + 1];
        memcpy(network, p, ULID_LEN);
        network[ULID_LEN] = '\0';
        p += idlen;
        if (strcmp(p, "/batches") == 0 && post)
            return relay_post_batch(c, network, rq);
        if (strcmp(p, "/batches") == 0 && strcmp(method, "GET") == 0)
            return relay_get_batches(c, network);
        if (strcmp(p, "/epochs") == 0 && post) {
            if (rq->body.len > RELAY_MAX_JSON)
                return relay_error(c, 413, "too large");
            return relay_epoch(c, network, rq);
        }
        if (strcmp(p, "/batches") == 0 || strcmp(p, "/epochs") == 0)
            return relay_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
    }
    return relay_error(c, MHD_HTTP_NOT_FOUND, "no such resource");
}

static void relay_done(void *cls, struct MHD_Connection *c, void **con_cls,
                       enum MHD_RequestTerminationCode toe)
{
    struct relay_request *rq = *con_cls;

    if (rq == NULL)
        return;
    buf_fini(&rq->body);
    free(rq);
    *con_cls = NULL;
}

/* ---- main --------------------------------------------------------------------------- */

static void relay_on_signal(int sig)
{
    (void)sig;
    relay.stop = 1;
}

static void relay_usage(FILE *f)
{
    fputs("usage: vigia-relay [--listen ADDR] [--port N] [--db PATH] [--max-batch BYTES]\n"
          "                   [--rate N] [--burst N] [--create-secret-file FILE]\n"
          "Store sealed vigia sync batches per network and serve them after a cursor.\n"
          "See vigia-relay(8).\n",
          f);
}

int main(int argc, char **argv)
{
    const char *listen_addr = "127.0.0.1", *db = "/var/lib/vigia-relay/relay.db";
    long port = 8470, n;
    struct MHD_Daemon *d;
    struct sockaddr_in sa;
    char *err = NULL, *secret = NULL;
    sigset_t set;
    int sig;

    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(o, "--help") == 0) {
            relay_usage(stdout);
            return 0;
        }
        if (strcmp(o, "--version") == 0) {
            printf("vigia-relay %s\n", PACKAGE_VERSION);
            return 0;
        }
        if (v == NULL) {
            relay_usage(stderr);
            return 2;
        }
        i++;
        if (strcmp(o, "--listen") == 0) {
            listen_addr = v;
        } else if (strcmp(o, "--port") == 0 && util_parse_int(v, 1, 65535, &port)) {
        } else if (strcmp(o, "--db") == 0) {
            db = v;
        } else if (strcmp(o, "--max-batch") == 0 && util_parse_int(v, 1024, 1L << 30, &n)) {
            relay.max_batch = (size_t)n;
        } else if (strcmp(o, "--rate") == 0 && util_parse_int(v, 1, 1000000, &n)) {
            relay.rate = (double)n;
        } else if (strcmp(o, "--burst") == 0 && util_parse_int(v, 1, 1000000, &n)) {
            relay.burst = (double)n;
        } else if (strcmp(o, "--create-secret-file") == 0) {
            size_t len;
            if (util_read_file(v, &secret, &len) != 0) {
                fprintf(stderr, "vigia-relay: cannot read %s\n", v);
                return 1;
            }
            secret[strcspn(secret, "\r\n")] = '\0';
            relay.create_secret = secret;
        } else {
            fprintf(stderr, "vigia-relay: bad option %s %s\n", o, v);
            relay_usage(stderr);
            return 2;
        }
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "vigia-relay: cannot start libsodium\n");
        return 1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, listen_addr, &sa.sin_addr) != 1) {
        fprintf(stderr, "vigia-relay: cannot listen on %s: not an IPv4 address\n", listen_addr);
        return 2;
    }
    relay.ops = &relay_sqlite_ops;
    if (relay.ops->open(db, &relay.store, &err) != RELAY_STORE_OK) {
        fprintf(stderr, "vigia-relay: %s\n", err);
        free(err);
        return 1;
    }
    /* Signals are taken synchronously below; worker threads never see them. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    (void)relay_on_signal;
    d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
        (uint16_t)port, NULL, NULL, relay_handle, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(RELAY_MAX_WAIT + 30),
        MHD_OPTION_CONNECTION_LIMIT, 512u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 128u,
        MHD_OPTION_NOTIFY_COMPLETED, relay_done, NULL, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "vigia-relay: cannot listen on %s:%ld: %s\n", listen_addr, port,
                strerror(errno));
        relay.ops->close(relay.store);
        return 1;
    }
    fprintf(stderr, "vigia-relay: listening on %s:%ld, storage %s (%s)\n", listen_addr, port,
            relay.ops->name, db);
    sigwait(&set, &sig);
    pthread_mutex_lock(&relay.lock);
    relay.stop = 1;
    pthread_cond_broadcast(&relay.changed);
    pthread_mutex_unlock(&relay.lock);
    MHD_stop_daemon(d);
    relay.ops->close(relay.store);
    free(secret);
    fprintf(stderr, "vigia-relay: stopped\n");
    return 0;
}
