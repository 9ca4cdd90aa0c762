/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internals shared by the store's modules; nothing outside src/store/ includes this. */
#ifndef VIGIA_STORE_PRIVATE_H
#define VIGIA_STORE_PRIVATE_H

#include <sqlite3.h>

#include "vigia/store.h"

#define STORE_STMT_CACHE 48

struct store_stmt {
    char *sql;
    sqlite3_stmt *stmt;
};

struct store {
    sqlite3 *db;
    char *path;
    char device[ULID_LEN + 1];
    struct hlc hlc;
    int depth;    /* nested store_begin count */
    bool reading; /* inside store_read_begin */
    int watch_fd;
    int64_t data_version;
    struct store_stmt cache[STORE_STMT_CACHE];
    size_t ncache;
    struct store_vault *vault; /* store-vault.c: the unlocked secret key, or NULL */
};

/** A prepared statement for @sql, cached for the life of the store. Borrowed; reset by caller. */
sqlite3_stmt *store_stmt(struct store *s, const char *sql, char **err);
/** Translate a SQLite result code into a store_error and set *err with @what as context. */
int store_fail(struct store *s, int rc, const char *what, char **err);
/** Reset @st and clear its bindings, ready for its next use. */
void store_stmt_done(sqlite3_stmt *st);
/**
 * Step @st for a single row: STORE_OK when one is ready to read,
 * STORE_ERR_NOT_FOUND when there is none (*err untouched: the caller names
 * what is missing), or another error with *err set. The caller reads the row,
 * then calls store_stmt_done.
 */
int store_step_one(struct store *s, sqlite3_stmt *st, const char *what, char **err);
/** Bind a store_val to parameter @i. */
int store_bind(sqlite3_stmt *st, int i, const struct store_val *v);
/** Copy a text column (NULL stays NULL); caller frees. */
char *store_col_text(sqlite3_stmt *st, int i);
/**
 * A safe FTS5 query from what a person typed: every word a quoted prefix
 * term, all required. Newly allocated, or NULL when there is no word.
 */
char *store_fts_query(const char *q);
/**
 * The synced columns of table @name (NULL-terminated, borrowed) and whether it
 * is append-only, or NULL when the table is not synced.
 */
const char *const *store_table_cols(const char *name, bool *append_only);
/** Forget the vault's key (store-vault.c); called by store_free. */
void store_vault_free(struct store *s);
/**
 * Seal the personal columns among @cols for store_write(): *sealed gets a
 * newly allocated copy of @cols with sealed texts (free with
 * store_vault_cols_free), or NULL when nothing needed sealing.
 */
int store_vault_seal_cols(struct store *s, const char *table, const char *row_id,
                          const struct store_col *cols, size_t n, struct store_col **sealed,
                          char **err);
void store_vault_cols_free(struct store_col *cols, size_t n);
/** Checkpoint the WAL into the file and truncate it (best effort; store-vault.c). */
void store_truncate_wal(struct store *s);
/**
 * The outbox row of assignment @assignment_id is now in @state: write the
 * assignment's message_state (a synced column) inside the caller's
 * transaction; nothing when the assignment is not here (store-outbox.c).
 */
int store_outbox_follow_tx(struct store *s, const char *assignment_id, const char *state,
                           char **err);
/**
 * Insert one assignment message @m as a queued outbox row with idempotency
 * key (and id) @key; with @or_ignore a row with that key already there is
 * kept as it is (store-outbox.c).
 */
int store_outbox_insert_msg(struct store *s, const struct store_outbox_msg *m, const char *key,
                            bool or_ignore, char **err);
/**
 * The op log (store-oplog.c). store_write() after sealing: the row, its FTS
 * entry when new, and one `ops` row for its cells.
 */
int store_write_raw(struct store *s, const char *table, const char *row_id,
                    const struct store_col *cols, size_t n, char **err);
/** Append cell (@name, @v) to the JSON object being built in @b (empty: starts it). */
void store_oplog_add(struct buf *b, const char *name, const struct store_val *v);
/**
 * The text a cell's key has in an op's JSON, '"name":' (newly allocated). An
 * op whose cols lack it has no such cell: values are written with their
 * quotes escaped, so it never occurs inside one. Used to skip parsing ops
 * that cannot hold a cell (instr); the parse then decides.
 */
char *store_oplog_key_text(const char *name);
/** Close the JSON object in @b ("{}" when no cell was added). */
void store_oplog_end(struct buf *b);
/** Insert one `ops` row: @ncells cells in @cols (JSON), @parents JSON or NULL. */
int store_oplog_insert(struct store *s, uint64_t hlc, const char *device, const char *tbl,
                       const char *row_id, size_t ncells, const char *cols, const char *parents,
                       char **err);
/**
 * Add the new row @rowid of @table, just inserted with @cols, to its
 * full-text index, if the table has one.
 */
int store_fts_inserted(struct store *s, const char *table, int64_t rowid,
                       const struct store_col *cols, size_t n, char **err);
/**
 * A value of @table.@col that must be sealed before it is stored: personal
 * text not sealed yet. An empty one (a purged value) holds nothing to hide and
 * stays empty: sealed, the purge would take it for data and clear it again.
 */
bool store_vault_wants_seal(const char *table, const char *col, const char *text);
/** Personal column @i (for wipes): false past the last one. */
bool store_vault_column(size_t i, const char **table, const char **col);

/** "'confirmed', 'not_confirmed', …": the final statuses, for an IN list; newly allocated. */
char *store_privacy_final_list(void);
/** The first column of every row @sql gives with ?1 bound to @before; newly allocated. */
int store_privacy_ids(struct store *s, const char *sql, int64_t before, char ***ids, size_t *n,
                      char **err);
/**
 * Scrub the values of earlier ops of one personal cell (store-privacy.c);
 * adds the number of ops changed to *count.
 */
int store_privacy_scrub(struct store *s, const char *tbl, const char *col, const char *row_id,
                        size_t *count, char **err);
/**
 * followup_people rows still holding personal data whose report has been in
 * a final state since before @before (store-followup.c); newly allocated ids.
 */
int store_person_due(struct store *s, int64_t before, char ***ids, size_t *n, char **err);
/** Clear person @id's personal cells: scrub their op log, then store_write (in a transaction). */
int store_person_clear_tx(struct store *s, const char *id, size_t *ops, char **err);

#endif
