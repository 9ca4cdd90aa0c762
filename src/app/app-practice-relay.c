/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Several trainees on one practice network (vigia practice FILE --relay URL).
 *
 * The trainer leads (--lead): a random join code of 16 base32 characters
 * (80 bits, shown as XXXX-XXXX-XXXX-XXXX) names the run. The practice
 * network's id and key are derived from the code (BLAKE2b, then two KDF
 * subkeys), so the code is all a trainee needs besides the relay URL; the
 * leader registers the network with the relay exactly as `network create`
 * does, and the relay authenticates devices as usual (share/doc/
 * sync-protocol.md): it sees a network id, never the code or the key.
 * Trainees (--join CODE) derive the same network and join it offline.
 *
 * Every database involved is a fresh sandbox marked as one (sync_state
 * "practice.sandbox"): the real console refuses practice codes, and a
 * sandbox refuses real invites and never makes one (app-sync.c), so a
 * practice run and a real network never meet.
 *
 * Only the leader plays the timeline: calls become reports as the actor
 * "scenario", and the scripted verifiers answer any trainee's assignment.
 * The run's bookkeeping travels as synced events of kind practice.*, kept
 * out of the debrief's timeline:
 *
 *   practice.start  {lead, device, base, shape, title}  the leader's run began
 *   practice.clock  {n, t, real, speed, paused}         its clock (start, F9)
 *   practice.call   {n, report, t}                      timeline event n arrived
 *   practice.answer {incident, t}                       a scripted verifier answered
 *   practice.join   {trainee, device}                   a trainee came in
 *   practice.end    {t}                                 the leader's run is over
 *   practice.done   {trainee, device}                   a trainee finished
 *
 * A trainee takes the leader's base (scenario 00:00 in database time), so
 * every device's rows and events lie on one time axis and each debrief
 * reads the shared work; scenario time is the leader's announced clock run
 * forward on the wall clock (CLOCK_REALTIME), frozen while paused.
 */
#include "config.h"

#include <ctype.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/store.h"
#include "vigia/sim.h"
#include "vigia/sync.h"
#include "vigia/app.h"

#include "practice.h"
#include "private.h"

#define PRELAY_ALPHABET "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#define PRELAY_CODE_LEN 16
/* Hold a trainee's scripted action this long for the call it needs to arrive. */
#define PRELAY_HOLD_MS 15000
/* A console that closes waits this long for the others' last actions. */
#define PRELAY_CONSOLE_WAIT_MS 5000

struct practice_relay {
    char *url;
    char code[PRELAY_CODE_LEN + 1];
    char shown[PRELAY_CODE_LEN + 4];
    bool lead;
    char *lead_name;
    struct app_sync *sync; /* headless play and the waits; the console runs its own */
    int wait_ms;
    /* The leader's clock as last announced. */
    bool have_clock, paused;
    int64_t clock_n, clock_t, clock_real;
    double speed;
    int64_t clock_seq; /* leading: the next practice.clock's n */
    bool ended;
    size_t joined; /* trainees seen joining (practice.join) */
    size_t want;   /* leading headless: trainees to wait for before 00:00 */
};

/* ---- helpers ----------------------------------------------------------------------- */

/* Wall-clock ms, shared between machines (the process clock is the scenario's). */
static int64_t prelay_wall(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t prelay_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool app_practice_code_parse(const char *text, char norm[17])
{
    char out[PRELAY_CODE_LEN + 1];
    size_t n = 0;

    if (text == NULL)
        return false;
    for (const char *c = text; *c; c++) {
        int u = toupper((unsigned char)*c);
        if (*c == '-' || *c == ' ')
            continue;
        if (u == 'O')
            u = '0';
        else if (u == 'I' || u == 'L')
            u = '1';
        if (u == '\0' || strchr(PRELAY_ALPHABET, u) == NULL || n >= PRELAY_CODE_LEN)
            return false;
        out[n++] = (char)u;
    }
    if (n != PRELAY_CODE_LEN)
        return false;
    out[n] = '\0';
    if (norm != NULL)
        memcpy(norm, out, sizeof out);
    return true;
}

/* The practice network of a code: its id (a ULID) and its key. */
static void prelay_derive(const char code[PRELAY_CODE_LEN + 1], char net[ULID_LEN + 1],
                          unsigned char key[SYNC_KEY_BYTES])
{
    static const char salt[16] = {'v', 'i', 'g', 'i', 'a', '-', 'p', 'r',
                                  'a', 'c', 't', 'i', 'c', 'e', '-', '1'};
    unsigned char seed[crypto_kdf_KEYBYTES], id[ULID_LEN];

    crypto_generichash(seed, sizeof seed, (const unsigned char *)code, PRELAY_CODE_LEN,
                       (const unsigned char *)salt, sizeof salt);
    crypto_kdf_derive_from_key(key, SYNC_KEY_BYTES, 1, "vgpractk", seed);
    crypto_kdf_derive_from_key(id, sizeof id, 2, "vgpracti", seed);
    net[0] = PRELAY_ALPHABET[id[0] & 7]; /* a ULID's first character is 0-7 */
    for (size_t i = 1; i < ULID_LEN; i++)
        net[i] = PRELAY_ALPHABET[id[i] & 31];
    net[ULID_LEN] = '\0';
    sodium_memzero(seed, sizeof seed);
}

/* A digest of the scenario's shape (incidents, calls, their times): en and es agree. */
static void prelay_shape(const struct config_scenario *sc, char out[17])
{
    crypto_generichash_state st;
    unsigned char h[8];
    char num[64];

    crypto_generichash_init(&st, NULL, 0, sizeof h);
    for (size_t i = 0; i < sc->nincidents; i++)
        crypto_generichash_update(&st, (const unsigned char *)sc->incidents[i].id,
                                  strlen(sc->incidents[i].id) + 1);
    for (size_t i = 0; i < sc->nevents; i++) {
        snprintf(num, sizeof num, "%zu@%lld;", sc->events[i].incident,
                 (long long)sc->events[i].at_ms);
        crypto_generichash_update(&st, (const unsigned char *)num, strlen(num));
    }
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, 17, h, sizeof h);
}

/* Append a practice.* event (newly built @detail, stolen) as @actor. */
static void prelay_event(struct app_practice *p, const char *actor, const char *kind,
                         json_t *detail)
{
    char *js = json_dumps(detail, JSON_COMPACT), *err = NULL;

    json_decref(detail);
    if (store_begin(p->a->store, &err) != STORE_OK ||
        store_event(p->a->store, actor, kind, NULL, js, &err) != STORE_OK ||
        store_commit(p->a->store, &err) != STORE_OK) {
        store_rollback(p->a->store);
        logger_msg(LOGGER_WARN, _("cannot record %s: %s"), kind, err ? err : "?");
        free(err);
    }
    free(js);
    if (p->relay != NULL && p->relay->sync != NULL)
        app_sync_poke(p->relay->sync);
}

/* The events of @kind, oldest first, with their detail parsed; free with prelay_list_free. */
struct prelay_item {
    char *actor;
    int64_t at;
    json_t *d;
};

static size_t prelay_list(struct app_practice *p, const char *kind, struct prelay_item **out)
{
    struct app_event_filter f = {.kind = kind, .oldest_first = true, .limit = 100000};
    struct model_event *ev = NULL;
    size_t n = 0;

    *out = NULL;
    if (app_events(p->a, &f, &ev, &n, NULL) != 0)
        return 0;
    *out = xcalloc(n + 1, sizeof **out);
    for (size_t i = 0; i < n; i++) {
        (*out)[i].actor = xstrdup(ev[i].actor ? ev[i].actor : "");
        (*out)[i].at = ev[i].at;
        (*out)[i].d = json_loads(ev[i].detail ? ev[i].detail : "{}", 0, NULL);
    }
    app_events_free(ev, n);
    return n;
}

static void prelay_list_free(struct prelay_item *it, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(it[i].actor);
        json_decref(it[i].d);
    }
    free(it);
}

static int64_t prelay_int(const json_t *d, const char *key, int64_t def)
{
    const json_t *v = json_object_get(d, key);

    return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

/* Wait up to @ms for the relay (headless and the waits), doing its I/O. */
static void prelay_pump(struct app_practice *p, int ms)
{
    struct practice_relay *r = p->relay;
    struct pollfd fds[32];
    size_t n = 0;
    int t = ms;

    if (r->sync == NULL) {
        if (ms > 0)
            poll(NULL, 0, ms);
        return;
    }
    app_sync_fds(r->sync, fds, UTIL_ARRAY_LEN(fds), &n, &t);
    if (t < 0 || t > ms)
        t = ms;
    poll(fds, n, t);
    /* The session's retries and timers run on the real clock. */
    timeutil_set_fixed(0);
    app_sync_perform(r->sync);
    practice_clock(p, p->scen_now);
}

/* POST @body to @url and wait (the network's registration); the status, 0: no answer. */
struct prelay_reply {
    bool done;
    long status;
    char *error;
};

static void prelay_reply_done(long status, const char *body, size_t len, const char *error,
                              void *data)
{
    struct prelay_reply *r = data;

    (void)body;
    (void)len;
    r->done = true;
    r->status = status;
    r->error = xstrdup(error ? error : "");
}

static long prelay_post(const char *url, const char *body, char **error)
{
    struct sync_client *c = sync_client_new();
    struct prelay_reply r = {0};
    const char *secret = getenv("VIGIA_RELAY_CREATE_SECRET");
    char *sh = secret ? xasprintf("X-Vigia-Create-Secret: %s", secret) : NULL;
    const char *headers[3] = {"Content-Type: application/json", sh, NULL};

    sync_client_request(c, "POST", url, headers, body, strlen(body), 20, prelay_reply_done, &r);
    while (!r.done)
        sync_client_wait(c, 1000);
    sync_client_free(&c);
    free(sh);
    *error = r.error;
    return r.status;
}

/* ---- joining ------------------------------------------------------------------------- */

/* Make the sandbox a member of the code's practice network (no relay needed). */
static int prelay_join_local(struct app_practice *p, char **err)
{
    struct practice_relay *r = p->relay;
    struct sync_invite inv;
    int rc;

    memset(&inv, 0, sizeof inv);
    inv.relay = xstrdup(r->url);
    prelay_derive(r->code, inv.network, inv.keys[0].key);
    inv.epoch = 1;
    inv.nkeys = 1;
    inv.keys[0].epoch = 1;
    rc = sync_network_join(p->a->store, &inv, p->trainee, err);
    sync_invite_fini(&inv);
    return rc;
}

/* Leading: a fresh code, its network registered with the relay. */
static int prelay_create(struct app_practice *p, char **err)
{
    struct practice_relay *r = p->relay;

    for (int attempt = 0; attempt < 3; attempt++) {
        unsigned char raw[PRELAY_CODE_LEN], key[SYNC_KEY_BYTES], ver[32];
        char net[ULID_LEN + 1], *v64, *body, *url, *error = NULL;
        long status;

        randombytes_buf(raw, sizeof raw);
        for (size_t i = 0; i < PRELAY_CODE_LEN; i++)
            r->code[i] = PRELAY_ALPHABET[raw[i] & 31];
        r->code[PRELAY_CODE_LEN] = '\0';
        prelay_derive(r->code, net, key);
        sync_auth_verifier(key, 1, ver);
        sodium_memzero(key, sizeof key);
        v64 = sync_b64_encode(ver, sizeof ver);
        body = xasprintf("{\"network\":\"%s\",\"epoch\":1,\"verifier\":\"%s\"}", net, v64);
        url = xasprintf("%s/v1/networks", r->url);
        status = prelay_post(url, body, &error);
        free(v64);
        free(body);
        free(url);
        if (status == 201) {
            free(error);
            return 0;
        }
        if (status != 409) {
            if (status == 0)
                util_seterr(err, _("cannot create the practice network on relay %s: %s"), r->url,
                            error);
            else
                util_seterr(err, _("cannot create the practice network on relay %s: HTTP %ld"),
                            r->url, status);
            free(error);
            return -1;
        }
        free(error); /* that code is taken (vanishingly rare): draw another */
    }
    util_seterr(err, _("cannot create the practice network on relay %s"), r->url);
    return -1;
}

/* Take the leader's practice.start: base, lead, shape; 1 when found, -1 on a mismatch. */
static int prelay_take_start(struct app_practice *p, char **err)
{
    struct practice_relay *r = p->relay;
    struct prelay_item *it;
    size_t n = prelay_list(p, "practice.start", &it);
    char shape[17];
    int rc = 0;

    if (n > 0) {
        const char *their = json_string_value(json_object_get(it[0].d, "shape"));
        const char *title = json_string_value(json_object_get(it[0].d, "title"));
        prelay_shape(&p->sc, shape);
        if (their == NULL || strcmp(their, shape) != 0) {
            util_seterr(err,
                        _("the trainer's run plays another scenario (%s): start with the same "
                          "scenario file (or its other language)"),
                        title ? title : "?");
            rc = -1;
        } else {
            const char *lead = json_string_value(json_object_get(it[0].d, "lead"));
            p->base = prelay_int(it[0].d, "base", p->base);
            free(r->lead_name);
            r->lead_name = xstrdup(lead ? lead : it[0].actor);
            rc = 1;
        }
    }
    prelay_list_free(it, n);
    return rc;
}

int practice_relay_open(struct app_practice *p, const struct app_practice_options *o, char **err)
{
    struct practice_relay *r;
    char *e2 = NULL;
    int rc = -1;

    if (strncmp(o->relay, "http://", 7) != 0 && strncmp(o->relay, "https://", 8) != 0) {
        util_seterr(err, _("relay URL must start with http:// or https://"));
        return -1;
    }
    r = p->relay = xcalloc(1, sizeof *r);
    r->url = xstrdup(o->relay);
    while (*r->url && r->url[strlen(r->url) - 1] == '/')
        r->url[strlen(r->url) - 1] = '\0';
    r->lead = o->join == NULL;
    r->wait_ms = (o->wait_s > 0 ? o->wait_s : 120) * 1000;
    r->speed = p->sim.clock.speed;
    r->want = o->trainees;
    if (r->lead) {
        if (prelay_create(p, err) != 0)
            return -1;
    } else if (!app_practice_code_parse(o->join, r->code)) {
        if (strncmp(o->join, "vigia-invite-", 13) == 0)
            util_seterr(err, "%s",
                        _("that is an invite to a real network: a practice run never joins one "
                          "(ask the trainer for the practice code)"));
        else
            util_seterr(err,
                        _("'%s' is not a practice code (four groups of four letters and "
                          "digits, e.g. 7KQM-2XPD-9F3T-HB4C)"),
                        o->join);
        return -1;
    }
    snprintf(r->shown, sizeof r->shown, "%.4s-%.4s-%.4s-%.4s", r->code, r->code + 4, r->code + 8,
             r->code + 12);
    if (prelay_join_local(p, err) != 0)
        return -1;
    if (r->lead) {
        r->lead_name = xstrdup(p->trainee);
        if (o->announce != NULL)
            o->announce(r->shown, o->announce_data);
        /* The console's clock waits for the trainer's F9, once the trainees are in. */
        if (!p->headless)
            sim_clock_pause(&p->sim.clock, true, 0);
        return 0;
    }
    /* A trainee: say so, then wait for the leader's run. */
    {
        json_t *d =
            json_pack("{s:s,s:s}", "trainee", p->trainee, "device", store_device(p->a->store));
        prelay_event(p, p->trainee, "practice.join", d);
    }
    if ((r->sync = app_sync_new(p->a, &e2)) == NULL) {
        util_seterr(err, "%s", e2 ? e2 : "?");
        free(e2);
        return -1;
    }
    for (int64_t until = prelay_mono() + r->wait_ms;;) {
        int got = prelay_take_start(p, err);
        if (got < 0)
            goto out;
        if (got > 0)
            break;
        if (prelay_mono() > until) {
            struct app_sync_status st;
            app_sync_status(r->sync, &st);
            /* An unknown code's network does not exist: the relay answers 401. */
            if (!st.online && st.last_error != NULL)
                util_seterr(err,
                            _("no practice run with code %s on relay %s: has the trainer "
                              "started it (vigia practice FILE --relay URL --lead)? (%s)"),
                            r->shown, r->url, st.last_error);
            else
                util_seterr(err,
                            _("no practice run with code %s on relay %s yet: has the trainer "
                              "started it (vigia practice FILE --relay URL --lead)?"),
                            r->shown, r->url);
            goto out;
        }
        prelay_pump(p, 200);
    }
    practice_relay_follow(p);
    rc = 0;
out:
    /* The console syncs on its own; headless play keeps this session. */
    if (!p->headless || rc != 0) {
        if (rc == 0) {
            /* Our join goes out before the console starts. */
            for (int64_t until = prelay_mono() + 5000; prelay_mono() < until;) {
                struct app_sync_status st;
                app_sync_status(r->sync, &st);
                if (st.pending == 0)
                    break;
                prelay_pump(p, 100);
            }
        }
        app_sync_free(&r->sync);
    }
    return rc;
}

int practice_relay_started(struct app_practice *p, char **err)
{
    struct practice_relay *r = p->relay;
    char shape[17];
    json_t *d;

    (void)err;
    prelay_shape(&p->sc, shape);
    d = json_pack("{s:s,s:s,s:I,s:s,s:s}", "lead", p->trainee, "device", store_device(p->a->store),
                  "base", (json_int_t)p->base, "shape", shape, "title", p->sc.title);
    prelay_event(p, PRACTICE_ACTOR, "practice.start", d);
    practice_relay_clock(p);
    (void)r;
    return 0;
}

void practice_relay_free(struct practice_relay **rp)
{
    struct practice_relay *r = *rp;

    if (r == NULL)
        return;
    app_sync_free(&r->sync);
    free(r->url);
    free(r->lead_name);
    sodium_memzero(r->code, sizeof r->code);
    free(r);
    *rp = NULL;
}

bool practice_relay_plays(const struct app_practice *p)
{
    return p->relay == NULL || p->relay->lead;
}

const char *app_practice_code(const struct app_practice *p)
{
    return p->relay != NULL ? p->relay->shown : NULL;
}

bool practice_relay_internal(const char *kind)
{
    return kind != NULL && strncmp(kind, "practice.", 9) == 0;
}

char *practice_relay_banner(const struct app_practice *p)
{
    const struct practice_relay *r = p->relay;

    if (r->lead)
        /* TRANSLATORS: the join code, then how many trainees joined; kept short. */
        return xasprintf(_("%s · %zu in"), r->shown, r->joined);
    /* TRANSLATORS: banner of a shared practice run on a trainee's console. */
    return xasprintf(_("%s plays the calls"), r->lead_name ? r->lead_name : "?");
}

/* ---- the leader tells ---------------------------------------------------------------- */

void practice_relay_call(struct app_practice *p, size_t ev)
{
    json_t *d = json_pack("{s:I,s:s,s:I}", "n", (json_int_t)ev, "report", p->sim.report[ev], "t",
                          (json_int_t)p->sim.fired_at[ev]);

    prelay_event(p, PRACTICE_ACTOR, "practice.call", d);
}

void practice_relay_answer(struct app_practice *p, size_t incident)
{
    json_t *d =
        json_pack("{s:I,s:I}", "incident", (json_int_t)incident, "t", (json_int_t)p->scen_now);

    prelay_event(p, PRACTICE_ACTOR, "practice.answer", d);
}

void practice_relay_clock(struct app_practice *p)
{
    struct practice_relay *r = p->relay;
    json_t *d;

    if (!r->lead)
        return;
    d = json_pack("{s:I,s:I,s:I,s:f,s:b}", "n", (json_int_t)r->clock_seq++, "t",
                  (json_int_t)p->scen_now, "real", (json_int_t)prelay_wall(), "speed",
                  p->sim.clock.speed, "paused", p->sim.clock.paused);
    prelay_event(p, PRACTICE_ACTOR, "practice.clock", d);
}

/* ---- a trainee follows ------------------------------------------------------------------ */

/* Trainees who joined, and whether each (and the leader) said practice.done. */
static void prelay_count(struct app_practice *p, size_t *joined, size_t *done, size_t *members)
{
    struct prelay_item *j, *d, *s;
    size_t nj = prelay_list(p, "practice.join", &j), nd = prelay_list(p, "practice.done", &d),
           ns = prelay_list(p, "practice.start", &s);
    const char **dev = xcalloc(nj + ns + 1, sizeof *dev);
    size_t m = 0, k = 0, leads = 0;

    /* The leader first, then each trainee's device once. */
    for (size_t i = 0; i < ns + nj; i++) {
        const json_t *o = i < ns ? s[i].d : j[i - ns].d;
        const char *id = json_string_value(json_object_get(o, "device"));
        bool dup = id == NULL;
        for (size_t x = 0; x < m && !dup; x++)
            dup = strcmp(dev[x], id) == 0;
        if (!dup) {
            dev[m++] = id;
            leads += i < ns;
        }
    }
    for (size_t x = 0; x < m; x++)
        for (size_t i = 0; i < nd; i++) {
            const char *id = json_string_value(json_object_get(d[i].d, "device"));
            if (id != NULL && strcmp(id, dev[x]) == 0) {
                k++;
                break;
            }
        }
    *joined = m - leads;
    *done = k;
    *members = m;
    free(dev);
    prelay_list_free(j, nj);
    prelay_list_free(d, nd);
    prelay_list_free(s, ns);
}

int64_t practice_relay_now(struct app_practice *p)
{
    struct practice_relay *r = p->relay;
    int64_t t;

    if (!r->have_clock)
        return p->scen_now;
    t = r->clock_t;
    if (!r->paused && prelay_wall() > r->clock_real)
        t += (int64_t)((double)(prelay_wall() - r->clock_real) * r->speed);
    if (t > p->sc.duration_ms && !r->ended)
        t = p->sc.duration_ms;
    return t < p->scen_now ? p->scen_now : t;
}

int practice_relay_follow(struct app_practice *p)
{
    struct practice_relay *r = p->relay;
    struct prelay_item *it;
    size_t n;
    int news = 0;

    if (r->lead) {
        size_t joined, done, members;
        prelay_count(p, &joined, &done, &members);
        r->joined = joined;
        return 0;
    }
    n = prelay_list(p, "practice.call", &it);
    for (size_t i = 0; i < n; i++) {
        int64_t ev = prelay_int(it[i].d, "n", -1);
        const char *id = json_string_value(json_object_get(it[i].d, "report"));
        if (ev < 0 || (size_t)ev >= p->sc.nevents || id == NULL || !ulid_valid(id) ||
            p->sim.fired[ev])
            continue;
        p->sim.fired[ev] = true;
        p->sim.fired_at[ev] = prelay_int(it[i].d, "t", 0);
        snprintf(p->sim.report[ev], sizeof p->sim.report[ev], "%s", id);
        news++;
    }
    prelay_list_free(it, n);
    n = prelay_list(p, "practice.answer", &it);
    for (size_t i = 0; i < n; i++) {
        int64_t inc = prelay_int(it[i].d, "incident", -1), t = prelay_int(it[i].d, "t", 0);
        if (inc >= 0 && (size_t)inc < p->sc.nincidents &&
            (p->sim.verified_at[inc] < 0 || t < p->sim.verified_at[inc]))
            p->sim.verified_at[inc] = t;
    }
    prelay_list_free(it, n);
    n = prelay_list(p, "practice.clock", &it);
    for (size_t i = 0; i < n; i++) {
        int64_t k = prelay_int(it[i].d, "n", -1);
        if (r->have_clock && k <= r->clock_n)
            continue;
        r->have_clock = true;
        r->clock_n = k;
        r->clock_t = prelay_int(it[i].d, "t", 0);
        r->clock_real = prelay_int(it[i].d, "real", prelay_wall());
        r->speed = json_number_value(json_object_get(it[i].d, "speed"));
        if (!(r->speed > 0))
            r->speed = 1;
        r->paused = json_is_true(json_object_get(it[i].d, "paused"));
    }
    prelay_list_free(it, n);
    n = prelay_list(p, "practice.end", &it);
    if (n > 0 && !r->ended) {
        r->ended = true;
        news++;
    }
    prelay_list_free(it, n);
    /* The banner shows the leader's clock. */
    p->sim.clock.paused = r->paused;
    p->sim.clock.speed = r->speed;
    practice_clock(p, practice_relay_now(p));
    if (r->ended)
        p->over = true;
    return news;
}

/* ---- headless ---------------------------------------------------------------------------- */

/* True when @x acts on a call that has not arrived here yet. */
static bool prelay_needs_call(struct app_practice *p, const struct config_answer *x)
{
    if (strcmp(x->action, "wait") == 0)
        return false;
    return sim_report_of(&p->sim, x->incident, x->report > 0 ? x->report : 1) == NULL;
}

int practice_relay_headless(struct app_practice *p, const struct config_answers *as, char **err)
{
    struct practice_relay *r = p->relay;
    size_t next = 0;
    int64_t held = 0;
    char *e2 = NULL;

    if (r->sync == NULL && (r->sync = app_sync_new(p->a, &e2)) == NULL) {
        util_seterr(err, "%s", e2 ? e2 : "?");
        free(e2);
        return -1;
    }
    if (r->lead) {
        /* Wait for the trainees asked for (--trainees N), then 00:00. */
        int64_t until = prelay_mono() + r->wait_ms;
        for (;;) {
            practice_relay_follow(p);
            if (r->joined >= r->want)
                break;
            if (prelay_mono() > until) {
                util_seterr(err, _("only %zu of %zu trainees joined practice code %s in time"),
                            r->joined, r->want, r->shown);
                return -1;
            }
            prelay_pump(p, 100);
        }
        sim_clock_set(&p->sim.clock, 0, prelay_mono());
        p->sim.clock.paused = false;
        practice_clock(p, 0);
        practice_relay_clock(p);
    }
    for (;;) {
        int64_t t;
        bool done;
        prelay_pump(p, 20);
        if (r->lead) {
            t = sim_clock_now(&p->sim.clock, prelay_mono());
            if (t > p->sc.duration_ms)
                t = p->sc.duration_ms;
            if (t < p->scen_now)
                t = p->scen_now;
            practice_step(p, t);
        } else {
            practice_relay_follow(p);
            t = p->scen_now;
        }
        /* The trainee's own actions at their time; after the end, the late ones at once. */
        while (next < as->n &&
               (as->items[next].at_ms <= t || (r->lead ? t >= p->sc.duration_ms : r->ended))) {
            const struct config_answer *x = &as->items[next];
            if (!r->lead && !r->ended && prelay_needs_call(p, x)) {
                if (held == 0)
                    held = prelay_mono();
                if (prelay_mono() - held < PRELAY_HOLD_MS)
                    break; /* the call is on its way */
            }
            held = 0;
            practice_clock(p, t > x->at_ms ? t : x->at_ms);
            practice_do(p, x);
            next++;
            if (r->lead)
                practice_watch(p); /* an assignment schedules its answer from now */
            practice_clock(p, t);
            app_sync_poke(r->sync);
        }
        done =
            next >= as->n && (r->lead ? t >= p->sc.duration_ms && sim_over(&p->sim, t) : r->ended);
        if (r->lead && t >= p->sc.duration_ms)
            practice_step(p, t); /* answers due at the very end */
        if (done)
            break;
    }
    practice_relay_finish(p);
    return 0;
}

/* ---- the end ----------------------------------------------------------------------------- */

void practice_relay_end(struct app_practice *p)
{
    struct practice_relay *r = p->relay;

    if (r->lead && !r->ended) {
        json_t *d = json_pack("{s:I}", "t", (json_int_t)p->scen_now);
        r->ended = true;
        prelay_event(p, PRACTICE_ACTOR, "practice.end", d);
    }
}

void practice_relay_finish(struct app_practice *p)
{
    struct practice_relay *r = p->relay;
    int64_t until;
    char *e2 = NULL;
    bool own = false;

    practice_relay_end(p);
    {
        json_t *d =
            json_pack("{s:s,s:s}", "trainee", p->trainee, "device", store_device(p->a->store));
        prelay_event(p, p->trainee, "practice.done", d);
    }
    if (r->sync == NULL) {
        if ((r->sync = app_sync_new(p->a, &e2)) == NULL) {
            logger_msg(LOGGER_WARN, "%s", e2 ? e2 : "?");
            free(e2);
            return;
        }
        own = true;
    }
    /* Everyone's last actions in, before the debrief: until all said done. */
    until = prelay_mono() + (p->headless ? r->wait_ms : PRELAY_CONSOLE_WAIT_MS);
    for (;;) {
        size_t joined, done, members;
        struct app_sync_status st;
        prelay_pump(p, 100);
        prelay_count(p, &joined, &done, &members);
        r->joined = joined;
        app_sync_status(r->sync, &st);
        if (done >= members && st.pending == 0)
            break;
        if (prelay_mono() > until) {
            if (done < members)
                logger_msg(LOGGER_WARN,
                           _("%zu of %zu trainees had not finished; the debrief has what arrived"),
                           members - done, members);
            break;
        }
    }
    if (!r->lead)
        practice_relay_follow(p);
    if (own)
        app_sync_free(&r->sync);
}

/* ---- debrief ------------------------------------------------------------------------------ */

void practice_relay_debrief(struct app_practice *p, json_t *d)
{
    struct practice_relay *r = p->relay;
    json_t *team = json_object(), *names = json_array();
    struct prelay_item *it;
    size_t n = prelay_list(p, "practice.join", &it);

    if (r->lead_name != NULL)
        json_array_append_new(names, json_string(r->lead_name));
    for (size_t i = 0; i < n; i++) {
        const char *who = json_string_value(json_object_get(it[i].d, "trainee"));
        bool dup = who == NULL;
        size_t k;
        const json_t *x;
        json_array_foreach(names, k, x) dup = dup || strcmp(json_string_value(x), who) == 0;
        if (!dup)
            json_array_append_new(names, json_string(who));
    }
    prelay_list_free(it, n);
    json_object_set_new(team, "relay", json_string(r->url));
    json_object_set_new(team, "code", json_string(r->shown));
    json_object_set_new(team, "lead", r->lead_name ? json_string(r->lead_name) : json_null());
    json_object_set_new(team, "played_timeline",
                        r->lead_name ? json_string(r->lead_name) : json_null());
    json_object_set_new(team, "this_trainee_leads", json_boolean(r->lead));
    json_object_set_new(team, "trainees", names);
    json_object_set_new(d, "team", team);
}
