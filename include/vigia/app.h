/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * app: the use cases, and the only layer that combines store, config and
 * (later) sync and send. The console and the command line both call these
 * functions; neither runs SQL nor parses YAML itself.
 */
#ifndef VIGIA_APP_H
#define VIGIA_APP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/config.h"
#include "vigia/send.h"

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
    int status;           /* enum model_status or -1 for all */
    bool include_expired; /* false: only the live queue */
    const char *search;   /* full-text (accent- and case-insensitive) or NULL */
    bool incidents;       /* one row per incident (its first report) */
};
void app_view_init(struct app_view *v);

int app_queue_count(struct app *a, const struct app_view *v, size_t *n, char **err);
/** Page of the queue; see store_report_page. */
int app_queue_page(struct app *a, const struct app_view *v, size_t offset, size_t limit,
                   struct model_report *rows, size_t *n, char **err);
/**
 * Where report @id stands in the queue @v describes (0 = first); -1 when it
 * is not there (filtered out, or @v is a search, which is ranked).
 */
int app_queue_position(struct app *a, const struct app_view *v, const char *id, size_t *pos);
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

/* ---- privacy (src/app/app-privacy.c) -------------------------------------- */

/*
 * Personal data (caller contacts; later verifier and subscriber contacts,
 * names of detained people) is sealed in the database once a passphrase is
 * set. Without the passphrase everything else works: reports, queue, search;
 * personal fields come back as APP_LOCKED. See share/doc/threat-model.md.
 */

/**
 * app_report_contact(): the report has a contact, sealed, and this device
 * cannot open it now (the vault is locked, or it was sealed on a device
 * whose vault key this one has not adopted).
 */
#define APP_LOCKED 1

enum app_vault {
    APP_VAULT_NONE,     /* no passphrase set: personal data is stored in the clear */
    APP_VAULT_LOCKED,   /* sealed; the passphrase has not been entered */
    APP_VAULT_UNLOCKED, /* sealed; personal fields can be read */
};
enum app_vault app_vault_state(struct app *a);

/** Refuse passphrases shorter than this many characters. */
#define APP_PASSPHRASE_MIN 8
/** Check a new passphrase (length, valid UTF-8); -1 with *err when refused. */
int app_passphrase_check(const char *pass, char **err);
/**
 * Set the first passphrase: seal every existing personal value (rows and op
 * log), keep the vault unlocked and its key in the keyring. *migrated gets the
 * number of values sealed and *seconds the time Argon2id took (either may be
 * NULL). VIGIA_PWHASH=fast (tests only) uses Argon2id's minimum cost.
 */
int app_passphrase_set(struct app *a, const char *pass, size_t *migrated, double *seconds,
                       char **err);
/** Change the passphrase (the old one unlocks, the new one wraps the same key). */
int app_passphrase_change(struct app *a, const char *old_pass, const char *new_pass,
                          double *seconds, char **err);
/**
 * Unlock personal data with the passphrase and keep the key in the user's
 * kernel keyring for keyring_minutes, so the next start needs no passphrase.
 * Returns 0, or -1 with *err ("wrong passphrase").
 */
int app_unlock(struct app *a, const char *pass, char **err);
/**
 * At start (app_open calls it): unlock from the keyring, else from the file
 * named by VIGIA_PASSPHRASE_FILE (which must be a regular file not readable
 * by group or others). Staying locked is not an error; a bad file or a wrong
 * passphrase in it is.
 */
int app_unlock_auto(struct app *a, char **err);
/** Forget the key, in memory and in the keyring. Personal fields show as locked. */
void app_lock(struct app *a);
/** Minutes an unlocked key is kept in the kernel keyring; 0 when it is not kept. */
int app_keyring_minutes(const struct app *a);

#define APP_VAULT_KEY_BYTES 32
/**
 * Copy the vault's secret key, for sync to hand to a device joining the
 * network (sealed to that device). -1 with *err when locked or none is set.
 */
int app_vault_key(struct app *a, unsigned char key[APP_VAULT_KEY_BYTES], char **err);
/**
 * Take the network's vault key on a joining device: personal data already
 * here is re-sealed to it and the key wrapped under @pass (this device's own
 * passphrase), so contacts taken on any laptop of the network open on all.
 */
int app_vault_adopt(struct app *a, const unsigned char key[APP_VAULT_KEY_BYTES], const char *pass,
                    char **err);
/**
 * Read a passphrase from @path: refused unless a regular file owned by the
 * user with no group or other permissions; the first line, without its
 * newline. Newly allocated (sodium-zeroed by app_passphrase_free).
 */
char *app_passphrase_read_file(const char *path, char **err);
/** Zero and free a passphrase; sets *p to NULL. */
void app_passphrase_free(char **p);

/** How often the console runs app_purge(). */
#define APP_PURGE_INTERVAL_MS (60 * 60 * 1000)
struct app_purge_stats {
    size_t contacts;  /* caller contacts removed */
    size_t followups; /* detention follow-up reports cleared */
    size_t optouts;   /* opted-out subscribers' numbers forgotten */
    size_t people;    /* people of detention follow-ups cleared (followup_people) */
    size_t ops;       /* older op-log copies scrubbed */
};
/**
 * Apply the retention windows at @now: caller contacts of reports closed (or
 * expired) more than contact_retention_hours ago are removed, as ops that
 * other devices apply too, with secure_delete; a "privacy.purged" event
 * records the counts. Run at start and hourly. @stats may be NULL.
 */
int app_purge(struct app *a, int64_t now, struct app_purge_stats *stats, char **err);

/**
 * Panic wipe: clear the personal columns and keys with secure_delete, close
 * the database, overwrite the database, -wal, -shm and -journal files with
 * random bytes, fsync and unlink them, and drop the keyring entry. Takes
 * well under a second for a database of tens of megabytes. Afterwards @a has
 * no database: the only call left to make on it is app_free() (the console
 * quits at once).
 */
int app_wipe(struct app *a, char **err);
/**
 * app_wipe for a database that is not open: @db_path, else VIGIA_DB, else
 * the default. Needs no config and no passphrase; a damaged database is
 * destroyed all the same, a file that is not a vigia database is refused.
 */
int app_wipe_path(const char *db_path, char **err);

enum app_export_format { APP_EXPORT_JSON, APP_EXPORT_CSV };
/**
 * Write every report to @out: JSON Lines (the format `report import` reads)
 * or CSV with a header. By default personal data is left out: no contact, no
 * dispatcher name, the location without street numbers, the position rounded
 * to ~1 km and phone numbers, emails and case numbers in free text masked.
 * With @personal, exact places and the callers' contacts are included; that
 * needs the vault unlocked (-1 with *err otherwise). *count gets the number
 * of reports written.
 */
int app_export(struct app *a, FILE *out, enum app_export_format format, bool personal,
               size_t *count, char **err);

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

/* ---- verification (src/app/app-verify.c) ----------------------------------- */

/**
 * The checklist for @category: the shipped lists, then
 * $XDG_CONFIG_HOME/vigia/checklists, then the config's checklist_dir, merged
 * by item key. Loaded on first use. Borrowed; valid until app_free.
 */
const struct model_checklist *app_checklist(struct app *a, enum model_category category);
/**
 * Problems met loading the checklists ("FILE:LINE:COLUMN: problem"; the
 * other files still loaded). Borrowed; *n of them.
 */
const char *const *app_checklist_warnings(struct app *a, size_t *n);

/** One checklist item as the report view shows it. */
struct app_check {
    const struct model_check_item *item; /* borrowed from the checklist */
    enum model_tri state;
    char *by; /* who answered; NULL when nobody has */
    int64_t at;
    char *note;
    bool from_call; /* not answered yet: what the caller said when the call was taken */
};

/** What the report view and `report show` show about verification. */
struct app_verification {
    char incident[ULID_LEN + 1];        /* the incident's first report (itself when alone) */
    enum model_status status;           /* the incident's status */
    const struct model_checklist *list; /* borrowed */
    struct app_check *checks;           /* list->n of them */
    struct model_verdict verdict;       /* a hint; never applied by itself */
    char (*members)[ULID_LEN + 1];      /* the incident's reports, first one first */
    size_t nmembers;                    /* the caller count */
    bool stale;
    bool first_hand, verifier; /* the evidence confirming needs */
};
/** Fill @out for report @id (any report of an incident). */
int app_verification_get(struct app *a, const char *id, struct app_verification *out, char **err);
void app_verification_fini(struct app_verification *v);

/**
 * Answer checklist item @key for the incident of report @id (who and when
 * recorded, an event "check.set"), then recompute priority. The status is not
 * touched: the verdict hint only advises.
 */
int app_check_set(struct app *a, const char *id, const char *key, enum model_tri state,
                  const char *note, char **err);
/**
 * Change the status of the incident of report @id (all its reports) after
 * checking the lifecycle rules (model_status_change_ok); records an event
 * "status.changed" with from, to and note. Refusals come back translated.
 */
int app_status_set(struct app *a, const char *id, enum model_status to, const char *note,
                   char **err);
/**
 * Link the incidents of reports @id1 and @id2 into one whose id is the oldest
 * report's; an event "report.linked". *incident (may be NULL) gets that id.
 */
int app_link(struct app *a, const char *id1, const char *id2, char incident[ULID_LEN + 1],
             char **err);
/**
 * The incident of report @id: its first report's id into @incident (may be
 * NULL) and how many reports (callers) it has into *callers.
 */
int app_incident_info(struct app *a, const char *id, char incident[ULID_LEN + 1], size_t *callers,
                      char **err);
/**
 * Recompute the priority of every live report that is still open (freshness
 * decays as minutes pass; callers and checklist evidence count too) and store
 * the ones that changed. *changed (may be NULL) gets how many. The console
 * runs it every minute so the queue order stays true.
 */
int app_queue_refresh(struct app *a, size_t *changed, char **err);
/** Minutes around a report in which open reports near it are suggested. */
#define APP_NEAR_WINDOW_MIN 120
/**
 * Reports of other incidents, not closed, that may be about the same event as @id
 * (model_report_near within APP_NEAR_WINDOW_MIN), newest first, at most
 * @limit. Newly allocated array; free with app_reports_free.
 */
int app_nearby(struct app *a, const char *id, size_t limit, struct model_report **rows, size_t *n,
               char **err);
void app_reports_free(struct model_report *rows, size_t n);

/** A rumor look-up result: one per incident. */
struct app_search_hit {
    struct model_report report; /* the best-matching report */
    char incident[ULID_LEN + 1];
    size_t callers;
    enum model_status status; /* the incident's */
    char *verdict;            /* "false alarm — local police, checked 10:42" */
    char *note;               /* the verdict's note, or NULL */
    char *by;                 /* who decided, or NULL */
    int64_t decided_at;       /* 0: no verdict yet */
};
/**
 * Search past reports and incidents, expired and closed ones too: words of
 * place or content (accent- and case-insensitive), and received between
 * @since and @until (0: open). Newly allocated array in *hits; free with
 * app_search_free.
 */
int app_search(struct app *a, const char *query, int64_t since, int64_t until, size_t limit,
               struct app_search_hit **hits, size_t *n, char **err);
void app_search_free(struct app_search_hit *hits, size_t n);
/**
 * The verdict line of report @id's incident, as app_search gives it ("false
 * alarm — local police, checked 10:42" or "verifying, no verdict yet"), into
 * *text (newly allocated).
 */
int app_report_verdict(struct app *a, const char *id, char **text, char **err);
/** One hit as a JSON object; newly allocated. */
char *app_search_hit_json(const struct app_search_hit *h);

/** Which events to list; NULL/0 fields do not filter. */
struct app_event_filter {
    const char *report_id; /* the timeline of this report's incident */
    const char *actor;
    const char *kind;
    int64_t since, until;
    size_t limit; /* 0: 1000 */
    bool oldest_first;
};
int app_events(struct app *a, const struct app_event_filter *f, struct model_event **rows,
               size_t *n, char **err);
void app_events_free(struct model_event *rows, size_t n);
/** An event for people ("status verifying → false alarm: local police"); newly allocated. */
char *app_event_text(struct app *a, const struct model_event *e);
/** An event as a JSON object (detail expanded); newly allocated. */
char *app_event_json(const struct model_event *e);

/**
 * The report as app_report_json() plus its incident ("incident", "callers",
 * "linked_reports"), "checklist" (item, label, state, by, at, note),
 * "verdict_hint" and "stale". Newly allocated, or NULL with *err.
 */
char *app_report_json_full(struct app *a, const struct model_report *r, const char *contact,
                           char **err);

/* ---- sync between dispatchers (src/app/app-sync.c) ------------------------ */

struct pollfd;

/** What the status bar shows about sync. */
struct app_sync_status {
    bool joined;            /* this database belongs to a network */
    bool online;            /* the relay answered the last request */
    int64_t pending;        /* ops of this device waiting to go out */
    int64_t last_ok;        /* ms of the last exchange with the relay, 0: never */
    int64_t refused;        /* batches refused (failed checks) since the session began */
    int64_t gaps;           /* batches missing from another device's sequence */
    int64_t sent;           /* batches sent since the session began */
    int64_t received;       /* batches applied since the session began */
    int64_t applied_ops;    /* their ops */
    int64_t unread;         /* thread messages from others not read on this device */
    const char *last_error; /* borrowed until the next call; NULL: none */
};

/**
 * Create a network on the relay at @relay_url and join it: *invite gets the
 * one-line invite for the other devices (newly allocated). Needs the relay.
 */
int app_network_create(struct app *a, const char *relay_url, char **invite, char **err);
/**
 * Join the network of @invite with this database (no relay needed until sync).
 * An invite made where personal data was unlocked carries the network's
 * personal-data key; it is kept here wrapped under @pass (this device's
 * passphrase), so contacts taken on any laptop open on all. @pass may be NULL
 * only for an invite without that key.
 */
int app_network_join(struct app *a, const char *invite, const char *device_name, const char *pass,
                     char **err);
/** True when @invite carries the network's personal-data key. */
bool app_invite_has_vault(const char *invite);
/** The invite of this database's network; newly allocated. */
int app_network_invite(struct app *a, char **invite, char **err);
/**
 * Start a new key epoch: devices in @remove (ids or names, NULL-terminated;
 * may be NULL) are removed and never get the new key. Pushes pending ops and
 * the new key (sealed to each remaining device) under the old key, then
 * registers the new epoch with the relay. *epoch gets the new epoch.
 */
int app_network_rotate(struct app *a, const char *const *remove, int64_t *epoch, char **err);
/** The network's devices as JSON lines or text rows: id, name, joined, removed. */
int app_network_devices(struct app *a, char **text, bool json, char **err);
/**
 * Send all of this device's ops again on the next sync (after another device
 * refused a batch of ours, or a relay lost data). Receivers drop what they
 * already have.
 */
int app_network_resend(struct app *a, char **err);

/* The dispatch thread: short messages among the network's dispatchers. */
struct app_thread_msg {
    char id[ULID_LEN + 1];
    int64_t at;
    char *author;
    char *body;
    bool mine;
    bool unread;
};
/**
 * Post @body (checked: valid UTF-8, no control characters, at most 1000
 * bytes, not empty; NFC) as the dispatcher at the keyboard.
 */
int app_thread_post(struct app *a, const char *body, char **err);
/** The newest @limit messages, oldest first; free with app_thread_free. */
int app_thread_list(struct app *a, size_t limit, struct app_thread_msg **out, size_t *n,
                    char **err);
void app_thread_free(struct app_thread_msg **m, size_t n);
/** Messages from other devices not yet read here (for the status bar). */
int app_thread_unread(struct app *a, int64_t *n);
/** Everything up to @at has been read on this device. */
int app_thread_mark_read(struct app *a, int64_t at, char **err);

/** A running sync for the console's poll loop; NULL when not joined. */
struct app_sync;
struct app_sync *app_sync_new(struct app *a, char **err);
void app_sync_free(struct app_sync **s);
/**
 * Descriptors to add to the poll loop (up to @max into @fds, *n filled) and
 * the longest the loop may sleep before calling app_sync_perform (-1: no
 * limit).
 */
void app_sync_fds(struct app_sync *s, struct pollfd *fds, size_t max, size_t *n, int *timeout_ms);
/** After poll: do ready I/O, apply what arrived, start due requests. Never blocks. */
void app_sync_perform(struct app_sync *s);
/** The database changed here (a local write): send soon. */
void app_sync_poke(struct app_sync *s);
void app_sync_status(struct app_sync *s, struct app_sync_status *out);
/** True when this database has joined a network (one settings lookup). */
bool app_network_joined(struct app *a);
/** Sync status without a session (joined? ops waiting? last sync), for a status bar at start. */
void app_sync_status_offline(struct app *a, struct app_sync_status *out);

/**
 * Headless: exchange with the relay until nothing is left to send or fetch
 * (@once), or until *@stop becomes true (long-poll loop, also watching the
 * database for local writes). Returns 0, or -1 with *err when the relay
 * could not be reached (once) or the database failed.
 */
int app_sync_run(struct app *a, bool once, const volatile sig_atomic_t *stop,
                 struct app_sync_status *out, char **err);

/* ---- subscribers, broadcasts, outbox (src/app/app-broadcast.c) ------------ */

/**
 * Add a subscriber (contact normalised for @channel: E.164 with the
 * configured default country, @handle, email), or merge into the existing one
 * with the same contact and channel (*merged: areas joined, language
 * updated, an opt-out kept). Runs inside the caller's transaction if one is
 * open. @id_out (may be NULL) gets the id.
 */
int app_subscriber_add(struct app *a, const char *contact, const char *channel,
                       const char *language, const char *areas, char id_out[ULID_LEN + 1],
                       bool *merged, char **err);

struct app_import_result {
    size_t added, merged;
    char **errors; /* "FILE:LINE: problem", one per refused line */
    size_t nerrors;
};
void app_import_result_fini(struct app_import_result *r);
/**
 * Import subscribers from a CSV file with a header row (columns contact,
 * channel, language, areas; any order, only contact required). Bad lines are
 * reported in @res and skipped; good ones are stored in one transaction.
 * Returns -1 only when the file cannot be read or has no usable header.
 */
int app_subscriber_import(struct app *a, const char *file, struct app_import_result *res,
                          char **err);
/**
 * Opt out a subscriber by id, or every subscription of a phone number,
 * handle or email. *count gets how many were opted out.
 */
int app_subscriber_optout(struct app *a, const char *who, size_t *count, char **err);
/**
 * The inbound path: a reply @text from @from on @channel. When it is an
 * opt-out word (config broadcast.optout_words, any language) the
 * subscription is opted out and *opted_out set. While personal data is
 * locked no subscriber can be found by contact: the opt-out is kept (sealed)
 * and applied at the next unlock, and this returns APP_LOCKED.
 */
int app_subscriber_reply(struct app *a, const char *channel, const char *from, const char *text,
                         bool *opted_out, char **err);
/**
 * Apply the STOP replies kept while locked (the vault must be unlocked; does
 * nothing otherwise). *applied (may be NULL) gets the subscriptions opted out.
 */
int app_subscriber_pending_apply(struct app *a, size_t *applied, char **err);

/** One subscriber as `subscriber list` shows it (src/app/app-subscriber.c). */
struct app_subscriber_row {
    char id[ULID_LEN + 1];
    char *contact; /* masked ("+•••••••••09"), in full when asked, NULL when locked */
    bool locked;    /* sealed and this device cannot open it now */
    char *channel;  /* sms, telegram... */
    char *language; /* "en" */
    char *areas;    /* NULL: every area */
    int64_t opted_out_at, created_at;
};
/**
 * Every subscriber (opted-out ones too with @all), oldest first. Contacts
 * are masked unless @reveal, which needs personal data unlocked (-1 with
 * *err otherwise). *rows newly allocated (app_subscriber_rows_free).
 */
int app_subscriber_list(struct app *a, bool all, bool reveal, struct app_subscriber_row **rows,
                        size_t *n, char **err);
void app_subscriber_rows_free(struct app_subscriber_row **rows, size_t n);
/** The row as one JSON object (snake_case, RFC 3339); newly allocated. */
char *app_subscriber_json(const struct app_subscriber_row *r);
/**
 * A contact masked for the screen: "+15558675309" as "+•••••••••09" (the
 * first + or @ and the last two characters kept when longer than six).
 */
char *app_contact_mask(const char *contact);

/* ---- people of a detention follow-up (src/app/app-followup.c) ------------- */

/*
 * The detained person and their family, recorded apart from the report's
 * free text: name, phone, A-number, place of detention and notes are sealed
 * once a passphrase is set, cleared followup_retention_days after the report
 * closes, and never exported without --with-personal-data.
 */
struct app_person_in {
    const char *report_id;
    const char *name;       /* required */
    const char *relation;   /* detained, spouse, parent, child, sibling, other (NULL: detained) */
    const char *phone;      /* normalised to E.164 with the network's default country */
    const char *a_number;   /* 8 or 9 digits, "A-123 456 789" allowed; kept as 9 digits */
    const char *where_held; /* free text */
    const char *notes;      /* free text */
    int64_t detained_at;    /* ms, 0 when unknown */
};
/** One person as listed: personal fields masked, in full when asked, NULL when locked. */
struct app_person {
    char id[ULID_LEN + 1];
    char *relation;
    char *name, *phone, *a_number, *where_held, *notes;
    bool locked; /* sealed and this device cannot open them now */
    int64_t detained_at, created_at;
    char *created_by;
};
/** Validate @in and record the person; @id gets the new id. -1 with *err naming the field. */
int app_person_add(struct app *a, const struct app_person_in *in, char id[ULID_LEN + 1],
                   char **err);
/**
 * The people of report @report_id, oldest first. Masked unless @reveal, which
 * needs personal data unlocked (-1 with *err otherwise); locked rows come with
 * locked set and NULL personal fields. Free with app_people_free.
 */
int app_person_list(struct app *a, const char *report_id, bool reveal, struct app_person **rows,
                    size_t *n, char **err);
/** Remove person @id: its personal data cleared (and scrubbed from the op log). */
int app_person_remove(struct app *a, const char *id, char **err);
/** A relation ("spouse") as people read it, translated; unknown ones as they are. */
const char *app_relation_label(const char *relation);
/** How many people report @report_id has. */
int app_person_count(struct app *a, const char *report_id, size_t *n, char **err);
void app_people_free(struct app_person **rows, size_t n);
/** One person as a JSON object (snake_case, RFC 3339); newly allocated. */
char *app_person_json(const struct app_person *p);
/** The 9 digits of an A-number ("A-12 345 678" -> "012345678"), or NULL with *err. */
char *app_a_number_normalise(const char *s, char **err);
/** True when @text holds a phone number or an A-number (text_pii_scan). */
bool app_text_has_person_data(const char *text);

/** What to draft. Lists are comma-separated; NULL takes the default. */
struct app_draft {
    const char *report_ids;    /* required unless follow_up */
    const char *template_name; /* NULL: "alert" */
    const char *languages;     /* NULL: every language of the template (or of the first alert) */
    const char *areas;         /* NULL: the reports' areas */
    bool all_areas;            /* every subscriber regardless of area */
    const char *channels;      /* NULL: every configured channel */
    bool urgent;               /* goes out during quiet hours */
    const char *follow_up;     /* id of the first alert: same recipients */
};
void app_draft_init(struct app_draft *d);
/** Draft a broadcast; id_out gets its id. Public alerts need confirmed reports. */
int app_broadcast_draft(struct app *a, const struct app_draft *d, char id_out[ULID_LEN + 1],
                        char **err);
/** Replace a draft's text in @lang. */
int app_broadcast_edit(struct app *a, const char *id, const char *lang, const char *text,
                       char **err);
/** Take the GSM-7 version of a draft's text in @lang. */
int app_broadcast_use_gsm7(struct app *a, const char *id, const char *lang, char **err);
/** Let a draft go out despite the personal-data lint, with a written reason. */
int app_broadcast_override(struct app *a, const char *id, const char *reason, char **err);
/** Cancel a draft. */
int app_broadcast_cancel(struct app *a, const char *id, char **err);
/**
 * The preview as a JSON object (caller json_decref's): per language text,
 * encoding, segments, recipients per channel, cost, GSM-7 alternative; lint
 * hits; "blocked" reasons (personal_data, second_approval,
 * report_not_confirmed).
 */
struct json_t *app_broadcast_preview(struct app *a, const char *id, char **err);
/**
 * Approve: refuse while blocked (see preview), then mark approved (or held in
 * quiet hours) and expand to the outbox in one transaction. *queued gets the
 * rows added.
 */
int app_broadcast_approve(struct app *a, const char *id, size_t *queued, bool *held, char **err);
/** Status, outbox counts and the rows needing attention (uncertain, failed), as JSON. */
struct json_t *app_broadcast_status(struct app *a, const char *id, char **err);
/**
 * Drain the outbox: reconcile what a crash left in "sending", then send until
 * *stop or, with @until_empty, until nothing is due. @progress (may be NULL)
 * is called about once a second. *out (may be NULL) gets the totals.
 */
int app_outbox_run(struct app *a, bool until_empty, volatile sig_atomic_t *stop,
                   void (*progress)(const struct send_stats *st, void *data), void *data,
                   struct send_stats *out, char **err);
/** Queued messages waiting for the vault to be unlocked (their contact is sealed). */
size_t app_outbox_locked(struct app *a);
/** A dispatcher checked the uncertain rows of a broadcast (NULL: all): send them again. */
int app_outbox_retry_uncertain(struct app *a, const char *broadcast_id, size_t *n, char **err);
/** The newest @limit broadcasts with their status and outbox counts, as a JSON array. */
struct json_t *app_broadcast_list(struct app *a, size_t limit, char **err);

/*
 * The outbox worker inside the console's poll loop: add app_outbox_fds to the
 * poll set (and honour its timeout), call app_outbox_perform after poll.
 * Progress: app_outbox_stats (sent, failed, uncertain, in flight, rate).
 */
struct app_outbox;
struct pollfd;
/** Start a worker (reconciling what a crash left); NULL with *err on a config error. */
struct app_outbox *app_outbox_new(struct app *a, char **err);
void app_outbox_free(struct app_outbox **o);
void app_outbox_fds(struct app_outbox *o, struct pollfd *fds, size_t max, size_t *n,
                    int *timeout_ms);
int app_outbox_perform(struct app_outbox *o, const struct pollfd *fds, size_t n, char **err);
void app_outbox_stats(struct app_outbox *o, struct send_stats *st);
/** Something was approved here: look for rows at the next perform. */
void app_outbox_poke(struct app_outbox *o);

/* ---- referral directory (src/app/app-resource.c) -------------------------- */

/*
 * Trusted organisations the hotline refers callers to. Entries are synced
 * like reports; a referral is an event "resource.referred" on the report's
 * timeline (detail: resource_id, name, contact, note) and a follow-up
 * reminder is a second event "followup.drafted" (detail: due_at, resource_id,
 * name) that the console lists once due ('F' in the directory) until a
 * "followup.done" event answers it. Nothing is sent to anyone.
 */

/** What a dispatcher is looking for; NULL or "" fields do not filter. */
struct app_resource_query {
    const char *text;     /* words in name, services, areas, notes, vetting, courts */
    const char *need;     /* a service: identifier or (a prefix of) its label */
    const char *language; /* a code or name ("es", "Spanish", "español") */
    const char *area;     /* a place; entries without areas serve everywhere */
};

/**
 * Add one entry after checking it (valid text, NFC, a name, a service, a
 * contact); r->id, created_at and updated_at are set. An event
 * "resource.added" is recorded. Returns 0 or -1 with *err.
 */
int app_resource_add(struct app *a, struct model_resource *r, char **err);
/**
 * Import a directory file (YAML or CSV, see config_resources_load). An
 * entry with the id or the name (case and accents ignored) of an existing
 * one replaces it; others are added. All or nothing: on the first problem
 * nothing is stored and *err says "FILE:LINE[:COLUMN]: problem". *added and
 * *updated (may be NULL) get the counts; *sample whether the file was marked
 * as a sample.
 */
int app_resource_import(struct app *a, const char *file, size_t *added, size_t *updated,
                        bool *sample, char **err);
/**
 * Entries matching @q (case and accents ignored), ordered by name with the
 * collation of the user's language. *rows newly allocated (free with
 * app_resources_free). An unknown need is an error.
 */
int app_resource_search(struct app *a, const struct app_resource_query *q,
                        struct model_resource **rows, size_t *n, char **err);
void app_resources_free(struct model_resource *rows, size_t n);
/**
 * One entry by id, a unique id prefix (4 characters or more), its exact
 * name or a unique beginning of it (case and accents ignored). @out is
 * initialised here.
 */
int app_resource_get(struct app *a, const char *key, struct model_resource *out, char **err);
/** Delete an entry (a tombstone that syncs); an event "resource.removed". */
int app_resource_remove(struct app *a, const char *key, char **err);
/**
 * Delete every entry that came from a sample file, in one transaction, with
 * one event "resource.removed" (detail: sample, count). *n gets the count.
 */
int app_resource_remove_sample(struct app *a, size_t *n, char **err);
/**
 * True when @r was never checked or not within resource_check_days of
 * @now; *age_days (may be NULL) gets the days since the check (-1: never).
 */
bool app_resource_unchecked(const struct app *a, const struct model_resource *r, int64_t now,
                            int *age_days);
/** The ICU locale names are ordered by: config language, else LANGUAGE, else the locale. */
void app_resource_locale(const struct app *a, char out[32]);
/** The entry as a JSON object (snake_case, RFC 3339, lists as arrays); newly allocated. */
char *app_resource_json(const struct app *a, const struct model_resource *r, int64_t now);
/**
 * Record on report @report_id's timeline that the caller was given resource
 * @resource (id, prefix or name), with an optional @note; with @remind_ms >
 * 0, also draft a follow-up reminder due that long from now. Both events
 * are written in one transaction. Returns 0 or -1 with *err.
 */
int app_refer(struct app *a, const char *report_id, const char *resource, const char *note,
              int64_t remind_ms, char **err);
/**
 * Follow-up reminders drafted with app_refer that are due at @now (and not
 * older than a week) and not done yet, oldest first. Newly allocated
 * (app_events_free).
 */
int app_followups_due(struct app *a, int64_t now, struct model_event **rows, size_t *n, char **err);
/**
 * Mark the follow-up reminder with event id @followup_id done: an event
 * "followup.done" (detail: followup_id, resource_id, name, note) on the same
 * report. It no longer comes back from app_followups_due.
 */
int app_followup_done(struct app *a, const char *followup_id, const char *note, char **err);
/** When a "followup.drafted" event falls due (UTC ms), or 0 when it has no due time. */
int64_t app_followup_due_at(const struct model_event *e);
/** Text for people of a resource event ("referred to X"), or NULL when @e is not one. */
char *app_resource_event_text(const struct model_event *e);

/* ---- roster: verifiers, shifts, assignments (src/app/app-roster.c) -------- */

/** The prefix of checklist_items.by when a verifier's observation filled the item. */
#define APP_VERIFIER_BY "verifier:"

/** The local time zone for the model's shift rules (localtime_r, mktime). */
const struct model_tz *app_roster_tz(void);
/** ack_minutes, checkin_minutes and priority windows from the config. Borrowed. */
const struct model_roster_policy *app_roster_policy(const struct app *a);

/** A verifier and where they stand. */
struct app_verifier_status {
    struct model_verifier v; /* contact opened, or NULL with contact_locked */
    bool contact_locked;
    bool on_shift;
    int64_t shift_end; /* when on shift */
    int open;          /* open assignments */
    bool has_current;
    struct model_assignment current; /* the most urgent open one */
    enum model_overdue overdue;      /* of current */
    char *place;                     /* current report's area or location */
    char *message_status;            /* where current's message is, in brief */
    int64_t last_word;               /* last state change or check-in, 0: never */
};
/** Every verifier (and dispatcher) on the roster, by name, with status at @now. */
int app_roster(struct app *a, int64_t now, struct app_verifier_status **rows, size_t *n,
               char **err);
void app_roster_free(struct app_verifier_status *rows, size_t n);
/** "on scene 12m", "on shift, free", "off shift"; newly allocated, translated. */
char *app_verifier_status_text(const struct app_verifier_status *s, int64_t now);
/** One verifier as JSON (snake_case, RFC 3339); newly allocated. */
char *app_verifier_json(const struct app_verifier_status *s, int64_t now);
/**
 * Add a verifier after checking it (a name, a role; the contact normalised
 * by model_verifier_set). v->id and created_at are set; an event
 * "verifier.added". A name already on the roster is refused.
 */
int app_verifier_add(struct app *a, struct model_verifier *v, char **err);
/**
 * Import verifiers from YAML or CSV (config_verifiers_load). Same name or id:
 * updated; others added. All or nothing with "FILE:LINE: problem".
 */
int app_verifier_import(struct app *a, const char *file, size_t *added, size_t *updated,
                        char **err);
/** A verifier by id, exact name, or a unique beginning of the name or id. @out initialised. */
int app_verifier_find(struct app *a, const char *key, struct model_verifier *out, char **err);

/** The weekly schedule, by weekday and start; *rows newly allocated (app_shifts_free). */
int app_shifts(struct app *a, struct model_shift **rows, size_t *n, char **err);
void app_shifts_free(struct model_shift *rows, size_t n);
/** Replace the schedule with the shifts of a YAML file (config_shifts_load); *count shifts. */
int app_shifts_import(struct app *a, const char *file, size_t *count, char **err);
/** Write the schedule as YAML that app_shifts_import reads back. */
int app_shifts_export_yaml(struct app *a, FILE *out, char **err);
/**
 * Write the schedule as iCalendar (RFC 5545): one weekly VEVENT per shift
 * (UID, DTSTART/DTEND with TZID and a VTIMEZONE, or UTC when the zone has no
 * name, RRULE:FREQ=WEEKLY;BYDAY=..), CRLF line ends, folded at 75 octets.
 */
int app_shifts_export_ics(struct app *a, FILE *out, int64_t now, char **err);

struct app_oncall_entry {
    char *person;
    enum model_role role;
    int64_t start, end;
    bool now; /* on duty at the time asked; else the next to come */
};
struct app_oncall {
    int64_t at;
    struct app_oncall_entry *items; /* on duty first (dispatchers first), then next */
    size_t n;
    bool priority; /* @at falls in a priority window */
    struct model_window window;
};
/** Who is on duty at @at and who comes next (per role). Finish with app_oncall_fini. */
int app_oncall(struct app *a, int64_t at, struct app_oncall *out, char **err);
void app_oncall_fini(struct app_oncall *o);
char *app_oncall_json(const struct app_oncall *o);

/** Field verifiers ranked for a report, with the reason of each rank. */
struct app_rank {
    struct app_verifier_status *rows;
    char **reasons;
    size_t n;
};
/** Rank for report @report_id wanting @language (may be NULL). Finish with app_rank_fini. */
int app_rank(struct app *a, const char *report_id, const char *language, int64_t now,
             struct app_rank *out, char **err);
void app_rank_fini(struct app_rank *r);

/**
 * Assign a verifier (id or name) to a report: the assignment with its time,
 * an event "assignment.created", and the message for the verifier (place,
 * what was reported, what to look for; never the caller's contact), queued
 * in the outbox for their channel in the same transaction (their contact
 * copied as stored, sealed or not). The assignment's message_state follows
 * the outbox row (queued, sending, sent, failed, uncertain); when nothing
 * can be queued it says why: no_contact, no_channel (unknown channel) or
 * no_gateway (the channel is not configured here). The assignment is made
 * either way. A new or triaged report moves to verifying.
 */
int app_assign(struct app *a, const char *report_id, const char *verifier_key,
               char id_out[ULID_LEN + 1], char **err);
/** The message a verifier gets for report @r; newly allocated. */
char *app_assignment_message(struct app *a, const struct model_report *r, const char *verifier);
/** One assignment by id or a unique id prefix (4+ characters). */
int app_assignment_get(struct app *a, const char *id, struct model_assignment *out, char **err);
/** Move an assignment (model_assign_allowed); its time and the last word are now. */
int app_assignment_set(struct app *a, const char *id, enum model_assign_state to, const char *note,
                       char **err);
/** The verifier checked in (the on-scene clock restarts). */
int app_assignment_checkin(struct app *a, const char *id, const char *note, char **err);
/**
 * The verifier's observation answers checklist item @key of the report; the
 * item's "by" is APP_VERIFIER_BY + their name (and the dispatcher who relayed
 * it), and it counts as a check-in.
 */
int app_assignment_observe(struct app *a, const char *id, const char *key, enum model_tri state,
                           const char *note, char **err);
/** Assignments of a report (NULL: all), open ones only with @open_only. */
int app_assignments(struct app *a, const char *report_id, bool open_only,
                    struct model_assignment **rows, size_t *n, char **err);
void app_assignments_free(struct model_assignment *rows, size_t n);
char *app_assignment_json(struct app *a, const struct model_assignment *as, int64_t now);
/**
 * Where the verifier's message is, for a person: "sent by sms", "not sent:
 * Luis has no contact on the roster; pass it on yourself", "queued: waits
 * for the vault to be unlocked"... With @brief, a few words for a pane
 * ("not sent: no contact"). Translated, newly allocated.
 */
char *app_assignment_message_status(struct app *a, const struct model_assignment *as, bool brief);
/** app_assignment_resend: refused, but @again would send it (sent, or maybe sent). */
#define APP_RESEND_ASK_AGAIN (-2)
/**
 * Send an assignment's message again through the outbox (app-resend.c):
 * recomposed from the report and the verifier's current contact and
 * channel (never the caller's), with its own idempotency key, an event
 * "assignment.resent" on the report's timeline. Allowed when message_state
 * is failed, no_contact, no_channel, no_gateway (or none); refused (-1,
 * translated *err) while it is queued or being sent, for a released or
 * declined assignment, or when it still cannot be sent (why); for sent or
 * uncertain, APP_RESEND_ASK_AGAIN with *err saying so, unless @again (the
 * dispatcher decided). On success the new status in *status if not NULL.
 */
int app_assignment_resend(struct app *a, const char *id, bool again, char **status, char **err);
/** The next moment an open assignment becomes overdue after @now (0: none), for timers. */
int64_t app_roster_next_deadline(struct app *a, int64_t now);

/**
 * The shift handoff brief: open incidents, pending verifications, verifiers
 * in the field (missed check-ins flagged), live broadcasts and when they
 * expire, who is on duty. Plain text or Markdown; newly allocated.
 */
char *app_handoff(struct app *a, int64_t now, bool markdown, char **err);

/* ---- practice runs (src/app/app-practice.c) ------------------------------- */

/*
 * A scenario played into a sandbox database, never the real one, with every
 * channel replaced by the sandbox's file sink: the outbox workers of a
 * practice app refuse any gateway request whatever config.yaml says.
 */
struct app_practice;
struct json_t;
struct config_scenario;

struct app_practice_options {
    const char *scenario;    /* the scenario file */
    const char *sandbox;     /* NULL: $XDG_DATA_HOME/vigia/practice/NAME.db */
    const char *real_db;     /* --db; NULL: VIGIA_DB, then the default: refused as a sandbox */
    const char *config_path; /* NULL: the default config */
    const char *actor;       /* the trainee (--as) */
    double speed;            /* scenario seconds per real second; <= 0: 1 */
    bool headless;           /* app_practice_headless will play it: the run lies in the past */
    /* Several trainees (app-practice-relay.c): one practice network on this relay. */
    const char *relay;  /* --relay URL; NULL: a run of one */
    const char *join;   /* --join CODE: a trainee in the leader's run; NULL: lead it */
    size_t trainees;    /* leading headless: wait for this many to join before 00:00 */
    int wait_s;         /* how long to wait for the leader or the trainees (0: 120 s) */
    void (*announce)(const char *code, void *data); /* leading: the join code is ready */
    void *announce_data;
};
/** The sync_state key that marks a practice sandbox: it never joins a real network. */
#define APP_PRACTICE_SANDBOX_KEY "practice.sandbox"
/**
 * True when @text is a practice join code ("7KQM-2XPD-9F3T-HB4C"); *norm
 * (16 bytes + NUL, may be NULL) gets it without dashes, upper case.
 */
bool app_practice_code_parse(const char *text, char norm[17]);
/**
 * Load the scenario, create a fresh sandbox (refusing the real database,
 * and any existing file an earlier practice run did not make), add the
 * scenario's verifiers and a few made-up subscribers. Scenario time 00:00
 * starts now. -1 with *err.
 */
int app_practice_open(const struct app_practice_options *o, struct app_practice **out, char **err);
void app_practice_free(struct app_practice **p);
/** The sandbox's app, for the console (borrowed). */
struct app *app_practice_app(struct app_practice *p);
const char *app_practice_db(const struct app_practice *p);
const char *app_practice_sink(const struct app_practice *p);
const struct config_scenario *app_practice_scenario(const struct app_practice *p);
/** Play what is due at real time @real_now (calls, verifier answers); returns how many. */
int app_practice_tick(struct app_practice *p, int64_t real_now);
/** Longest the console may sleep before the next tick (ms, at most 1000). */
int app_practice_timeout(struct app_practice *p, int64_t real_now);
/** A trainer's pause key: toggles. */
void app_practice_pause(struct app_practice *p, int64_t real_now);
bool app_practice_paused(const struct app_practice *p);
/** A trainer's inject key: the next call arrives now; 0 when none was left. */
int app_practice_inject(struct app_practice *p, int64_t real_now);
/** True when this console plays the timeline (a run of one, or the run's leader). */
bool app_practice_plays(const struct app_practice *p);
/** The console closed: a shared run says so to the others (the leader ends it for all). */
void app_practice_finish(struct app_practice *p);
/** The console refused the trainee something (@why as shown): listed in the debrief. */
void app_practice_note_refused(struct app_practice *p, const char *why);
/** The join code of a shared run (NULL: a run of one); borrowed. */
const char *app_practice_code(const struct app_practice *p);
/** True once every call was played and the scenario's time is up. */
bool app_practice_over(const struct app_practice *p);
/** "PRACTICE · title · 03:12/20:00 ×4 · …"; newly allocated. */
char *app_practice_banner(const struct app_practice *p);
/**
 * Play the whole scenario at once on the simulated clock, with the trainee's
 * actions from @answers (config_answers_load; NULL: nobody answers).
 */
int app_practice_headless(struct app_practice *p, const char *answers, char **err);
/** The debrief (sim_debrief plus "refused" actions); caller json_decref's. */
struct json_t *app_practice_debrief(struct app_practice *p, char **err);
/** The debrief as Markdown; newly allocated. */
char *app_practice_debrief_markdown(struct app_practice *p, char **err);
/** Write the debrief to @path: JSON when it ends in .json, else Markdown. */
int app_practice_debrief_write(struct app_practice *p, const char *path, char **err);
/**
 * Write the closed incident of report @id as a scenario (practice-scenarios.md)
 * with its original timing: caller contacts become 555-01xx numbers,
 * verifiers "Verifier N", locations lose street and door numbers, and phone
 * numbers, emails, A- and case numbers in the text are masked. The truth is
 * guessed from the verdict. -1 with *err when the incident is still open.
 */
int app_practice_export(struct app *a, const char *id, FILE *out, char **err);

#endif
