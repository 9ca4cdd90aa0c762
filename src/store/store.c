/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Opening, migrating and writing the database.
 *
 * The schema is a list of migrations applied in order inside one transaction
 * each; PRAGMA user_version records how far a file has come and
 * PRAGMA application_id marks it as ours, so that a stray SQLite file (or any
 * other file) is refused untouched.
 *
 * store_write() is the single mutation path: it checks the table and columns
 * against a registry of the synced tables, upserts the row and appends an op
 * per column, stamped with the hybrid logical clock, in the caller's
 * transaction (store-oplog.c: the cells of one write share one `ops` row).
 * Statements are prepared once and cached by SQL text.
 */
#include "config.h"

#include "vigia/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "vigia/i18n.h"
#include "vigia/util.h"

#include "private.h"

#define STORE_APPLICATION_ID 0x56494741 /* "VIGA" */

/* ---- schema ------------------------------------------------------------- */

static const char store_migration_1[] =
    "CREATE TABLE reports ("
    " id TEXT PRIMARY KEY, received_at INTEGER NOT NULL, observed_at INTEGER,"
    " updated_at INTEGER, source TEXT NOT NULL DEFAULT 'call',"
    " category TEXT NOT NULL DEFAULT 'other', location TEXT NOT NULL DEFAULT '',"
    " area TEXT, lat REAL, lon REAL, what TEXT NOT NULL DEFAULT '', agency TEXT,"
    " agents INTEGER, vehicles TEXT, first_hand INTEGER, status TEXT NOT NULL DEFAULT 'new',"
    " priority INTEGER NOT NULL DEFAULT 0, expires_at INTEGER, created_by TEXT,"
    " incident_id TEXT);"
    /* expires_at last: the live filter is read from the index, not the rows. */
    "CREATE INDEX reports_queue ON reports(priority DESC, received_at DESC, id DESC, expires_at);"
    "CREATE INDEX reports_status ON reports(status, expires_at);"
    "CREATE INDEX reports_expiry ON reports(expires_at);"
    /* Partial: most reports are in no incident (an import of 100,000 wrote 100,000 NULL keys). */
    "CREATE INDEX reports_incident ON reports(incident_id) WHERE incident_id IS NOT NULL;"
    /*
     * Retention of detention follow-ups (store-privacy.c) reads only these,
     * and only those last touched before the window: the key is the
     * expression its query compares, so the search is a range (on updated_at
     * alone it read all 14,000 follow-ups of a 100,000-report database at
     * every console start; tests/bench).
     */
    "CREATE INDEX reports_followup ON reports(coalesce(updated_at, received_at))"
    " WHERE category = 'detention_followup';"
    /* Personal data, kept apart from the report; never broadcast. */
    "CREATE TABLE reporter_contacts ("
    " id TEXT PRIMARY KEY, report_id TEXT NOT NULL, contact TEXT, created_at INTEGER);"
    "CREATE INDEX reporter_contacts_report ON reporter_contacts(report_id);"
    /* The retention purge walks only the contacts still held. */
    "CREATE INDEX reporter_contacts_live ON reporter_contacts(report_id)"
    " WHERE contact IS NOT NULL;"
    /*
     * People named in a detention follow-up (the detained person, family):
     * name, phone, a_number, where_held and notes are personal (store-vault.c),
     * cleared with the report's follow-up text (store-privacy.c).
     */
    "CREATE TABLE followup_people ("
    " id TEXT PRIMARY KEY, report_id TEXT NOT NULL, name TEXT, relation TEXT, phone TEXT,"
    " a_number TEXT, detained_at INTEGER, where_held TEXT, notes TEXT, created_at INTEGER,"
    " created_by TEXT, deleted_at INTEGER);"
    "CREATE INDEX followup_people_report ON followup_people(report_id);"
    "CREATE TABLE checklist_items ("
    " id TEXT PRIMARY KEY, report_id TEXT NOT NULL, item_key TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'unknown', by TEXT, at INTEGER, note TEXT);"
    "CREATE INDEX checklist_items_report ON checklist_items(report_id);"
    "CREATE TABLE verifiers ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, contact TEXT, channel TEXT, languages TEXT,"
    " areas TEXT, roles TEXT, notes TEXT, created_at INTEGER, deleted_at INTEGER,"
    " updated_at INTEGER);"
    "CREATE TABLE shifts ("
    " id TEXT PRIMARY KEY, person TEXT NOT NULL, role TEXT, weekday INTEGER,"
    " start_min INTEGER, end_min INTEGER, deleted_at INTEGER);"
    "CREATE TABLE assignments ("
    " id TEXT PRIMARY KEY, report_id TEXT NOT NULL, verifier_id TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'assigned', assigned_at INTEGER, acknowledged_at INTEGER,"
    " en_route_at INTEGER, on_scene_at INTEGER, reported_back_at INTEGER,"
    " released_at INTEGER, outcome TEXT, note TEXT, declined_at INTEGER, last_word_at INTEGER,"
    " assigned_by TEXT, message TEXT, message_state TEXT, updated_at INTEGER);"
    "CREATE INDEX assignments_report ON assignments(report_id);"
    "CREATE INDEX assignments_verifier ON assignments(verifier_id, state);"
    "CREATE TABLE subscribers ("
    " id TEXT PRIMARY KEY, contact TEXT NOT NULL, channel TEXT NOT NULL,"
    " language TEXT NOT NULL DEFAULT 'en', areas TEXT, opted_out_at INTEGER,"
    " created_at INTEGER, updated_at INTEGER, contact_tag TEXT);"
    /* Without a vault: looked up by contact; with one, by the keyed tag (store-vault.c). */
    "CREATE INDEX subscribers_contact ON subscribers(contact, channel);"
    "CREATE INDEX subscribers_tag ON subscribers(contact_tag);"
    /* STOP replies received while personal data was locked, applied at unlock. Local. */
    "CREATE TABLE subscriber_optouts ("
    " id TEXT PRIMARY KEY, channel TEXT NOT NULL, contact TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE TABLE broadcasts ("
    " id TEXT PRIMARY KEY, report_ids TEXT, audience TEXT, channels TEXT, texts TEXT,"
    " status TEXT NOT NULL DEFAULT 'draft', drafted_by TEXT, approved_by TEXT,"
    " created_at INTEGER, approved_at INTEGER, template TEXT, kind TEXT, urgent INTEGER,"
    " parent_id TEXT, lint_override TEXT, expires_at INTEGER, hold_until INTEGER,"
    " progress TEXT, updated_at INTEGER);"
    /*
     * A row is a broadcast's (broadcast_id, subscriber_id) or a single
     * message to a verifier (assignment_id, verifier_id, its own body); see
     * src/store/store-outbox.c. contact is a copy of the recipient's, sealed
     * as it was in its own row.
     */
    "CREATE TABLE outbox ("
    " id TEXT PRIMARY KEY, broadcast_id TEXT, subscriber_id TEXT,"
    " channel TEXT NOT NULL, idempotency_key TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0,"
    " gateway_id TEXT, last_error TEXT, updated_at INTEGER, contact TEXT, language TEXT,"
    " not_before INTEGER NOT NULL DEFAULT 0, sending_at INTEGER,"
    " reconcile INTEGER NOT NULL DEFAULT 0, assignment_id TEXT, verifier_id TEXT, body TEXT);"
    "CREATE INDEX outbox_queue ON outbox(channel, state, not_before);"
    "CREATE INDEX outbox_assignment ON outbox(assignment_id) WHERE assignment_id IS NOT NULL;"
    "CREATE TABLE resources ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, services TEXT, languages TEXT, areas TEXT,"
    " hours TEXT, contact TEXT, notes TEXT, checked_at INTEGER, deleted_at INTEGER,"
    " detained INTEGER, non_detained INTEGER, criminal INTEGER, non_criminal INTEGER,"
    " fees TEXT, payment_plans INTEGER, excluded_statuses TEXT, courts TEXT, vetting TEXT,"
    " checked_by TEXT, sample INTEGER, created_at INTEGER, updated_at INTEGER);"
    /* Append-only audit timeline. */
    "CREATE TABLE events ("
    " id TEXT PRIMARY KEY, at INTEGER NOT NULL, actor TEXT, kind TEXT NOT NULL,"
    " report_id TEXT, detail TEXT);"
    "CREATE INDEX events_report ON events(report_id, at);"
    "CREATE INDEX events_at ON events(at);"
    /*
     * The sync log: one row per row write, its n cells (one op each, all with
     * this hlc) in cols, a JSON object column -> value; parents, a JSON object
     * column -> hlc of the cell's newest op when this one was written, for
     * the cells that had one (sync conflicts). See store-oplog.c.
     */
    "CREATE TABLE ops ("
    " seq INTEGER PRIMARY KEY, hlc INTEGER NOT NULL, device TEXT NOT NULL,"
    " tbl TEXT NOT NULL, row_id TEXT NOT NULL, n INTEGER NOT NULL, cols TEXT NOT NULL,"
    " parents TEXT);"
    "CREATE INDEX ops_row ON ops(tbl, row_id, hlc);"
    "CREATE INDEX ops_hlc ON ops(hlc);"
    "CREATE TABLE sync_state (key TEXT PRIMARY KEY, value ANY);"
    /* Sync: devices of the network (public keys only), key shares, batches seen. */
    "CREATE TABLE devices ("
    " id TEXT PRIMARY KEY, name TEXT, sign_pk TEXT, joined_at INTEGER, deleted_at INTEGER);"
    "CREATE TABLE keyshares ("
    " id TEXT PRIMARY KEY, epoch INTEGER, device_id TEXT, sealed TEXT, created_at INTEGER);"
    /* The dispatch thread: short messages among the network's dispatchers. */
    "CREATE TABLE thread_messages ("
    " id TEXT PRIMARY KEY, at INTEGER NOT NULL, author TEXT NOT NULL, body TEXT NOT NULL,"
    " device TEXT);"
    "CREATE INDEX thread_messages_at ON thread_messages(at, id);"
    "CREATE TABLE sync_batches ("
    " device TEXT NOT NULL, seq INTEGER NOT NULL, epoch INTEGER, received_at INTEGER,"
    " PRIMARY KEY (device, seq)) WITHOUT ROWID;"
    /* Search: accents and case folded by the tokenizer. */
    "CREATE VIRTUAL TABLE reports_fts USING fts5(location, area, what, agency, vehicles,"
    " content='reports', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');"
    /*
     * New rows are indexed by store_fts_inserted() (store-oplog.c), not by a
     * trigger. Their terms wait in memory until 16 KiB have gathered (not 1
     * MiB): an import then leaves segments of some hundred reports, not one
     * of all of them at the lowest level, which the merges after every later
     * edit rewrite (100,000 edits after 10,000 new reports: 9.4 s, 4.0 s).
     */
    "INSERT INTO reports_fts(reports_fts, rank) VALUES ('hashsize', 16384);"
    "CREATE TRIGGER reports_fts_ad AFTER DELETE ON reports BEGIN"
    " INSERT INTO reports_fts(reports_fts, rowid, location, area, what, agency, vehicles)"
    " VALUES ('delete', old.rowid, old.location, old.area, old.what, old.agency, old.vehicles);"
    " END;"
    "CREATE TRIGGER reports_fts_au AFTER UPDATE OF location, area, what, agency, vehicles"
    " ON reports BEGIN"
    " INSERT INTO reports_fts(reports_fts, rowid, location, area, what, agency, vehicles)"
    " VALUES ('delete', old.rowid, old.location, old.area, old.what, old.agency, old.vehicles);"
    " INSERT INTO reports_fts(rowid, location, area, what, agency, vehicles)"
    " VALUES (new.rowid, new.location, new.area, new.what, new.agency, new.vehicles); END;"
    "CREATE VIRTUAL TABLE resources_fts USING fts5(name, services, areas, notes, vetting, courts,"
    " content='resources', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');"
    "CREATE TRIGGER resources_fts_ai AFTER INSERT ON resources BEGIN"
    " INSERT INTO resources_fts(rowid, name, services, areas, notes, vetting, courts)"
    " VALUES (new.rowid, new.name, new.services, new.areas, new.notes, new.vetting,"
    " new.courts); END;"
    "CREATE TRIGGER resources_fts_ad AFTER DELETE ON resources BEGIN"
    " INSERT INTO resources_fts(resources_fts, rowid, name, services, areas, notes, vetting,"
    " courts) VALUES ('delete', old.rowid, old.name, old.services, old.areas, old.notes,"
    " old.vetting, old.courts); END;"
    "CREATE TRIGGER resources_fts_au AFTER UPDATE ON resources BEGIN"
    " INSERT INTO resources_fts(resources_fts, rowid, name, services, areas, notes, vetting,"
    " courts) VALUES ('delete', old.rowid, old.name, old.services, old.areas, old.notes,"
    " old.vetting, old.courts);"
    " INSERT INTO resources_fts(rowid, name, services, areas, notes, vetting, courts)"
    " VALUES (new.rowid, new.name, new.services, new.areas, new.notes, new.vetting,"
    " new.courts); END;";

static const char *const store_migrations[] = {
    store_migration_1,
};

int store_schema_version(void)
{
    return (int)UTIL_ARRAY_LEN(store_migrations);
}

/*
 * The synced tables and their columns: store_write() accepts nothing else, so
 * identifiers in built SQL always come from here, never from callers.
 */
struct store_table {
    const char *name;
    bool append_only;
    const char *const *cols;
};

#define STORE_COLS(...) ((const char *const[]){__VA_ARGS__, NULL})
static const struct store_table store_tables[] = {
    {"reports", false,
     STORE_COLS("received_at", "observed_at", "updated_at", "source", "category", "location",
                "area", "lat", "lon", "what", "agency", "agents", "vehicles", "first_hand",
                "status", "priority", "expires_at", "created_by", "incident_id")},
    {"reporter_contacts", false, STORE_COLS("report_id", "contact", "created_at")},
    {"followup_people", false,
     STORE_COLS("report_id", "name", "relation", "phone", "a_number", "detained_at", "where_held",
                "notes", "created_at", "created_by", "deleted_at")},
    {"checklist_items", false, STORE_COLS("report_id", "item_key", "state", "by", "at", "note")},
    {"verifiers", false,
     STORE_COLS("name", "contact", "channel", "languages", "areas", "roles", "notes", "created_at",
                "deleted_at", "updated_at")},
    {"shifts", false,
     STORE_COLS("person", "role", "weekday", "start_min", "end_min", "deleted_at")},
    {"assignments", false,
     STORE_COLS("report_id", "verifier_id", "state", "assigned_at", "acknowledged_at",
                "en_route_at", "on_scene_at", "reported_back_at", "released_at", "outcome", "note",
                "declined_at", "last_word_at", "assigned_by", "message", "message_state",
                "updated_at")},
    {"subscribers", false,
     STORE_COLS("contact", "channel", "language", "areas", "opted_out_at", "created_at",
                "updated_at", "contact_tag")},
    {"broadcasts", false,
     STORE_COLS("report_ids", "audience", "channels", "texts", "status", "drafted_by",
                "approved_by", "created_at", "approved_at", "template", "kind", "urgent",
                "parent_id", "lint_override", "expires_at", "hold_until", "progress",
                "updated_at")},
    /*
     * outbox is not here on purpose: it is the approving device's own work
     * queue (src/store/store-broadcast.c). Synced, another device's worker
     * could send the same rows again, and 100,000 rows a broadcast would flood
     * the relay; other devices see progress in broadcasts.progress instead.
     */
    {"resources", false,
     STORE_COLS("name", "services", "languages", "areas", "hours", "contact", "notes", "checked_at",
                "deleted_at", "detained", "non_detained", "criminal", "non_criminal", "fees",
                "payment_plans", "excluded_statuses", "courts", "vetting", "checked_by", "sample",
                "created_at", "updated_at")},
    {"events", true, STORE_COLS("at", "actor", "kind", "report_id", "detail")},
    {"devices", false, STORE_COLS("name", "sign_pk", "joined_at", "deleted_at")},
    {"keyshares", false, STORE_COLS("epoch", "device_id", "sealed", "created_at")},
    {"thread_messages", true, STORE_COLS("at", "author", "body", "device")},
};

static const struct store_table *store_table_find(const char *name)
{
    for (size_t i = 0; i < UTIL_ARRAY_LEN(store_tables); i++)
        if (strcmp(store_tables[i].name, name) == 0)
            return &store_tables[i];
    return NULL;
}

const char *const *store_table_cols(const char *name, bool *append_only)
{
    const struct store_table *t = store_table_find(name);

    if (t == NULL)
        return NULL;
    if (append_only != NULL)
        *append_only = t->append_only;
    return t->cols;
}

/* ---- errors ------------------------------------------------------------- */

int store_fail(struct store *s, int rc, const char *what, char **err)
{
    const char *path = s ? s->path : "?";
    const char *msg = s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);

    switch (rc & 0xff) {
    case SQLITE_CORRUPT:
        util_seterr(err, _("database %s is damaged (%s): restore it from a backup"), path, what);
        return STORE_ERR_CORRUPT;
    case SQLITE_NOTADB:
        util_seterr(err, _("%s is not a vigia database"), path);
        return STORE_ERR_NOT_VIGIA;
    case SQLITE_READONLY:
        util_seterr(err, _("cannot write to database %s: it is read-only"), path);
        return STORE_ERR_READONLY;
    case SQLITE_FULL:
        util_seterr(err, _("cannot write to database %s: the disk is full (nothing was saved)"),
                    path);
        return STORE_ERR_FULL;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        util_seterr(err, _("database %s is busy (another vigia is writing); try again"), path);
        return STORE_ERR_BUSY;
    case SQLITE_CANTOPEN:
        util_seterr(err, _("cannot open database %s: %s"), path, msg);
        return STORE_ERR_OPEN;
    case SQLITE_IOERR:
    case SQLITE_PERM:
        util_seterr(err, _("cannot read or write database %s: %s"), path, msg);
        return STORE_ERR_IO;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
        util_seterr(err, _("database %s refused %s: %s"), path, what, msg);
        return STORE_ERR_INVALID;
    default:
        util_seterr(err, _("database %s: %s failed: %s"), path, what, msg);
        return STORE_ERR_IO;
    }
}

/* ---- statements --------------------------------------------------------- */

sqlite3_stmt *store_stmt(struct store *s, const char *sql, char **err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    for (size_t i = 0; i < s->ncache; i++)
        if (strcmp(s->cache[i].sql, sql) == 0)
            return s->cache[i].stmt;
    rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        logger_msg(LOGGER_DEBUG, "prepare failed: %s: %s", sqlite3_errmsg(s->db), sql);
        store_fail(s, rc, "prepare", err);
        return NULL;
    }
    if (s->ncache == STORE_STMT_CACHE) {
        /* Evict the oldest; callers never hold a statement across calls. */
        sqlite3_finalize(s->cache[0].stmt);
        free(s->cache[0].sql);
        memmove(&s->cache[0], &s->cache[1], sizeof s->cache[0] * (STORE_STMT_CACHE - 1));
        s->ncache--;
    }
    s->cache[s->ncache].sql = xstrdup(sql);
    s->cache[s->ncache].stmt = st;
    s->ncache++;
    return st;
}

void store_stmt_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

int store_step_one(struct store *s, sqlite3_stmt *st, const char *what, char **err)
{
    int rc = sqlite3_step(st);

    if (rc == SQLITE_ROW)
        return STORE_OK;
    if (rc == SQLITE_DONE)
        return STORE_ERR_NOT_FOUND;
    return store_fail(s, rc, what, err);
}

int store_bind(sqlite3_stmt *st, int i, const struct store_val *v)
{
    switch (v->type) {
    case STORE_INT:
        return sqlite3_bind_int64(st, i, v->i);
    case STORE_REAL:
        return sqlite3_bind_double(st, i, v->d);
    case STORE_TEXT:
        return sqlite3_bind_text(st, i, v->s, -1, SQLITE_STATIC);
    case STORE_NULL:
    default:
        return sqlite3_bind_null(st, i);
    }
}

char *store_col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    return t ? xstrdup((const char *)t) : NULL;
}

/* Run SQL with no results (pragmas, migrations). */
static int store_exec(struct store *s, const char *sql, const char *what, char **err)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

    return rc == SQLITE_OK ? STORE_OK : store_fail(s, rc, what, err);
}

/* Read one integer from a query with no parameters. */
static int store_query_int(struct store *s, const char *sql, int64_t *out, char **err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

    if (rc != SQLITE_OK)
        return store_fail(s, rc, "query", err);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        *out = 0;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? STORE_OK : store_fail(s, rc, "query", err);
}

/* ---- open and migrate ---------------------------------------------------- */

/*
 * Migration 1 is still edited before the first release: a file made by an
 * earlier development build says schema 1 but lacks what later edits added
 * (the op log's row layout, op-log.md; the outbox's assignment rows; the
 * subscribers' keyed tag). Writing to it would fail half way with SQLite's
 * words; say what it is instead, before anything is touched.
 */
static int store_check_layout(struct store *s, char **err)
{
    int64_t found;
    int rc = store_query_int(s,
                             "SELECT (SELECT count(*) FROM pragma_table_info('ops')"
                             " WHERE name = 'cols')"
                             " + (SELECT count(*) FROM pragma_table_info('outbox')"
                             " WHERE name = 'assignment_id')"
                             " + (SELECT count(*) FROM pragma_table_info('subscribers')"
                             " WHERE name = 'contact_tag')"
                             " + (SELECT count(*) FROM pragma_table_info('followup_people')"
                             " WHERE name = 'a_number')",
                             &found, err);

    if (rc != STORE_OK)
        return rc;
    if (found != 4) {
        util_seterr(err,
                    _("database %s was made by a development build of vigia with an older "
                      "layout; it was left untouched (export what you need with that build, "
                      "then start a new database)"),
                    s->path);
        return STORE_ERR_TOO_NEW;
    }
    return STORE_OK;
}

static int store_migrate(struct store *s, char **err)
{
    int64_t version, appid, ntables;
    int rc;

    if ((rc = store_query_int(s, "PRAGMA user_version", &version, err)) != STORE_OK)
        return rc;
    if ((rc = store_query_int(s, "PRAGMA application_id", &appid, err)) != STORE_OK)
        return rc;
    if ((rc = store_query_int(s, "SELECT count(*) FROM sqlite_schema", &ntables, err)) != STORE_OK)
        return rc;
    if (appid != STORE_APPLICATION_ID && (ntables > 0 || version > 0)) {
        util_seterr(err, _("%s is an SQLite database, but not a vigia one; it was left untouched"),
                    s->path);
        return STORE_ERR_NOT_VIGIA;
    }
    if (version > store_schema_version()) {
        util_seterr(err,
                    _("database %s was written by a newer vigia (schema %d, this one knows %d)"),
                    s->path, (int)version, store_schema_version());
        return STORE_ERR_TOO_NEW;
    }
    while (version < store_schema_version()) {
        char *sql;
        if ((rc = store_exec(s, "BEGIN IMMEDIATE", "migration", err)) != STORE_OK)
            return rc;
        /* Another process may have migrated while we waited for the lock. */
        if ((rc = store_query_int(s, "PRAGMA user_version", &version, err)) != STORE_OK) {
            store_exec(s, "ROLLBACK", "rollback", NULL);
            return rc;
        }
        if (version >= store_schema_version()) {
            store_exec(s, "COMMIT", "commit", NULL);
            break;
        }
        rc = store_exec(s, store_migrations[version], "migration", err);
        if (rc == STORE_OK && version == 0) {
            char dev[ULID_LEN + 1];
            ulid_new(timeutil_now_ms(), dev);
            sql = xasprintf("PRAGMA application_id=%d;"
                            "INSERT INTO sync_state(key, value) VALUES ('device', '%s');",
                            STORE_APPLICATION_ID, dev);
            rc = store_exec(s, sql, "migration", err);
            free(sql);
        }
        if (rc == STORE_OK) {
            sql = xasprintf("PRAGMA user_version=%d", (int)version + 1);
            rc = store_exec(s, sql, "migration", err);
            free(sql);
        }
        if (rc == STORE_OK)
            rc = store_exec(s, "COMMIT", "migration", err);
        if (rc != STORE_OK) {
            store_exec(s, "ROLLBACK", "rollback", NULL);
            return rc;
        }
        version++;
    }
    return store_check_layout(s, err);
}

static int store_load_device(struct store *s, char **err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "SELECT value FROM sync_state WHERE key = 'device'", -1, &st,
                                NULL);

    if (rc != SQLITE_OK)
        return store_fail(s, rc, "reading device id", err);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL &&
        ulid_valid((const char *)sqlite3_column_text(st, 0))) {
        snprintf(s->device, sizeof s->device, "%s", (const char *)sqlite3_column_text(st, 0));
        rc = SQLITE_OK;
    } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        util_seterr(err, _("database %s has no device id: it is damaged"), s->path);
        return STORE_ERR_CORRUPT;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? STORE_OK : store_fail(s, rc, "reading device id", err);
}

/* Explain why @path cannot be opened before SQLite gives a vaguer answer. */
static int store_check_path(const char *path, unsigned flags, char **err)
{
    struct stat st;
    char *dir, *slash;
    int rc = STORE_OK;

    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            util_seterr(err, _("cannot open database %s: it is a folder"), path);
            return STORE_ERR_OPEN;
        }
        if (access(path, R_OK) != 0) {
            util_seterr(err, _("cannot open database %s: permission denied"), path);
            return STORE_ERR_OPEN;
        }
        if (access(path, W_OK) != 0) {
            util_seterr(err, _("cannot write to database %s: it is read-only"), path);
            return STORE_ERR_READONLY;
        }
        if (st.st_size > 0 && st.st_size < 512) {
            util_seterr(err, _("%s is not a vigia database"), path);
            return STORE_ERR_NOT_VIGIA;
        }
        return STORE_OK;
    }
    if (!(flags & STORE_CREATE)) {
        util_seterr(err, _("cannot open database %s: no such file"), path);
        return STORE_ERR_OPEN;
    }
    dir = xstrdup(path);
    slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
        if (*dir == '\0')
            strcpy(dir, "/");
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            util_seterr(err, _("cannot create database %s: folder %s does not exist"), path, dir);
            rc = STORE_ERR_OPEN;
        } else if (access(dir, W_OK | X_OK) != 0) {
            util_seterr(err, _("cannot create database %s: folder %s is not writable"), path, dir);
            rc = STORE_ERR_READONLY;
        }
    }
    free(dir);
    return rc;
}

/*
 * Switch to WAL mode. The switch needs the file to itself and SQLite does not
 * wait for that (no busy handler), so when several processes open a new
 * database at once the losers retry for up to the busy timeout.
 */
static int store_wal(struct store *s, char **err)
{
    for (int tries = 0;; tries++) {
        int rc = sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return STORE_OK;
        if ((rc & 0xff) != SQLITE_BUSY || tries >= 1000)
            return store_fail(s, rc, "setting WAL mode", err);
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int store_open(const char *path, unsigned flags, struct store **out, char **err)
{
    struct store *s;
    int rc;
    int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

    *out = NULL;
    if ((rc = store_check_path(path, flags, err)) != STORE_OK)
        return rc;
    if (flags & STORE_CREATE)
        oflags |= SQLITE_OPEN_CREATE;
    s = xcalloc(1, sizeof *s);
    s->path = xstrdup(path);
    s->watch_fd = -1;
    s->data_version = -1;
    rc = sqlite3_open_v2(path, &s->db, oflags, NULL);
    if (rc != SQLITE_OK) {
        rc = store_fail(s, rc, "open", err);
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 10000);
    /* The first read tells whether this is an SQLite file at all. */
    rc = store_exec(s, "PRAGMA foreign_keys=ON", "open", err);
    if (rc == STORE_OK) {
        int64_t dummy;
        rc = store_query_int(s, "SELECT count(*) FROM sqlite_schema", &dummy, err);
    }
    /*
     * The console pages 20-odd rows at a time: 256 KiB of page cache holds
     * the indexes' upper levels and a page of rows (the OS caches the rest).
     * 512 KiB cost 260 KiB more peak RSS and no less CPU (tests/bench).
     */
    if (rc == STORE_OK)
        rc = store_exec(
            s, (flags & STORE_SMALL_CACHE) ? "PRAGMA cache_size=-256" : "PRAGMA cache_size=-8192",
            "open", err);
    /*
     * Statement journals in memory, not in temporary files: every write that
     * fires the FTS triggers opens one, and on disk they cost an import of
     * 5,000 reports 70,000 pwrite calls (tests/bench). Not for the console,
     * whose large sorts should spill to disk rather than grow its memory.
     */
    if (rc == STORE_OK && !(flags & STORE_SMALL_CACHE))
        rc = store_exec(s, "PRAGMA temp_store=MEMORY", "open", err);
    if (rc == STORE_OK)
        rc = store_exec(s, "PRAGMA synchronous=FULL", "open", err);
    if (rc == STORE_OK)
        rc = store_migrate(s, err);
    /* WAL only once the file is known to be ours: the switch rewrites the header. */
    if (rc == STORE_OK)
        rc = store_wal(s, err);
    if (rc == STORE_OK)
        rc = store_load_device(s, err);
    if (rc != STORE_OK)
        goto fail;
    *out = s;
    return STORE_OK;
fail:
    store_free(&s);
    return rc;
}

void store_free(struct store **sp)
{
    struct store *s = *sp;

    if (s == NULL)
        return;
    for (size_t i = 0; i < s->ncache; i++) {
        sqlite3_finalize(s->cache[i].stmt);
        free(s->cache[i].sql);
    }
    if (s->db != NULL)
        sqlite3_close(s->db);
    if (s->watch_fd >= 0)
        close(s->watch_fd);
    store_vault_free(s);
    free(s->path);
    free(s);
    *sp = NULL;
}

const char *store_path(const struct store *s)
{
    return s->path;
}

const char *store_device(const struct store *s)
{
    return s->device;
}

/* ---- transactions -------------------------------------------------------- */

int store_begin(struct store *s, char **err)
{
    int64_t maxhlc;
    int rc;

    if (s->depth++ > 0)
        return STORE_OK;
    rc = store_exec(s, "BEGIN IMMEDIATE", "begin", err);
    if (rc != STORE_OK) {
        s->depth = 0;
        return rc;
    }
    /*
     * Other processes on this file share our device id: move our clock past
     * every op already written so theirs and ours never tie.
     */
    rc = store_query_int(s, "SELECT max(hlc) FROM ops", &maxhlc, err);
    if (rc != STORE_OK) {
        store_rollback(s);
        return rc;
    }
    hlc_observe(&s->hlc, (uint64_t)maxhlc, timeutil_now_ms());
    return STORE_OK;
}

int store_read_begin(struct store *s, char **err)
{
    if (s->depth > 0 || s->reading)
        return STORE_OK; /* a write transaction reads its own snapshot already */
    if (store_exec(s, "BEGIN", "begin", err) != STORE_OK)
        return STORE_ERR_IO;
    s->reading = true;
    return STORE_OK;
}

void store_read_end(struct store *s)
{
    if (!s->reading)
        return;
    s->reading = false;
    store_exec(s, "COMMIT", "commit", NULL);
}

int store_commit(struct store *s, char **err)
{
    int rc;

    if (s->depth == 0)
        return STORE_OK;
    if (--s->depth > 0)
        return STORE_OK;
    rc = store_exec(s, "COMMIT", "commit", err);
    if (rc != STORE_OK)
        store_exec(s, "ROLLBACK", "rollback", NULL);
    return rc;
}

void store_rollback(struct store *s)
{
    if (s->depth == 0)
        return;
    s->depth = 0;
    store_exec(s, "ROLLBACK", "rollback", NULL);
}

/* ---- the mutation path --------------------------------------------------- */

int store_write(struct store *s, const char *table, const char *row_id,
                const struct store_col *cols, size_t n, char **err)
{
    struct store_col *sealed = NULL;
    int rc;

    /* Personal columns are sealed before they reach the row or the op log. */
    if ((rc = store_vault_seal_cols(s, table, row_id, cols, n, &sealed, err)) != STORE_OK)
        return rc;
    rc = store_write_raw(s, table, row_id, sealed ? sealed : cols, n, err);
    store_vault_cols_free(sealed, n);
    return rc;
}

int store_event(struct store *s, const char *actor, const char *kind, const char *report_id,
                const char *detail, char **err)
{
    char id[ULID_LEN + 1];
    int64_t now = timeutil_now_ms();
    struct store_col cols[] = {
        {"at", store_int(now)},         {"actor", store_text(actor)},
        {"kind", store_text(kind)},     {"report_id", store_text(report_id)},
        {"detail", store_text(detail)},
    };

    ulid_new(now, id);
    return store_write(s, "events", id, cols, UTIL_ARRAY_LEN(cols), err);
}

int store_op_count(struct store *s, int64_t *n)
{
    /* Ops are cells: a row of `ops` holds the n cells of one write (store-oplog.c). */
    return store_query_int(s, "SELECT coalesce(sum(n), 0) FROM ops", n, NULL);
}

/* ---- change notification ------------------------------------------------- */

int store_watch_fd(struct store *s)
{
    char *dir, *slash;

    if (s->watch_fd >= 0)
        return s->watch_fd;
    s->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (s->watch_fd < 0)
        return -1;
    dir = xstrdup(s->path);
    slash = strrchr(dir, '/');
    if (slash == NULL) {
        free(dir);
        dir = xstrdup(".");
    } else if (slash == dir) {
        dir[1] = '\0';
    } else {
        *slash = '\0';
    }
    /* WAL commits modify the -wal file; checkpoints and rollback journals the file itself. */
    if (inotify_add_watch(s->watch_fd, dir, IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) <
        0) {
        close(s->watch_fd);
        s->watch_fd = -1;
    }
    free(dir);
    return s->watch_fd;
}

bool store_changed(struct store *s)
{
    char evbuf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    int64_t v;

    if (s->watch_fd >= 0)
        while (read(s->watch_fd, evbuf, sizeof evbuf) > 0)
            ;
    if (store_query_int(s, "PRAGMA data_version", &v, NULL) != STORE_OK)
        return false;
    if (v == s->data_version)
        return false;
    bool first = s->data_version < 0;
    s->data_version = v;
    return !first;
}
