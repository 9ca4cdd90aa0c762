/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The roster in SQLite: verifiers, weekly shifts and assignments. Writes go
 * through store_write() with every column of the row, so an edit on one
 * device carries the whole record to the others; removals are tombstones in
 * deleted_at. A verifier's contact is personal data: store_write() seals it
 * once a passphrase is set (store-vault.c lists verifiers.contact), and the
 * rows read here hand it back as stored, sealed or not; the app opens it
 * with store_open_text() only when it needs the number.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/store.h"

#include "private.h"

/* ---- verifiers ----------------------------------------------------------- */

#define STORE_VERIFIER_COLS "id, name, contact, channel, languages, areas, roles, notes, created_at"

int store_verifier_put_tx(struct store *s, const struct model_verifier *v, char **err)
{
    char *roles = model_roles_format(v->roles);
    struct store_col cols[] = {
        {"name", store_text(v->name)},
        {"contact", store_text(v->contact)},
        {"channel", store_text(v->channel)},
        {"languages", store_text(v->languages)},
        {"areas", store_text(v->areas)},
        {"roles", store_text(roles)},
        {"notes", store_text(v->notes)},
        {"created_at", store_int(v->created_at)},
        {"updated_at", store_int(timeutil_now_ms())},
        {"deleted_at", store_null()},
    };
    int rc;

    if (!ulid_valid(v->id)) {
        util_seterr(err, "%s", _("a verifier needs an id"));
        free(roles);
        return STORE_ERR_INVALID;
    }
    rc = store_write(s, "verifiers", v->id, cols, UTIL_ARRAY_LEN(cols), err);
    free(roles);
    return rc;
}

static void store_verifier_row(sqlite3_stmt *st, struct model_verifier *v)
{
    const char *id = (const char *)sqlite3_column_text(st, 0);
    const char *roles = (const char *)sqlite3_column_text(st, 6);

    model_verifier_init(v);
    snprintf(v->id, sizeof v->id, "%s", id ? id : "");
    v->name = store_col_text(st, 1);
    v->contact = store_col_text(st, 2);
    v->channel = store_col_text(st, 3);
    v->languages = store_col_text(st, 4);
    v->areas = store_col_text(st, 5);
    if (roles != NULL) {
        /* Roles this build does not know (a newer device's) are left out. */
        char *copy = xstrdup(roles), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            int r = model_role_parse(t);
            if (r >= 0)
                v->roles |= 1u << r;
        }
        free(copy);
    }
    v->notes = store_col_text(st, 7);
    v->created_at = sqlite3_column_int64(st, 8);
}

void store_verifiers_free(struct model_verifier *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        model_verifier_fini(&rows[i]);
    free(rows);
}

int store_verifier_list(struct store *s, struct model_verifier **rows, size_t *n, char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "SELECT " STORE_VERIFIER_COLS " FROM verifiers"
                                  " WHERE deleted_at IS NULL ORDER BY name COLLATE NOCASE, id",
                                  err);
    size_t cap = 0;
    int rc;

    *rows = NULL;
    *n = 0;
    if (st == NULL)
        return STORE_ERR_IO;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *rows = xreallocarray(*rows, cap, sizeof **rows);
        }
        store_verifier_row(st, &(*rows)[(*n)++]);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        store_verifiers_free(*rows, *n);
        *rows = NULL;
        *n = 0;
        return store_fail(s, rc, "reading verifiers", err);
    }
    return STORE_OK;
}

int store_verifier_get(struct store *s, const char *id, struct model_verifier *out, char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "SELECT " STORE_VERIFIER_COLS " FROM verifiers"
                                  " WHERE id = ? AND deleted_at IS NULL",
                                  err);
    int rc;

    model_verifier_init(out);
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = store_step_one(s, st, "reading a verifier", err);
    if (rc == STORE_OK)
        store_verifier_row(st, out);
    else if (rc == STORE_ERR_NOT_FOUND)
        util_seterr(err, _("no verifier with id %s"), id);
    store_stmt_done(st);
    return rc;
}

int store_verifier_delete_tx(struct store *s, const char *id, char **err)
{
    int64_t now = timeutil_now_ms();
    struct store_col cols[] = {
        {"deleted_at", store_int(now)},
        {"updated_at", store_int(now)},
    };

    return store_write(s, "verifiers", id, cols, UTIL_ARRAY_LEN(cols), err);
}

/* ---- shifts ------------------------------------------------------------- */

int store_shift_put_tx(struct store *s, const struct model_shift *sh, char **err)
{
    struct store_col cols[] = {
        {"person", store_text(sh->person)},  {"role", store_text(model_role_name(sh->role))},
        {"weekday", store_int(sh->weekday)}, {"start_min", store_int(sh->start_min)},
        {"end_min", store_int(sh->end_min)}, {"deleted_at", store_null()},
    };

    if (!ulid_valid(sh->id)) {
        util_seterr(err, "%s", _("a shift needs an id"));
        return STORE_ERR_INVALID;
    }
    return store_write(s, "shifts", sh->id, cols, UTIL_ARRAY_LEN(cols), err);
}

void store_shifts_free(struct model_shift *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        model_shift_fini(&rows[i]);
    free(rows);
}

int store_shift_list(struct store *s, struct model_shift **rows, size_t *n, char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "SELECT id, person, role, weekday, start_min, end_min"
                                  " FROM shifts WHERE deleted_at IS NULL"
                                  " ORDER BY weekday, start_min, person COLLATE NOCASE, id",
                                  err);
    size_t cap = 0;
    int rc;

    *rows = NULL;
    *n = 0;
    if (st == NULL)
        return STORE_ERR_IO;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct model_shift *sh;
        const char *id = (const char *)sqlite3_column_text(st, 0);
        int role = model_role_parse((const char *)sqlite3_column_text(st, 2));
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *rows = xreallocarray(*rows, cap, sizeof **rows);
        }
        sh = &(*rows)[(*n)++];
        memset(sh, 0, sizeof *sh);
        snprintf(sh->id, sizeof sh->id, "%s", id ? id : "");
        sh->person = store_col_text(st, 1);
        sh->role = role < 0 ? MODEL_ROLE_VERIFIER : (enum model_role)role;
        sh->weekday = sqlite3_column_int(st, 3);
        sh->start_min = sqlite3_column_int(st, 4);
        sh->end_min = sqlite3_column_int(st, 5);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        store_shifts_free(*rows, *n);
        *rows = NULL;
        *n = 0;
        return store_fail(s, rc, "reading shifts", err);
    }
    return STORE_OK;
}

int store_shift_delete_tx(struct store *s, const char *id, char **err)
{
    struct store_col cols[] = {{"deleted_at", store_int(timeutil_now_ms())}};

    return store_write(s, "shifts", id, cols, UTIL_ARRAY_LEN(cols), err);
}

/* ---- assignments ---------------------------------------------------------- */

/* The time column of each state, in enum order. */
static const char *const store_assign_time_cols[MODEL_ASSIGN_COUNT] = {
    "assigned_at",      "acknowledged_at", "en_route_at", "on_scene_at",
    "reported_back_at", "released_at",     "declined_at",
};

#define STORE_ASSIGN_COLS                                                                          \
    "id, report_id, verifier_id, state, assigned_at, acknowledged_at, en_route_at, on_scene_at,"   \
    " reported_back_at, released_at, declined_at, last_word_at, assigned_by, note, message,"       \
    " message_state"

static struct store_val store_time(int64_t t)
{
    return t ? store_int(t) : store_null();
}

int store_assignment_put_tx(struct store *s, const struct model_assignment *a, char **err)
{
    struct store_col cols[8 + MODEL_ASSIGN_COUNT];
    size_t n = 0;

    if (!ulid_valid(a->id)) {
        util_seterr(err, "%s", _("an assignment needs an id"));
        return STORE_ERR_INVALID;
    }
    cols[n++] = (struct store_col){"report_id", store_text(a->report_id)};
    cols[n++] = (struct store_col){"verifier_id", store_text(a->verifier_id)};
    cols[n++] = (struct store_col){"state", store_text(model_assign_state_name(a->state))};
    for (int i = 0; i < MODEL_ASSIGN_COUNT; i++)
        cols[n++] = (struct store_col){store_assign_time_cols[i], store_time(a->at[i])};
    cols[n++] = (struct store_col){"last_word_at", store_time(a->last_word_at)};
    cols[n++] = (struct store_col){"assigned_by", store_text(a->assigned_by)};
    cols[n++] = (struct store_col){"note", store_text(a->note)};
    cols[n++] = (struct store_col){"message", store_text(a->message)};
    cols[n++] = (struct store_col){"message_state", store_text(a->message_state)};
    return store_write(s, "assignments", a->id, cols, n, err);
}

static void store_assignment_row(sqlite3_stmt *st, struct model_assignment *a)
{
    const char *t;
    int v;

    model_assignment_init(a);
    t = (const char *)sqlite3_column_text(st, 0);
    snprintf(a->id, sizeof a->id, "%s", t ? t : "");
    t = (const char *)sqlite3_column_text(st, 1);
    snprintf(a->report_id, sizeof a->report_id, "%s", t ? t : "");
    t = (const char *)sqlite3_column_text(st, 2);
    snprintf(a->verifier_id, sizeof a->verifier_id, "%s", t ? t : "");
    v = model_assign_state_parse((const char *)sqlite3_column_text(st, 3));
    a->state = v < 0 ? MODEL_ASSIGN_ASSIGNED : (enum model_assign_state)v;
    for (int i = 0; i < MODEL_ASSIGN_COUNT; i++)
        a->at[i] = sqlite3_column_int64(st, 4 + i);
    a->last_word_at = sqlite3_column_int64(st, 11);
    a->assigned_by = store_col_text(st, 12);
    a->note = store_col_text(st, 13);
    a->message = store_col_text(st, 14);
    a->message_state = store_col_text(st, 15);
}

void store_assignments_free(struct model_assignment *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        model_assignment_fini(&rows[i]);
    free(rows);
}

int store_assignment_get(struct store *s, const char *id, struct model_assignment *out, char **err)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT " STORE_ASSIGN_COLS " FROM assignments WHERE id = ?", err);
    int rc;

    model_assignment_init(out);
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = store_step_one(s, st, "reading an assignment", err);
    if (rc == STORE_OK)
        store_assignment_row(st, out);
    else if (rc == STORE_ERR_NOT_FOUND)
        util_seterr(err, _("no assignment with id %s"), id);
    store_stmt_done(st);
    return rc;
}

int store_assignment_list(struct store *s, const char *report_id, bool open_only,
                          struct model_assignment **rows, size_t *n, char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "SELECT " STORE_ASSIGN_COLS " FROM assignments"
                                  " WHERE (?1 IS NULL OR report_id = ?1)"
                                  " AND (?2 = 0 OR state NOT IN ('released', 'declined'))"
                                  " ORDER BY assigned_at, id",
                                  err);
    size_t cap = 0;
    int rc;

    *rows = NULL;
    *n = 0;
    if (st == NULL)
        return STORE_ERR_IO;
    if (report_id != NULL)
        sqlite3_bind_text(st, 1, report_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 1);
    sqlite3_bind_int(st, 2, open_only ? 1 : 0);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *rows = xreallocarray(*rows, cap, sizeof **rows);
        }
        store_assignment_row(st, &(*rows)[(*n)++]);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        store_assignments_free(*rows, *n);
        *rows = NULL;
        *n = 0;
        return store_fail(s, rc, "reading assignments", err);
    }
    return STORE_OK;
}

int store_assignment_last(struct store *s, const char *verifier_id, struct model_assignment *out,
                          bool *found, char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "SELECT " STORE_ASSIGN_COLS " FROM assignments"
                                  " WHERE verifier_id = ? ORDER BY assigned_at DESC, id DESC"
                                  " LIMIT 1",
                                  err);
    int rc;

    *found = false;
    model_assignment_init(out);
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, verifier_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        store_assignment_row(st, out);
        *found = true;
        rc = STORE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = STORE_OK;
    } else {
        rc = store_fail(s, rc, "reading an assignment", err);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* ---- for the handoff brief ------------------------------------------------- */

int store_broadcast_live_ids(struct store *s, int64_t now, char (**ids)[ULID_LEN + 1], size_t *n,
                             char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "SELECT id FROM broadcasts"
                                  " WHERE status IN ('approved', 'held', 'sending', 'done')"
                                  " AND (expires_at IS NULL OR expires_at > ?)"
                                  " ORDER BY created_at DESC LIMIT 50",
                                  err);
    size_t cap = 0;
    int rc;

    *ids = NULL;
    *n = 0;
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_int64(st, 1, now);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *ids = xreallocarray(*ids, cap, sizeof **ids);
        }
        snprintf((*ids)[(*n)++], ULID_LEN + 1, "%s", id ? id : "");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        FREE(ids);
        *n = 0;
        return store_fail(s, rc, "reading broadcasts", err);
    }
    return STORE_OK;
}
