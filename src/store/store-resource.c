/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The referral directory in SQLite. Writes go through store_write() (every
 * column, so an edit on one device carries the whole entry), deletes are
 * tombstones in deleted_at, and text search uses resources_fts, whose
 * tokenizer folds case and removes diacritics ("inmigración" matches
 * "inmigracion"). Filtering by need, language and area and ordering by the
 * user's collation happen in the app layer: a directory holds hundreds of
 * entries, not millions.
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

#define STORE_RESOURCE_COLS                                                                        \
    "r.id, r.name, r.services, r.languages, r.areas, r.hours, r.contact, r.detained,"              \
    " r.non_detained, r.criminal, r.non_criminal, r.fees, r.payment_plans,"                        \
    " r.excluded_statuses, r.courts, r.notes, r.vetting, r.checked_at, r.checked_by, r.sample,"    \
    " r.created_at, r.updated_at"

static struct store_val store_resource_tri(enum model_tri t)
{
    return t == MODEL_UNKNOWN ? store_null() : store_int(t == MODEL_YES);
}

int store_resource_put_tx(struct store *s, const struct model_resource *r, char **err)
{
    char *services = model_services_format(r->services);
    struct store_col cols[] = {
        {"name", store_text(r->name)},
        {"services", store_text(services)},
        {"languages", store_text(r->languages)},
        {"areas", store_text(r->areas)},
        {"hours", store_text(r->hours)},
        {"contact", store_text(r->contact)},
        {"detained", store_resource_tri(r->detained)},
        {"non_detained", store_resource_tri(r->non_detained)},
        {"criminal", store_resource_tri(r->criminal)},
        {"non_criminal", store_resource_tri(r->non_criminal)},
        {"fees", store_text(r->fees)},
        {"payment_plans", store_resource_tri(r->payment_plans)},
        {"excluded_statuses", store_text(r->excluded_statuses)},
        {"courts", store_text(r->courts)},
        {"notes", store_text(r->notes)},
        {"vetting", store_text(r->vetting)},
        {"checked_at", r->checked_at ? store_int(r->checked_at) : store_null()},
        {"checked_by", store_text(r->checked_by)},
        {"sample", store_int(r->sample)},
        {"created_at", store_int(r->created_at)},
        {"updated_at", store_int(r->updated_at)},
        {"deleted_at", store_null()},
    };
    int rc;

    if (!ulid_valid(r->id)) {
        util_seterr(err, "%s", _("a resource needs an id"));
        free(services);
        return STORE_ERR_INVALID;
    }
    rc = store_write(s, "resources", r->id, cols, UTIL_ARRAY_LEN(cols), err);
    free(services);
    return rc;
}

static enum model_tri store_resource_col_tri(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return MODEL_UNKNOWN;
    return sqlite3_column_int(st, i) ? MODEL_YES : MODEL_NO;
}

/* Fill @r from a row of STORE_RESOURCE_COLS. */
static void store_resource_row(sqlite3_stmt *st, struct model_resource *r)
{
    const char *id = (const char *)sqlite3_column_text(st, 0);
    const char *services = (const char *)sqlite3_column_text(st, 2);

    model_resource_init(r);
    snprintf(r->id, sizeof r->id, "%s", id ? id : "");
    r->name = store_col_text(st, 1);
    if (services != NULL) {
        unsigned bits = 0;
        /* Services this build does not know (a newer device's) are left out. */
        char *copy = xstrdup(services), *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            int k = model_service_parse(tok);
            if (k >= 0)
                bits |= 1u << k;
        }
        free(copy);
        r->services = bits;
    }
    r->languages = store_col_text(st, 3);
    r->areas = store_col_text(st, 4);
    r->hours = store_col_text(st, 5);
    r->contact = store_col_text(st, 6);
    r->detained = store_resource_col_tri(st, 7);
    r->non_detained = store_resource_col_tri(st, 8);
    r->criminal = store_resource_col_tri(st, 9);
    r->non_criminal = store_resource_col_tri(st, 10);
    r->fees = store_col_text(st, 11);
    r->payment_plans = store_resource_col_tri(st, 12);
    r->excluded_statuses = store_col_text(st, 13);
    r->courts = store_col_text(st, 14);
    r->notes = store_col_text(st, 15);
    r->vetting = store_col_text(st, 16);
    r->checked_at = sqlite3_column_int64(st, 17);
    r->checked_by = store_col_text(st, 18);
    r->sample = sqlite3_column_int(st, 19) != 0;
    r->created_at = sqlite3_column_int64(st, 20);
    r->updated_at = sqlite3_column_int64(st, 21);
}

int store_resource_get(struct store *s, const char *id, struct model_resource *out, char **err)
{
    sqlite3_stmt *st = store_stmt(s,
                                  "SELECT " STORE_RESOURCE_COLS " FROM resources r"
                                  " WHERE r.id = ? AND r.deleted_at IS NULL",
                                  err);
    int rc;

    model_resource_init(out);
    if (st == NULL)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = store_step_one(s, st, "reading a resource", err);
    if (rc == STORE_OK)
        store_resource_row(st, out);
    else if (rc == STORE_ERR_NOT_FOUND)
        util_seterr(err, _("no resource with id %s"), id);
    store_stmt_done(st);
    return rc;
}

void store_resources_free(struct model_resource *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        model_resource_fini(&rows[i]);
    free(rows);
}

int store_resource_list(struct store *s, const char *query, struct model_resource **rows, size_t *n,
                        char **err)
{
    char *fts = query ? store_fts_query(query) : NULL;
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc;

    *rows = NULL;
    *n = 0;
    if (fts != NULL)
        st = store_stmt(s,
                        "SELECT " STORE_RESOURCE_COLS " FROM resources r"
                        " JOIN resources_fts f ON f.rowid = r.rowid"
                        " WHERE resources_fts MATCH ? AND r.deleted_at IS NULL",
                        err);
    else
        st = store_stmt(s,
                        "SELECT " STORE_RESOURCE_COLS " FROM resources r"
                        " WHERE r.deleted_at IS NULL",
                        err);
    if (st == NULL) {
        free(fts);
        return STORE_ERR_IO;
    }
    if (fts != NULL)
        sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *rows = xreallocarray(*rows, cap, sizeof **rows);
        }
        store_resource_row(st, &(*rows)[(*n)++]);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    free(fts);
    if (rc != SQLITE_DONE) {
        store_resources_free(*rows, *n);
        *rows = NULL;
        *n = 0;
        return store_fail(s, rc, "reading resources", err);
    }
    return STORE_OK;
}

int store_resource_delete_tx(struct store *s, const char *id, char **err)
{
    int64_t now = timeutil_now_ms();
    struct store_col cols[] = {
        {"deleted_at", store_int(now)},
        {"updated_at", store_int(now)},
    };
    struct model_resource r;
    int rc;

    if ((rc = store_resource_get(s, id, &r, err)) != STORE_OK)
        return rc;
    model_resource_fini(&r);
    return store_write(s, "resources", id, cols, UTIL_ARRAY_LEN(cols), err);
}
