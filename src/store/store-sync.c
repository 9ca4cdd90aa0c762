/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The op log seen from the network: reading this device's ops to send them,
 * and merging batches of remote ops.
 *
 * Merge is a function of the set of ops, never of their arrival order: every
 * remote op goes into `ops` as it came (exact duplicates dropped), and a row's
 * column takes the value of the op with the greatest (hlc, device) in its
 * cell. After a batch, each touched row is rebuilt from the winners of its
 * cells in one query, so an update that arrives before the insert it follows
 * waits in the log (the row is "deferred" while a required column is
 * missing) and appears when the rest comes. Applying writes rows directly,
 * not through store_write(), so it makes no ops of its own.
 *
 * Concurrent edits of one field are detected pairwise: when an op enters a
 * cell that holds an op from another device with a different value and an
 * hlc within STORE_SYNC_CONFLICT_MS, a "sync.conflict" event is written
 * through store_write() (so it syncs like any event). Its id is a ULID made
 * from a hash of the pair, so every replica that sees both ops writes the
 * same event, and the union of events converges.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/store.h"

#include "private.h"

/* ---- ops ----------------------------------------------------------------- */

void store_op_fini(struct store_op *op)
{
    if (op == NULL)
        return;
    free(op->tbl);
    free(op->row_id);
    free(op->col);
    if (op->v.type == STORE_TEXT)
        free((char *)op->v.s);
    memset(op, 0, sizeof *op);
}

void store_ops_free(struct store_op **ops, size_t n)
{
    if (*ops == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        store_op_fini(&(*ops)[i]);
    FREE(ops);
}

/* Read a column as a store_val; text is newly allocated. */
static struct store_val store_sync_col_val(sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        return store_int(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT:
        return store_real(sqlite3_column_double(st, i));
    case SQLITE_TEXT:
    case SQLITE_BLOB:
        return store_text(store_col_text(st, i));
    default:
        return store_null();
    }
}

static void store_sync_val_free(struct store_val *v)
{
    if (v->type == STORE_TEXT)
        free((char *)v->s);
    *v = store_null();
}

/* Same value (type and content), as SQLite's IS would say for same-typed values. */
static bool store_sync_val_eq(const struct store_val *a, const struct store_val *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case STORE_INT:
        return a->i == b->i;
    case STORE_REAL:
        return a->d == b->d;
    case STORE_TEXT:
        return strcmp(a->s, b->s) == 0;
    default:
        return true;
    }
}

int store_sync_local_ops(struct store *s, int64_t after_seq, size_t limit, struct store_op **ops,
                         size_t *n, int64_t *last_seq, char **err)
{
    /* Each row op becomes its cells; a row op is never split across batches. */
    static const char sql[] =
        "SELECT o.seq, o.hlc, o.tbl, o.row_id, o.n, j.key, j.value, p.value"
        " FROM ops o JOIN json_each(o.cols) j LEFT JOIN json_each(o.parents) p ON p.key = j.key"
        " WHERE o.seq > ? AND o.device = ? ORDER BY o.seq";
    sqlite3_stmt *st = store_stmt(s, sql, err);
    size_t cap = 0;
    int64_t cur = after_seq;
    int rc;

    *ops = NULL;
    *n = 0;
    *last_seq = after_seq;
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_int64(st, 1, after_seq);
    sqlite3_bind_text(st, 2, s->device, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_op *op;
        int64_t seq = sqlite3_column_int64(st, 0);
        if (seq != cur) {
            /* A new row op: stop before it when its cells would not fit. */
            size_t cells = (size_t)sqlite3_column_int64(st, 4);
            if (*n > 0 && *n + cells > limit) {
                rc = SQLITE_DONE;
                break;
            }
            cur = seq;
            *last_seq = seq;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *ops = xreallocarray(*ops, cap, sizeof **ops);
        }
        op = &(*ops)[(*n)++];
        memset(op, 0, sizeof *op);
        op->seq = seq;
        op->hlc = (uint64_t)sqlite3_column_int64(st, 1);
        snprintf(op->device, sizeof op->device, "%s", s->device);
        op->tbl = store_col_text(st, 2);
        op->row_id = store_col_text(st, 3);
        op->col = store_col_text(st, 5);
        op->v = store_sync_col_val(st, 6);
        op->parent = (uint64_t)sqlite3_column_int64(st, 7);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        store_ops_free(ops, *n);
        *n = 0;
        *last_seq = after_seq;
        return store_fail(s, rc, "reading ops", err);
    }
    return STORE_OK;
}

int store_sync_pending(struct store *s, int64_t after_seq, int64_t *n, char **err)
{
    static const char sql[] = "SELECT coalesce(sum(n), 0) FROM ops WHERE seq > ? AND device = ?";
    sqlite3_stmt *st = store_stmt(s, sql, err);
    int rc;

    *n = 0;
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_int64(st, 1, after_seq);
    sqlite3_bind_text(st, 2, s->device, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW ? STORE_OK : store_fail(s, rc, "counting ops", err);
}

/* ---- merge ---------------------------------------------------------------- */

/* A row touched by a batch: rebuilt from its winners at the end. */
struct store_sync_row {
    const char *tbl; /* borrowed from the batch, checked against the registry */
    const char *const *cols;
    const char *row_id;
};

static int store_sync_row_cmp(const void *pa, const void *pb)
{
    const struct store_sync_row *a = pa, *b = pb;
    int c = strcmp(a->tbl, b->tbl);

    return c ? c : strcmp(a->row_id, b->row_id);
}

/* Does op (ha, da) beat op (hb, db)? Greater hlc wins, then greater device id. */
static bool store_sync_newer(uint64_t ha, const char *da, uint64_t hb, const char *db)
{
    if (ha != hb)
        return ha > hb;
    return strcmp(da, db) > 0;
}

static int store_sync_step(struct store *s, sqlite3_stmt *st, const char *what, char **err)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, what, err);
}

/* Crockford base-32 ULID from a time and 10 bytes. */
static void store_sync_ulid(int64_t ms, const unsigned char rnd[10], char out[ULID_LEN + 1])
{
    static const char enc[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    uint64_t t = (uint64_t)ms;
    int bit = 0;

    for (int i = 9; i >= 0; i--) {
        out[i] = enc[t & 31];
        t >>= 5;
    }
    for (int i = 0; i < 16; i++) {
        unsigned v = 0;
        for (int k = 0; k < 5; k++, bit++)
            v = (v << 1) | ((rnd[bit / 8] >> (7 - bit % 8)) & 1u);
        out[10 + i] = enc[v];
    }
    out[ULID_LEN] = '\0';
}

static json_t *store_sync_val_json(const struct store_val *v)
{
    switch (v->type) {
    case STORE_INT:
        return json_integer(v->i);
    case STORE_REAL:
        return json_real(v->d);
    case STORE_TEXT:
        return json_string(v->s);
    default:
        return json_null();
    }
}

/*
 * Record that op @a and the op (@hb, @db, @vb) edited the same cell
 * concurrently. The event is the same on every replica that sees both.
 */
static int store_sync_conflict(struct store *s, const struct store_op *a, uint64_t hb,
                               const char *db, const struct store_val *vb, char **err)
{
    static const char exists_sql[] = "SELECT 1 FROM events WHERE id = ?";
    struct store_val vfirst, vsecond;
    uint64_t hfirst, hsecond;
    const char *dfirst, *dsecond;
    unsigned char hash[crypto_generichash_BYTES];
    crypto_generichash_state hs;
    char id[ULID_LEN + 1], *detail, *key;
    json_t *o, *vals;
    sqlite3_stmt *st;
    int rc;

    /* Order the pair so that both replicas describe it identically. */
    if (store_sync_newer(hb, db, a->hlc, a->device)) {
        hfirst = a->hlc, dfirst = a->device, vfirst = a->v;
        hsecond = hb, dsecond = db, vsecond = *vb;
    } else {
        hfirst = hb, dfirst = db, vfirst = *vb;
        hsecond = a->hlc, dsecond = a->device, vsecond = a->v;
    }
    key = xasprintf("%s\x1f%s\x1f%s\x1f%llu\x1f%s\x1f%llu\x1f%s", a->tbl, a->row_id, a->col,
                    (unsigned long long)hfirst, dfirst, (unsigned long long)hsecond, dsecond);
    crypto_generichash_init(&hs, NULL, 0, sizeof hash);
    crypto_generichash_update(&hs, (const unsigned char *)key, strlen(key));
    crypto_generichash_final(&hs, hash, sizeof hash);
    free(key);
    store_sync_ulid(hlc_ms(hsecond), hash, id);

    if ((st = store_stmt(s, exists_sql, err)) == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_ROW)
        return STORE_OK;
    if (rc != SQLITE_DONE)
        return store_fail(s, rc, "conflict", err);

    o = json_object();
    json_object_set_new(o, "table", json_string(a->tbl));
    json_object_set_new(o, "row_id", json_string(a->row_id));
    json_object_set_new(o, "column", json_string(a->col));
    vals = json_array();
    /* The timeline never holds personal data, sealed or not (store-vault.c). */
    bool personal = store_vault_personal(a->tbl, a->col);
    json_array_append_new(
        vals, json_pack("{s:s,s:I,s:o}", "device", dfirst, "hlc", (json_int_t)hfirst, "value",
                        personal ? json_string("[personal]") : store_sync_val_json(&vfirst)));
    json_array_append_new(
        vals, json_pack("{s:s,s:I,s:o}", "device", dsecond, "hlc", (json_int_t)hsecond, "value",
                        personal ? json_string("[personal]") : store_sync_val_json(&vsecond)));
    json_object_set_new(o, "values", vals);
    detail = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    {
        struct store_col cols[] = {
            {"at", store_int(hlc_ms(hsecond))},
            {"actor", store_text("sync")},
            {"kind", store_text("sync.conflict")},
            {"report_id", store_text(strcmp(a->tbl, "reports") == 0 ? a->row_id : NULL)},
            {"detail", store_text(detail)},
        };
        rc = store_write(s, "events", id, cols, UTIL_ARRAY_LEN(cols), err);
    }
    free(detail);
    return rc;
}

/* Cells of one remote write that go into one row op at most (a longer write is split). */
#define STORE_SYNC_GROUP 64

/* A possible concurrent edit found for cell @cell of a group. */
struct store_sync_found {
    size_t cell;
    uint64_t hlc;
    char device[ULID_LEN + 1];
    struct store_val v;
};

/* Same write: same hlc, device, table and row (the cells of one row op). */
static bool store_sync_same_write(const struct store_op *a, const struct store_op *b)
{
    return a->hlc == b->hlc && strcmp(a->device, b->device) == 0 && strcmp(a->tbl, b->tbl) == 0 &&
           strcmp(a->row_id, b->row_id) == 0;
}

/*
 * Put the @k cells of one remote write (same hlc, device, table and row) into
 * the log as one row op, in one pass over the row's ops (newest first):
 * dup[i] tells cell i was already there, won[i] that it beats every op of its
 * cell. Cells with known[i] are checked for concurrent edits when
 * @conflicts: ops of other devices with another value within
 * STORE_SYNC_CONFLICT_MS (counted in *nconflicts).
 */
static int store_sync_log_write(struct store *s, const struct store_op *ops, size_t k,
                                const bool *known, bool conflicts, bool *dup, bool *won,
                                size_t *nconflicts, char **err)
{
    static const char row_sql[] =
        "SELECT o.hlc, o.device, j.key, j.value, p.value"
        " FROM ops o JOIN json_each(o.cols) j LEFT JOIN json_each(o.parents) p ON p.key = j.key"
        " WHERE o.tbl = ?1 AND o.row_id = ?2 ORDER BY o.hlc DESC";
    /*
     * One cell (an edit): only the row's ops whose text has its key are
     * parsed (store_oplog_key_text); applying 100,000 one-field edits parsed
     * every op of each row before (3.4 s, 1.9 s with one row per cell).
     */
    static const char cell_sql[] =
        "SELECT o.hlc, o.device, j.key, j.value, p.value"
        " FROM ops o JOIN json_each(o.cols) j LEFT JOIN json_each(o.parents) p ON p.key = j.key"
        " WHERE o.tbl = ?1 AND o.row_id = ?2 AND instr(o.cols, ?3) > 0 ORDER BY o.hlc DESC";
    char *keytext = NULL;
    const struct store_op *g = &ops[0];
    uint64_t win = (uint64_t)STORE_SYNC_CONFLICT_MS << 16;
    struct store_sync_found *found = NULL;
    size_t nfound = 0, capfound = 0, nfor[STORE_SYNC_GROUP] = {0}, ncells = 0;
    struct buf cols, parents;
    sqlite3_stmt *st;
    int rc = STORE_OK, src;

    for (size_t i = 0; i < k; i++) {
        dup[i] = false;
        won[i] = true;
        /* The same cell twice in one batch: the first one counts. */
        for (size_t j = 0; j < i && !dup[i]; j++)
            dup[i] = strcmp(ops[j].col, ops[i].col) == 0;
    }
    if ((st = store_stmt(s, k == 1 ? cell_sql : row_sql, err)) == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, g->tbl, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, g->row_id, -1, SQLITE_STATIC);
    if (k == 1) {
        keytext = store_oplog_key_text(g->col);
        sqlite3_bind_text(st, 3, keytext, -1, SQLITE_STATIC);
    }
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t h = (uint64_t)sqlite3_column_int64(st, 0);
        const char *dev = (const char *)sqlite3_column_text(st, 1);
        const char *key = (const char *)sqlite3_column_text(st, 2);
        size_t i;
        /* Older than the write and out of the window: nothing more to learn below. */
        if (h < g->hlc && (!conflicts || g->hlc - h > win))
            break;
        if (dev == NULL)
            dev = "";
        if (key == NULL)
            continue;
        for (i = 0; i < k; i++)
            if (!dup[i] && strcmp(ops[i].col, key) == 0)
                break;
        if (i == k)
            continue;
        if (!store_sync_newer(g->hlc, g->device, h, dev))
            won[i] = false;
        if (h == g->hlc && strcmp(dev, g->device) == 0) {
            dup[i] = true;
            continue;
        }
        /*
         * Concurrent: other device, close in time, and neither writer had seen
         * the other's op (or anything newer in the cell) when it wrote.
         */
        if (conflicts && known[i] && nfor[i] < 8 && strcmp(dev, g->device) != 0 &&
            (h > g->hlc ? h - g->hlc : g->hlc - h) <= win && ops[i].parent < h &&
            (uint64_t)sqlite3_column_int64(st, 4) < g->hlc) {
            struct store_val v = store_sync_col_val(st, 3);
            if (!store_sync_val_eq(&v, &ops[i].v)) {
                if (nfound == capfound) {
                    capfound = capfound ? capfound * 2 : 8;
                    found = xreallocarray(found, capfound, sizeof *found);
                }
                found[nfound].cell = i;
                found[nfound].hlc = h;
                snprintf(found[nfound].device, sizeof found[nfound].device, "%s", dev);
                found[nfound].v = v;
                nfound++;
                nfor[i]++;
            } else {
                store_sync_val_free(&v);
            }
        }
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    free(keytext);
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        rc = store_fail(s, src, "reading ops", err);

    buf_init(&cols);
    buf_init(&parents);
    for (size_t i = 0; i < k && rc == STORE_OK; i++) {
        const struct store_op *op = &ops[i];
        struct store_val v = op->v;
        char *sealed = NULL;
        if (dup[i])
            continue;
        /* A personal value from a device without a passphrase is sealed on arrival
         * (store-vault.c); test-vault.c checks it. */
        if (v.type == STORE_TEXT && store_vault_wants_seal(op->tbl, op->col, v.s) &&
            (sealed = store_seal_text(s, op->tbl, op->col, op->row_id, v.s, NULL)) != NULL)
            v.s = sealed;
        store_oplog_add(&cols, op->col, &v);
        if (sealed != NULL) {
            sodium_memzero(sealed, strlen(sealed));
            free(sealed);
        }
        if (op->parent > 0) {
            struct store_val p = store_int((int64_t)op->parent);
            store_oplog_add(&parents, op->col, &p);
        }
        ncells++;
    }
    if (rc == STORE_OK && ncells > 0) {
        store_oplog_end(&cols);
        if (parents.len > 0)
            store_oplog_end(&parents);
        rc = store_oplog_insert(s, g->hlc, g->device, g->tbl, g->row_id, ncells, buf_str(&cols),
                                parents.len > 0 ? buf_str(&parents) : NULL, err);
    }
    buf_fini(&cols);
    buf_fini(&parents);
    /* Collected first: writing events while stepping would reuse cached statements. */
    for (size_t f = 0; f < nfound; f++) {
        if (rc == STORE_OK && !dup[found[f].cell]) {
            rc = store_sync_conflict(s, &ops[found[f].cell], found[f].hlc, found[f].device,
                                     &found[f].v, err);
            if (rc == STORE_OK)
                (*nconflicts)++;
        }
        store_sync_val_free(&found[f].v);
    }
    free(found);
    return rc;
}

/*
 * Rebuild one row from the winning op of each of its cells: update it when
 * it exists, insert it when it is complete, leave it for later otherwise.
 */
static int store_sync_materialize(struct store *s, const struct store_sync_row *r, bool *deferred,
                                  char **err)
{
    static const char win_sql[] = "SELECT j.key, j.value, o.hlc, o.device"
                                  " FROM ops o, json_each(o.cols) j"
                                  " WHERE o.tbl = ? AND o.row_id = ? ORDER BY o.hlc DESC";
    size_t ncols = 0, have = 0;
    struct store_val *vals;
    bool *set;
    uint64_t *hlcs;
    char(*devs)[ULID_LEN + 1];
    struct buf sql;
    sqlite3_stmt *st;
    char *q;
    bool exists;
    int rc, idx;

    *deferred = false;
    while (r->cols[ncols] != NULL)
        ncols++;
    vals = xcalloc(ncols, sizeof *vals);
    set = xcalloc(ncols, sizeof *set);
    hlcs = xcalloc(ncols, sizeof *hlcs);
    devs = xcalloc(ncols, sizeof *devs);
    buf_init(&sql);

    if ((st = store_stmt(s, win_sql, err)) == NULL) {
        rc = STORE_ERR_IO;
        goto out;
    }
    sqlite3_bind_text(st, 1, r->tbl, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->row_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *col = (const char *)sqlite3_column_text(st, 0);
        uint64_t h = (uint64_t)sqlite3_column_int64(st, 2);
        const char *dev = (const char *)sqlite3_column_text(st, 3);
        if (col == NULL)
            continue;
        if (dev == NULL)
            dev = "";
        for (size_t i = 0; i < ncols; i++) {
            if (strcmp(r->cols[i], col) == 0) {
                /* Newest first: a later row wins only on an hlc tie, by device. */
                if (!set[i] || store_sync_newer(h, dev, hlcs[i], devs[i])) {
                    if (set[i])
                        store_sync_val_free(&vals[i]);
                    else
                        have++;
                    set[i] = true;
                    vals[i] = store_sync_col_val(st, 1);
                    hlcs[i] = h;
                    snprintf(devs[i], sizeof devs[i], "%s", dev);
                }
                break;
            }
        }
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        rc = store_fail(s, rc, "reading ops", err);
        goto out;
    }
    if (have == 0) {
        rc = STORE_OK;
        goto out;
    }

    /* r->tbl comes from the registry, never from the network. */
    q = xasprintf("SELECT 1 FROM %s WHERE id = ?", r->tbl);
    st = store_stmt(s, q, err);
    free(q);
    if (st == NULL) {
        rc = STORE_ERR_IO;
        goto out;
    }
    sqlite3_bind_text(st, 1, r->row_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        rc = store_fail(s, rc, "reading a row", err);
        goto out;
    }
    exists = rc == SQLITE_ROW;

    if (exists) {
        bool first = true;
        buf_printf(&sql, "UPDATE %s SET ", r->tbl);
        for (size_t i = 0; i < ncols; i++) {
            if (!set[i])
                continue;
            buf_printf(&sql, "%s%s = ?", first ? "" : ", ", r->cols[i]);
            first = false;
        }
        buf_adds(&sql, " WHERE id = ?");
    } else {
        buf_printf(&sql, "INSERT INTO %s(id", r->tbl);
        for (size_t i = 0; i < ncols; i++)
            if (set[i])
                buf_printf(&sql, ", %s", r->cols[i]);
        buf_adds(&sql, ") VALUES (?");
        for (size_t i = 0; i < have; i++)
            buf_adds(&sql, ", ?");
        buf_adds(&sql, ")");
    }
    if ((st = store_stmt(s, buf_str(&sql), err)) == NULL) {
        rc = STORE_ERR_IO;
        goto out;
    }
    idx = 1;
    if (!exists)
        sqlite3_bind_text(st, idx++, r->row_id, -1, SQLITE_STATIC);
    for (size_t i = 0; i < ncols; i++)
        if (set[i])
            store_bind(st, idx++, &vals[i]);
    if (exists)
        sqlite3_bind_text(st, idx++, r->row_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_DONE) {
        rc = STORE_OK;
        if (!exists) {
            struct store_col *c = xcalloc(have, sizeof *c);
            size_t k = 0;
            for (size_t i = 0; i < ncols; i++)
                if (set[i])
                    c[k++] = (struct store_col){r->cols[i], vals[i]};
            rc = store_fts_inserted(s, r->tbl, sqlite3_last_insert_rowid(s->db), c, k, err);
            free(c);
        }
    } else if (!exists && rc == SQLITE_CONSTRAINT_NOTNULL) {
        /* A required column has not arrived yet: the row appears when it does. */
        *deferred = true;
        rc = STORE_OK;
    } else {
        rc = store_fail(s, rc, r->tbl, err);
    }
out:
    for (size_t i = 0; i < ncols; i++)
        store_sync_val_free(&vals[i]);
    free(vals);
    free(set);
    free(hlcs);
    free(devs);
    buf_fini(&sql);
    return rc;
}

int store_sync_apply_tx(struct store *s, const struct store_op *ops, size_t n,
                        struct store_apply_stats *stats, char **err)
{
    struct store_apply_stats local = {0};
    struct store_sync_row *rows = NULL;
    size_t nrows = 0, cap = 0;
    uint64_t maxhlc = 0;
    int rc = STORE_OK;

    if (stats == NULL)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    stats->ops = n;
    if (s->depth == 0) {
        util_seterr(err, "store_sync_apply_tx outside a transaction");
        return STORE_ERR_INVALID;
    }
    for (size_t i = 0; i < n && rc == STORE_OK;) {
        bool append_only = false, known[STORE_SYNC_GROUP], dup[STORE_SYNC_GROUP],
             won[STORE_SYNC_GROUP], add = false;
        const char *const *cols;
        size_t k = 0;

        /* One remote write: the consecutive cells of one hlc, device, table and row. */
        for (; i + k < n && k < STORE_SYNC_GROUP; k++) {
            const struct store_op *op = &ops[i + k];
            if (op->tbl == NULL || op->row_id == NULL || op->col == NULL || *op->row_id == '\0' ||
                !ulid_valid(op->device)) {
                util_seterr(err, _("refused a malformed op"));
                rc = STORE_ERR_INVALID;
                break;
            }
            if (k > 0 && !store_sync_same_write(&ops[i], op))
                break;
        }
        if (rc != STORE_OK)
            break;
        if (ops[i].hlc > maxhlc)
            maxhlc = ops[i].hlc;
        cols = store_table_cols(ops[i].tbl, &append_only);
        for (size_t j = 0; j < k; j++) {
            known[j] = false;
            if (cols != NULL)
                for (const char *const *c = cols; *c != NULL && !known[j]; c++)
                    known[j] = strcmp(*c, ops[i + j].col) == 0;
        }
        if ((rc = store_sync_log_write(s, &ops[i], k, known, !append_only, dup, won,
                                       &stats->conflicts, err)) != STORE_OK)
            break;
        for (size_t j = 0; j < k; j++) {
            if (dup[j]) {
                stats->duplicates++;
            } else if (!known[j]) {
                /* A newer vigia's column: keep the op, a later build will use it. */
                stats->unknown++;
            } else {
                if (won[j])
                    stats->won++;
                else
                    stats->lost++;
                add = true;
            }
        }
        if (add) {
            if (nrows == cap) {
                cap = cap ? cap * 2 : 64;
                rows = xreallocarray(rows, cap, sizeof *rows);
            }
            /* Borrowed from @ops, which outlive this call; checked against the registry above. */
            rows[nrows].tbl = ops[i].tbl;
            rows[nrows].cols = cols;
            rows[nrows].row_id = ops[i].row_id;
            nrows++;
        }
        i += k;
    }
    if (rc == STORE_OK && nrows > 0) {
        qsort(rows, nrows, sizeof *rows, store_sync_row_cmp);
        for (size_t i = 0; i < nrows && rc == STORE_OK; i++) {
            bool deferred;
            if (i > 0 && store_sync_row_cmp(&rows[i - 1], &rows[i]) == 0)
                continue;
            rc = store_sync_materialize(s, &rows[i], &deferred, err);
            if (deferred)
                stats->deferred++;
        }
    }
    if (rc == STORE_OK && maxhlc > 0)
        hlc_observe(&s->hlc, maxhlc, timeutil_now_ms());
    free(rows);
    return rc;
}

int store_sync_apply(struct store *s, const struct store_op *ops, size_t n,
                     struct store_apply_stats *stats, char **err)
{
    int rc = store_begin(s, err);

    if (rc != STORE_OK)
        return rc;
    rc = store_sync_apply_tx(s, ops, n, stats, err);
    if (rc != STORE_OK) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, err);
}

/* ---- sync_state ------------------------------------------------------------ */

int store_sync_get(struct store *s, const char *key, char **value, char **err)
{
    static const char sql[] = "SELECT value FROM sync_state WHERE key = ?";
    sqlite3_stmt *st = store_stmt(s, sql, err);
    int rc;

    *value = NULL;
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *value = store_col_text(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "sync_state", err);
}

int store_sync_get_int(struct store *s, const char *key, int64_t def, int64_t *value, char **err)
{
    char *v = NULL;
    int rc = store_sync_get(s, key, &v, err);

    *value = def;
    if (rc == STORE_OK && v != NULL)
        *value = strtoll(v, NULL, 10);
    free(v);
    return rc;
}

int store_sync_set(struct store *s, const char *key, const char *value, char **err)
{
    static const char set_sql[] = "INSERT OR REPLACE INTO sync_state(key, value) VALUES (?, ?)";
    static const char del_sql[] = "DELETE FROM sync_state WHERE key = ?";
    sqlite3_stmt *st = store_stmt(s, value ? set_sql : del_sql, err);

    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (value != NULL)
        sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    return store_sync_step(s, st, "sync_state", err);
}

int store_sync_set_int(struct store *s, const char *key, int64_t value, char **err)
{
    char v[32];

    snprintf(v, sizeof v, "%lld", (long long)value);
    return store_sync_set(s, key, v, err);
}

/* ---- batches received ----------------------------------------------------- */

int store_sync_batch_seen(struct store *s, const char *device, int64_t seq, bool *seen,
                          int64_t *max_seq, char **err)
{
    static const char seen_sql[] = "SELECT 1 FROM sync_batches WHERE device = ? AND seq = ?";
    static const char max_sql[] = "SELECT max(seq) FROM sync_batches WHERE device = ?";
    sqlite3_stmt *st;
    int rc;

    *seen = false;
    *max_seq = 0;
    if ((st = store_stmt(s, seen_sql, err)) == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, seq);
    rc = sqlite3_step(st);
    *seen = rc == SQLITE_ROW;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(s, rc, "sync_batches", err);
    if ((st = store_stmt(s, max_sql, err)) == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *max_seq = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW ? STORE_OK : store_fail(s, rc, "sync_batches", err);
}

int store_sync_batch_record(struct store *s, const char *device, int64_t seq, int64_t epoch,
                            char **err)
{
    static const char sql[] = "INSERT OR IGNORE INTO sync_batches(device, seq, epoch, received_at)"
                              " VALUES (?, ?, ?, ?)";
    sqlite3_stmt *st = store_stmt(s, sql, err);

    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int64(st, 3, epoch);
    sqlite3_bind_int64(st, 4, timeutil_now_ms());
    return store_sync_step(s, st, "sync_batches", err);
}

/* ---- devices and key shares ------------------------------------------------ */

int store_devices_list(struct store *s, struct store_device **out, size_t *n, char **err)
{
    static const char sql[] = "SELECT id, name, sign_pk, joined_at, deleted_at FROM devices"
                              " ORDER BY joined_at, id";
    sqlite3_stmt *st = store_stmt(s, sql, err);
    size_t cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if (st == NULL)
        return STORE_ERR_IO;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_device *d;
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = xreallocarray(*out, cap, sizeof **out);
        }
        d = &(*out)[(*n)++];
        memset(d, 0, sizeof *d);
        snprintf(d->id, sizeof d->id, "%s",
                 sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
        d->name = store_col_text(st, 1);
        d->sign_pk = store_col_text(st, 2);
        d->joined_at = sqlite3_column_int64(st, 3);
        d->deleted_at = sqlite3_column_int64(st, 4);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        store_devices_free(out, *n);
        *n = 0;
        return store_fail(s, rc, "devices", err);
    }
    return STORE_OK;
}

void store_devices_free(struct store_device **d, size_t n)
{
    if (*d == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free((*d)[i].name);
        free((*d)[i].sign_pk);
    }
    FREE(d);
}

int store_keyshare_get(struct store *s, int64_t epoch, const char *device, char **sealed,
                       char **err)
{
    static const char sql[] = "SELECT sealed FROM keyshares WHERE epoch = ? AND device_id = ?"
                              " ORDER BY created_at DESC LIMIT 1";
    sqlite3_stmt *st = store_stmt(s, sql, err);
    int rc;

    *sealed = NULL;
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_int64(st, 1, epoch);
    sqlite3_bind_text(st, 2, device, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *sealed = store_col_text(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "keyshares", err);
}
