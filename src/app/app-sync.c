/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Sync use cases: create, join and rotate a network, and run the sync
 * session, either inside the console's poll loop (app_sync_fds /
 * app_sync_perform, never blocking) or headless (app_sync_run).
 */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/store.h"
#include "vigia/sync.h"
#include "vigia/app.h"

#include "private.h"

struct app_sync {
    struct app *app;
    struct sync_session *ss;
};

/* ---- blocking requests (create, rotate) --------------------------------------- */

struct app_sync_reply {
    bool done;
    long status;
    char *body;
    char *error;
};

static void app_sync_reply_done(long status, const char *body, size_t len, const char *error,
                                void *data)
{
    struct app_sync_reply *r = data;

    r->done = true;
    r->status = status;
    r->body = xstrndup(body, len);
    r->error = error ? xstrdup(error) : NULL;
}

/* POST @body to @url and wait for the answer (at most @timeout_s). */
static void app_sync_post(const char *url, const char *const *headers, const char *body,
                          long timeout_s, struct app_sync_reply *r)
{
    struct sync_client *c = sync_client_new();

    memset(r, 0, sizeof *r);
    sync_client_request(c, "POST", url, headers, body, strlen(body), timeout_s, app_sync_reply_done,
                        r);
    while (!r->done)
        sync_client_wait(c, 1000);
    sync_client_free(&c);
}

static void app_sync_reply_fini(struct app_sync_reply *r)
{
    free(r->body);
    free(r->error);
}

static char *app_sync_reply_msg(const struct app_sync_reply *r)
{
    json_t *o;
    char *msg;

    if (r->status == 0)
        return xstrdup(r->error ? r->error : "no answer");
    o = json_loads(r->body ? r->body : "", 0, NULL);
    if (json_is_string(json_object_get(o, "error")))
        msg = xasprintf("HTTP %ld: %s", r->status, json_string_value(json_object_get(o, "error")));
    else
        msg = xasprintf("HTTP %ld", r->status);
    json_decref(o);
    return msg;
}

/* ---- membership ---------------------------------------------------------------- */

/* A practice sandbox (app-practice.c marks it) never joins, makes or shares a real network. */
static bool app_sync_is_sandbox(struct app *a, char **err)
{
    char *v = NULL;
    bool sandbox;

    store_sync_get(a->store, APP_PRACTICE_SANDBOX_KEY, &v, NULL);
    sandbox = v != NULL;
    free(v);
    if (sandbox)
        util_seterr(err, "%s",
                    _("this database is a practice sandbox: it never joins or shares a real "
                      "network (several trainees share a practice run with vigia practice FILE "
                      "--relay URL)"));
    return sandbox;
}

static char *app_sync_device_name(struct app *a)
{
    char host[256];

    if (a->actor != NULL && *a->actor)
        return xstrdup(a->actor);
    if (gethostname(host, sizeof host) == 0) {
        host[sizeof host - 1] = '\0';
        return xstrdup(host);
    }
    return xstrdup("device");
}

int app_network_create(struct app *a, const char *relay_url, char **invite, char **err)
{
    struct sync_invite inv;
    unsigned char verifier[32];
    struct app_sync_reply r;
    char *v64, *body, *url, *name, *secret_hdr = NULL;
    const char *headers[3] = {"Content-Type: application/json", NULL, NULL};
    const char *secret = getenv("VIGIA_RELAY_CREATE_SECRET");
    int rc = -1;

    *invite = NULL;
    if (app_sync_is_sandbox(a, err))
        return -1;
    if (relay_url == NULL ||
        (strncmp(relay_url, "http://", 7) != 0 && strncmp(relay_url, "https://", 8) != 0)) {
        util_seterr(err, _("relay URL must start with http:// or https://"));
        return -1;
    }
    {
        char *cur = NULL;
        store_sync_get(a->store, "net.id", &cur, NULL);
        if (cur != NULL) {
            util_seterr(err, _("this database already belongs to network %s"), cur);
            free(cur);
            return -1;
        }
    }
    memset(&inv, 0, sizeof inv);
    inv.relay = xstrdup(relay_url);
    while (*inv.relay && inv.relay[strlen(inv.relay) - 1] == '/')
        inv.relay[strlen(inv.relay) - 1] = '\0';
    ulid_new(timeutil_now_ms(), inv.network);
    inv.epoch = 1;
    inv.nkeys = 1;
    inv.keys[0].epoch = 1;
    randombytes_buf(inv.keys[0].key, SYNC_KEY_BYTES);
    sync_auth_verifier(inv.keys[0].key, 1, verifier);
    v64 = sync_b64_encode(verifier, sizeof verifier);
    body = xasprintf("{\"network\":\"%s\",\"epoch\":1,\"verifier\":\"%s\"}", inv.network, v64);
    url = xasprintf("%s/v1/networks", inv.relay);
    if (secret != NULL) {
        secret_hdr = xasprintf("X-Vigia-Create-Secret: %s", secret);
        headers[1] = secret_hdr;
    }
    app_sync_post(url, headers, body, 20, &r);
    if (r.status != 201) {
        char *m = app_sync_reply_msg(&r);
        util_seterr(err, _("cannot create the network on relay %s: %s"), inv.relay, m);
        free(m);
        goto out;
    }
    name = app_sync_device_name(a);
    rc = sync_network_join(a->store, &inv, name, err);
    free(name);
    if (rc == 0) {
        /* The invite carries the personal-data key too when it is unlocked here. */
        inv.has_vault = app_vault_key(a, inv.vault, NULL) == 0;
        *invite = sync_invite_format(&inv);
    }
out:
    app_sync_reply_fini(&r);
    sodium_memzero(verifier, sizeof verifier);
    free(secret_hdr);
    free(v64);
    free(body);
    free(url);
    sync_invite_fini(&inv);
    return rc;
}

_Static_assert(SYNC_KEY_BYTES == APP_VAULT_KEY_BYTES, "the invite carries the vault key");

bool app_invite_has_vault(const char *invite)
{
    struct sync_invite inv;
    bool has;

    if (sync_invite_parse(invite, &inv, NULL) != 0)
        return false;
    has = inv.has_vault;
    sync_invite_fini(&inv);
    return has;
}

int app_network_join(struct app *a, const char *invite, const char *device_name, const char *pass,
                     char **err)
{
    struct sync_invite inv;
    char *name;
    int rc;

    if (app_practice_code_parse(invite, NULL)) {
        util_seterr(err, "%s",
                    _("that is a practice code: a real database never joins a practice network "
                      "(trainees run vigia practice FILE --relay URL --join CODE)"));
        return -1;
    }
    if (app_sync_is_sandbox(a, err))
        return -1;
    if (sync_invite_parse(invite, &inv, err) != 0)
        return -1;
    if (inv.has_vault && pass == NULL) {
        util_seterr(err, "%s",
                    _("this invite carries the network's personal-data key: a passphrase for "
                      "this device is needed to keep it"));
        sync_invite_fini(&inv);
        return -1;
    }
    /* The key first: if the passphrase is refused, nothing has been joined. */
    rc = inv.has_vault ? app_vault_adopt(a, inv.vault, pass, err) : 0;
    if (rc == 0) {
        name = device_name ? xstrdup(device_name) : app_sync_device_name(a);
        rc = sync_network_join(a->store, &inv, name, err);
        free(name);
    }
    sync_invite_fini(&inv);
    return rc;
}

int app_network_invite(struct app *a, char **invite, char **err)
{
    unsigned char vault[APP_VAULT_KEY_BYTES];
    bool unlocked;
    int rc;

    *invite = NULL;
    if (app_sync_is_sandbox(a, err))
        return -1;
    unlocked = app_vault_key(a, vault, NULL) == 0;
    rc = sync_network_invite(a->store, unlocked ? vault : NULL, invite, err);

    sodium_memzero(vault, sizeof vault);
    return rc;
}

int app_network_devices(struct app *a, char **text, bool json, char **err)
{
    struct store_device *d = NULL;
    size_t n = 0;
    struct buf b;

    *text = NULL;
    if (store_devices_list(a->store, &d, &n, err) != STORE_OK)
        return -1;
    buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        char joined[32] = "", removed[32] = "";
        bool self = strcmp(d[i].id, store_device(a->store)) == 0;
        if (d[i].joined_at > 0)
            timeutil_rfc3339(d[i].joined_at, joined);
        if (d[i].deleted_at > 0)
            timeutil_rfc3339(d[i].deleted_at, removed);
        if (json) {
            json_t *o = json_pack("{s:s,s:s?,s:s,s:s?,s:b}", "id", d[i].id, "name", d[i].name,
                                  "joined_at", joined, "removed_at",
                                  d[i].deleted_at > 0 ? removed : NULL, "this_device", self);
            char *line = json_dumps(o, JSON_COMPACT);
            buf_printf(&b, "%s\n", line);
            free(line);
            json_decref(o);
        } else {
            buf_printf(&b, "%s  %-20s  %s%s%s\n", d[i].id, d[i].name ? d[i].name : "",
                       d[i].deleted_at > 0 ? _("removed") : _("active"), self ? "  " : "",
                       self ? _("(this device)") : "");
        }
    }
    store_devices_free(&d, n);
    *text = buf_steal(&b);
    return 0;
}

/* Run a session until nothing is in flight and nothing is left to send. */
static int app_sync_drain(struct sync_session *ss, char **err)
{
    const struct sync_status *st;
    int64_t last_sent = -1;

    sync_session_set_wait(ss, 0);
    for (;;) {
        sync_session_kick(ss);
        while (!sync_session_idle(ss)) {
            sync_client_wait(sync_session_client(ss), 200);
            /* More batches behind a full answer, or a retry coming due. */
            if (!sync_session_idle(ss))
                sync_session_kick(ss);
        }
        st = sync_session_status(ss);
        if (!st->online) {
            util_seterr(err, "%s", st->last_error ? st->last_error : _("relay is unreachable"));
            return -1;
        }
        if (st->pending == 0 || st->sent_batches == last_sent)
            break;
        last_sent = st->sent_batches;
    }
    return 0;
}

int app_network_rotate(struct app *a, const char *const *remove, int64_t *epoch, char **err)
{
    struct sync_session *ss;
    unsigned char key[SYNC_KEY_BYTES], oldkey[SYNC_KEY_BYTES], verifier[32], oldver[32];
    char token[65], *relay = NULL, *net = NULL, *url = NULL, *body = NULL, *v64 = NULL;
    char *h[4] = {NULL};
    struct app_sync_reply r = {0};
    int64_t old = 0;
    int rc = -1;

    *epoch = 0;
    if ((ss = sync_session_new(a->store, err)) == NULL)
        return -1;
    store_sync_get_int(a->store, "net.epoch", 0, &old, NULL);
    if (sync_network_rotate_prepare(a->store, remove, epoch, err) != 0)
        goto out;
    /* The shares go out under the old key: the remaining devices can read them. */
    if (app_sync_drain(ss, err) != 0)
        goto out;
    if (sync_network_key(a->store, *epoch, key) != 0 ||
        sync_network_key(a->store, old, oldkey) != 0) {
        util_seterr(err, _("cannot read the network keys"));
        goto out;
    }
    sync_auth_verifier(key, *epoch, verifier);
    sync_auth_verifier(oldkey, old, oldver);
    sync_auth_token(oldver, store_device(a->store), token);
    sodium_memzero(key, sizeof key);
    sodium_memzero(oldkey, sizeof oldkey);
    v64 = sync_b64_encode(verifier, sizeof verifier);
    store_sync_get(a->store, "relay.url", &relay, NULL);
    store_sync_get(a->store, "net.id", &net, NULL);
    url = xasprintf("%s/v1/networks/%s/epochs", relay, net);
    body = xasprintf("{\"epoch\":%lld,\"verifier\":\"%s\"}", (long long)*epoch, v64);
    h[0] = xasprintf("Authorization: Bearer %s", token);
    h[1] = xasprintf("X-Vigia-Device: %s", store_device(a->store));
    h[2] = xasprintf("X-Vigia-Epoch: %lld", (long long)old);
    app_sync_post(url, (const char *const *)h, body, 20, &r);
    if (r.status != 201) {
        char *m = app_sync_reply_msg(&r);
        util_seterr(err, _("relay did not take the new key epoch: %s"), m);
        free(m);
        goto out;
    }
    if (sync_network_rotate_commit(a->store, *epoch, err) != 0)
        goto out;
    rc = 0;
out:
    sodium_memzero(verifier, sizeof verifier);
    sodium_memzero(oldver, sizeof oldver);
    app_sync_reply_fini(&r);
    for (size_t i = 0; i < 3; i++)
        free(h[i]);
    free(relay);
    free(net);
    free(url);
    free(body);
    free(v64);
    sync_session_free(&ss);
    return rc;
}

int app_network_resend(struct app *a, char **err)
{
    int rc = store_begin(a->store, err);

    /* Receivers drop ops they have; the batches carry new numbers. */
    if (rc == STORE_OK)
        rc = store_sync_set(a->store, "send.pending", NULL, err);
    if (rc == STORE_OK)
        rc = store_sync_set_int(a->store, "send.cursor", 0, err);
    if (rc == STORE_OK)
        rc = store_commit(a->store, err);
    else
        store_rollback(a->store);
    return rc == STORE_OK ? 0 : -1;
}

/* ---- the running session -------------------------------------------------------- */

struct app_sync *app_sync_new(struct app *a, char **err)
{
    struct sync_session *ss = sync_session_new(a->store, err);
    struct app_sync *s;

    if (ss == NULL)
        return NULL;
    s = xcalloc(1, sizeof *s);
    s->app = a;
    s->ss = ss;
    sync_session_kick(ss);
    return s;
}

void app_sync_free(struct app_sync **sp)
{
    if (*sp == NULL)
        return;
    sync_session_free(&(*sp)->ss);
    FREE(sp);
}

void app_sync_fds(struct app_sync *s, struct pollfd *fds, size_t max, size_t *n, int *timeout_ms)
{
    long t;

    sync_client_fds(sync_session_client(s->ss), fds, max, n, &t);
    /* Nothing in flight: a retry is waiting for its time. */
    if (sync_client_active(sync_session_client(s->ss)) == 0)
        t = 1000;
    *timeout_ms = t < 0 ? -1 : (t > 60000 ? 60000 : (int)t);
}

void app_sync_perform(struct app_sync *s)
{
    sync_client_perform(sync_session_client(s->ss));
    sync_session_kick(s->ss);
}

void app_sync_poke(struct app_sync *s)
{
    sync_session_kick(s->ss);
}

static void app_sync_fill(const struct sync_status *st, struct app_sync_status *out)
{
    memset(out, 0, sizeof *out);
    out->joined = st->joined;
    out->online = st->online;
    out->pending = st->pending;
    out->last_ok = st->last_ok;
    out->refused = st->refused;
    out->gaps = st->gaps;
    out->sent = st->sent_batches;
    out->received = st->received_batches;
    out->applied_ops = st->applied_ops;
    out->last_error = st->last_error;
}

void app_sync_status(struct app_sync *s, struct app_sync_status *out)
{
    app_sync_fill(sync_session_status(s->ss), out);
    store_thread_unread(s->app->store, &out->unread, NULL);
}

bool app_network_joined(struct app *a)
{
    char *net = NULL;
    bool joined;

    store_sync_get(a->store, "net.id", &net, NULL);
    joined = net != NULL;
    free(net);
    return joined;
}

void app_sync_status_offline(struct app *a, struct app_sync_status *out)
{
    char *net = NULL;
    int64_t cursor = 0;

    memset(out, 0, sizeof *out);
    store_sync_get(a->store, "net.id", &net, NULL);
    out->joined = net != NULL;
    free(net);
    store_sync_get_int(a->store, "send.cursor", 0, &cursor, NULL);
    store_sync_pending(a->store, cursor, &out->pending, NULL);
    store_sync_get_int(a->store, "sync.last_ok", 0, &out->last_ok, NULL);
    store_thread_unread(a->store, &out->unread, NULL);
}

int app_sync_run(struct app *a, bool once, const volatile sig_atomic_t *stop,
                 struct app_sync_status *out, char **err)
{
    struct app_sync *as;
    int rc = 0, wfd;

    if (once) {
        struct sync_session *ss = sync_session_new(a->store, err);
        if (ss == NULL)
            return -1;
        rc = app_sync_drain(ss, err);
        if (out != NULL) {
            app_sync_fill(sync_session_status(ss), out);
            out->last_error = NULL; /* the session goes away */
        }
        sync_session_free(&ss);
        return rc;
    }
    /* The loop the console runs, with the database watch for local writes. */
    if ((as = app_sync_new(a, err)) == NULL)
        return -1;
    wfd = store_watch_fd(a->store);
    store_changed(a->store);
    while (stop == NULL || !*stop) {
        struct pollfd fds[64];
        size_t n = 0;
        int t;
        app_sync_fds(as, fds, UTIL_ARRAY_LEN(fds) - 1, &n, &t);
        if (wfd >= 0) {
            fds[n].fd = wfd;
            fds[n].events = POLLIN;
            fds[n].revents = 0;
            n++;
        } else if (t < 0 || t > 1000) {
            t = 1000; /* no inotify: look for local writes every second */
        }
        if (poll(fds, n, t) < 0 && stop != NULL && *stop)
            break;
        app_sync_perform(as);
        if (wfd >= 0 && store_changed(a->store))
            app_sync_poke(as);
    }
    if (out != NULL) {
        app_sync_status(as, out);
        out->last_error = NULL;
    }
    app_sync_free(&as);
    return rc;
}

/* ---- the dispatch thread ------------------------------------------------------- */

#define APP_THREAD_MAX 1000

int app_thread_post(struct app *a, const char *body, char **err)
{
    enum text_problem p;
    char *nfc;
    const char *s = body;
    int rc;

    if (a->actor == NULL || *a->actor == '\0') {
        util_seterr(err, _("who is posting? give --as NAME"));
        return -1;
    }
    while (s != NULL && (*s == ' ' || *s == '\n'))
        s++;
    if (s == NULL || *s == '\0') {
        util_seterr(err, _("message: empty"));
        return -1;
    }
    if ((p = text_check(s, APP_THREAD_MAX, true, NULL)) != TEXT_OK) {
        util_seterr(err, _("message: %s"), text_problem_str(p));
        return -1;
    }
    nfc = text_nfc(s);
    rc = store_thread_post(a->store, a->actor, nfc, NULL, err);
    free(nfc);
    return rc == STORE_OK ? 0 : -1;
}

int app_thread_list(struct app *a, size_t limit, struct app_thread_msg **out, size_t *n, char **err)
{
    struct store_thread_msg *m = NULL;
    size_t k = 0;

    *out = NULL;
    *n = 0;
    if (store_thread_list(a->store, limit, &m, &k, err) != STORE_OK)
        return -1;
    *out = xcalloc(k ? k : 1, sizeof **out);
    for (size_t i = 0; i < k; i++) {
        memcpy((*out)[i].id, m[i].id, sizeof m[i].id);
        (*out)[i].at = m[i].at;
        (*out)[i].author = m[i].author;
        (*out)[i].body = m[i].body;
        (*out)[i].mine = m[i].mine;
        (*out)[i].unread = m[i].unread;
        m[i].author = m[i].body = NULL; /* moved */
    }
    store_thread_free(&m, k);
    *n = k;
    return 0;
}

void app_thread_free(struct app_thread_msg **m, size_t n)
{
    if (*m == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free((*m)[i].author);
        free((*m)[i].body);
    }
    FREE(m);
}

int app_thread_unread(struct app *a, int64_t *n)
{
    return store_thread_unread(a->store, n, NULL) == STORE_OK ? 0 : -1;
}

int app_thread_mark_read(struct app *a, int64_t at, char **err)
{
    return store_thread_mark_read(a->store, at, err) == STORE_OK ? 0 : -1;
}
