/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The outbox worker: one libcurl multi handle driven by socket and timer
 * callbacks, so a caller can poll() our descriptors beside its own.
 *
 * Each step: feed fired descriptors and expired timers to
 * curl_multi_socket_action; read finished transfers and classify them through
 * the channel's adapter; claim more rows for channels with room (in-flight
 * limit and a token bucket for the rate), committing them as "sending" before
 * their requests are added; record all outcomes of the step in one
 * batch. The file sink writes synchronously (one O_APPEND write per message,
 * one fdatasync per batch, before the batch's outcomes are recorded), which
 * is why it can be reconciled exactly: the key is in the file or it is not.
 *
 * Memory is bounded by the in-flight limits: a row's request and text live
 * only while it is in flight; texts of broadcasts are cached (a few entries).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/store.h"
#include "vigia/send.h"

#include "private.h"

#define SEND_CLAIM_MAX 64       /* rows claimed per channel per step */
#define SEND_IDLE_CHECK_MS 1000 /* how often an idle channel looks for new rows */
#define SEND_NOCURL_MS 60000    /* a channel's pause when libcurl cannot be loaded */
#define SEND_TEXT_CACHE 8
#define SEND_RATE_WINDOW 5 /* seconds of history for the rate */
/*
 * Outcomes are recorded in batches: one transaction (one fsync) per batch
 * rather than per message. A batch waits at most this long; a crash in the
 * meantime costs nothing but a reconciliation (they are still "sending").
 */
#define SEND_FLUSH_MS 50
#define SEND_FLUSH_MAX 128

struct send_chan {
    bool enabled;
    const struct config_channel *cc;
    const struct send_gateway *gw;
    double tokens;
    int64_t refilled_at;
    int64_t paused_until;
    int64_t next_check;
    int inflight;
    char *path; /* file sink */
};

struct send_text {
    char broadcast_id[ULID_LEN + 1];
    json_t *texts;
};

struct send_worker {
    struct store *s;
    const struct config_send *cs;
    CURLM *multi;
    struct send_chan ch[MODEL_CHANNEL_COUNT];
    struct pollfd *fds;
    size_t nfds, capfds;
    int64_t curl_deadline; /* -1: no timer */
    struct store_outbox_result *res;
    char **owned; /* strings the results point to */
    size_t nres, capres, nowned, capowned;
    struct send_text cache[SEND_TEXT_CACHE];
    size_t cache_next;
    struct send_stats stats;
    struct send_req *inflight; /* list of requests in the multi handle */
    int lock_fd;               /* one worker per database: flock on DB.outbox-lock */
    bool finishing;            /* send_worker_finish: no new claims */
    char **left;               /* subscribers the gateway says opted out, to record */
    size_t nleft;
    int64_t rate_sec[SEND_RATE_WINDOW];
    size_t rate_cnt[SEND_RATE_WINDOW];
    int64_t flush_due; /* outcomes wait at most until then to be recorded; -1: none */
    bool practice;     /* a practice run: the file sink only, never a gateway */
};

/* ---- curl callbacks ------------------------------------------------------------- */

static int send_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct send_worker *w = userp;
    size_t i;

    (void)easy;
    (void)socketp;
    for (i = 0; i < w->nfds; i++)
        if (w->fds[i].fd == fd)
            break;
    if (what == CURL_POLL_REMOVE) {
        if (i < w->nfds)
            w->fds[i] = w->fds[--w->nfds];
        return 0;
    }
    if (i == w->nfds) {
        if (w->nfds == w->capfds) {
            w->capfds = w->capfds ? w->capfds * 2 : 16;
            w->fds = xreallocarray(w->fds, w->capfds, sizeof *w->fds);
        }
        w->nfds++;
    }
    w->fds[i].fd = fd;
    w->fds[i].events =
        (short)(((what & CURL_POLL_IN) ? POLLIN : 0) | ((what & CURL_POLL_OUT) ? POLLOUT : 0));
    w->fds[i].revents = 0;
    return 0;
}

static int send_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    struct send_worker *w = userp;

    (void)multi;
    w->curl_deadline = timeout_ms < 0 ? -1 : timeutil_now_ms() + timeout_ms;
    return 0;
}

/* ---- setup ---------------------------------------------------------------------------- */

struct send_worker *send_worker_new(struct store *s, const struct config_send *cs,
                                    const char *file_sink_default)
{
    struct send_worker *w = xcalloc(1, sizeof *w);
    int64_t now = timeutil_now_ms();

    w->s = s; /* w->multi waits for the first gateway request (send_curl) */
    w->cs = cs;
    w->curl_deadline = -1;
    w->flush_due = -1;
    w->lock_fd = -1;
    for (int c = 0; c < MODEL_CHANNEL_COUNT; c++) {
        struct send_chan *ch = &w->ch[c];
        ch->cc = &cs->channels[c];
        ch->gw = send_gateway_for(c);
        ch->enabled = ch->cc->enabled;
        ch->tokens = ch->cc->rate > 0 ? (ch->cc->rate < 1 ? 1 : ch->cc->rate) : 0;
        ch->refilled_at = now;
        if (c == MODEL_CHANNEL_FILE) {
            const char *p = ch->cc->path ? ch->cc->path : file_sink_default;
            ch->path = p ? xstrdup(p) : NULL;
            ch->enabled = (ch->enabled || file_sink_default != NULL) && ch->path != NULL;
        }
    }
    return w;
}

void send_worker_practice(struct send_worker *w, const char *sink_path)
{
    struct send_chan *f = &w->ch[MODEL_CHANNEL_FILE];

    w->practice = true;
    free(f->path);
    f->path = xstrdup(sink_path);
    for (int c = 0; c < MODEL_CHANNEL_COUNT; c++)
        w->ch[c].enabled = true; /* every channel, into the sink */
}

/*
 * libcurl and the multi handle, on the first request to a gateway: a worker
 * that only writes the file sink, or finds nothing to send, never loads it.
 */
static int send_curl(struct send_worker *w, char **err)
{
    if (w->multi != NULL)
        return 0;
    if (!net_curl_load(err))
        return -1;
    w->multi = curl_multi_init();
    if (w->multi == NULL)
        util_fatal("cannot initialise libcurl");
    curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, send_socket_cb);
    curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
    curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, send_timer_cb);
    curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
    curl_multi_setopt(w->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 64L);
    return 0;
}

static void send_req_free(struct send_req *r)
{
    if (r == NULL)
        return;
    if (r->easy)
        curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    curl_slist_free_all(r->rcpt);
    free(r->post);
    free(r->url);
    free(r->text);
    buf_fini(&r->resp);
    buf_fini(&r->payload);
    store_outbox_row_fini(&r->row);
    free(r);
}

void send_worker_free(struct send_worker **wp)
{
    struct send_worker *w = *wp;
    CURLMsg *m;
    int left;

    if (w == NULL)
        return;
    /* Requests still in flight stay "sending" in the database: the next start reconciles. */
    while (w->multi != NULL && (m = curl_multi_info_read(w->multi, &left)) != NULL)
        ;
    while (w->inflight != NULL) {
        struct send_req *r = w->inflight;
        w->inflight = r->next;
        curl_multi_remove_handle(w->multi, r->easy);
        send_req_free(r);
    }
    if (w->multi != NULL)
        curl_multi_cleanup(w->multi);
    for (size_t i = 0; i < w->nowned; i++)
        free(w->owned[i]);
    free(w->owned);
    free(w->res);
    free(w->fds);
    if (w->lock_fd >= 0)
        close(w->lock_fd); /* releases the lock */
    for (size_t i = 0; i < w->nleft; i++)
        free(w->left[i]);
    free(w->left);
    for (size_t i = 0; i < SEND_TEXT_CACHE; i++)
        json_decref(w->cache[i].texts);
    for (int c = 0; c < MODEL_CHANNEL_COUNT; c++)
        free(w->ch[c].path);
    free(w);
    *wp = NULL;
}

/* ---- texts ------------------------------------------------------------------------------ */

/* The text of @row (its own, or its broadcast's in its language), newly allocated, or NULL. */
static char *send_text_for(struct send_worker *w, const struct store_outbox_row *row, char **err)
{
    json_t *texts = NULL, *t;
    const char *v;
    const char *key;
    size_t i;

    if (row->body != NULL) /* a single message (a verifier's assignment) */
        return xstrdup(row->body);
    if (row->broadcast_id == NULL) {
        util_seterr(err, "%s", _("a message with no text"));
        return NULL;
    }
    for (i = 0; i < SEND_TEXT_CACHE; i++)
        if (w->cache[i].texts && strcmp(w->cache[i].broadcast_id, row->broadcast_id) == 0) {
            texts = w->cache[i].texts;
            break;
        }
    if (texts == NULL) {
        struct store_broadcast b;
        if (store_broadcast_get(w->s, row->broadcast_id, &b, err) != STORE_OK)
            return NULL;
        texts = json_loads(b.texts ? b.texts : "{}", 0, NULL);
        store_broadcast_fini(&b);
        if (!json_is_object(texts)) {
            json_decref(texts);
            util_seterr(err, _("broadcast %s has no texts"), row->broadcast_id);
            return NULL;
        }
        i = w->cache_next++ % SEND_TEXT_CACHE;
        json_decref(w->cache[i].texts);
        w->cache[i].texts = texts;
        snprintf(w->cache[i].broadcast_id, sizeof w->cache[i].broadcast_id, "%s",
                 row->broadcast_id);
    }
    v = json_string_value(json_object_get(texts, row->language ? row->language : ""));
    if (v == NULL) /* a language without its own text gets English, or any */
        v = json_string_value(json_object_get(texts, "en"));
    if (v == NULL)
        json_object_foreach(texts, key, t) if ((v = json_string_value(t)) != NULL) break;
    if (v == NULL) {
        util_seterr(err, _("broadcast %s has no texts"), row->broadcast_id);
        return NULL;
    }
    return xstrdup(v);
}

/* ---- results ------------------------------------------------------------------------------- */

static const char *send_own(struct send_worker *w, char *s)
{
    if (s == NULL)
        return NULL;
    if (w->nowned == w->capowned) {
        w->capowned = w->capowned ? w->capowned * 2 : 64;
        w->owned = xreallocarray(w->owned, w->capowned, sizeof *w->owned);
    }
    w->owned[w->nowned++] = s;
    return s;
}

/* Queue an outcome; @gateway_id and @error are taken over. */
static void send_result(struct send_worker *w, int64_t rowid, enum store_outbox_state st,
                        char *gateway_id, char *error, int64_t not_before);

/*
 * The answer to a sent message was lost: look it up at the gateway later,
 * once any request still on its way there has surely been dealt with.
 */
static void send_reconcile_later(struct send_worker *w, int64_t rowid, int64_t since, char *why)
{
    const struct config_channel *cc = w->ch[MODEL_CHANNEL_SMS].cc;

    send_result(w, rowid, STORE_OUTBOX_QUEUED, NULL, why, since + cc->timeout_ms + 1000);
    w->res[w->nres - 1].reconcile = true;
    w->stats.retried--;
}

static void send_result(struct send_worker *w, int64_t rowid, enum store_outbox_state st,
                        char *gateway_id, char *error, int64_t not_before)
{
    if (w->nres == 0)
        w->flush_due = timeutil_now_ms() + SEND_FLUSH_MS;
    if (w->nres == w->capres) {
        w->capres = w->capres ? w->capres * 2 : 64;
        w->res = xreallocarray(w->res, w->capres, sizeof *w->res);
    }
    w->res[w->nres++] = (struct store_outbox_result){
        .rowid = rowid,
        .state = st,
        .gateway_id = send_own(w, gateway_id),
        .error = send_own(w, error),
        .not_before = not_before,
    };
    switch (st) {
    case STORE_OUTBOX_SENT: {
        int64_t sec = timeutil_now_ms() / 1000;
        size_t k = (size_t)(sec % SEND_RATE_WINDOW);
        if (w->rate_sec[k] != sec) {
            w->rate_sec[k] = sec;
            w->rate_cnt[k] = 0;
        }
        w->rate_cnt[k]++;
        w->stats.sent++;
        break;
    }
    case STORE_OUTBOX_FAILED:
        w->stats.failed++;
        break;
    case STORE_OUTBOX_UNCERTAIN:
        w->stats.uncertain++;
        break;
    case STORE_OUTBOX_QUEUED:
        w->stats.retried++;
        break;
    default:
        break;
    }
}

static int send_flush(struct send_worker *w, char **err)
{
    int rc = STORE_OK;

    if (w->nres > 0)
        rc = store_outbox_finish(w->s, w->res, w->nres, err);
    /* The gateway told us a recipient opted out: so do we, so nothing else goes to them. */
    if (rc == STORE_OK && w->nleft > 0 && store_begin(w->s, err) == STORE_OK) {
        int64_t now = timeutil_now_ms();
        for (size_t i = 0; i < w->nleft && rc == STORE_OK; i++) {
            struct store_col cols[] = {{"opted_out_at", store_int(now)},
                                       {"updated_at", store_int(now)}};
            char *detail = xasprintf("%s by the gateway", w->left[i]);
            rc = store_write(w->s, "subscribers", w->left[i], cols, UTIL_ARRAY_LEN(cols), err);
            if (rc == STORE_OK)
                rc = store_event(w->s, NULL, "subscriber.optout", NULL, detail, err);
            free(detail);
        }
        if (rc == STORE_OK)
            rc = store_commit(w->s, err);
        else
            store_rollback(w->s);
    }
    for (size_t i = 0; i < w->nleft; i++)
        free(w->left[i]);
    w->nleft = 0;
    for (size_t i = 0; i < w->nowned; i++)
        free(w->owned[i]);
    w->nowned = 0;
    w->nres = 0;
    w->flush_due = -1;
    return rc == STORE_OK ? 0 : -1;
}

/* Backoff before attempt @attempts + 1: base * 2^(attempts-1), capped, with jitter. */
static int64_t send_backoff(const struct config_channel *cc, int attempts)
{
    int64_t d = cc->backoff_ms > 0 ? cc->backoff_ms : 2000;

    for (int i = 1; i < attempts && d < 10 * 60 * 1000; i++)
        d *= 2;
    if (d > 10 * 60 * 1000)
        d = 10 * 60 * 1000;
    return d + (int64_t)randombytes_uniform((uint32_t)(d / 5 + 1));
}

/* A transient failure: retry later, or give up after max_attempts. */
static void send_retry(struct send_worker *w, struct send_req *r, char *reason)
{
    struct send_chan *ch = &w->ch[r->channel];
    int64_t now = timeutil_now_ms(), delay = send_backoff(ch->cc, r->row.attempts);

    if (r->retry_after_ms > 0) {
        delay = r->retry_after_ms;
        if (now + delay > ch->paused_until)
            ch->paused_until = now + delay; /* the gateway said slow down: all of it */
    }
    if (r->row.attempts >= ch->cc->max_attempts) {
        char *msg =
            xasprintf(_("gave up after %d attempts: %s"), r->row.attempts, reason ? reason : "");
        free(reason);
        send_result(w, r->row.rowid, STORE_OUTBOX_FAILED, NULL, msg, 0);
        return;
    }
    send_result(w, r->row.rowid, STORE_OUTBOX_QUEUED, NULL, reason, now + delay);
}

/* ---- requests ----------------------------------------------------------------------------------
 */

/* Start a request for @r (kind and row set); on failure record it and free @r. */
static void send_start(struct send_worker *w, struct send_req *r)
{
    struct send_chan *ch = &w->ch[r->channel];
    char *err = NULL;

    r->w = w;
    if (w->practice) {
        /* Never reached (practice rows all go to the sink); a last guard all the same. */
        send_result(w, r->row.rowid, STORE_OUTBOX_FAILED, NULL,
                    xstrdup(_("practice run: no gateway may be used")), 0);
        send_req_free(r);
        return;
    }
    buf_init(&r->resp);
    buf_init(&r->payload);
    r->easy = curl_easy_init();
    if (r->easy == NULL)
        util_fatal("cannot initialise libcurl");
    if (ch->gw->prepare(r, ch->cc, &err) != 0) {
        /* Not configured: nothing left, so this is a plain failure, not uncertain. */
        send_result(w, r->row.rowid, STORE_OUTBOX_FAILED, NULL, err, 0);
        send_req_free(r);
        return;
    }
    curl_multi_add_handle(w->multi, r->easy);
    r->next = w->inflight;
    if (w->inflight)
        w->inflight->prev = r;
    w->inflight = r;
    ch->inflight++;
    w->stats.in_flight++;
}

static struct send_req *send_req_new(int channel, enum send_req_kind kind,
                                     struct store_outbox_row *row, char *text)
{
    struct send_req *r = xcalloc(1, sizeof *r);

    r->channel = channel;
    r->kind = kind;
    r->row = *row; /* takes the row's strings */
    memset(row, 0, sizeof *row);
    r->text = text;
    return r;
}

/* A finished transfer. */
static void send_done(struct send_worker *w, struct send_req *r, CURLcode res)
{
    struct send_chan *ch = &w->ch[r->channel];
    char *gid = NULL, *reason = NULL;
    long code = 0;
    enum send_outcome out;

    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
    out = ch->gw->parse(r, ch->cc, res, code, &gid, &reason);
    ch->inflight--;
    w->stats.in_flight--;
    if (r->kind == SEND_REQ_LOOKUP) {
        w->stats.reconciled++;
        if (out == SEND_OK) {
            free(reason);
            send_result(w, r->row.rowid, STORE_OUTBOX_SENT, gid, NULL, 0);
        } else if (out == SEND_NOT_FOUND) {
            /* The gateway never got it: safe to send again. */
            free(gid);
            send_retry(w, r, reason ? reason : xstrdup(_("not found at the gateway")));
        } else {
            free(gid);
            char *msg = xasprintf(_("answer lost and the lookup failed (%s); check before "
                                    "resending"),
                                  reason ? reason : "?");
            free(reason);
            send_result(w, r->row.rowid, STORE_OUTBOX_UNCERTAIN, NULL, msg, 0);
        }
        return;
    }
    switch (out) {
    case SEND_OK:
        free(reason);
        send_result(w, r->row.rowid, STORE_OUTBOX_SENT, gid, NULL, 0);
        return;
    case SEND_PERMANENT:
        free(gid);
        send_result(w, r->row.rowid, STORE_OUTBOX_FAILED, NULL, reason, 0);
        if (r->recipient_left && r->row.subscriber_id != NULL) {
            w->left = xreallocarray(w->left, w->nleft + 1, sizeof *w->left);
            w->left[w->nleft++] = xstrdup(r->row.subscriber_id);
        }
        return;
    case SEND_TRANSIENT:
        free(gid);
        send_retry(w, r, reason);
        return;
    case SEND_AMBIGUOUS:
    case SEND_NOT_FOUND:
    default:
        free(gid);
        if (r->channel == MODEL_CHANNEL_SMS) {
            /* Ask Twilio whether it has the message before anything else. */
            char *msg = xasprintf(_("answer lost (%s); looking it up before resending"),
                                  reason ? reason : "?");
            free(reason);
            send_reconcile_later(w, r->row.rowid, timeutil_now_ms(), msg);
            return;
        }
        {
            char *msg = xasprintf(_("the gateway may have sent it, its answer was lost (%s)"),
                                  reason ? reason : "?");
            free(reason);
            send_result(w, r->row.rowid, STORE_OUTBOX_UNCERTAIN, NULL, msg, 0);
        }
        return;
    }
}

static void send_read_done(struct send_worker *w)
{
    CURLMsg *m;
    int left;

    while (w->multi != NULL && (m = curl_multi_info_read(w->multi, &left)) != NULL) {
        struct send_req *r = NULL;
        CURL *easy = m->easy_handle;
        CURLcode res = m->data.result;
        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&r);
        curl_multi_remove_handle(w->multi, easy);
        if (r->prev)
            r->prev->next = r->next;
        else
            w->inflight = r->next;
        if (r->next)
            r->next->prev = r->prev;
        send_done(w, r, res);
        send_req_free(r);
    }
}

/* Deliver one claimed row to the file sink, synchronously. */
static void send_file_one(struct send_worker *w, struct store_outbox_row *row, char *text)
{
    char *err = NULL;

    if (send_file_append(w->ch[MODEL_CHANNEL_FILE].path, row, text, &err) == 0) {
        send_result(w, row->rowid, STORE_OUTBOX_SENT, xasprintf("file:%s", row->key), NULL, 0);
        free(err);
    } else {
        /* A failed write(2) left no whole line: retry is safe. */
        struct send_req r = {.channel = MODEL_CHANNEL_FILE, .row = *row};
        send_retry(w, &r, err);
    }
}

/*
 * Replace a sealed contact of @row by its plain form, just before it leaves;
 * -1 when it cannot be opened (the outcome is recorded). The claim takes no
 * sealed row while the vault is locked, so a locked vault here means it was
 * locked between the two: the row goes back to the queue, never failed.
 */
static int send_open_contact(struct send_worker *w, struct store_outbox_row *row)
{
    char *plain = NULL, *err = NULL;
    int rc;

    if (!store_vault_is_sealed(row->contact))
        return 0;
    rc = store_outbox_open_contact(w->s, row, &plain, &err);
    if (rc == STORE_OK) {
        free(row->contact);
        row->contact = plain;
        free(err);
        return 0;
    }
    if (rc == STORE_ERR_LOCKED) {
        free(err);
        send_result(w, row->rowid, STORE_OUTBOX_QUEUED, NULL,
                    xstrdup(_("waits for the vault to be unlocked")), 0);
        return -1;
    }
    /* Sealed under a key this database does not have: no gateway can use it. */
    send_result(w, row->rowid, STORE_OUTBOX_FAILED, NULL,
                xasprintf(_("cannot open the recipient's contact: %s"), err ? err : "?"), 0);
    free(err);
    return -1;
}

/* Claim and start what channel @c has room for. */
static int send_claim(struct send_worker *w, int c, int64_t now, char **err)
{
    struct send_chan *ch = &w->ch[c];
    struct store_outbox_row *rows = NULL;
    size_t n = 0, skipped = 0, want;
    char *cerr = NULL;
    int rc;

    if (!ch->enabled || w->finishing || now < ch->paused_until || now < ch->next_check)
        return 0;
    if (ch->cc->rate > 0) {
        double cap = ch->cc->rate < 1 ? 1 : ch->cc->rate;
        ch->tokens += (double)(now - ch->refilled_at) * ch->cc->rate / 1000.0;
        if (ch->tokens > cap)
            ch->tokens = cap;
        ch->refilled_at = now;
        want = (size_t)ch->tokens;
    } else {
        want = SEND_CLAIM_MAX;
    }
    if (c != MODEL_CHANNEL_FILE && !w->practice) {
        size_t room =
            ch->inflight < ch->cc->concurrency ? (size_t)(ch->cc->concurrency - ch->inflight) : 0;
        /* Claim in batches (one transaction each), not one row per free slot. */
        if (ch->inflight > 0 && room < (size_t)(ch->cc->concurrency + 3) / 4)
            return 0;
        if (room < want)
            want = room;
    }
    if (want > SEND_CLAIM_MAX)
        want = SEND_CLAIM_MAX;
    if (want == 0) {
        if (ch->cc->rate > 0 && ch->tokens < 1)
            ch->next_check = now + (int64_t)((1 - ch->tokens) * 1000 / ch->cc->rate) + 1;
        return 0;
    }
    rc = store_outbox_claim(w->s, model_channel_name(c), now, want, &rows, &n, &skipped, err);
    if (rc != STORE_OK)
        return -1;
    w->stats.skipped += skipped;
    if (ch->cc->rate > 0)
        ch->tokens -= (double)n;
    if (n + skipped < want) {
        /* Nothing more is due: sleep until the next retry or held row, or a poke. */
        int64_t due;
        size_t retrying;
        if (store_outbox_pending(w->s, model_channel_name(c), &due, &retrying, NULL) != STORE_OK)
            ch->next_check = now + SEND_IDLE_CHECK_MS;
        else
            ch->next_check = due < 0 ? INT64_MAX : due > now ? due : now + SEND_IDLE_CHECK_MS;
    } else {
        ch->next_check = 0;
    }
    if (n > 0 && c != MODEL_CHANNEL_FILE && !w->practice && send_curl(w, &cerr) != 0) {
        /* No gateway without libcurl: the rows wait, and the channel pauses a minute. */
        for (size_t i = 0; i < n; i++)
            send_result(w, rows[i].rowid, STORE_OUTBOX_QUEUED, NULL, xstrdup(cerr),
                        now + SEND_NOCURL_MS);
        ch->paused_until = now + SEND_NOCURL_MS;
        util_seterr(err, "%s", cerr);
        free(cerr);
        store_outbox_rows_free(&rows, n);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char *terr = NULL, *text = send_text_for(w, &rows[i], &terr);
        if (text == NULL) {
            send_result(w, rows[i].rowid, STORE_OUTBOX_FAILED, NULL, terr, 0);
            continue;
        }
        if (send_open_contact(w, &rows[i]) != 0) {
            free(text);
            continue;
        }
        if (c == MODEL_CHANNEL_FILE || w->practice) {
            send_file_one(w, &rows[i], text);
            free(text);
            continue;
        }
        send_start(w, send_req_new(c,
                                   rows[i].reconcile && c == MODEL_CHANNEL_SMS ? SEND_REQ_LOOKUP
                                                                               : SEND_REQ_SEND,
                                   &rows[i], text));
    }
    if ((c == MODEL_CHANNEL_FILE || w->practice) && n > 0)
        send_file_sync(w->ch[MODEL_CHANNEL_FILE].path);
    store_outbox_rows_free(&rows, n);
    return 0;
}

/* ---- the loop
 * ------------------------------------------------------------------------------------ */

size_t send_worker_pollfds(struct send_worker *w, struct pollfd *fds, size_t max)
{
    size_t n = w->nfds < max ? w->nfds : max;

    if (n > 0) /* w->fds is NULL until a request is in flight */
        memcpy(fds, w->fds, n * sizeof *fds);
    return n;
}

void send_worker_poke(struct send_worker *w)
{
    for (int c = 0; c < MODEL_CHANNEL_COUNT; c++)
        if (w->ch[c].next_check == INT64_MAX)
            w->ch[c].next_check = 0;
}

int64_t send_worker_timeout(struct send_worker *w)
{
    int64_t now = timeutil_now_ms(), at = INT64_MAX;

    if (w->curl_deadline >= 0)
        at = w->curl_deadline;
    if (w->flush_due >= 0 && w->flush_due < at)
        at = w->flush_due;
    for (int c = 0; c < MODEL_CHANNEL_COUNT; c++) {
        struct send_chan *ch = &w->ch[c];
        int64_t when;
        if (!ch->enabled || ch->next_check == INT64_MAX)
            continue; /* idle: only a poke wakes it */
        when = ch->next_check > ch->paused_until ? ch->next_check : ch->paused_until;
        if (when < at)
            at = when;
    }
    if (at == INT64_MAX)
        return -1;
    return at > now ? at - now : 0;
}

int send_worker_step(struct send_worker *w, const struct pollfd *fds, size_t n, char **err)
{
    int running, rc = 0;
    int64_t now;

    for (size_t i = 0; fds != NULL && i < n; i++) {
        int ev = 0;
        if (fds[i].revents == 0)
            continue;
        if (fds[i].revents & POLLIN)
            ev |= CURL_CSELECT_IN;
        if (fds[i].revents & POLLOUT)
            ev |= CURL_CSELECT_OUT;
        if (fds[i].revents & (POLLERR | POLLHUP | POLLNVAL))
            ev |= CURL_CSELECT_ERR | CURL_CSELECT_IN;
        curl_multi_socket_action(w->multi, fds[i].fd, ev, &running);
    }
    if (w->curl_deadline >= 0 && timeutil_now_ms() >= w->curl_deadline) {
        w->curl_deadline = -1;
        curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    send_read_done(w);
    now = timeutil_now_ms();
    for (int c = 0; c < MODEL_CHANNEL_COUNT && rc == 0; c++)
        rc = send_claim(w, c, now, err);
    /* New handles start at once rather than on the next timer. */
    if (w->multi != NULL)
        curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    send_read_done(w);
    now = timeutil_now_ms();
    if (w->nres > 0 &&
        (w->nres >= SEND_FLUSH_MAX || w->stats.in_flight == 0 || now >= w->flush_due))
        if (send_flush(w, rc == 0 ? err : NULL) != 0)
            rc = -1;
    return rc;
}

bool send_worker_idle(struct send_worker *w)
{
    int64_t now = timeutil_now_ms();

    if (w->stats.in_flight > 0 || w->nres > 0)
        return false;
    /*
     * Retries still to come keep us busy; rows held for later (quiet hours)
     * do not, nor rows of channels this config does not have.
     */
    for (int c = 0; c < MODEL_CHANNEL_COUNT; c++) {
        int64_t due;
        size_t retrying;
        if (!w->ch[c].enabled)
            continue;
        if (store_outbox_pending(w->s, model_channel_name(c), &due, &retrying, NULL) != STORE_OK)
            return false;
        if (retrying > 0 || (due >= 0 && due <= now))
            return false;
    }
    return true;
}

void send_worker_stats(const struct send_worker *w, struct send_stats *st)
{
    int64_t sec = timeutil_now_ms() / 1000;
    size_t total = 0;

    *st = w->stats;
    for (int i = 0; i < SEND_RATE_WINDOW; i++)
        if (w->rate_sec[i] > sec - SEND_RATE_WINDOW && w->rate_sec[i] < sec)
            total += w->rate_cnt[i];
    st->rate = (double)total / (SEND_RATE_WINDOW - 1);
}

/* Wait for descriptors or the timeout, then step. */
static int send_wait_step(struct send_worker *w, int64_t max_wait, char **err)
{
    struct pollfd fds[256];
    size_t n = send_worker_pollfds(w, fds, UTIL_ARRAY_LEN(fds));
    int64_t t = send_worker_timeout(w);

    if (t < 0 || t > max_wait)
        t = max_wait;
    if (poll(fds, n, (int)t) < 0 && errno != EINTR) {
        util_seterr(err, "poll: %s", strerror(errno));
        return -1;
    }
    return send_worker_step(w, fds, n, err);
}

int send_worker_run(struct send_worker *w, bool until_empty, volatile sig_atomic_t *stop,
                    char **err)
{
    while (stop == NULL || !*stop) {
        if (send_worker_step(w, NULL, 0, err) != 0)
            return -1;
        if (until_empty && send_worker_idle(w))
            return 0;
        if (send_wait_step(w, 1000, err) != 0)
            return -1;
    }
    return 0;
}

int send_worker_finish(struct send_worker *w, int64_t max_ms, char **err)
{
    int64_t end = timeutil_now_ms() + max_ms;

    w->finishing = true;
    while (w->stats.in_flight > 0 && timeutil_now_ms() < end)
        if (send_wait_step(w, end - timeutil_now_ms(), err) != 0)
            return -1;
    return send_flush(w, err);
}

int send_worker_recover(struct send_worker *w, size_t *uncertain, char **err)
{
    struct store_outbox_row *rows = NULL;
    size_t n = 0;
    int rc = -1;

    *uncertain = 0;
    /*
     * Two workers on one database would each take the other's rows in
     * "sending" for a crash's leftovers: only one runs at a time.
     */
    {
        char *lock = xasprintf("%s.outbox-lock", store_path(w->s));
        w->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (w->lock_fd < 0 || flock(w->lock_fd, LOCK_EX | LOCK_NB) != 0) {
            if (errno == EWOULDBLOCK)
                util_seterr(err, "%s",
                            _("another outbox worker is running on this database (vigia outbox "
                              "run or a console)"));
            else
                util_seterr(err, _("cannot lock %s: %s"), lock, strerror(errno));
            free(lock);
            return -1;
        }
        free(lock);
    }
    if (store_outbox_list(w->s, NULL, STORE_OUTBOX_SENDING, (size_t)-1 >> 1, &rows, &n, err) !=
        STORE_OK)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int c = model_channel_parse(rows[i].channel);
        struct send_chan *ch = c >= 0 ? &w->ch[c] : NULL;
        char *terr = NULL;
        if (c == MODEL_CHANNEL_FILE && ch->path != NULL) {
            int has = send_file_has(ch->path, rows[i].key, &terr);
            w->stats.reconciled++;
            if (has == 1) {
                send_result(w, rows[i].rowid, STORE_OUTBOX_SENT, xasprintf("file:%s", rows[i].key),
                            NULL, 0);
                free(terr);
                continue;
            }
            if (has == 0) {
                send_result(w, rows[i].rowid, STORE_OUTBOX_QUEUED, NULL,
                            xstrdup(_("interrupted before it was written; sending again")), 0);
                continue;
            }
        } else if (c == MODEL_CHANNEL_SMS && ch->enabled) {
            send_reconcile_later(w, rows[i].rowid, rows[i].sending_at,
                                 xstrdup(_("interrupted while sending; looking it up before "
                                           "resending")));
            continue;
        }
        send_result(w, rows[i].rowid, STORE_OUTBOX_UNCERTAIN, NULL,
                    terr ? terr
                         : xstrdup(_("interrupted while sending: the gateway may have it; "
                                     "check before resending")),
                    0);
        (*uncertain)++;
    }
    store_outbox_rows_free(&rows, n);
    rc = send_flush(w, err);
    *uncertain = w->stats.uncertain;
    return rc;
}
