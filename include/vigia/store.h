/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store: the SQLite database. One file, WAL mode, foreign keys on, schema
 * migrations by PRAGMA user_version at open. All SQL text lives in src/store/.
 *
 * Every mutation goes through store_write(), which writes the row and one op
 * per column (the sync log) in the same transaction; nothing writes the synced
 * tables behind its back. Several processes may open one file at once: write
 * transactions take the lock up front (BEGIN IMMEDIATE) and wait for it, so no
 * caller sees "database is locked" under ordinary contention.
 */
#ifndef VIGIA_STORE_H
#define VIGIA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigia/util.h"
#include "vigia/model.h"

/** Our own error codes; SQLite's never leave the store. */
enum store_error {
    STORE_OK = 0,
    STORE_ERR_OPEN = -1,      /* cannot open or create the file */
    STORE_ERR_NOT_VIGIA = -2, /* a file that is not a vigia database */
    STORE_ERR_CORRUPT = -3,   /* damaged database */
    STORE_ERR_READONLY = -4,  /* no permission to write */
    STORE_ERR_FULL = -5,      /* disk full */
    STORE_ERR_BUSY = -6,      /* locked for longer than the busy timeout */
    STORE_ERR_TOO_NEW = -7,   /* written by a newer vigia */
    STORE_ERR_NOT_FOUND = -8,
    STORE_ERR_INVALID = -9, /* bad argument: unknown table or column, bad value */
    STORE_ERR_IO = -10,
    STORE_ERR_LOCKED = -11, /* personal data sealed and the vault is locked */
    STORE_ERR_KEY = -12,    /* wrong passphrase, or sealed under another key */
};

struct store;

enum store_open_flags {
    STORE_CREATE = 1 << 0,      /* create the file (not its folder) if missing */
    STORE_SMALL_CACHE = 1 << 1, /* console on a small machine: keep the page cache small */
};

/**
 * Open (and migrate) the database at @path. Returns STORE_OK and a handle in
 * *out, or an error code and a newly allocated message naming the file and the
 * problem in *err (caller frees). An existing file is never modified unless it
 * is a vigia database (or empty).
 */
int store_open(const char *path, unsigned flags, struct store **out, char **err);
/** Close the database and set *s to NULL. */
void store_free(struct store **s);
const char *store_path(const struct store *s);
/** This database's device id (a ULID made at creation). Borrowed. */
const char *store_device(const struct store *s);
/** The schema version this build writes. */
int store_schema_version(void);

/* ---- transactions ------------------------------------------------------ */

/** Begin a write transaction (waits for other writers). */
int store_begin(struct store *s, char **err);
int store_commit(struct store *s, char **err);
void store_rollback(struct store *s);
/**
 * A read transaction around a run of reads: one snapshot, and one lock taken
 * instead of one per statement. A no-op inside store_begin; end it (with
 * store_read_end) before store_begin.
 */
int store_read_begin(struct store *s, char **err);
void store_read_end(struct store *s);

/* ---- the one mutation function ----------------------------------------- */

enum store_type { STORE_NULL, STORE_INT, STORE_REAL, STORE_TEXT };
struct store_val {
    enum store_type type;
    int64_t i;
    double d;
    const char *s;
};
struct store_col {
    const char *name;
    struct store_val v;
};
static inline struct store_val store_int(int64_t i)
{
    return (struct store_val){.type = STORE_INT, .i = i};
}
static inline struct store_val store_real(double d)
{
    return (struct store_val){.type = STORE_REAL, .d = d};
}
static inline struct store_val store_text(const char *s)
{
    return s ? (struct store_val){.type = STORE_TEXT, .s = s}
             : (struct store_val){.type = STORE_NULL};
}
static inline struct store_val store_null(void)
{
    return (struct store_val){.type = STORE_NULL};
}

/**
 * Insert or update row @row_id of @table with @cols, and append one op per
 * column to the sync log, stamped with a fresh hybrid logical clock value.
 * Must run inside store_begin/commit. Unknown tables or columns are refused
 * (STORE_ERR_INVALID). Returns STORE_OK or an error with *err set.
 */
int store_write(struct store *s, const char *table, const char *row_id,
                const struct store_col *cols, size_t n, char **err);

/**
 * Append an event (the audit timeline) inside the current transaction:
 * who (@actor), what (@kind, e.g. "report.created"), about which report
 * (may be NULL) and a free-text @detail (may be NULL).
 */
int store_event(struct store *s, const char *actor, const char *kind, const char *report_id,
                const char *detail, char **err);

/** Number of ops in the sync log (all devices). */
int store_op_count(struct store *s, int64_t *n);

/* ---- change notification ----------------------------------------------- */

/**
 * A file descriptor that becomes readable when the database file changes on
 * disk (inotify on its folder), or -1 if none can be had. Owned by the store.
 */
int store_watch_fd(struct store *s);
/**
 * Drain the watch descriptor and tell whether another connection committed
 * since the last call (PRAGMA data_version). Never blocks.
 */
bool store_changed(struct store *s);

/* ---- vault: personal data sealed at rest (src/store/store-vault.c) ------ */

/*
 * Personal columns (reporter_contacts.contact; others as their modules
 * register them in store-vault.c) are stored sealed once a passphrase is set:
 * "vg:" + base64 of a version byte, an ephemeral X25519 public key, a nonce
 * and the XChaCha20-Poly1305 ciphertext, with "table.column" and the row id
 * as associated data. The key of each value comes from the ephemeral key and
 * the vault's public key, so store_write() seals without the passphrase (a
 * dispatcher can take a call while the vault is locked); reading needs the
 * vault's secret key, which sync_state keeps wrapped by a key derived with
 * Argon2id from the passphrase ("vault.*" keys). store_write() seals
 * registered columns by itself; readers call store_open_text().
 */

#define STORE_VAULT_KEY_BYTES 32

/** True when @table.@col holds personal data (sealed when a vault exists). */
bool store_vault_personal(const char *table, const char *col);
/** Whether a passphrase was set for this database. */
int store_vault_enabled(struct store *s, bool *enabled, char **err);
/** Whether the secret key is in memory (store_vault_unlock succeeded). */
bool store_vault_unlocked(const struct store *s);

/** Argon2id cost; store_vault_limits_default() suits an old laptop (64 MiB). */
struct store_vault_limits {
    unsigned long long ops;
    size_t mem;
};
void store_vault_limits_default(struct store_vault_limits *l);

/**
 * Set the first passphrase: make the vault key pair, wrap the secret key
 * under Argon2id(@pass, fresh salt, @limits), and seal every plaintext value
 * of the personal columns, in rows and in the op log (in place: no new ops),
 * in one transaction with secure_delete on; the WAL is then truncated so no
 * plaintext copy is left in it. *migrated gets the number of values sealed.
 * Leaves the vault unlocked. STORE_ERR_INVALID when a vault already exists.
 */
int store_vault_setup(struct store *s, const char *pass, const struct store_vault_limits *limits,
                      size_t *migrated, char **err);
/** Unlock with the passphrase; STORE_ERR_KEY when it is wrong. */
int store_vault_unlock(struct store *s, const char *pass, char **err);
/** Unlock with a secret key kept elsewhere (keyring); STORE_ERR_KEY if it does not fit. */
int store_vault_unlock_key(struct store *s, const unsigned char key[STORE_VAULT_KEY_BYTES],
                           char **err);
/** Copy the secret key out (for the keyring); false when locked. */
bool store_vault_key(const struct store *s, unsigned char key[STORE_VAULT_KEY_BYTES]);
/** A short public fingerprint of the vault (hex, 16 chars) for naming the keyring entry. */
int store_vault_fingerprint(struct store *s, char out[17], char **err);
/** Forget the secret key (zeroed). */
void store_vault_lock(struct store *s);
/** Wrap the secret key under a new passphrase (vault must be unlocked). */
int store_vault_rewrap(struct store *s, const char *pass, const struct store_vault_limits *limits,
                       char **err);
/**
 * Make @key the vault's secret key (a device joining a network takes the
 * network's, so that contacts sealed on one laptop open on the others):
 * every personal value is re-sealed to it (the current vault must be
 * unlocked, or none set) and it is wrapped under @pass. *resealed gets the
 * number of values sealed again. Leaves the vault unlocked with @key.
 */
int store_vault_adopt(struct store *s, const unsigned char key[STORE_VAULT_KEY_BYTES],
                      const char *pass, const struct store_vault_limits *limits, size_t *resealed,
                      char **err);

/**
 * Seal @plain for @table.@col of row @row_id. Returns a newly allocated
 * sealed text, or a copy of @plain when no vault exists; NULL stays NULL.
 */
char *store_seal_text(struct store *s, const char *table, const char *col, const char *row_id,
                      const char *plain, char **err);
/**
 * Open a value read from @table.@col of row @row_id: *out gets a newly
 * allocated plaintext (a value that is not sealed is returned as is; NULL
 * stays NULL). STORE_ERR_LOCKED when it is sealed and the vault is locked,
 * STORE_ERR_KEY when it was sealed under another vault or tampered with.
 */
int store_open_text(struct store *s, const char *table, const char *col, const char *row_id,
                    const char *value, char **out, char **err);
/** True when @value is in the sealed format. */
bool store_vault_is_sealed(const char *value);

#define STORE_VAULT_TAG_LEN 32
/**
 * The blind index of a contact: 32 hex digits of BLAKE2b keyed with a key
 * derived (crypto_kdf, context "vgsubtag") from the vault's secret key, over
 * @channel, a NUL and the normalised @contact. Every device holding the
 * network's vault key computes the same tag, so subscribers.contact_tag finds
 * a subscriber without opening every sealed contact, and without the key the
 * tag tells nothing (a phone number cannot be tried against it).
 * STORE_ERR_LOCKED when the vault is locked, STORE_ERR_NOT_FOUND without one.
 */
int store_vault_tag(struct store *s, const char *channel, const char *contact,
                    char out[STORE_VAULT_TAG_LEN + 1], char **err);

/* ---- privacy: retention and wiping (src/store/store-privacy.c) ----------- */

/** What a purge removed: counts only. */
struct store_purge_stats {
    size_t contacts;  /* reporter contacts cleared */
    size_t followups; /* detention follow-up reports whose text was cleared */
    size_t optouts;   /* opted-out subscribers whose contact was forgotten */
    size_t people;    /* follow-up people (followup_people) whose personal cells were cleared */
    size_t ops;       /* op-log values scrubbed */
};
/** What a purge removes: what became due before each time (ms; 0: nothing of that kind). */
struct store_purge_windows {
    int64_t contacts_before;  /* reporter contacts of reports closed or expired before */
    int64_t followups_before; /* detention follow-ups in a final state since before */
    int64_t optouts_before;   /* contacts of subscribers who opted out before (tagged only) */
};
/**
 * Clear the reporter contacts of reports that closed (a final status, or
 * expired) before @closed_before, through store_write() (a NULL value, so the
 * purge syncs as an op), scrub the earlier op-log values of those cells, and
 * record a "privacy.purged" event with the counts, all in one transaction
 * with secure_delete on; then truncate the WAL. @actor may be NULL.
 */
int store_purge_contacts(struct store *s, int64_t closed_before, const char *actor,
                         struct store_purge_stats *stats, char **err);
/**
 * store_purge_contacts, and in the same transaction the detention follow-up
 * reports in a final state since before @w->followups_before: their
 * free text (what was seen, uniforms, vehicles), which names detained people
 * and their families, is cleared and the location cut to its coarse form,
 * the same way (ops, scrubbed log, secure_delete), and the search index is
 * rebuilt so no old words stay in it. The report itself stays, for counts.
 * Subscribers who opted out before @w->optouts_before lose their contact the
 * same way (their keyed tag and the opt-out stay, so the number is still
 * recognised and kept out if it is added again); their outbox rows drop the
 * number and any still queued are skipped.
 */
int store_purge(struct store *s, const struct store_purge_windows *w, const char *actor,
                struct store_purge_stats *stats, char **err);
/**
 * Before wiping: clear every personal column and the vault keys with
 * secure_delete on and truncate the WAL, then close the database (*s is
 * NULL after). Best effort: the caller overwrites and unlinks the files.
 */
int store_wipe_prepare(struct store **s, char **err);

/* ---- people of a detention follow-up (src/store/store-followup.c) ---------- */

/*
 * followup_people: the detained person and their family named in a follow-up.
 * name, phone, a_number, where_held and notes are personal columns, sealed by
 * store_write once a passphrase is set and cleared by the retention purge
 * (store_purge, with the follow-up text) and by a wipe.
 */
struct store_person {
    char id[ULID_LEN + 1];
    char *report_id, *relation, *created_by;
    char *name, *phone, *a_number, *where_held, *notes; /* as stored: maybe sealed */
    int64_t detained_at, created_at;                    /* ms, 0 when unknown */
};
/** Store @p (its id is filled in) and a "followup.person_added" event (no personal data). */
int store_person_add(struct store *s, struct store_person *p, const char *actor, char **err);
/** The people of report @report_id not removed, oldest first, as stored (may be sealed). */
int store_person_list(struct store *s, const char *report_id, struct store_person **rows,
                      size_t *n, char **err);
/**
 * Open the personal fields of @p in place. STORE_ERR_LOCKED (or
 * STORE_ERR_KEY) when one is sealed and cannot be opened; @p is then unchanged.
 */
int store_person_open(struct store *s, struct store_person *p, char **err);
/**
 * Remove person @id: a tombstone (deleted_at), its personal cells cleared and
 * their older op-log values scrubbed. STORE_ERR_NOT_FOUND when there is none.
 */
int store_person_remove(struct store *s, const char *id, const char *actor, char **err);
/** How many people report @report_id has (not removed). */
int store_person_count(struct store *s, const char *report_id, size_t *n, char **err);
void store_person_fini(struct store_person *p);
void store_people_free(struct store_person **rows, size_t n);

/* ---- reports ----------------------------------------------------------- */

/**
 * Store a new report with its reporter contact (may be NULL; kept in
 * reporter_contacts, apart from the report) and a "report.created" event, in
 * one transaction. r->id is filled in when empty. @actor is the dispatcher.
 */
int store_report_insert(struct store *s, struct model_report *r, const char *contact,
                        const char *actor, char **err);
/**
 * Like store_report_insert but inside a transaction the caller holds (bulk
 * import: all or nothing).
 */
int store_report_insert_tx(struct store *s, struct model_report *r, const char *contact,
                           const char *actor, char **err);

/** Load one report; STORE_ERR_NOT_FOUND when there is none. @out is initialised here. */
int store_report_get(struct store *s, const char *id, struct model_report *out, char **err);
/** The reporter contact of a report, newly allocated, or NULL if none. */
int store_report_contact(struct store *s, const char *id, char **out, char **err);

/** Which reports a queue shows. */
struct store_filter {
    int status;            /* an enum model_status, or -1 for all */
    int64_t live_after;    /* only reports whose expires_at is after this (0: all) */
    const char *search;    /* full-text query (NULL: none) */
    bool one_per_incident; /* linked reports: only the incident's first one */
};
void store_filter_init(struct store_filter *f);

/** How many reports match. */
int store_report_count(struct store *s, const struct store_filter *f, size_t *n, char **err);
/**
 * Up to @limit reports matching @f from position @offset in queue order
 * (priority, then newest, then id), or best match first when searching. @rows
 * must hold @limit entries; *n gets the number filled. Free each with
 * model_report_fini.
 */
int store_report_page(struct store *s, const struct store_filter *f, size_t offset, size_t limit,
                      struct model_report *rows, size_t *n, char **err);
/**
 * Position of report @id in queue order among the reports matching @f (no
 * search), counted from 0: the number of matching reports before it.
 * STORE_ERR_NOT_FOUND when it is not in the queue @f describes.
 */
int store_report_position(struct store *s, const struct store_filter *f, const char *id,
                          size_t *pos, char **err);
/** Count reports by status (indexed by enum model_status), live ones only if live_after. */
int store_report_status_counts(struct store *s, int64_t live_after,
                               size_t counts[MODEL_STATUS_COUNT], char **err);

/* ---- sync: the op log seen from the network (src/store/store-sync.c) ------ */

/*
 * An op as it travels between devices: (hlc, device, table, row id, column,
 * value). Strings are owned by the op; free with store_op_fini.
 */
struct store_op {
    int64_t seq; /* local position in ops (reading only) */
    uint64_t hlc;
    char device[ULID_LEN + 1];
    char *tbl;
    char *row_id;
    char *col;
    struct store_val v; /* v.s is owned when type is STORE_TEXT */
    uint64_t parent;    /* hlc of the cell's newest op when written (0: none) */
};
void store_op_fini(struct store_op *op);
/** Free @n ops and the array, and set *ops to NULL. */
void store_ops_free(struct store_op **ops, size_t n);

/**
 * This device's ops with seq after @after_seq, oldest first, at most @limit.
 * *ops is a newly allocated array (caller frees with store_ops_free), *n their
 * count and *last_seq the seq of the last one (@after_seq when none).
 */
int store_sync_local_ops(struct store *s, int64_t after_seq, size_t limit, struct store_op **ops,
                         size_t *n, int64_t *last_seq, char **err);
/** How many of this device's ops come after @after_seq (waiting to go out). */
int store_sync_pending(struct store *s, int64_t after_seq, int64_t *n, char **err);

/** What applying a batch of remote ops did. */
struct store_apply_stats {
    size_t ops;        /* ops in the batch */
    size_t duplicates; /* already in the log: ignored */
    size_t won;        /* newer than what the cell held: written to the row */
    size_t lost;       /* older than what the cell held: kept in the log only */
    size_t unknown;    /* tables or columns this build does not know: kept in the log only */
    size_t deferred;   /* rows not yet complete (a required column still to come) */
    size_t conflicts;  /* concurrent edits recorded as "sync.conflict" events */
};

/** Two edits of one field by two devices within this many ms may be concurrent. */
#define STORE_SYNC_CONFLICT_MS (120 * 1000)

/**
 * Apply remote ops inside the caller's transaction (store_begin/commit).
 * Idempotent and order-independent: each op goes into the log as it came
 * (its own device and hlc; exact duplicates are ignored), and each touched row
 * gets, per column, the value of the op with the greatest (hlc, device);
 * append-only tables are unions of their rows; deletes are tombstones (a
 * deleted_at column written like any other). Row writes make no new ops. The
 * local clock moves past every remote hlc. Concurrent edits of one field (two
 * devices, different values, hlc within STORE_SYNC_CONFLICT_MS, and neither
 * op's parent at or past the other's hlc) are recorded as "sync.conflict"
 * events with both values; the event's id is derived from the two ops so that
 * every replica records the same one. @stats may be NULL.
 */
int store_sync_apply_tx(struct store *s, const struct store_op *ops, size_t n,
                        struct store_apply_stats *stats, char **err);
/** store_sync_apply_tx in its own transaction: all of the batch or none of it. */
int store_sync_apply(struct store *s, const struct store_op *ops, size_t n,
                     struct store_apply_stats *stats, char **err);

/*
 * sync_state: local settings of sync, never synced. Keys used by src/sync:
 * "relay.url", "relay.cursor", "net.id", "net.epoch", "net.key.EPOCH" (the
 * network key of each epoch, base64), "device.sign_sk"/"device.sign_pk"
 * (Ed25519, base64; the secret key lives only here), "send.cursor" (last op
 * seq sent), "send.batch" (last batch number sent), "pin.DEVICE" (a peer's
 * public key, pinned on first use), "sync.last_ok" (ms).
 */
/** Read a key as text: *value newly allocated, or NULL when absent. */
int store_sync_get(struct store *s, const char *key, char **value, char **err);
/** Read an integer key; @def when absent. */
int store_sync_get_int(struct store *s, const char *key, int64_t def, int64_t *value, char **err);
/** Set (insert or replace) a key; NULL deletes it. Runs in the caller's transaction if any. */
int store_sync_set(struct store *s, const char *key, const char *value, char **err);
int store_sync_set_int(struct store *s, const char *key, int64_t value, char **err);

/**
 * Batches received, per sending device: whether (@device, @seq) was seen, and
 * the highest seq seen from that device (0 if none).
 */
int store_sync_batch_seen(struct store *s, const char *device, int64_t seq, bool *seen,
                          int64_t *max_seq, char **err);
/** Record batch (@device, @seq) as received, in the caller's transaction. */
int store_sync_batch_record(struct store *s, const char *device, int64_t seq, int64_t epoch,
                            char **err);

/** A device of the network as the devices table knows it. */
struct store_device {
    char id[ULID_LEN + 1];
    char *name;
    char *sign_pk; /* base64 */
    int64_t joined_at;
    int64_t deleted_at; /* 0: active */
};
/** All devices, newly allocated array; free with store_devices_free. */
int store_devices_list(struct store *s, struct store_device **out, size_t *n, char **err);
void store_devices_free(struct store_device **d, size_t n);
/**
 * The sealed key share for @device at @epoch (newly allocated base64), or
 * NULL when none has arrived.
 */
int store_keyshare_get(struct store *s, int64_t epoch, const char *device, char **sealed,
                       char **err);

/* ---- the dispatch thread (src/store/store-thread.c) ----------------------- */

/** One message of the dispatch thread. */
struct store_thread_msg {
    char id[ULID_LEN + 1];
    int64_t at;
    char *author;
    char *body;
    bool mine;   /* written on this device */
    bool unread; /* after this device's read mark, and not mine */
};
/** Post a message (a synced, append-only row and a "thread.posted" event). */
int store_thread_post(struct store *s, const char *author, const char *body, char *id_out,
                      char **err);
/**
 * The newest @limit messages, oldest first, into a newly allocated array
 * (free with store_thread_free).
 */
int store_thread_list(struct store *s, size_t limit, struct store_thread_msg **out, size_t *n,
                      char **err);
void store_thread_free(struct store_thread_msg **m, size_t n);
/** Messages of other devices after this device's read mark. */
int store_thread_unread(struct store *s, int64_t *n, char **err);
/** Move the read mark (local, never synced) to @at. */
int store_thread_mark_read(struct store *s, int64_t at, char **err);

/* ---- verification (src/store/store-verify.c) ----------------------------- */

/**
 * The incident a report belongs to: the oldest report's id when linked, else
 * its own id, into @root. STORE_ERR_NOT_FOUND when there is no such report.
 */
int store_incident_root(struct store *s, const char *id, char root[ULID_LEN + 1], char **err);
/**
 * The ids of the reports of incident @root, oldest first, as a newly
 * allocated array in *ids (caller frees), *n of them (0 when none).
 */
int store_incident_members(struct store *s, const char *root, char (**ids)[ULID_LEN + 1], size_t *n,
                           char **err);
/**
 * Every checklist row of the reports of incident @root, oldest answer first
 * (so a later answer to the same key overrides). Newly allocated array in
 * *rows; free each with model_check_state_fini, then the array.
 */
int store_check_rows(struct store *s, const char *root, struct model_check_state **rows, size_t *n,
                     char **err);
/** Whether a verifier reported from the scene (assignments) on incident @root. */
int store_incident_observed(struct store *s, const char *root, bool *out, char **err);

/** Which events store_events() lists; zero/NULL fields do not filter. */
struct store_event_filter {
    const char *incident; /* events of the reports of this incident */
    const char *actor;    /* who (case-insensitive) */
    const char *kind;     /* e.g. "status.changed" */
    int64_t since, until; /* UTC ms, inclusive */
    size_t limit;         /* 0: 1000 */
    bool oldest_first;    /* default newest first */
};
/** Events matching @f. Newly allocated array; free each with model_event_fini, then it. */
int store_events(struct store *s, const struct store_event_filter *f, struct model_event **rows,
                 size_t *n, char **err);
/**
 * Ids of reports received in [@from, @to] (UTC ms), newest first, at most
 * @limit, leaving out closed ones when @open_only. Newly
 * allocated array in *ids.
 */
int store_report_window(struct store *s, int64_t from, int64_t to, bool open_only, size_t limit,
                        char (**ids)[ULID_LEN + 1], size_t *n, char **err);
/**
 * Search every report, expired and closed ones included: words (accent- and
 * case-insensitive prefixes, all must match; NULL or blank: any) and time
 * bounds on received_at (0: none). Best match first, at most @limit ids in a
 * newly allocated array *ids.
 */
int store_report_search(struct store *s, const char *query, int64_t since, int64_t until,
                        size_t limit, char (**ids)[ULID_LEN + 1], size_t *n, char **err);

/* ---- subscribers, broadcasts, outbox (src/store/store-broadcast.c) -------- */

struct store_subscriber {
    char id[ULID_LEN + 1];
    char *contact;        /* normalised (E.164, @handle, email) */
    char *channel;        /* model_channel_name */
    char *language;       /* "en", "es" */
    char *areas;          /* comma-separated, lowercase; NULL: every area */
    int64_t opted_out_at; /* 0: subscribed */
    int64_t created_at;
};
void store_subscriber_fini(struct store_subscriber *sub);
/**
 * Find a subscriber by (@contact, @channel), or with @channel NULL by id or
 * (without a vault) contact on any channel. STORE_ERR_NOT_FOUND when none;
 * @out is filled on success (free with store_subscriber_fini; its contact is
 * as stored, maybe sealed). With a vault the look-up goes by contact_tag,
 * then through the rows without a tag yet (opened one by one), and needs the
 * vault unlocked: STORE_ERR_LOCKED otherwise (src/store/store-subscriber.c).
 */
int store_subscriber_find(struct store *s, const char *contact, const char *channel,
                          struct store_subscriber *out, char **err);
/**
 * Tag the subscribers whose contact_tag is missing (or, with @all, differs
 * from what the vault's key gives: after adopting a network's key), through
 * store_write so other devices get the tags. Needs the vault unlocked;
 * without a vault it does nothing. *n (may be NULL) gets rows tagged.
 */
int store_subscriber_tag_fill(struct store *s, bool all, size_t *n, char **err);
/**
 * A STOP reply received while the vault is locked: kept (contact sealed)
 * in subscriber_optouts, local to this database, until an unlock applies it.
 */
int store_optout_pending_add(struct store *s, const char *channel, const char *contact, int64_t at,
                             char **err);
struct store_optout_pending {
    char id[ULID_LEN + 1];
    char *channel, *contact; /* contact opened */
    int64_t at;
};
/**
 * The waiting STOP replies, oldest first, opened (the vault must be
 * unlocked; ones sealed under another key are left out). *rows newly
 * allocated (store_optout_pending_free). store_optout_pending_count needs no key.
 */
int store_optout_pending_list(struct store *s, struct store_optout_pending **rows, size_t *n,
                              char **err);
int store_optout_pending_count(struct store *s, size_t *n, char **err);
void store_optout_pending_free(struct store_optout_pending **rows, size_t n);
/** Forget one waiting STOP reply (inside the caller's transaction). */
int store_optout_pending_done(struct store *s, const char *id, char **err);
/** Call @fn for every subscriber (opted-out ones only with @opted_out_too); stop on non-zero. */
int store_subscriber_foreach(struct store *s, bool opted_out_too,
                             int (*fn)(const struct store_subscriber *sub, void *data), void *data,
                             char **err);

/** A broadcast row. Texts and audience are JSON written by the app layer. */
struct store_broadcast {
    char id[ULID_LEN + 1];
    char *report_ids; /* comma-separated */
    char *audience;   /* JSON {"areas": "...", "languages": "..."} */
    char *channels;   /* comma-separated */
    char *texts;      /* JSON {"en": "...", "es": "..."} */
    char *status;     /* draft, approved, held, sending, done, cancelled */
    char *drafted_by, *approved_by;
    int64_t created_at, approved_at, expires_at, hold_until;
    char *template_name, *kind, *parent_id, *lint_override, *progress;
    bool urgent;
};
void store_broadcast_fini(struct store_broadcast *b);
int store_broadcast_get(struct store *s, const char *id, struct store_broadcast *b, char **err);
/** Ids of the newest @limit broadcasts, newest first; *ids newly allocated (free each, then it). */
int store_broadcast_ids(struct store *s, size_t limit, char ***ids, size_t *n, char **err);

enum store_outbox_state {
    STORE_OUTBOX_QUEUED,
    STORE_OUTBOX_SENDING,
    STORE_OUTBOX_SENT,
    STORE_OUTBOX_FAILED,
    STORE_OUTBOX_UNCERTAIN,
    STORE_OUTBOX_SKIPPED,
    STORE_OUTBOX_NSTATES
};
const char *store_outbox_state_name(enum store_outbox_state st);

#define STORE_OUTBOX_KEY_LEN 32
/** The idempotency key of (broadcast, subscriber, channel): 32 hex digits of BLAKE2b. */
void store_outbox_key(const char *broadcast_id, const char *subscriber_id, const char *channel,
                      char out[STORE_OUTBOX_KEY_LEN + 1]);

struct store_outbox_row {
    int64_t rowid;
    char id[STORE_OUTBOX_KEY_LEN + 1]; /* the idempotency key */
    char key[STORE_OUTBOX_KEY_LEN + 1];
    char *broadcast_id, *subscriber_id, *channel, *contact, *language;
    /* A single message (store-outbox.c): its assignment, whose contact, its text. */
    char *assignment_id, *verifier_id, *body;
    enum store_outbox_state state;
    int attempts;
    char *gateway_id, *last_error;
    int64_t not_before, sending_at, updated_at;
    bool reconcile; /* ask the gateway whether it has it before sending again */
};
void store_outbox_row_fini(struct store_outbox_row *r);
void store_outbox_rows_free(struct store_outbox_row **rows, size_t n);

/**
 * Queue one outbox row per recipient and channel of a broadcast, inside the
 * caller's transaction: subscribers matching @au who have not opted out, or
 * with @parent_id, exactly the recipients of that broadcast (same language;
 * only @au's channels). Rows wait until @not_before (quiet hours). Keys are
 * unique, so a second expansion adds nobody twice. *count gets rows added.
 */
int store_outbox_expand_tx(struct store *s, const char *broadcast_id,
                           const struct model_audience *au, const char *parent_id,
                           int64_t not_before, size_t *count, char **err);
/** Ids of the broadcasts with outbox rows here; *ids newly allocated (free each, then it). */
int store_outbox_broadcasts(struct store *s, char ***ids, size_t *n, char **err);
/**
 * Defer (or resume) the automatic WAL checkpoint: a big expansion then
 * commits without also copying every page into the database file; the next
 * ordinary commit does that housekeeping.
 */
void store_checkpoint_defer(struct store *s, bool defer);
/** Rows by state, of one broadcast or (NULL) all. */
int store_outbox_counts(struct store *s, const char *broadcast_id,
                        size_t counts[STORE_OUTBOX_NSTATES], char **err);
/**
 * Rows of a broadcast (NULL: all) in @state (-1: any), oldest first, at most
 * @limit. *rows newly allocated (store_outbox_rows_free).
 */
int store_outbox_list(struct store *s, const char *broadcast_id, int state, size_t limit,
                      struct store_outbox_row **rows, size_t *n, char **err);
/**
 * In one transaction: take up to @limit due rows of @channel, mark those
 * whose recipient opted out since the expansion as skipped (*skipped), and
 * the others sending with attempts + 1, committed before this returns, so
 * that they are known to be possibly sent before any request leaves.
 */
int store_outbox_claim(struct store *s, const char *channel, int64_t now, size_t limit,
                       struct store_outbox_row **rows, size_t *n, size_t *skipped, char **err);

/** The outcome of one attempt, for store_outbox_finish. */
struct store_outbox_result {
    int64_t rowid;
    enum store_outbox_state state; /* sent, failed, uncertain, or queued to retry */
    const char *gateway_id;        /* sent: the gateway's message id */
    const char *error;             /* the gateway's reason */
    int64_t not_before;            /* retry: not before this time */
    bool reconcile;                /* queued: look it up at the gateway first */
};
/** Record outcomes in one transaction. */
int store_outbox_finish(struct store *s, const struct store_outbox_result *res, size_t n,
                        char **err);
/**
 * The earliest not_before of queued rows of @channel (NULL: any; -1 when
 * nothing is queued) and how many of them are retries (attempts > 0), as
 * opposed to held ones.
 */
int store_outbox_pending(struct store *s, const char *channel, int64_t *next_due, size_t *retrying,
                         char **err);
/** A dispatcher checked: queue uncertain rows of a broadcast (NULL: all) again. */
int store_outbox_retry_uncertain(struct store *s, const char *broadcast_id, size_t *n, char **err);

/* ---- single messages in the outbox (src/store/store-outbox.c) ------------- */

/** One message to one recipient: today, the verifier of an assignment. */
struct store_outbox_msg {
    const char *assignment_id; /* required: one message per assignment */
    const char *verifier_id;   /* the recipient: a sealed contact opens with their row */
    const char *channel;       /* model_channel_name */
    const char *contact;       /* as stored in the verifier's row, sealed or not: never opened */
    const char *language;      /* may be NULL */
    const char *body;          /* the text, sent as it is */
    int64_t not_before;
};
/**
 * Queue @m inside the caller's transaction (the one that writes the
 * assignment). Its idempotency key (and id) is BLAKE2b of the assignment,
 * recipient and channel, so queueing it again adds nothing (*added false).
 * While it is sent, the assignment's message_state follows the row (queued,
 * sending, sent, failed, uncertain), written through store_write().
 */
int store_outbox_enqueue_tx(struct store *s, const struct store_outbox_msg *m, bool *added,
                            char **err);
/** The idempotency key of a single message. */
void store_outbox_single_key(const char *assignment_id, const char *recipient_id,
                             const char *channel, char out[STORE_OUTBOX_KEY_LEN + 1]);
/**
 * The plain contact of @row for a gateway, newly allocated in *out. A sealed
 * copy opens with its origin's associated data (verifiers.contact of the
 * verifier, subscribers.contact of the subscriber). STORE_ERR_LOCKED while
 * the vault is locked, STORE_ERR_KEY when it was sealed under another key.
 */
int store_outbox_open_contact(struct store *s, const struct store_outbox_row *row, char **out,
                              char **err);
/**
 * Queued rows that wait for the vault: their contact is sealed and the vault
 * is locked (0 when unlocked). store_outbox_claim leaves them alone.
 */
int store_outbox_locked(struct store *s, size_t *n, char **err);
/** The outbox row of an assignment, if this device queued it; STORE_ERR_NOT_FOUND if not. */
int store_outbox_of_assignment(struct store *s, const char *assignment_id,
                               struct store_outbox_row *out, char **err);
/** Whether a message of the assignment is queued or being sent here (store-resend.c). */
int store_outbox_in_flight(struct store *s, const char *assignment_id, bool *busy, char **err);
/**
 * Queue @m again, a deliberate resend, inside the caller's transaction: a
 * new row with its own idempotency key (the assignment and a fresh ULID,
 * in @key_out if not NULL), so it is not taken for the first message. None
 * while a message of the assignment is queued or being sent
 * (STORE_ERR_INVALID). The assignment's message_state becomes "queued".
 */
int store_outbox_resend_tx(struct store *s, const struct store_outbox_msg *m,
                           char key_out[STORE_OUTBOX_KEY_LEN + 1], char **err);

/* ---- resources: the referral directory (src/store/store-resource.c) ------- */

/**
 * Write every column of @r (a new row or all of an existing one) through
 * store_write(), inside the caller's transaction. @r->id must be set.
 */
int store_resource_put_tx(struct store *s, const struct model_resource *r, char **err);
/** Load one entry (not deleted); STORE_ERR_NOT_FOUND when none. @out is initialised here. */
int store_resource_get(struct store *s, const char *id, struct model_resource *out, char **err);
/**
 * Entries not deleted, all of them or (@query not NULL nor blank) those whose
 * name, services, areas, notes, vetting notes or courts hold every word of
 * @query as a prefix (case and accents ignored), in no particular order.
 * *rows is newly allocated (free with store_resources_free).
 */
int store_resource_list(struct store *s, const char *query, struct model_resource **rows, size_t *n,
                        char **err);
/** Free @n entries and the array. */
void store_resources_free(struct model_resource *rows, size_t n);
/** Mark an entry deleted (a tombstone that syncs), inside the caller's transaction. */
int store_resource_delete_tx(struct store *s, const char *id, char **err);

/* ---- roster: verifiers, shifts, assignments (src/store/store-roster.c) ----- */

/*
 * Rows come back as stored: a verifier's contact may be sealed (open it with
 * store_open_text(s, "verifiers", "contact", id, ...)).
 */
/** Write every column of @v (new or existing row) inside the caller's transaction. */
int store_verifier_put_tx(struct store *s, const struct model_verifier *v, char **err);
/** Verifiers not removed, by name. *rows newly allocated (store_verifiers_free). */
int store_verifier_list(struct store *s, struct model_verifier **rows, size_t *n, char **err);
/** One verifier (not removed); STORE_ERR_NOT_FOUND when none. @out initialised here. */
int store_verifier_get(struct store *s, const char *id, struct model_verifier *out, char **err);
/** Remove a verifier (a tombstone that syncs), inside the caller's transaction. */
int store_verifier_delete_tx(struct store *s, const char *id, char **err);
void store_verifiers_free(struct model_verifier *rows, size_t n);

/** Write a shift inside the caller's transaction. */
int store_shift_put_tx(struct store *s, const struct model_shift *sh, char **err);
/** Shifts not removed, by weekday and start. *rows newly allocated (store_shifts_free). */
int store_shift_list(struct store *s, struct model_shift **rows, size_t *n, char **err);
/** Remove a shift (tombstone), inside the caller's transaction. */
int store_shift_delete_tx(struct store *s, const char *id, char **err);
void store_shifts_free(struct model_shift *rows, size_t n);

/** Write every column of @a inside the caller's transaction. */
int store_assignment_put_tx(struct store *s, const struct model_assignment *a, char **err);
/** One assignment; STORE_ERR_NOT_FOUND when none. @out initialised here. */
int store_assignment_get(struct store *s, const char *id, struct model_assignment *out, char **err);
/**
 * Assignments of report @report_id (NULL: all), only open ones (not released
 * nor declined) with @open_only, oldest first. *rows newly allocated
 * (store_assignments_free).
 */
int store_assignment_list(struct store *s, const char *report_id, bool open_only,
                          struct model_assignment **rows, size_t *n, char **err);
/** The latest assignment of a verifier, if any (*found). */
int store_assignment_last(struct store *s, const char *verifier_id, struct model_assignment *out,
                          bool *found, char **err);
void store_assignments_free(struct model_assignment *rows, size_t n);
/**
 * Ids of broadcasts that went out (approved, held, sending, done) and have
 * not expired at @now, newest first (at most 50); newly allocated array.
 */
int store_broadcast_live_ids(struct store *s, int64_t now, char (**ids)[ULID_LEN + 1], size_t *n,
                             char **err);

#endif
