/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Privacy use cases: the passphrase and the vault, the kernel keyring,
 * retention purges, the panic wipe and exports that leave personal data out.
 *
 * The unlocked vault key may be kept in the user's kernel keyring (a "user"
 * key named vigia:vault:FINGERPRINT in @u, readable by the same uid, with a
 * timeout of keyring_minutes), so a dispatcher who restarts the console in
 * the middle of a shift is not asked again, and the key never touches the
 * disk. The keyring is reached through the add_key and keyctl system calls
 * directly; no libkeyutils.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/config.h"
#include "vigia/store.h"
#include "vigia/app.h"

#include "private.h"

/* ---- kernel keyring ------------------------------------------------------------ */

/* Permission bits of keyctl(KEYCTL_SETPERM) (keyutils.h, not in the uapi headers). */
#define APP_KEY_POS_ALL 0x3f000000u
#define APP_KEY_USR_VIEW 0x00010000u
#define APP_KEY_USR_READ 0x00020000u
#define APP_KEY_USR_WRITE 0x00040000u
#define APP_KEY_USR_SEARCH 0x00080000u
#define APP_KEY_USR_SETATTR 0x00200000u

static bool app_keyring_enabled(const struct app *a)
{
    const char *off = getenv("VIGIA_NO_KEYRING");

    return a->config.keyring_minutes > 0 && (off == NULL || *off == '\0' || strcmp(off, "0") == 0);
}

int app_keyring_minutes(const struct app *a)
{
    return app_keyring_enabled(a) ? a->config.keyring_minutes : 0;
}

/* "vigia:vault:FINGERPRINT" for this database's vault; NULL without a vault. */
static char *app_keyring_desc(struct app *a)
{
    char fp[17];

    if (store_vault_fingerprint(a->store, fp, NULL) != STORE_OK)
        return NULL;
    return xasprintf("vigia:vault:%s", fp);
}

static long app_keyring_find(const char *desc)
{
    return syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", desc, 0);
}

/* Keep the unlocked key in the keyring (best effort: a failure only means asking again). */
static void app_keyring_store(struct app *a)
{
    unsigned char key[STORE_VAULT_KEY_BYTES];
    char *desc;
    long id;

    if (!app_keyring_enabled(a) || !store_vault_key(a->store, key))
        return;
    if ((desc = app_keyring_desc(a)) == NULL)
        goto out;
    id = syscall(SYS_add_key, "user", desc, key, sizeof key, KEY_SPEC_USER_KEYRING);
    if (id < 0) {
        logger_msg(LOGGER_DEBUG, "cannot keep the key in the keyring: %s", strerror(errno));
        goto out;
    }
    /* Same uid may read it (a new console in another terminal); nobody else. */
    syscall(SYS_keyctl, KEYCTL_SETPERM, id,
            APP_KEY_POS_ALL | APP_KEY_USR_VIEW | APP_KEY_USR_READ | APP_KEY_USR_WRITE |
                APP_KEY_USR_SEARCH | APP_KEY_USR_SETATTR);
    syscall(SYS_keyctl, KEYCTL_SET_TIMEOUT, id, (unsigned)a->config.keyring_minutes * 60u);
out:
    sodium_memzero(key, sizeof key);
    free(desc);
}

/* Unlock from the keyring; true when it worked. */
static bool app_keyring_load(struct app *a)
{
    unsigned char key[STORE_VAULT_KEY_BYTES + 1];
    char *desc;
    long id, n;
    bool ok = false;

    if (!app_keyring_enabled(a) || (desc = app_keyring_desc(a)) == NULL)
        return false;
    id = app_keyring_find(desc);
    if (id >= 0) {
        n = syscall(SYS_keyctl, KEYCTL_READ, id, key, sizeof key);
        ok = n == STORE_VAULT_KEY_BYTES && store_vault_unlock_key(a->store, key, NULL) == STORE_OK;
    }
    sodium_memzero(key, sizeof key);
    free(desc);
    return ok;
}

/* Remove this vault's key from the keyring, if it is there. */
static void app_keyring_drop(const char *desc)
{
    long id;

    if (desc == NULL)
        return;
    /* Several entries can exist if one was added by another session: drop them all. */
    for (int i = 0; i < 8 && (id = app_keyring_find(desc)) >= 0; i++)
        if (syscall(SYS_keyctl, KEYCTL_INVALIDATE, id) < 0 &&
            syscall(SYS_keyctl, KEYCTL_UNLINK, id, KEY_SPEC_USER_KEYRING) < 0)
            break;
}

/* ---- passphrase ------------------------------------------------------------------ */

enum app_vault app_vault_state(struct app *a)
{
    bool enabled = false;

    if (store_vault_enabled(a->store, &enabled, NULL) != STORE_OK || !enabled)
        return APP_VAULT_NONE;
    return store_vault_unlocked(a->store) ? APP_VAULT_UNLOCKED : APP_VAULT_LOCKED;
}

int app_passphrase_check(const char *pass, char **err)
{
    if (pass == NULL || text_check(pass, 1024, false, NULL) != TEXT_OK) {
        util_seterr(err, "%s", _("the passphrase must be text on one line"));
        return -1;
    }
    if (text_width(pass) < APP_PASSPHRASE_MIN) {
        util_seterr(err, _("the passphrase is too short: use at least %d characters"),
                    APP_PASSPHRASE_MIN);
        return -1;
    }
    return 0;
}

static void app_pwhash_limits(struct store_vault_limits *l)
{
    const char *env = getenv("VIGIA_PWHASH");

    store_vault_limits_default(l);
    /* Test suites only: the minimum cost, so each test does not spend a second. */
    if (env != NULL && strcmp(env, "fast") == 0) {
        l->ops = crypto_pwhash_OPSLIMIT_MIN;
        l->mem = crypto_pwhash_MEMLIMIT_MIN;
    }
}

static double app_seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int app_passphrase_set(struct app *a, const char *pass, size_t *migrated, double *seconds,
                       char **err)
{
    struct store_vault_limits l;
    struct timespec t0;
    size_t n = 0;
    int rc;

    if (app_passphrase_check(pass, err) != 0)
        return -1;
    app_pwhash_limits(&l);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = store_vault_setup(a->store, pass, &l, &n, err);
    if (seconds != NULL)
        *seconds = app_seconds_since(&t0);
    if (migrated != NULL)
        *migrated = n;
    if (rc != STORE_OK)
        return -1;
    app_keyring_store(a);
    app_vault_opened(a, false);
    return 0;
}

int app_passphrase_change(struct app *a, const char *old_pass, const char *new_pass,
                          double *seconds, char **err)
{
    struct store_vault_limits l;
    struct timespec t0;
    int rc;

    if (app_vault_state(a) == APP_VAULT_NONE) {
        util_seterr(err, "%s", _("no passphrase is set yet; use 'vigia passphrase set'"));
        return -1;
    }
    if (app_passphrase_check(new_pass, err) != 0)
        return -1;
    /* The old passphrase is asked even when unlocked: an open console is not enough. */
    if (store_vault_unlock(a->store, old_pass, err) != STORE_OK)
        return -1;
    app_pwhash_limits(&l);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = store_vault_rewrap(a->store, new_pass, &l, err);
    if (seconds != NULL)
        *seconds = app_seconds_since(&t0);
    return rc == STORE_OK ? 0 : -1;
}

void app_vault_opened(struct app *a, bool retag_all)
{
    size_t tagged = 0, applied = 0;
    char *err = NULL;

    if (app_vault_state(a) != APP_VAULT_UNLOCKED)
        return;
    if (store_subscriber_tag_fill(a->store, retag_all, &tagged, &err) != STORE_OK) {
        logger_msg(LOGGER_WARN, "cannot tag subscribers: %s", err ? err : "?");
        FREE(&err);
    }
    if (app_subscriber_pending_apply(a, &applied, &err) != 0) {
        logger_msg(LOGGER_WARN, "cannot apply STOP replies: %s", err ? err : "?");
        FREE(&err);
    }
    if (tagged + applied > 0)
        logger_msg(LOGGER_DEBUG, "%zu subscribers tagged, %zu STOP replies applied", tagged,
                   applied);
}

int app_unlock(struct app *a, const char *pass, char **err)
{
    if (store_vault_unlock(a->store, pass, err) != STORE_OK)
        return -1;
    app_keyring_store(a);
    app_vault_opened(a, false);
    return 0;
}

void app_lock(struct app *a)
{
    char *desc = app_keyring_desc(a);

    store_vault_lock(a->store);
    app_keyring_drop(desc);
    free(desc);
}

int app_vault_key(struct app *a, unsigned char key[APP_VAULT_KEY_BYTES], char **err)
{
    if (!store_vault_key(a->store, key)) {
        util_seterr(err, "%s", _("personal data is locked: enter the passphrase"));
        return -1;
    }
    return 0;
}

int app_vault_adopt(struct app *a, const unsigned char key[APP_VAULT_KEY_BYTES], const char *pass,
                    char **err)
{
    struct store_vault_limits l;
    size_t n;

    if (app_passphrase_check(pass, err) != 0)
        return -1;
    app_pwhash_limits(&l);
    if (store_vault_adopt(a->store, key, pass, &l, &n, err) != STORE_OK)
        return -1;
    app_keyring_store(a);
    app_vault_opened(a, true); /* tags made with another key find nobody now */
    return 0;
}

char *app_passphrase_read_file(const char *path, char **err)
{
    struct stat st;
    char *data = NULL;
    size_t len = 0;
    int rc;

    if (stat(path, &st) != 0) {
        util_seterr(err, _("cannot read passphrase file %s: %s"), path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 || st.st_uid != getuid()) {
        util_seterr(err,
                    _("passphrase file %s must be a file of yours that only you can read "
                      "(chmod 600)"),
                    path);
        return NULL;
    }
    if ((rc = util_read_file(path, &data, &len)) != 0) {
        util_seterr(err, _("cannot read passphrase file %s: %s"), path, strerror(-rc));
        return NULL;
    }
    size_t n = strcspn(data, "\r\n");
    sodium_memzero(data + n, len - n);
    data[n] = '\0';
    if (n == 0) {
        util_seterr(err, _("passphrase file %s is empty"), path);
        app_passphrase_free(&data);
        return NULL;
    }
    return data;
}

void app_passphrase_free(char **p)
{
    if (*p == NULL)
        return;
    sodium_memzero(*p, strlen(*p));
    FREE(p);
}

int app_unlock_auto(struct app *a, char **err)
{
    const char *file = getenv("VIGIA_PASSPHRASE_FILE");
    char *pass;
    int rc;

    if (app_vault_state(a) != APP_VAULT_LOCKED)
        return 0;
    if (app_keyring_load(a))
        return 0;
    if (file == NULL || *file == '\0')
        return 0;
    if ((pass = app_passphrase_read_file(file, err)) == NULL)
        return -1;
    rc = store_vault_unlock(a->store, pass, err) == STORE_OK ? 0 : -1;
    app_passphrase_free(&pass);
    return rc;
}

/* ---- retention ------------------------------------------------------------------- */

int app_purge(struct app *a, int64_t now, struct app_purge_stats *stats, char **err)
{
    struct store_purge_stats st;
    const int64_t day = 24LL * 3600 * 1000;
    struct store_purge_windows w = {
        .contacts_before = now - (int64_t)a->config.contact_retention_hours * 3600 * 1000,
        .followups_before = now - (int64_t)a->config.followup_retention_days * day,
        .optouts_before = now - (int64_t)a->config.optout_retention_days * day,
    };
    int rc;

    rc = store_purge(a->store, &w, a->actor ? a->actor : "vigia", &st, err);
    if (stats != NULL) {
        stats->contacts = st.contacts;
        stats->followups = st.followups;
        stats->optouts = st.optouts;
        stats->people = st.people;
        stats->ops = st.ops;
    }
    if (rc == STORE_OK && st.contacts > 0)
        logger_msg(LOGGER_DEBUG, "purged %zu contacts", st.contacts);
    return rc == STORE_OK ? 0 : -1;
}

/* ---- panic wipe ------------------------------------------------------------------- */

/* Overwrite @path with random bytes, flush it to disk and unlink it. ENOENT is fine. */
static int app_shred(const char *path, char **err)
{
    unsigned char chunk[65536];
    struct stat st;
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    int rc = 0;

    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        rc = -errno;
        goto unlink;
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        off_t left = st.st_size;
        while (left > 0) {
            size_t n = left < (off_t)sizeof chunk ? (size_t)left : sizeof chunk;
            randombytes_buf(chunk, n);
            ssize_t w = write(fd, chunk, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                rc = -errno;
                break;
            }
            left -= w;
        }
        if (fsync(fd) < 0 && rc == 0)
            rc = -errno;
    }
    close(fd);
unlink:
    if (unlink(path) < 0 && errno != ENOENT && rc == 0)
        rc = -errno;
    if (rc != 0)
        util_seterr(err, _("cannot wipe %s: %s"), path, strerror(-rc));
    return rc;
}

/* fsync the folder of @path so the unlinks are on disk. */
static void app_sync_dir(const char *path)
{
    char *dir = xstrdup(path), *slash = strrchr(dir, '/');
    int fd;

    if (slash == NULL)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/* The keyring entry's name for the vault of an open store; NULL when none. */
static char *app_keyring_desc_store(struct store *s)
{
    char fp[17];

    if (s == NULL || store_vault_fingerprint(s, fp, NULL) != STORE_OK)
        return NULL;
    return xasprintf("vigia:vault:%s", fp);
}

/* Drop the key, clear the store (closing it) and destroy the files of @path. */
static int app_wipe_files(struct store **s, const char *path, char **err)
{
    static const char *const suffixes[] = {"-wal", "-shm", "-journal", ".outbox-lock", ""};
    char *desc = app_keyring_desc_store(*s);
    int rc = 0;

    app_keyring_drop(desc);
    free(desc);
    /* Personal columns and keys are cleared inside SQLite first; the files go anyway. */
    store_wipe_prepare(s, NULL);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(suffixes); i++) {
        char *p = xasprintf("%s%s", path, suffixes[i]);
        if (app_shred(p, err) != 0)
            rc = -1;
        free(p);
    }
    app_sync_dir(path);
    /* Files of ours beside the database that hold personal data too. */
    static const char *const extra[] = {"sink.jsonl"}; /* the file gateway's sent messages */
    char *dir = util_data_dir();
    for (size_t i = 0; i < UTIL_ARRAY_LEN(extra); i++) {
        char *p = xasprintf("%s/%s", dir, extra[i]);
        if (app_shred(p, err) != 0)
            rc = -1;
        free(p);
    }
    app_sync_dir(dir);
    free(dir);
    return rc;
}

int app_wipe(struct app *a, char **err)
{
    char *path;
    int rc;

    if (a == NULL || a->store == NULL)
        return 0;
    path = xstrdup(store_path(a->store));
    rc = app_wipe_files(&a->store, path, err); /* closes the store: a->store is NULL */
    free(path);
    return rc;
}

int app_wipe_path(const char *db_path, char **err)
{
    struct store *s = NULL;
    char *path = NULL, *msg = NULL;
    const char *env = getenv("VIGIA_DB");
    int rc;

    if (db_path != NULL)
        path = xstrdup(db_path);
    else if (env != NULL && *env != '\0')
        path = xstrdup(env);
    else {
        char *dir = util_data_dir();
        path = xasprintf("%s/vigia.db", dir);
        free(dir);
    }
    /* No config, no passphrase: nothing may stand between a panic and the wipe. */
    rc = store_open(path, 0, &s, &msg);
    if (rc == STORE_ERR_NOT_VIGIA) {
        util_seterr(err, "%s", msg);
        free(msg);
        free(path);
        return -1;
    }
    free(msg);
    rc = app_wipe_files(&s, path, err);
    free(path);
    return rc;
}

/* ---- export ------------------------------------------------------------------------ */

/* Replace phone numbers, emails, A-numbers and case numbers in @s by [kind]. */
static char *app_mask_text(const char *s)
{
    struct text_pii_hit *hits = NULL;
    size_t n, at = 0;
    struct buf b;

    if (s == NULL)
        return NULL;
    n = text_pii_scan(s, NULL, 0, &hits);
    buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        if (hits[i].len == 0 || hits[i].offset < at)
            continue;
        buf_add(&b, s + at, hits[i].offset - at);
        buf_printf(&b, "[%s]", text_pii_kind_name(hits[i].kind));
        at = hits[i].offset + hits[i].len;
    }
    buf_adds(&b, s + at);
    free(hits);
    return buf_steal(&b);
}

static void app_mask_field(char **field)
{
    char *m = app_mask_text(*field);

    free(*field);
    *field = m;
}

/* What the public may see of @r, in place. */
static void app_report_mask(struct model_report *r)
{
    char *coarse = model_location_coarse(r->location);

    free(r->location);
    r->location = coarse;
    app_mask_field(&r->location);
    app_mask_field(&r->what);
    app_mask_field(&r->agency);
    app_mask_field(&r->vehicles);
    app_mask_field(&r->area);
    FREE(&r->created_by);
    if (r->has_pos)
        model_pos_coarse(r->lat, r->lon, &r->lat, &r->lon);
}

/* One CSV field: quoted when needed; text that a spreadsheet would run as a formula is defused. */
static void app_csv_text(struct buf *b, const char *s)
{
    bool quote;

    if (s == NULL)
        return;
    quote = strpbrk(s, ",\"\r\n") != NULL || strchr("=+-@\t\r", s[0]) != NULL;
    if (quote)
        buf_addc(b, '"');
    if (s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
        buf_addc(b, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            buf_addc(b, '"');
        buf_addc(b, *p);
    }
    if (quote)
        buf_addc(b, '"');
}

static void app_csv_time(struct buf *b, int64_t ms)
{
    char t[32];

    if (ms == 0)
        return;
    timeutil_rfc3339(ms, t);
    buf_adds(b, t);
}

static void app_csv_row(struct buf *b, const struct model_report *r, bool personal,
                        const char *contact)
{
    buf_adds(b, r->id);
    buf_addc(b, ',');
    app_csv_time(b, r->received_at);
    buf_addc(b, ',');
    app_csv_time(b, r->observed_at);
    buf_addc(b, ',');
    app_csv_time(b, r->updated_at);
    buf_addc(b, ',');
    app_csv_time(b, r->expires_at);
    buf_printf(b, ",%s,%s,%s,%d,", model_source_name(r->source), model_category_name(r->category),
               model_status_name(r->status), r->priority);
    app_csv_text(b, r->location);
    buf_addc(b, ',');
    app_csv_text(b, r->area);
    buf_addc(b, ',');
    app_csv_text(b, r->what);
    buf_addc(b, ',');
    app_csv_text(b, r->agency);
    buf_addc(b, ',');
    if (r->agents >= 0)
        buf_printf(b, "%d", r->agents);
    buf_addc(b, ',');
    app_csv_text(b, r->vehicles);
    buf_addc(b, ',');
    if (r->first_hand != MODEL_UNKNOWN)
        buf_adds(b, r->first_hand == MODEL_YES ? "yes" : "no");
    buf_addc(b, ',');
    if (r->has_pos)
        buf_printf(b, personal ? "%.6f,%.6f" : "%.2f,%.2f", r->lat, r->lon);
    else
        buf_addc(b, ',');
    if (personal) {
        buf_addc(b, ',');
        app_csv_text(b, r->created_by);
        buf_addc(b, ',');
        app_csv_text(b, contact);
    }
    buf_adds(b, "\r\n");
}

/*
 * The personal CSV row's last field: the report's people, "name (relation)
 * phone A-number" joined by "; ". Replaces the row's CRLF and puts it back.
 */
static void app_csv_people(struct app *a, struct buf *b, const char *id)
{
    struct app_person *people = NULL;
    struct buf f;
    size_t n = 0;

    b->len -= 2; /* the "\r\n" app_csv_row ended with */
    buf_addc(b, ',');
    if (app_person_list(a, id, true, &people, &n, NULL) == 0 && n > 0) {
        buf_init(&f);
        for (size_t i = 0; i < n; i++) {
            buf_printf(&f, "%s%s (%s)", i ? "; " : "", people[i].name ? people[i].name : "",
                       people[i].relation ? people[i].relation : "");
            if (people[i].phone)
                buf_printf(&f, " %s", people[i].phone);
            if (people[i].a_number)
                buf_printf(&f, " %s", people[i].a_number);
        }
        app_csv_text(b, f.data);
        sodium_memzero(f.data, f.len);
        buf_fini(&f);
    }
    app_people_free(&people, n);
    buf_adds(b, "\r\n");
}

/* Add "people" (in full) to the JSON object in *line when report @id has any. */
static void app_export_people(struct app *a, const char *id, char **line)
{
    struct app_person *people = NULL;
    json_t *o, *arr;
    size_t n = 0;

    if (app_person_list(a, id, true, &people, &n, NULL) != 0 || n == 0 ||
        (o = json_loads(*line, 0, NULL)) == NULL) {
        app_people_free(&people, n);
        return;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        char *pj = app_person_json(&people[i]);
        json_array_append_new(arr, json_loads(pj, 0, NULL));
        sodium_memzero(pj, strlen(pj));
        free(pj);
    }
    json_object_set_new(o, "people", arr);
    sodium_memzero(*line, strlen(*line));
    free(*line);
    *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    app_people_free(&people, n);
}

int app_export(struct app *a, FILE *out, enum app_export_format format, bool personal,
               size_t *count, char **err)
{
    enum { PAGE = 256 };
    struct model_report rows[PAGE];
    struct app_view v;
    struct buf b;
    size_t offset = 0, n;
    int rc = -1;

    *count = 0;
    if (personal && app_vault_state(a) == APP_VAULT_LOCKED) {
        util_seterr(err, "%s",
                    _("an export with personal data needs the passphrase (personal data is "
                      "locked)"));
        return -1;
    }
    app_view_init(&v);
    v.include_expired = true;
    buf_init(&b);
    if (format == APP_EXPORT_CSV)
        buf_adds(&b, personal ? "id,received_at,observed_at,updated_at,expires_at,source,"
                                "category,status,priority,location,area,what,agency,agents,"
                                "vehicles,first_hand,lat,lon,created_by,contact,people\r\n"
                              : "id,received_at,observed_at,updated_at,expires_at,source,"
                                "category,status,priority,location,area,what,agency,agents,"
                                "vehicles,first_hand,lat,lon\r\n");
    do {
        if (app_queue_page(a, &v, offset, PAGE, rows, &n, err) != 0)
            goto out;
        for (size_t i = 0; i < n; i++) {
            char *contact = NULL;
            if (personal && app_report_contact(a, rows[i].id, &contact, err) < 0) {
                for (size_t j = i; j < n; j++)
                    model_report_fini(&rows[j]);
                goto out;
            }
            if (!personal)
                app_report_mask(&rows[i]);
            if (format == APP_EXPORT_CSV) {
                app_csv_row(&b, &rows[i], personal, contact);
                if (personal)
                    app_csv_people(a, &b, rows[i].id);
            } else {
                char *line = app_report_json(&rows[i], contact);
                /* The people of a follow-up: only in a personal export (JSON only). */
                if (personal)
                    app_export_people(a, rows[i].id, &line);
                buf_adds(&b, line);
                buf_addc(&b, '\n');
                free(line);
            }
            if (contact != NULL)
                app_passphrase_free(&contact);
            model_report_fini(&rows[i]);
            (*count)++;
        }
        if (fwrite(b.data ? b.data : "", 1, b.len, out) != b.len) {
            util_seterr(err, _("cannot write the export: %s"), strerror(errno));
            goto out;
        }
        buf_reset(&b);
        offset += n;
    } while (n == PAGE);
    if (fflush(out) != 0) {
        util_seterr(err, _("cannot write the export: %s"), strerror(errno));
        goto out;
    }
    /* The timeline records that an export happened, and whether it had personal data. */
    if (store_begin(a->store, err) == STORE_OK) {
        char *detail =
            xasprintf("reports=%zu format=%s personal=%s", *count,
                      format == APP_EXPORT_CSV ? "csv" : "json", personal ? "yes" : "no");
        int erc = store_event(a->store, a->actor, "privacy.exported", NULL, detail, err);
        free(detail);
        if (erc == STORE_OK && store_commit(a->store, err) == STORE_OK)
            rc = 0;
        else
            store_rollback(a->store);
    }
out:
    buf_fini(&b);
    return rc;
}
