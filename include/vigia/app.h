/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * app: the use cases, and the only layer that combines store, config and
 * (later) sync and send. The console and the command line both call these
 * functions; neither runs SQL nor parses YAML itself.
 */
#ifndef VIGIA_APP_H
#define VIGIA_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/config.h"

struct app;

struct app_options {
    const char *db_path;     /* NULL: VIGIA_DB, then $XDG_DATA_HOME/vigia/vigia.db */
    const char *config_path; /* NULL: $XDG_CONFIG_HOME/vigia/config.yaml */
    const char *actor;       /* --as NAME; NULL: from config */
    bool small_cache;        /* the console: keep memory low */
};

/**
 * Load the config and open (creating if needed) the database. Returns 0 and a
 * handle, or -1 with a newly allocated one-line message in *err.
 */
int app_open(const struct app_options *o, struct app **out, char **err);
void app_free(struct app **a);

/** The database path in use (borrowed). */
const char *app_db_path(const struct app *a);
const struct config *app_config(const struct app *a);
/** Who is at the keyboard (borrowed), or NULL when nobody said yet. */
const char *app_actor(const struct app *a);
/**
 * Set who is at the keyboard after checking the name; with @remember, save it
 * to the config file so the next start knows it.
 */
int app_set_actor(struct app *a, const char *name, bool remember, char **err);

/** Path of a shipped data file (share/vigia/NAME); caller frees. */
char *app_data_file(const char *name);

/* ---- reports ------------------------------------------------------------- */

/**
 * Take a call: check every field (valid UTF-8 without control characters,
 * required fields, plausible values), normalise text to NFC and the contact,
 * compute priority and expiry, and store report, contact and event in one
 * transaction. @r->id is filled in. Returns 0, or -1 with *err naming the
 * field and the problem ("location: invalid UTF-8").
 */
int app_report_create(struct app *a, struct model_report *r, const char *contact, char **err);

/** Load one report into @out (initialised here). */
int app_report_get(struct app *a, const char *id, struct model_report *out, char **err);
/** The caller's contact for a report, newly allocated, or NULL. */
int app_report_contact(struct app *a, const char *id, char **out, char **err);

/** What a queue shows. */
struct app_view {
    int status;         /* enum model_status or -1 for all */
    bool include_expired; /* false: only the live queue */
    const char *search; /* full-text (accent- and case-insensitive) or NULL */
};
void app_view_init(struct app_view *v);

int app_queue_count(struct app *a, const struct app_view *v, size_t *n, char **err);
/** Page of the queue; see store_report_page. */
int app_queue_page(struct app *a, const struct app_view *v, size_t offset, size_t limit,
                   struct model_report *rows, size_t *n, char **err);
int app_status_counts(struct app *a, bool include_expired, size_t counts[MODEL_STATUS_COUNT],
                      char **err);
/** True when the report is stale under the network's policy. */
bool app_report_is_stale(const struct app *a, const struct model_report *r, int64_t now);

/**
 * A descriptor that becomes readable when another process changes the
 * database (-1 if unavailable), and the check to run when it does.
 */
int app_watch_fd(struct app *a);
bool app_changed(struct app *a);

/* ---- JSON ----------------------------------------------------------------- */

/**
 * The report as one JSON object (snake_case keys, RFC 3339 UTC times), the
 * format `report list --json` prints and `report import` reads. With a
 * non-NULL @contact it is included. Returns a newly allocated string.
 */
char *app_report_json(const struct model_report *r, const char *contact);

/**
 * Import JSON Lines from @file ("-" for standard input): one report object per
 * line, only location and what required. All or nothing: on the first bad line
 * nothing is stored and *err says "FILE:LINE: problem". *count gets the
 * number imported.
 */
int app_report_import(struct app *a, const char *file, size_t *count, char **err);

/**
 * Build a fresh demo database at @db_path (replacing any file there) from
 * share/vigia/demo.yaml, with times relative to now.
 */
int app_demo_build(const char *db_path, char **err);

#endif
