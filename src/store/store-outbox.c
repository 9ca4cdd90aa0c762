/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Single messages in the outbox: the message an assignment sends to its
 * verifier goes through the same queue, worker and gateways as a broadcast
 * (store-broadcast.c has the claim, finish and reconciliation they share).
 *
 * A single row has no broadcast or subscriber: it names its assignment, its
 * recipient (verifier_id) and carries its own text (body). It is queued in
 * the transaction that writes the assignment, with an idempotency key made
 * from the assignment, so a retried or repeated assignment queues nothing
 * twice and a crash is reconciled like any other row. While it moves through
 * queued -> sending -> sent | failed | uncertain, the assignment's synced
 * message_state follows it (store_outbox_follow_tx, called by the claim and
 * the outcomes), so every dispatcher sees where the message is; the row
 * itself stays on this device like every outbox row.
 *
 * Contacts. outbox.contact is a copy of the recipient's contact exactly as
 * stored: sealed ("vg:...") once a passphrase is set. It is never opened to
 * be queued; the worker opens it just before a request leaves, with the
 * associated data of the row it was sealed in (store_outbox_open_contact).
 * While the vault is locked such rows are not due: the claim leaves them
 * queued, untouched (no attempt counted, never failed), and
 * store_outbox_locked counts them so the dispatcher can be told why.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/store.h"

#include "private.h"

void store_outbox_single_key(const char *assignment_id, const char *recipient_id,
                             const char *channel, char out[STORE_OUTBOX_KEY_LEN + 1])
{
    /* Apart from broadcast keys by construction: no broadcast id starts so. */
    char *scope = xasprintf("assignment:%s", assignment_id);

    store_outbox_key(scope, recipient_id ? recipient_id : "", channel, out);
    free(scope);
}

int store_outbox_insert_msg(struct store *s, const struct store_outbox_msg *m, const char *key,
                            bool or_ignore, char **err)
{
    sqlite3_stmt *st = store_stmt(
        s,
        or_ignore ? "INSERT OR IGNORE INTO outbox(id, assignment_id, verifier_id, channel,"
                    " idempotency_key, contact, language, body, state, attempts, not_before,"
                    " updated_at) VALUES (?1, ?2, ?3, ?4, ?1, ?5, ?6, ?7, 'queued', 0, ?8, ?9)"
                  : "INSERT INTO outbox(id, assignment_id, verifier_id, channel,"
                    " idempotency_key, contact, language, body, state, attempts, not_before,"
                    " updated_at) VALUES (?1, ?2, ?3, ?4, ?1, ?5, ?6, ?7, 'queued', 0, ?8, ?9)",
        err);
    int rc;

    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, m->assignment_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, m->verifier_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, m->channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, m->contact, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, m->language, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, m->body, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, m->not_before);
    sqlite3_bind_int64(st, 9, timeutil_now_ms());
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc, "queueing a message", err);
}

int store_outbox_enqueue_tx(struct store *s, const struct store_outbox_msg *m, bool *added,
                            char **err)
{
    char key[STORE_OUTBOX_KEY_LEN + 1];
    int rc;

    *added = false;
    if (s->depth == 0) {
        util_seterr(err, "store_outbox_enqueue_tx outside a transaction");
        return STORE_ERR_INVALID;
    }
    if (m->assignment_id == NULL || m->channel == NULL || m->body == NULL) {
        util_seterr(err, "store_outbox_enqueue_tx: assignment, channel and body are needed");
        return STORE_ERR_INVALID;
    }
    store_outbox_single_key(m->assignment_id, m->verifier_id, m->channel, key);
    if ((rc = store_outbox_insert_msg(s, m, key, true, err)) != STORE_OK)
        return rc;
    *added = sqlite3_changes(s->db) > 0;
    return STORE_OK;
}

int store_outbox_follow_tx(struct store *s, const char *assignment_id, const char *state,
                           char **err)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT message_state FROM assignments WHERE id = ?", err);
    struct store_col col = {"message_state", store_text(state)};
    char *cur = NULL;
    int rc;

    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, assignment_id, -1, SQLITE_STATIC);
    rc = store_step_one(s, st, "reading an assignment", err);
    if (rc == STORE_OK)
        cur = store_col_text(st, 0);
    store_stmt_done(st);
    if (rc == STORE_ERR_NOT_FOUND)
        return STORE_OK; /* not here (any more): nothing to follow */
    if (rc != STORE_OK)
        return rc;
    /* One op per change, not per attempt. */
    if (cur == NULL || strcmp(cur, state) != 0)
        rc = store_write(s, "assignments", assignment_id, &col, 1, err);
    free(cur);
    return rc;
}

int store_outbox_open_contact(struct store *s, const struct store_outbox_row *row, char **out,
                              char **err)
{
    *out = NULL;
    if (row->contact == NULL || !store_vault_is_sealed(row->contact)) {
        *out = row->contact ? xstrdup(row->contact) : NULL;
        return STORE_OK;
    }
    /* Sealed where it came from: the associated data names that row. */
    if (row->verifier_id != NULL)
        return store_open_text(s, "verifiers", "contact", row->verifier_id, row->contact, out, err);
    if (row->subscriber_id != NULL)
        return store_open_text(s, "subscribers", "contact", row->subscriber_id, row->contact, out,
                               err);
    util_seterr(err, "%s",
                _("cannot open a sealed value: it was sealed under another key or damaged"));
    return STORE_ERR_KEY;
}

int store_outbox_locked(struct store *s, size_t *n, char **err)
{
    sqlite3_stmt *st;
    bool enabled = false;
    int rc;

    *n = 0;
    if (store_vault_unlocked(s))
        return STORE_OK;
    if ((rc = store_vault_enabled(s, &enabled, err)) != STORE_OK || !enabled)
        return rc; /* no passphrase: nothing is sealed */
    st = store_stmt(s,
                    "SELECT count(*) FROM outbox WHERE state = 'queued'"
                    " AND substr(contact, 1, 3) = 'vg:'",
                    err);
    if (st == NULL)
        return STORE_ERR_IO;
    rc = store_step_one(s, st, "reading the outbox", err);
    if (rc == STORE_OK)
        *n = (size_t)sqlite3_column_int64(st, 0);
    store_stmt_done(st);
    return rc;
}

/* store_outbox_of_assignment is in store-broadcast.c, beside the row reader it uses. */
