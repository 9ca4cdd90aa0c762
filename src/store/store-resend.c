/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Sending an assignment's message again (`vigia assignment resend`, 'm' in
 * the roster pane). The first message of an assignment is queued with a key
 * made from the assignment alone (store-outbox.c), so queueing it again
 * would add nothing. A deliberate resend is a new message: a new outbox row
 * with its own idempotency key (the assignment and a fresh ULID), so no
 * gateway or reconciliation takes it for the first one. Never two at once:
 * while a row of the assignment is queued or being sent, nothing is added.
 * The assignment's message_state follows the new row from "queued".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "vigia/util.h"
#include "vigia/store.h"

#include "private.h"

int store_outbox_in_flight(struct store *s, const char *assignment_id, bool *busy, char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "SELECT count(*) FROM outbox WHERE assignment_id = ?"
                                  " AND state IN ('queued', 'sending')",
                                  err);
    int rc;

    *busy = false;
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, assignment_id, -1, SQLITE_STATIC);
    rc = store_step_one(s, st, "reading the outbox", err);
    if (rc == STORE_OK)
        *busy = sqlite3_column_int64(st, 0) > 0;
    store_stmt_done(st);
    return rc;
}

int store_outbox_resend_tx(struct store *s, const struct store_outbox_msg *m,
                           char key_out[STORE_OUTBOX_KEY_LEN + 1], char **err)
{
    char key[STORE_OUTBOX_KEY_LEN + 1], nonce[ULID_LEN + 1], *scope;
    bool busy = false;
    int rc;

    if (s->depth == 0) {
        util_seterr(err, "store_outbox_resend_tx outside a transaction");
        return STORE_ERR_INVALID;
    }
    if (m->assignment_id == NULL || m->channel == NULL || m->body == NULL) {
        util_seterr(err, "store_outbox_resend_tx: assignment, channel and body are needed");
        return STORE_ERR_INVALID;
    }
    if ((rc = store_outbox_in_flight(s, m->assignment_id, &busy, err)) != STORE_OK)
        return rc;
    if (busy) {
        util_seterr(err, "the message of assignment %s is already queued", m->assignment_id);
        return STORE_ERR_INVALID;
    }
    /* Its own key: apart from the first message's ("assignment:ID") and every other resend. */
    ulid_new(timeutil_now_ms(), nonce);
    scope = xasprintf("assignment:%s:resend:%s", m->assignment_id, nonce);
    store_outbox_key(scope, m->verifier_id ? m->verifier_id : "", m->channel, key);
    free(scope);
    if ((rc = store_outbox_insert_msg(s, m, key, false, err)) != STORE_OK)
        return rc;
    if ((rc = store_outbox_follow_tx(s, m->assignment_id, "queued", err)) != STORE_OK)
        return rc;
    if (key_out != NULL)
        snprintf(key_out, STORE_OUTBOX_KEY_LEN + 1, "%s", key);
    return STORE_OK;
}
