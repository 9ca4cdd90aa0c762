/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Subscribers, broadcasts and the outbox.
 *
 * Subscribers and broadcasts are synced tables and change through
 * store_write() like everything else. The outbox is not: it is the work queue
 * of the device that approved a broadcast, written here with plain SQL. Rows
 * move queued -> sending -> sent | failed | uncertain (or skipped when the
 * recipient opted out before the send). "sending" is committed before the
 * request leaves, with the attempt count, so a crash leaves evidence: on the
 * next start a row still in "sending" may or may not have reached the
 * gateway, and the worker reconciles it or marks it uncertain rather than
 * sending again. Each row's idempotency key is BLAKE2b(broadcast, subscriber,
 * channel) and is also its id (the primary key), so approving twice cannot
 * queue anyone twice.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/store.h"

#include "private.h"

/* ---- subscribers ----------------------------------------------------------- */

void store_subscriber_fini(struct store_subscriber *sub)
{
    FREE(&sub->contact);
    FREE(&sub->channel);
    FREE(&sub->language);
    FREE(&sub->areas);
}

#define STORE_SUB_COLS "id, contact, channel, language, areas, opted_out_at, created_at"

static void store_sub_from_row(sqlite3_stmt *st, struct store_subscriber *sub)
{
    memset(sub, 0, sizeof *sub);
    snprintf(sub->id, sizeof sub->id, "%s", (const char *)sqlite3_column_text(st, 0));
    sub->contact = store_col_text(st, 1);
    sub->channel = store_col_text(st, 2);
    sub->language = store_col_text(st, 3);
    sub->areas = store_col_text(st, 4);
    sub->opted_out_at = sqlite3_column_int64(st, 5);
    sub->created_at = sqlite3_column_int64(st, 6);
}

/*
 * With a vault the contact is sealed: look the subscriber up by its keyed tag,
 * then among the rows not tagged yet (arrived from a device without the key,
 * or written before the tags), opening them one by one.
 */
static int store_subscriber_find_tag(struct store *s, const char *contact, const char *channel,
                                     struct store_subscriber *out, char **err)
{
    char tag[STORE_VAULT_TAG_LEN + 1];
    sqlite3_stmt *st;
    int rc;

    if ((rc = store_vault_tag(s, channel, contact, tag, err)) != STORE_OK)
        return rc;
    st = store_stmt(s,
                    "SELECT " STORE_SUB_COLS " FROM subscribers"
                    " WHERE contact_tag = ? AND channel = ? ORDER BY id LIMIT 1",
                    err);
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, tag, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
    rc = store_step_one(s, st, "reading a subscriber", err);
    if (rc == STORE_OK)
        store_sub_from_row(st, out);
    store_stmt_done(st);
    if (rc != STORE_ERR_NOT_FOUND)
        return rc;
    /* Not cached: store_open_text runs its own statements. */
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT " STORE_SUB_COLS " FROM subscribers"
                            " WHERE contact_tag IS NULL AND channel = ? ORDER BY id",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "reading a subscriber", err);
    sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *value = (const char *)sqlite3_column_text(st, 1);
        char *plain = NULL;
        bool same;
        if (id == NULL ||
            store_open_text(s, "subscribers", "contact", id, value, &plain, NULL) != STORE_OK)
            continue;
        same = plain != NULL && strcmp(plain, contact) == 0;
        sodium_memzero(plain, plain ? strlen(plain) : 0);
        free(plain);
        if (same) {
            store_sub_from_row(st, out);
            sqlite3_finalize(st);
            return STORE_OK;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_fail(s, rc, "reading a subscriber", err);
    util_seterr(err, "%s", _("no such subscriber"));
    return STORE_ERR_NOT_FOUND;
}

int store_subscriber_find(struct store *s, const char *contact, const char *channel,
                          struct store_subscriber *out, char **err)
{
    sqlite3_stmt *st;
    bool vault = false;
    int rc;

    memset(out, 0, sizeof *out);
    if (channel != NULL) {
        if ((rc = store_vault_enabled(s, &vault, err)) != STORE_OK)
            return rc;
        if (vault)
            return store_subscriber_find_tag(s, contact, channel, out, err);
    }
    st = channel ? store_stmt(s,
                              "SELECT " STORE_SUB_COLS " FROM subscribers"
                              " WHERE contact = ? AND channel = ? ORDER BY id LIMIT 1",
                              err)
                 : store_stmt(s,
                              "SELECT " STORE_SUB_COLS " FROM subscribers"
                              " WHERE (id = ?1 OR contact = ?1) ORDER BY id LIMIT 1",
                              err);
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, contact, -1, SQLITE_STATIC);
    if (channel)
        sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
    rc = store_step_one(s, st, "reading a subscriber", err);
    if (rc == STORE_OK)
        store_sub_from_row(st, out);
    store_stmt_done(st);
    if (rc == STORE_ERR_NOT_FOUND && channel != NULL) {
        /*
         * No vault here, but contacts sealed elsewhere in the network (joined
         * with an invite made while locked): the same number may be among
         * them, and nothing here can tell.
         */
        st = store_stmt(s,
                        /* A range on subscribers_contact: no scan when nothing is sealed. */
                        "SELECT 1 FROM subscribers WHERE contact >= 'vg:' AND contact < 'vg;'"
                        " AND channel = ? LIMIT 1",
                        err);
        if (st == NULL)
            return STORE_ERR_IO;
        sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            util_seterr(err, "%s",
                        _("subscribers' contacts here were sealed with the network's key, which "
                          "this device does not have: join again with an invite made while "
                          "personal data is unlocked"));
            rc = STORE_ERR_KEY;
        }
        store_stmt_done(st);
    }
    if (rc == STORE_ERR_NOT_FOUND)
        util_seterr(err, _("no subscriber %s"), contact);
    return rc;
}

int store_subscriber_foreach(struct store *s, bool opted_out_too,
                             int (*fn)(const struct store_subscriber *sub, void *data), void *data,
                             char **err)
{
    sqlite3_stmt *st;
    int rc;

    /* Not cached: callbacks may run other statements meanwhile. */
    rc = sqlite3_prepare_v2(s->db,
                            opted_out_too ? "SELECT " STORE_SUB_COLS " FROM subscribers ORDER BY id"
                                          : "SELECT " STORE_SUB_COLS " FROM subscribers"
                                            " WHERE opted_out_at IS NULL ORDER BY id",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "listing subscribers", err);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_subscriber sub;
        int r;
        store_sub_from_row(st, &sub);
        r = fn(&sub, data);
        store_subscriber_fini(&sub);
        if (r != 0) {
            sqlite3_finalize(st);
            return r;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "listing subscribers", err);
}

/* ---- broadcasts -------------------------------------------------------------- */

void store_broadcast_fini(struct store_broadcast *b)
{
    FREE(&b->report_ids);
    FREE(&b->audience);
    FREE(&b->channels);
    FREE(&b->texts);
    FREE(&b->status);
    FREE(&b->drafted_by);
    FREE(&b->approved_by);
    FREE(&b->template_name);
    FREE(&b->kind);
    FREE(&b->parent_id);
    FREE(&b->lint_override);
    FREE(&b->progress);
}

int store_broadcast_get(struct store *s, const char *id, struct store_broadcast *b, char **err)
{
    sqlite3_stmt *st = store_stmt(
        s,
        "SELECT id, report_ids, audience, channels, texts, status, drafted_by, approved_by,"
        " created_at, approved_at, template, kind, urgent, parent_id, lint_override, expires_at,"
        " hold_until, progress FROM broadcasts WHERE id = ?",
        err);
    int rc;

    memset(b, 0, sizeof *b);
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = store_step_one(s, st, "reading a broadcast", err);
    if (rc == STORE_OK) {
        snprintf(b->id, sizeof b->id, "%s", (const char *)sqlite3_column_text(st, 0));
        b->report_ids = store_col_text(st, 1);
        b->audience = store_col_text(st, 2);
        b->channels = store_col_text(st, 3);
        b->texts = store_col_text(st, 4);
        b->status = store_col_text(st, 5);
        b->drafted_by = store_col_text(st, 6);
        b->approved_by = store_col_text(st, 7);
        b->created_at = sqlite3_column_int64(st, 8);
        b->approved_at = sqlite3_column_int64(st, 9);
        b->template_name = store_col_text(st, 10);
        b->kind = store_col_text(st, 11);
        b->urgent = sqlite3_column_int(st, 12) != 0;
        b->parent_id = store_col_text(st, 13);
        b->lint_override = store_col_text(st, 14);
        b->expires_at = sqlite3_column_int64(st, 15);
        b->hold_until = sqlite3_column_int64(st, 16);
        b->progress = store_col_text(st, 17);
    } else if (rc == STORE_ERR_NOT_FOUND)
        util_seterr(err, _("no broadcast with id %s"), id);
    store_stmt_done(st);
    return rc;
}

int store_broadcast_ids(struct store *s, size_t limit, char ***ids, size_t *n, char **err)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT id FROM broadcasts ORDER BY created_at DESC, id DESC LIMIT ?", err);
    int rc;

    *ids = NULL;
    *n = 0;
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *ids = xreallocarray(*ids, *n + 1, sizeof **ids);
        (*ids)[(*n)++] = store_col_text(st, 0);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "listing broadcasts", err);
}

/* ---- outbox --------------------------------------------------------------------- */

void store_outbox_key(const char *broadcast_id, const char *subscriber_id, const char *channel,
                      char out[STORE_OUTBOX_KEY_LEN + 1])
{
    crypto_generichash_state h;
    unsigned char d[16];

    crypto_generichash_init(&h, NULL, 0, sizeof d);
    crypto_generichash_update(&h, (const unsigned char *)broadcast_id, strlen(broadcast_id) + 1);
    crypto_generichash_update(&h, (const unsigned char *)subscriber_id, strlen(subscriber_id) + 1);
    crypto_generichash_update(&h, (const unsigned char *)channel, strlen(channel) + 1);
    crypto_generichash_final(&h, d, sizeof d);
    sodium_bin2hex(out, STORE_OUTBOX_KEY_LEN + 1, d, sizeof d);
}

static const char store_outbox_insert_sql[] =
    "INSERT OR IGNORE INTO outbox(id, broadcast_id, subscriber_id, channel, idempotency_key,"
    " contact, language, state, attempts, not_before, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?)";

struct store_expand {
    struct store *s;
    sqlite3_stmt *ins;
    const char *broadcast_id;
    const struct model_audience *au;
    int64_t not_before, now;
    size_t count;
    char **err;
};

static int store_expand_one(struct store_expand *x, const char *sub_id, const char *channel,
                            const char *contact, const char *language)
{
    char key[STORE_OUTBOX_KEY_LEN + 1];
    int rc;

    /* The key is the row's id: unique, so a second expansion adds nobody twice. */
    store_outbox_key(x->broadcast_id, sub_id, channel, key);
    sqlite3_bind_text(x->ins, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(x->ins, 2, x->broadcast_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(x->ins, 3, sub_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(x->ins, 4, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(x->ins, 5, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(x->ins, 6, contact, -1, SQLITE_STATIC);
    sqlite3_bind_text(x->ins, 7, language, -1, SQLITE_STATIC);
    sqlite3_bind_int64(x->ins, 8, x->not_before);
    sqlite3_bind_int64(x->ins, 9, x->now);
    rc = sqlite3_step(x->ins);
    sqlite3_reset(x->ins);
    if (rc != SQLITE_DONE)
        return store_fail(x->s, rc, "queueing a message", x->err);
    x->count += (size_t)sqlite3_changes(x->s->db);
    return STORE_OK;
}

int store_outbox_expand_tx(struct store *s, const char *broadcast_id,
                           const struct model_audience *au, const char *parent_id,
                           int64_t not_before, size_t *count, char **err)
{
    struct store_expand x = {.s = s,
                             .broadcast_id = broadcast_id,
                             .au = au,
                             .not_before = not_before,
                             .now = timeutil_now_ms(),
                             .err = err};
    sqlite3_stmt *sel = NULL;
    int rc;

    *count = 0;
    if (s->depth == 0) {
        util_seterr(err, "store_outbox_expand_tx outside a transaction");
        return STORE_ERR_INVALID;
    }
    if ((x.ins = store_stmt(s, store_outbox_insert_sql, err)) == NULL)
        return STORE_ERR_IO;
    if (parent_id != NULL) {
        /* A follow-up: exactly who the first alert went to, in the same language. */
        rc = sqlite3_prepare_v2(
            s->db,
            "SELECT o.subscriber_id, o.channel, sub.contact, o.language, sub.areas"
            " FROM outbox o JOIN subscribers sub ON sub.id = o.subscriber_id"
            " WHERE o.broadcast_id = ? AND o.state NOT IN ('failed', 'skipped')"
            " AND sub.opted_out_at IS NULL ORDER BY o.rowid",
            -1, &sel, NULL);
        if (rc == SQLITE_OK)
            sqlite3_bind_text(sel, 1, parent_id, -1, SQLITE_STATIC);
    } else {
        rc = sqlite3_prepare_v2(s->db,
                                "SELECT id, channel, contact, language, areas FROM subscribers"
                                " WHERE opted_out_at IS NULL ORDER BY id",
                                -1, &sel, NULL);
    }
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "listing the audience", err);
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        const char *sub = (const char *)sqlite3_column_text(sel, 0);
        const char *ch = (const char *)sqlite3_column_text(sel, 1);
        const char *contact = (const char *)sqlite3_column_text(sel, 2);
        const char *lang = (const char *)sqlite3_column_text(sel, 3);
        const char *areas = (const char *)sqlite3_column_text(sel, 4);
        if (parent_id != NULL ? (au->channels && *au->channels && !model_list_has(au->channels, ch))
                              : !model_audience_matches(au, ch, lang, areas))
            continue;
        if ((rc = store_expand_one(&x, sub, ch, contact, lang)) != STORE_OK) {
            sqlite3_finalize(sel);
            return rc;
        }
    }
    sqlite3_finalize(sel);
    if (rc != SQLITE_DONE)
        return store_fail(s, rc, "listing the audience", err);
    *count = x.count;
    return STORE_OK;
}

void store_checkpoint_defer(struct store *s, bool defer)
{
    /* 1000 pages is SQLite's default. */
    sqlite3_wal_autocheckpoint(s->db, defer ? 0 : 1000);
    /* Closing would checkpoint the whole log; leave that to the next writer too. */
    if (defer)
        sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
}

static const char *const store_outbox_state_names[STORE_OUTBOX_NSTATES] = {
    "queued", "sending", "sent", "failed", "uncertain", "skipped",
};

const char *store_outbox_state_name(enum store_outbox_state st)
{
    return (unsigned)st < STORE_OUTBOX_NSTATES ? store_outbox_state_names[st] : "?";
}

int store_outbox_counts(struct store *s, const char *broadcast_id,
                        size_t counts[STORE_OUTBOX_NSTATES], char **err)
{
    sqlite3_stmt *st;
    int rc;

    memset(counts, 0, sizeof(size_t) * STORE_OUTBOX_NSTATES);
    st = broadcast_id ? store_stmt(s,
                                   "SELECT state, count(*) FROM outbox WHERE broadcast_id = ?"
                                   " GROUP BY state",
                                   err)
                      : store_stmt(s, "SELECT state, count(*) FROM outbox GROUP BY state", err);
    if (st == NULL)
        return STORE_ERR_IO;
    if (broadcast_id)
        sqlite3_bind_text(st, 1, broadcast_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        for (int i = 0; i < STORE_OUTBOX_NSTATES; i++)
            if (name && strcmp(name, store_outbox_state_names[i]) == 0)
                counts[i] = (size_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "counting the outbox", err);
}

void store_outbox_row_fini(struct store_outbox_row *r)
{
    FREE(&r->broadcast_id);
    FREE(&r->subscriber_id);
    FREE(&r->channel);
    FREE(&r->contact);
    FREE(&r->language);
    FREE(&r->gateway_id);
    FREE(&r->last_error);
    FREE(&r->assignment_id);
    FREE(&r->verifier_id);
    FREE(&r->body);
}

void store_outbox_rows_free(struct store_outbox_row **rows, size_t n)
{
    for (size_t i = 0; *rows && i < n; i++)
        store_outbox_row_fini(&(*rows)[i]);
    FREE(rows);
}

#define STORE_OUTBOX_COLS                                                                          \
    "o.rowid, o.id, o.broadcast_id, o.subscriber_id, o.channel, o.idempotency_key,"                \
    " o.contact, o.language, o.state, o.attempts, o.gateway_id, o.last_error, o.not_before,"       \
    " o.sending_at, o.updated_at, o.reconcile, o.assignment_id, o.verifier_id, o.body"

static void store_outbox_from_row(sqlite3_stmt *st, struct store_outbox_row *r)
{
    const char *state = (const char *)sqlite3_column_text(st, 8);

    memset(r, 0, sizeof *r);
    r->rowid = sqlite3_column_int64(st, 0);
    snprintf(r->id, sizeof r->id, "%s", (const char *)sqlite3_column_text(st, 1));
    r->broadcast_id = store_col_text(st, 2);
    r->subscriber_id = store_col_text(st, 3);
    r->channel = store_col_text(st, 4);
    snprintf(r->key, sizeof r->key, "%s", (const char *)sqlite3_column_text(st, 5));
    r->contact = store_col_text(st, 6);
    r->language = store_col_text(st, 7);
    for (int i = 0; i < STORE_OUTBOX_NSTATES; i++)
        if (state && strcmp(state, store_outbox_state_names[i]) == 0)
            r->state = (enum store_outbox_state)i;
    r->attempts = sqlite3_column_int(st, 9);
    r->gateway_id = store_col_text(st, 10);
    r->last_error = store_col_text(st, 11);
    r->not_before = sqlite3_column_int64(st, 12);
    r->sending_at = sqlite3_column_int64(st, 13);
    r->updated_at = sqlite3_column_int64(st, 14);
    r->reconcile = sqlite3_column_int(st, 15) != 0;
    r->assignment_id = store_col_text(st, 16);
    r->verifier_id = store_col_text(st, 17);
    r->body = store_col_text(st, 18);
}

/* Collect rows of a prepared statement into a new array. */
static int store_outbox_collect(struct store *s, sqlite3_stmt *st, struct store_outbox_row **rows,
                                size_t *n, char **err)
{
    size_t cap = 0;
    int rc;

    *rows = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *rows = xreallocarray(*rows, cap, sizeof **rows);
        }
        store_outbox_from_row(st, &(*rows)[(*n)++]);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        store_outbox_rows_free(rows, *n);
        *n = 0;
        return store_fail(s, rc, "reading the outbox", err);
    }
    return STORE_OK;
}

int store_outbox_list(struct store *s, const char *broadcast_id, int state, size_t limit,
                      struct store_outbox_row **rows, size_t *n, char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "SELECT " STORE_OUTBOX_COLS " FROM outbox o"
                                  " WHERE (?1 IS NULL OR o.broadcast_id = ?1)"
                                  " AND (?2 < 0 OR o.state = ?3) ORDER BY o.rowid LIMIT ?4",
                                  err);

    if (st == NULL)
        return STORE_ERR_IO;
    if (broadcast_id)
        sqlite3_bind_text(st, 1, broadcast_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, state);
    sqlite3_bind_text(st, 3, state >= 0 ? store_outbox_state_name(state) : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)limit);
    return store_outbox_collect(s, st, rows, n, err);
}

int store_outbox_of_assignment(struct store *s, const char *assignment_id,
                               struct store_outbox_row *out, char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "SELECT " STORE_OUTBOX_COLS " FROM outbox o"
                                  " WHERE o.assignment_id = ? ORDER BY o.rowid DESC LIMIT 1",
                                  err);
    int rc;

    memset(out, 0, sizeof *out);
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, assignment_id, -1, SQLITE_STATIC);
    rc = store_step_one(s, st, "reading the outbox", err);
    if (rc == STORE_OK)
        store_outbox_from_row(st, out);
    store_stmt_done(st);
    return rc;
}

int store_outbox_claim(struct store *s, const char *channel, int64_t now, size_t limit,
                       struct store_outbox_row **rows, size_t *n, size_t *skipped, char **err)
{
    sqlite3_stmt *sel, *upd, *skip;
    bool *opted = NULL;
    size_t cap = 0, k;
    int rc;

    *rows = NULL;
    *n = 0;
    *skipped = 0;
    if ((rc = store_begin(s, err)) != STORE_OK)
        return rc;
    /*
     * The due rows of one channel, oldest first, straight from the index
     * (no sort, no scan of what is not due), with whether their recipient
     * opted out since the expansion: those are never sent to. Likewise a
     * verifier's message whose assignment was released or declined (here or
     * on another device) before it left: nobody is sent to a closed job.
     */
    sel = store_stmt(s,
                     "SELECT " STORE_OUTBOX_COLS ", coalesce((SELECT sub.opted_out_at IS NOT NULL"
                     " FROM subscribers sub WHERE sub.id = o.subscriber_id),"
                     " (SELECT a.state IN ('released', 'declined') FROM assignments a"
                     " WHERE a.id = o.assignment_id), 0)"
                     " FROM outbox o INDEXED BY outbox_queue"
                     " WHERE o.channel = ?1 AND o.state = 'queued' AND o.not_before <= ?2"
                     /* A sealed contact waits for the vault (store-outbox.c). */
                     " AND (?4 OR o.contact IS NULL OR substr(o.contact, 1, 3) <> 'vg:')"
                     " ORDER BY o.not_before LIMIT ?3",
                     err);
    if (sel == NULL) {
        rc = STORE_ERR_IO;
        goto fail;
    }
    sqlite3_bind_text(sel, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_int64(sel, 2, now);
    sqlite3_bind_int64(sel, 3, (sqlite3_int64)limit);
    sqlite3_bind_int(sel, 4, store_vault_unlocked(s));
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *rows = xreallocarray(*rows, cap, sizeof **rows);
            opted = xreallocarray(opted, cap, sizeof *opted);
        }
        store_outbox_from_row(sel, &(*rows)[*n]);
        opted[*n] = sqlite3_column_int(sel, 19) != 0;
        (*n)++;
    }
    sqlite3_reset(sel);
    sqlite3_clear_bindings(sel);
    if (rc != SQLITE_DONE) {
        rc = store_fail(s, rc, "reading the outbox", err);
        goto fail;
    }
    skip = store_stmt(s,
                      "UPDATE outbox SET state = 'skipped', last_error = CASE WHEN"
                      " assignment_id IS NULL THEN 'opted out' ELSE 'the assignment was closed"
                      " before it was sent' END, contact = CASE WHEN assignment_id IS NULL"
                      " THEN contact END, body = NULL, updated_at = ?2 WHERE rowid = ?1",
                      err);
    if (skip == NULL) {
        rc = STORE_ERR_IO;
        goto fail;
    }
    for (size_t i = 0; i < *n; i++) {
        if (!opted[i])
            continue;
        sqlite3_bind_int64(skip, 1, (*rows)[i].rowid);
        sqlite3_bind_int64(skip, 2, now);
        rc = sqlite3_step(skip);
        sqlite3_reset(skip);
        if (rc != SQLITE_DONE) {
            rc = store_fail(s, rc, "skipping an opted-out recipient", err);
            goto fail;
        }
        if ((*rows)[i].assignment_id != NULL &&
            (rc = store_outbox_follow_tx(s, (*rows)[i].assignment_id, "skipped", err)) != STORE_OK)
            goto fail;
        (*skipped)++;
    }
    /* Keep only the rows to send. */
    for (size_t i = k = 0; i < *n; i++) {
        if (opted[i])
            store_outbox_row_fini(&(*rows)[i]);
        else
            (*rows)[k++] = (*rows)[i];
    }
    *n = k;
    upd = store_stmt(s,
                     "UPDATE outbox SET state = 'sending', attempts = attempts + 1,"
                     /* A lookup keeps the time of the send it looks for. */
                     " sending_at = CASE WHEN reconcile THEN coalesce(sending_at, ?2) ELSE ?2 END,"
                     " updated_at = ?2 WHERE rowid = ?1",
                     err);
    if (upd == NULL) {
        rc = STORE_ERR_IO;
        goto fail;
    }
    for (size_t i = 0; i < *n; i++) {
        sqlite3_bind_int64(upd, 1, (*rows)[i].rowid);
        sqlite3_bind_int64(upd, 2, now);
        rc = sqlite3_step(upd);
        sqlite3_reset(upd);
        if (rc != SQLITE_DONE) {
            rc = store_fail(s, rc, "claiming a message", err);
            goto fail;
        }
        (*rows)[i].state = STORE_OUTBOX_SENDING;
        (*rows)[i].attempts++;
        if ((*rows)[i].assignment_id != NULL &&
            (rc = store_outbox_follow_tx(s, (*rows)[i].assignment_id, "sending", err)) != STORE_OK)
            goto fail;
        if (!(*rows)[i].reconcile || (*rows)[i].sending_at == 0)
            (*rows)[i].sending_at = now;
    }
    if ((rc = store_commit(s, err)) != STORE_OK)
        goto fail;
    free(opted);
    return STORE_OK;
fail:
    store_rollback(s);
    store_outbox_rows_free(rows, *n);
    *n = 0;
    free(opted);
    return rc;
}

int store_outbox_finish(struct store *s, const struct store_outbox_result *res, size_t n,
                        char **err)
{
    sqlite3_stmt *st;
    int rc;

    if (n == 0)
        return STORE_OK;
    if ((rc = store_begin(s, err)) != STORE_OK)
        return rc;
    st = store_stmt(s,
                    "UPDATE outbox SET state = ?2, gateway_id = coalesce(?3, gateway_id),"
                    " last_error = ?4, not_before = ?5, updated_at = ?6, reconcile = ?7,"
                    /*
                     * A verifier's number (and the copy of the text, which is on the
                     * assignment) is kept only while it may be needed again.
                     */
                    " contact = CASE WHEN assignment_id IS NOT NULL AND ?2 IN ('sent', 'failed')"
                    " THEN NULL ELSE contact END,"
                    " body = CASE WHEN assignment_id IS NOT NULL AND ?2 IN ('sent', 'failed')"
                    " THEN NULL ELSE body END"
                    " WHERE rowid = ?1 AND state = 'sending' RETURNING assignment_id",
                    err);
    if (st == NULL) {
        rc = STORE_ERR_IO;
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, res[i].rowid);
        sqlite3_bind_text(st, 2, store_outbox_state_name(res[i].state), -1, SQLITE_STATIC);
        if (res[i].gateway_id)
            sqlite3_bind_text(st, 3, res[i].gateway_id, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 3);
        if (res[i].error)
            sqlite3_bind_text(st, 4, res[i].error, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 4);
        sqlite3_bind_int64(st, 5, res[i].not_before);
        sqlite3_bind_int64(st, 6, timeutil_now_ms());
        sqlite3_bind_int(st, 7, res[i].reconcile);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            /* A single message: its assignment's message_state follows. */
            char *aid = store_col_text(st, 0);
            while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                ;
            if (rc == SQLITE_DONE && aid != NULL) {
                sqlite3_reset(st);
                sqlite3_clear_bindings(st);
                rc = store_outbox_follow_tx(s, aid, store_outbox_state_name(res[i].state), err);
                free(aid);
                if (rc != STORE_OK)
                    goto fail;
                continue;
            }
            free(aid);
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_DONE) {
            rc = store_fail(s, rc, "recording a send", err);
            goto fail;
        }
    }
    return store_commit(s, err);
fail:
    store_rollback(s);
    return rc;
}

int store_outbox_broadcasts(struct store *s, char ***ids, size_t *n, char **err)
{
    sqlite3_stmt *st = store_stmt(
        s, "SELECT DISTINCT broadcast_id FROM outbox WHERE broadcast_id IS NOT NULL", err);
    int rc;

    *ids = NULL;
    *n = 0;
    if (st == NULL)
        return STORE_ERR_IO;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *ids = xreallocarray(*ids, *n + 1, sizeof **ids);
        (*ids)[(*n)++] = store_col_text(st, 0);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "reading the outbox", err);
}

int store_outbox_pending(struct store *s, const char *channel, int64_t *next_due, size_t *retrying,
                         char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "SELECT min(not_before), count(CASE WHEN attempts > 0 THEN 1 END)"
                                  " FROM outbox WHERE state = 'queued'"
                                  " AND (?1 IS NULL OR channel = ?1)"
                                  /* Rows waiting for the vault are not due (store-outbox.c). */
                                  " AND (?2 OR contact IS NULL OR substr(contact, 1, 3) <> 'vg:')",
                                  err);
    int rc;

    *next_due = -1;
    *retrying = 0;
    if (st == NULL)
        return STORE_ERR_IO;
    if (channel)
        sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, store_vault_unlocked(s));
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *next_due = sqlite3_column_int64(st, 0);
        *retrying = (size_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK
                                                 : store_fail(s, rc, "reading the outbox", err);
}

int store_outbox_retry_uncertain(struct store *s, const char *broadcast_id, size_t *n, char **err)
{
    sqlite3_stmt *st;
    char **aids = NULL;
    size_t naids = 0;
    int rc;

    if ((rc = store_begin(s, err)) != STORE_OK)
        return rc;
    st = store_stmt(s,
                    "UPDATE outbox SET state = 'queued', not_before = 0,"
                    " last_error = 'resent after a dispatcher checked', updated_at = ?2"
                    " WHERE state = 'uncertain' AND (?1 IS NULL OR broadcast_id = ?1)"
                    /* An assignment's message sent again since (store-resend.c): not this one. */
                    " AND (assignment_id IS NULL OR rowid = (SELECT max(o2.rowid) FROM outbox o2"
                    " WHERE o2.assignment_id = outbox.assignment_id))"
                    " RETURNING assignment_id",
                    err);
    *n = 0;
    if (st == NULL) {
        store_rollback(s);
        return STORE_ERR_IO;
    }
    if (broadcast_id)
        sqlite3_bind_text(st, 1, broadcast_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, timeutil_now_ms());
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        (*n)++;
        if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
            aids = xreallocarray(aids, naids + 1, sizeof *aids);
            aids[naids++] = store_col_text(st, 0);
        }
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    rc = rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "requeueing", err);
    /* Single messages: their assignments' message_state follows. */
    for (size_t i = 0; i < naids; i++) {
        if (rc == STORE_OK)
            rc = store_outbox_follow_tx(s, aids[i], "queued", err);
        free(aids[i]);
    }
    free(aids);
    if (rc != STORE_OK) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, err);
}
