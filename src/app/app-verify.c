/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Verification use cases: work a checklist, change a status under the
 * lifecycle rules, link reports into incidents, suggest reports near a new
 * one, look up rumors with their verdicts, and read the audit timeline.
 *
 * An incident is the set of reports whose incident_id is its first (oldest)
 * report's id; a report alone is an incident of one. The checklist and the
 * status belong to the incident: answers are stored against the first report
 * and read from all of them (latest answer per item wins, so merging two
 * incidents loses nothing), and a status change writes every report.
 *
 * Every change is one transaction: the rows through store_write() and an
 * event with who, when and a JSON detail, so the timeline can be read back
 * by people and by scripts.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/config.h"
#include "vigia/store.h"
#include "vigia/app.h"

#include "private.h"

struct app_verify {
    struct model_checklists all;
    struct model_checklist resolved[MODEL_CAT_COUNT];
    bool have[MODEL_CAT_COUNT];
    char **warnings;
    size_t nwarn;
    int64_t refreshed_at; /* the last app_queue_refresh */
};

void app_verify_free(struct app *a)
{
    struct app_verify *v = a->verify;

    if (v == NULL)
        return;
    model_checklists_fini(&v->all);
    for (int i = 0; i < MODEL_CAT_COUNT; i++)
        if (v->have[i])
            model_checklist_fini(&v->resolved[i]);
    for (size_t i = 0; i < v->nwarn; i++)
        free(v->warnings[i]);
    free(v->warnings);
    free(v);
    a->verify = NULL;
}

static struct app_verify *app_verify_load(struct app *a)
{
    struct app_verify *v;
    char *dirs[3];

    if (a->verify != NULL)
        return a->verify;
    v = xcalloc(1, sizeof *v);
    model_checklists_init(&v->all);
    char *cfg = util_config_dir();
    dirs[0] = app_data_file("checklists");
    dirs[1] = xasprintf("%s/checklists", cfg);
    dirs[2] = a->config.checklist_dir ? xstrdup(a->config.checklist_dir) : NULL;
    free(cfg);
    config_checklists_load((const char *const *)dirs, UTIL_ARRAY_LEN(dirs), &v->all, &v->warnings,
                           &v->nwarn);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(dirs); i++)
        free(dirs[i]);
    for (size_t i = 0; i < v->nwarn; i++)
        logger_msg(LOGGER_WARN, "%s", v->warnings[i]);
    a->verify = v;
    return v;
}

const struct model_checklist *app_checklist(struct app *a, enum model_category category)
{
    struct app_verify *v = app_verify_load(a);

    if ((unsigned)category >= MODEL_CAT_COUNT)
        category = MODEL_CAT_OTHER;
    if (!v->have[category]) {
        model_checklists_resolve(&v->all, category, &v->resolved[category]);
        v->have[category] = true;
    }
    return &v->resolved[category];
}

const char *const *app_checklist_warnings(struct app *a, size_t *n)
{
    struct app_verify *v = app_verify_load(a);

    *n = v->nwarn;
    return (const char *const *)v->warnings;
}

/* ---- helpers --------------------------------------------------------------------- */

static int app_need_actor(struct app *a, char **err)
{
    if (a->actor == NULL || *a->actor == '\0') {
        util_seterr(err, "%s", _("cannot record a change without a dispatcher name (--as NAME)"));
        return -1;
    }
    return 0;
}

/* Check and normalise a note; *out is NULL for none. */
static int app_clean_note(const char *note, char **out, char **err)
{
    enum text_problem p;

    *out = NULL;
    if (note == NULL || strspn(note, " \t\n") == strlen(note))
        return 0;
    p = text_check(note, MODEL_MAX_LONG, true, NULL);
    if (p != TEXT_OK) {
        util_seterr(err, _("note: %s"), text_problem_str(p));
        return -1;
    }
    *out = text_nfc(note);
    /* Surrounding blanks are noise in a timeline. */
    char *b = *out, *e;
    while (*b == ' ' || *b == '\t' || *b == '\n')
        b++;
    e = b + strlen(b);
    while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
        e--;
    memmove(*out, b, (size_t)(e - b));
    (*out)[e - b] = '\0';
    return 0;
}

static char *app_json_dump(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    char *copy;

    json_decref(o);
    if (s == NULL)
        util_fatal("out of memory (JSON)");
    copy = xstrdup(s);
    free(s);
    return copy;
}

static json_t *app_json_time(int64_t ms)
{
    char buf[32];

    if (ms == 0)
        return json_null();
    timeutil_rfc3339(ms, buf);
    return json_string(buf);
}

static json_t *app_json_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* "10:42" today, else "2026-11-21 10:42" (local time); out needs 24 bytes. */
static void app_when(int64_t ms, int64_t now, char out[24])
{
    char day[24], today[24];

    timeutil_local(ms, day);
    timeutil_local(now, today);
    if (strncmp(day, today, 10) == 0)
        timeutil_hhmm(ms, out);
    else
        snprintf(out, 24, "%s", day);
}

/*
 * Recompute the priority of every report of an incident from the incident's
 * size and checklist evidence; inside the caller's transaction.
 */
static int app_reprioritise(struct app *a, char (*members)[ULID_LEN + 1], size_t n,
                            const struct model_verdict *v, char **err)
{
    int64_t now = timeutil_now_ms();
    struct model_priority_facts f = {.callers = (int)n};

    if (v != NULL) {
        f.indicators = (int)v->indicators;
        f.score = v->score;
    }
    for (size_t i = 0; i < n; i++) {
        struct model_report r;
        if (store_report_get(a->store, members[i], &r, err) != STORE_OK) {
            model_report_fini(&r);
            return -1;
        }
        int p = model_priority_full(&r, &f, now);
        if (p != r.priority) {
            struct store_col c[] = {{"priority", store_int(p)}};
            if (store_write(a->store, "reports", r.id, c, 1, err) != STORE_OK) {
                model_report_fini(&r);
                return -1;
            }
        }
        model_report_fini(&r);
    }
    return 0;
}

/* ---- the report view -------------------------------------------------------------- */

void app_verification_fini(struct app_verification *v)
{
    if (v->checks != NULL && v->list != NULL)
        for (size_t i = 0; i < v->list->n; i++) {
            free(v->checks[i].by);
            free(v->checks[i].note);
        }
    FREE(&v->checks);
    FREE(&v->members);
    model_verdict_fini(&v->verdict);
    memset(v, 0, sizeof *v);
}

int app_verification_get(struct app *a, const char *id, struct app_verification *out, char **err)
{
    struct model_report root;
    struct model_check_state *rows = NULL;
    enum model_tri *states = NULL;
    size_t nrows = 0;
    bool observed = false;
    int rc = -1;

    memset(out, 0, sizeof *out);
    model_report_init(&root);
    if (store_incident_root(a->store, id, out->incident, err) != STORE_OK)
        goto out;
    model_report_fini(&root);
    if (store_report_get(a->store, out->incident, &root, err) != STORE_OK)
        goto out;
    if (store_incident_members(a->store, out->incident, &out->members, &out->nmembers, err) !=
            STORE_OK ||
        store_check_rows(a->store, out->incident, &rows, &nrows, err) != STORE_OK ||
        store_incident_observed(a->store, out->incident, &observed, err) != STORE_OK)
        goto out;
    out->status = root.status;
    out->stale = model_report_is_stale(&root, &a->config.policy, timeutil_now_ms());
    out->list = app_checklist(a, root.category);
    out->checks = xcalloc(out->list->n ? out->list->n : 1, sizeof *out->checks);
    states = xcalloc(out->list->n ? out->list->n : 1, sizeof *states);
    for (size_t i = 0; i < out->list->n; i++) {
        out->checks[i].item = &out->list->items[i];
        out->checks[i].state = MODEL_UNKNOWN;
    }
    /* What the caller said when the call was taken counts as the first answer. */
    int fh = model_checklist_find(out->list, MODEL_CHECK_FIRST_HAND);
    if (fh >= 0 && root.first_hand != MODEL_UNKNOWN) {
        out->checks[fh].state = root.first_hand;
        out->checks[fh].by = xstrdup(root.created_by);
        out->checks[fh].at = root.received_at;
        out->checks[fh].note = xstrdup(_("from the call"));
        out->checks[fh].from_call = true;
    }
    /* Rows come oldest first: the latest answer to each item wins. */
    for (size_t k = 0; k < nrows; k++) {
        int i = model_checklist_find(out->list, rows[k].key);
        if (i < 0)
            continue;
        struct app_check *c = &out->checks[i];
        free(c->by);
        free(c->note);
        c->state = rows[k].state;
        c->by = xstrdup(rows[k].by);
        c->at = rows[k].at;
        c->note = xstrdup(rows[k].note);
        c->from_call = false;
    }
    for (size_t i = 0; i < out->list->n; i++)
        states[i] = out->checks[i].state;
    model_verdict_compute(out->list, states, &out->verdict);
    out->first_hand = (fh >= 0 && out->checks[fh].state == MODEL_YES);
    for (size_t m = 0; m < out->nmembers && !out->first_hand; m++) {
        struct model_report r;
        if (store_report_get(a->store, out->members[m], &r, NULL) == STORE_OK &&
            r.first_hand == MODEL_YES)
            out->first_hand = true;
        model_report_fini(&r);
    }
    int vi = model_checklist_find(out->list, MODEL_CHECK_VERIFIER);
    out->verifier = observed || (vi >= 0 && out->checks[vi].state == MODEL_YES);
    /* An answer a verifier gave from the scene (app_assignment_observe) is an observation. */
    for (size_t i = 0; i < out->list->n && !out->verifier; i++)
        out->verifier = out->checks[i].by != NULL && out->checks[i].state != MODEL_UNKNOWN &&
                        strncmp(out->checks[i].by, APP_VERIFIER_BY, strlen(APP_VERIFIER_BY)) == 0;
    rc = 0;
out:
    for (size_t k = 0; k < nrows; k++)
        model_check_state_fini(&rows[k]);
    free(rows);
    free(states);
    model_report_fini(&root);
    if (rc != 0)
        app_verification_fini(out);
    return rc;
}

/* ---- changes ------------------------------------------------------------------------ */

int app_check_set(struct app *a, const char *id, const char *key, enum model_tri state,
                  const char *note, char **err)
{
    struct app_verification v;
    char *clean = NULL, *row = NULL, *detail;
    int64_t now = timeutil_now_ms();
    int rc = -1;
    json_t *d;

    if (app_need_actor(a, err) != 0 || app_clean_note(note, &clean, err) != 0)
        return -1;
    if (app_verification_get(a, id, &v, err) != 0) {
        free(clean);
        return -1;
    }
    if (model_checklist_find(v.list, key) < 0) {
        struct buf keys;
        buf_init(&keys);
        for (size_t i = 0; i < v.list->n; i++)
            buf_printf(&keys, "%s%s", i ? ", " : "", v.list->items[i].key);
        util_seterr(err, _("no checklist item '%s' for this report (items: %s)"), key,
                    buf_str(&keys));
        buf_fini(&keys);
        goto out;
    }
    row = xasprintf("%s/%s", v.incident, key);
    struct store_col cols[] = {
        {"report_id", store_text(v.incident)},
        {"item_key", store_text(key)},
        {"state", store_text(model_tri_name(state))},
        {"by", store_text(a->actor)},
        {"at", store_int(now)},
        {"note", store_text(clean)},
    };
    d = json_object();
    json_object_set_new(d, "item", json_string(key));
    json_object_set_new(d, "state", json_string(model_tri_name(state)));
    if (clean != NULL)
        json_object_set_new(d, "note", json_string(clean));
    detail = app_json_dump(d);
    if (store_begin(a->store, err) != STORE_OK) {
        free(detail);
        goto out;
    }
    if (store_write(a->store, "checklist_items", row, cols, UTIL_ARRAY_LEN(cols), err) !=
            STORE_OK ||
        store_event(a->store, a->actor, "check.set", v.incident, detail, err) != STORE_OK) {
        store_rollback(a->store);
        free(detail);
        goto out;
    }
    for (size_t m = 0; m < v.nmembers; m++) {
        struct store_col u[] = {{"updated_at", store_int(now)}};
        if (store_write(a->store, "reports", v.members[m], u, 1, err) != STORE_OK) {
            store_rollback(a->store);
            free(detail);
            goto out;
        }
    }
    free(detail);
    /* Priority follows the new evidence: read the answers back inside the transaction. */
    {
        struct app_verification after;
        if (app_verification_get(a, id, &after, err) != 0) {
            store_rollback(a->store);
            goto out;
        }
        int prc = app_reprioritise(a, after.members, after.nmembers, &after.verdict, err);
        app_verification_fini(&after);
        if (prc != 0) {
            store_rollback(a->store);
            goto out;
        }
    }
    if (store_commit(a->store, err) != STORE_OK)
        goto out;
    rc = 0;
out:
    free(row);
    free(clean);
    app_verification_fini(&v);
    return rc;
}

int app_status_set(struct app *a, const char *id, enum model_status to, const char *note,
                   char **err)
{
    struct app_verification v;
    struct model_evidence ev;
    char *clean = NULL, *detail = NULL, *why = NULL;
    int64_t now = timeutil_now_ms();
    int rc = -1;
    json_t *d;

    if (app_need_actor(a, err) != 0 || app_clean_note(note, &clean, err) != 0)
        return -1;
    if (app_verification_get(a, id, &v, err) != 0) {
        free(clean);
        return -1;
    }
    ev.first_hand = v.first_hand;
    ev.verifier = v.verifier;
    if (!model_status_change_ok(v.status, to, &ev, clean, &why)) {
        util_seterr(err, "%s", why);
        free(why);
        goto out;
    }
    d = json_object();
    json_object_set_new(d, "from", json_string(model_status_name(v.status)));
    json_object_set_new(d, "to", json_string(model_status_name(to)));
    if (clean != NULL)
        json_object_set_new(d, "note", json_string(clean));
    if (v.nmembers > 1)
        json_object_set_new(d, "callers", json_integer((json_int_t)v.nmembers));
    detail = app_json_dump(d);
    if (store_begin(a->store, err) != STORE_OK)
        goto out;
    for (size_t m = 0; m < v.nmembers; m++) {
        struct store_col c[] = {
            {"status", store_text(model_status_name(to))},
            {"updated_at", store_int(now)},
        };
        if (store_write(a->store, "reports", v.members[m], c, UTIL_ARRAY_LEN(c), err) != STORE_OK) {
            store_rollback(a->store);
            goto out;
        }
    }
    if (store_event(a->store, a->actor, "status.changed", v.incident, detail, err) != STORE_OK ||
        app_reprioritise(a, v.members, v.nmembers, &v.verdict, err) != 0) {
        store_rollback(a->store);
        goto out;
    }
    if (store_commit(a->store, err) != STORE_OK)
        goto out;
    rc = 0;
out:
    free(detail);
    free(clean);
    app_verification_fini(&v);
    return rc;
}

int app_link(struct app *a, const char *id1, const char *id2, char incident[ULID_LEN + 1],
             char **err)
{
    char r1[ULID_LEN + 1], r2[ULID_LEN + 1];
    struct model_report a1, a2;
    char(*m1)[ULID_LEN + 1] = NULL, (*m2)[ULID_LEN + 1] = NULL, (*all)[ULID_LEN + 1] = NULL;
    size_t n1 = 0, n2 = 0;
    const struct model_report *root, *other;
    enum model_status status;
    char *detail = NULL;
    int rc = -1;
    json_t *d, *list;

    model_report_init(&a1);
    model_report_init(&a2);
    if (app_need_actor(a, err) != 0)
        goto out;
    if (store_incident_root(a->store, id1, r1, err) != STORE_OK ||
        store_incident_root(a->store, id2, r2, err) != STORE_OK)
        goto out;
    if (strcmp(r1, r2) == 0) {
        util_seterr(err, _("%s and %s are already in the same incident"), id1, id2);
        goto out;
    }
    model_report_fini(&a1);
    model_report_fini(&a2);
    if (store_report_get(a->store, r1, &a1, err) != STORE_OK ||
        store_report_get(a->store, r2, &a2, err) != STORE_OK ||
        store_incident_members(a->store, r1, &m1, &n1, err) != STORE_OK ||
        store_incident_members(a->store, r2, &m2, &n2, err) != STORE_OK)
        goto out;
    /* The incident is named after its first report. */
    if (a1.received_at < a2.received_at ||
        (a1.received_at == a2.received_at && strcmp(a1.id, a2.id) < 0)) {
        root = &a1;
        other = &a2;
    } else {
        root = &a2;
        other = &a1;
    }
    /*
     * The incident's status is its first report's, unless that one is still
     * open and the other is further along (someone already worked it).
     */
    status = root->status;
    if ((status == MODEL_STATUS_NEW || status == MODEL_STATUS_TRIAGED ||
         status == MODEL_STATUS_VERIFYING || status == MODEL_STATUS_STALE) &&
        other->status > status && other->status != MODEL_STATUS_STALE &&
        other->status != MODEL_STATUS_CLOSED)
        status = other->status;
    all = xcalloc(n1 + n2, sizeof *all);
    memcpy(all, m1, n1 * sizeof *all);
    memcpy(all + n1, m2, n2 * sizeof *all);
    d = json_object();
    json_object_set_new(d, "incident", json_string(root->id));
    list = json_array();
    json_array_append_new(list, json_string(id1));
    json_array_append_new(list, json_string(id2));
    json_object_set_new(d, "reports", list);
    json_object_set_new(d, "callers", json_integer((json_int_t)(n1 + n2)));
    json_object_set_new(d, "status", json_string(model_status_name(status)));
    detail = app_json_dump(d);
    if (store_begin(a->store, err) != STORE_OK)
        goto out;
    for (size_t i = 0; i < n1 + n2; i++) {
        struct model_report r;
        if (store_report_get(a->store, all[i], &r, err) != STORE_OK) {
            model_report_fini(&r);
            store_rollback(a->store);
            goto out;
        }
        struct store_col c[2] = {{"incident_id", store_text(root->id)}};
        size_t nc = 1;
        /* Every report takes the incident's status. */
        if (r.status != status)
            c[nc++] = (struct store_col){"status", store_text(model_status_name(status))};
        rc = store_write(a->store, "reports", all[i], c, nc, err);
        model_report_fini(&r);
        if (rc != STORE_OK) {
            rc = -1;
            store_rollback(a->store);
            goto out;
        }
    }
    rc = -1;
    if (store_event(a->store, a->actor, "report.linked", root->id, detail, err) != STORE_OK) {
        store_rollback(a->store);
        goto out;
    }
    {
        struct app_verification after;
        if (app_verification_get(a, root->id, &after, err) != 0) {
            store_rollback(a->store);
            goto out;
        }
        int prc = app_reprioritise(a, after.members, after.nmembers, &after.verdict, err);
        app_verification_fini(&after);
        if (prc != 0) {
            store_rollback(a->store);
            goto out;
        }
    }
    if (store_commit(a->store, err) != STORE_OK)
        goto out;
    if (incident != NULL)
        snprintf(incident, ULID_LEN + 1, "%s", root->id);
    rc = 0;
out:
    free(detail);
    free(all);
    free(m1);
    free(m2);
    model_report_fini(&a1);
    model_report_fini(&a2);
    return rc;
}

int app_incident_info(struct app *a, const char *id, char incident[ULID_LEN + 1], size_t *callers,
                      char **err)
{
    char root[ULID_LEN + 1];
    char(*members)[ULID_LEN + 1] = NULL;

    *callers = 0;
    if (store_incident_root(a->store, id, root, err) != STORE_OK ||
        store_incident_members(a->store, root, &members, callers, err) != STORE_OK)
        return -1;
    free(members);
    if (incident != NULL)
        snprintf(incident, ULID_LEN + 1, "%s", root);
    return 0;
}

int app_queue_refresh(struct app *a, size_t *changed, char **err)
{
    struct app_verify *vs = app_verify_load(a);
    int64_t now = timeutil_now_ms(), since = vs->refreshed_at;
    char(*ids)[ULID_LEN + 1] = NULL;
    size_t nids = 0, n = 0, ndue = 0;
    int rc = -1;

    if (changed != NULL)
        *changed = 0;
    /* One read transaction for the scan: one lock, not two per report. */
    if (store_read_begin(a->store, err) != STORE_OK)
        return -1;
    /* Live means received within the expiry window. */
    if (store_report_window(a->store, now - (int64_t)a->config.policy.expire_minutes * 60000,
                            now + 60000, true, 5000, &ids, &nids, err) != STORE_OK)
        goto out;
    /*
     * Only a report whose freshness band changed since it was last computed
     * can move: one row read each, and the rest of the work for those alone,
     * so a minute's refresh of a large queue stays cheap.
     */
    for (size_t i = 0; i < nids; i++) {
        struct model_report r;
        int64_t ref;
        bool due;

        if (store_report_get(a->store, ids[i], &r, err) != STORE_OK) {
            model_report_fini(&r);
            goto out;
        }
        ref = r.updated_at > since ? r.updated_at : since;
        due = !(model_status_is_final(r.status) && r.status != MODEL_STATUS_STALE) &&
              model_priority(&r, now) != model_priority(&r, ref);
        model_report_fini(&r);
        if (due)
            memcpy(ids[ndue++], ids[i], sizeof ids[0]);
    }
    store_read_end(a->store);
    if (ndue > 0 && store_begin(a->store, err) != STORE_OK)
        goto out;
    for (size_t i = 0; i < ndue; i++) {
        struct app_verification v;
        struct model_report r;
        struct model_priority_facts f = {0};
        int p;

        if (store_report_get(a->store, ids[i], &r, err) != STORE_OK ||
            app_verification_get(a, ids[i], &v, err) != 0) {
            model_report_fini(&r);
            store_rollback(a->store);
            goto out;
        }
        f.callers = (int)v.nmembers;
        f.indicators = (int)v.verdict.indicators;
        f.score = v.verdict.score;
        app_verification_fini(&v);
        p = model_priority_full(&r, &f, now);
        if (p != r.priority) {
            struct store_col c[] = {{"priority", store_int(p)}};
            if (store_write(a->store, "reports", r.id, c, 1, err) != STORE_OK) {
                model_report_fini(&r);
                store_rollback(a->store);
                goto out;
            }
            n++;
        }
        model_report_fini(&r);
    }
    if (ndue > 0 && store_commit(a->store, err) != STORE_OK)
        goto out;
    vs->refreshed_at = now;
    if (changed != NULL)
        *changed = n;
    rc = 0;
out:
    store_read_end(a->store); /* after a failed read */
    free(ids);
    return rc;
}

void app_reports_free(struct model_report *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        model_report_fini(&rows[i]);
    free(rows);
}

int app_nearby(struct app *a, const char *id, size_t limit, struct model_report **rows, size_t *n,
               char **err)
{
    struct model_report r;
    char root[ULID_LEN + 1];
    char(*ids)[ULID_LEN + 1] = NULL;
    size_t nids = 0;
    int64_t t, w = (int64_t)APP_NEAR_WINDOW_MIN * 60000;
    int rc = -1;

    *rows = NULL;
    *n = 0;
    if (store_report_get(a->store, id, &r, err) != STORE_OK ||
        store_incident_root(a->store, id, root, err) != STORE_OK)
        goto out;
    t = r.observed_at ? r.observed_at : r.received_at;
    if (store_report_window(a->store, t - w, t + w, true, 500, &ids, &nids, err) != STORE_OK)
        goto out;
    *rows = xcalloc(limit ? limit : 1, sizeof **rows);
    for (size_t i = 0; i < nids && *n < limit; i++) {
        struct model_report c;
        char croot[ULID_LEN + 1];
        if (store_incident_root(a->store, ids[i], croot, NULL) != STORE_OK ||
            strcmp(croot, root) == 0)
            continue;
        if (store_report_get(a->store, ids[i], &c, NULL) != STORE_OK) {
            model_report_fini(&c);
            continue;
        }
        if (model_report_near(&r, &c, w))
            (*rows)[(*n)++] = c;
        else
            model_report_fini(&c);
    }
    rc = 0;
out:
    free(ids);
    model_report_fini(&r);
    return rc;
}

/* ---- rumor look-up ------------------------------------------------------------------ */

static bool app_is_verdict(enum model_status s)
{
    return s == MODEL_STATUS_CONFIRMED || s == MODEL_STATUS_NOT_CONFIRMED ||
           s == MODEL_STATUS_POLICE_ONLY || s == MODEL_STATUS_FALSE_ALARM;
}

/* The latest verdict of an incident from its status.changed events. */
static void app_find_verdict(struct app *a, struct app_search_hit *h)
{
    struct store_event_filter f = {.incident = h->incident, .kind = "status.changed"};
    struct model_event *ev = NULL;
    size_t n = 0;
    int64_t now = timeutil_now_ms();
    char when[24];

    if (store_events(a->store, &f, &ev, &n, NULL) == STORE_OK) {
        for (size_t i = 0; i < n && h->decided_at == 0; i++) {
            json_t *d = ev[i].detail ? json_loads(ev[i].detail, 0, NULL) : NULL;
            int to = d ? model_status_parse(json_string_value(json_object_get(d, "to"))) : -1;
            if (to >= 0 && app_is_verdict((enum model_status)to)) {
                const char *note = json_string_value(json_object_get(d, "note"));
                h->decided_at = ev[i].at;
                h->note = xstrdup(note);
                h->by = xstrdup(ev[i].actor);
                app_when(ev[i].at, now, when);
                if (note != NULL)
                    /* TRANSLATORS: verdict, note, time: "false alarm — local police, checked
                     * 10:42". */
                    h->verdict = xasprintf(_("%s — %s, checked %s"),
                                           model_status_label((enum model_status)to), note, when);
                else
                    h->verdict = xasprintf(_("%s, checked %s"),
                                           model_status_label((enum model_status)to), when);
            }
            json_decref(d);
        }
        for (size_t i = 0; i < n; i++)
            model_event_fini(&ev[i]);
        free(ev);
    }
    if (h->verdict == NULL)
        /* TRANSLATORS: %s is a status: "verifying, no verdict yet". */
        h->verdict = xasprintf(_("%s, no verdict yet"), model_status_label(h->status));
}

int app_report_verdict(struct app *a, const char *id, char **text, char **err)
{
    struct app_search_hit h;
    struct model_report root;

    *text = NULL;
    memset(&h, 0, sizeof h);
    if (store_incident_root(a->store, id, h.incident, err) != STORE_OK)
        return -1;
    if (store_report_get(a->store, h.incident, &root, err) != STORE_OK) {
        model_report_fini(&root);
        return -1;
    }
    h.status = root.status;
    model_report_fini(&root);
    app_find_verdict(a, &h);
    *text = h.verdict;
    free(h.note);
    free(h.by);
    return 0;
}

void app_search_free(struct app_search_hit *hits, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        model_report_fini(&hits[i].report);
        free(hits[i].verdict);
        free(hits[i].note);
        free(hits[i].by);
    }
    free(hits);
}

int app_search(struct app *a, const char *query, int64_t since, int64_t until, size_t limit,
               struct app_search_hit **hits, size_t *n, char **err)
{
    char(*ids)[ULID_LEN + 1] = NULL;
    size_t nids = 0;

    *hits = NULL;
    *n = 0;
    if (limit == 0)
        limit = 20;
    /* Fetch extra: several hits of one incident collapse into one. */
    if (store_report_search(a->store, query, since, until, limit * 4, &ids, &nids, err) != STORE_OK)
        return -1;
    *hits = xcalloc(limit, sizeof **hits);
    for (size_t i = 0; i < nids && *n < limit; i++) {
        struct app_search_hit *h = &(*hits)[*n];
        char root[ULID_LEN + 1];
        char(*members)[ULID_LEN + 1] = NULL;
        struct model_report rr;
        bool dup = false;

        if (store_incident_root(a->store, ids[i], root, NULL) != STORE_OK)
            continue;
        for (size_t k = 0; k < *n && !dup; k++)
            dup = strcmp((*hits)[k].incident, root) == 0;
        if (dup)
            continue;
        memset(h, 0, sizeof *h);
        if (store_report_get(a->store, ids[i], &h->report, err) != STORE_OK) {
            model_report_fini(&h->report);
            app_search_free(*hits, *n);
            *hits = NULL;
            *n = 0;
            free(ids);
            return -1;
        }
        snprintf(h->incident, sizeof h->incident, "%s", root);
        if (store_incident_members(a->store, root, &members, &h->callers, NULL) != STORE_OK)
            h->callers = 1;
        free(members);
        h->status = h->report.status;
        if (store_report_get(a->store, root, &rr, NULL) == STORE_OK)
            h->status = rr.status;
        model_report_fini(&rr);
        app_find_verdict(a, h);
        (*n)++;
    }
    free(ids);
    return 0;
}

char *app_search_hit_json(const struct app_search_hit *h)
{
    char *base = app_report_json(&h->report, NULL);
    json_t *o = json_loads(base, 0, NULL), *v;

    free(base);
    if (o == NULL)
        util_fatal("out of memory (JSON)");
    json_object_set_new(o, "incident", json_string(h->incident));
    json_object_set_new(o, "callers", json_integer((json_int_t)h->callers));
    json_object_set_new(o, "incident_status", json_string(model_status_name(h->status)));
    v = json_object();
    json_object_set_new(v, "text", json_string(h->verdict ? h->verdict : ""));
    json_object_set_new(v, "note", app_json_str(h->note));
    json_object_set_new(v, "by", app_json_str(h->by));
    json_object_set_new(v, "at", app_json_time(h->decided_at));
    json_object_set_new(o, "verdict", v);
    return app_json_dump(o);
}

/* ---- timeline -------------------------------------------------------------------------- */

void app_events_free(struct model_event *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        model_event_fini(&rows[i]);
    free(rows);
}

int app_events(struct app *a, const struct app_event_filter *f, struct model_event **rows,
               size_t *n, char **err)
{
    struct store_event_filter sf = {
        .actor = f->actor,
        .kind = f->kind,
        .since = f->since,
        .until = f->until,
        .limit = f->limit,
        .oldest_first = f->oldest_first,
    };
    char root[ULID_LEN + 1];

    *rows = NULL;
    *n = 0;
    if (f->report_id != NULL) {
        if (store_incident_root(a->store, f->report_id, root, err) != STORE_OK)
            return -1;
        sf.incident = root;
    }
    return store_events(a->store, &sf, rows, n, err) == STORE_OK ? 0 : -1;
}

char *app_event_text(struct app *a, const struct model_event *e)
{
    json_t *d = e->detail ? json_loads(e->detail, 0, NULL) : NULL;
    const char *note = d ? json_string_value(json_object_get(d, "note")) : NULL;
    char *out = NULL, *base = NULL;

    if (strcmp(e->kind, "report.created") == 0) {
        base = xstrdup(_("report taken"));
    } else if (strcmp(e->kind, "check.set") == 0 && d != NULL) {
        const char *key = json_string_value(json_object_get(d, "item"));
        enum model_tri t = MODEL_UNKNOWN;
        const char *label = key;
        model_tri_parse(json_string_value(json_object_get(d, "state")), &t);
        if (a != NULL && key != NULL && e->report_id != NULL) {
            struct model_report r;
            if (store_report_get(a->store, e->report_id, &r, NULL) == STORE_OK) {
                const struct model_checklist *l = app_checklist(a, r.category);
                int i = model_checklist_find(l, key);
                if (i >= 0)
                    label =
                        model_check_text(l->items[i].brief ? l->items[i].brief : l->items[i].label);
            }
            model_report_fini(&r);
        }
        /* TRANSLATORS: a checklist answer: "checked vehicles: yes". */
        base = xasprintf(_("checked %s: %s"), label ? label : "?", model_tri_label(t));
    } else if (strcmp(e->kind, "status.changed") == 0 && d != NULL) {
        int from = model_status_parse(json_string_value(json_object_get(d, "from")));
        int to = model_status_parse(json_string_value(json_object_get(d, "to")));
        /* TRANSLATORS: a status change: "status verifying → false alarm". */
        base = xasprintf(_("status %s → %s"),
                         from >= 0 ? model_status_label((enum model_status)from) : "?",
                         to >= 0 ? model_status_label((enum model_status)to) : "?");
    } else if (strcmp(e->kind, "report.linked") == 0 && d != NULL) {
        json_int_t callers = json_integer_value(json_object_get(d, "callers"));
        base = xasprintf(NG_("linked into one incident (%d caller)",
                             "linked into one incident (%d callers)", (unsigned long)callers),
                         (int)callers);
    } else if ((base = app_resend_event_text(e)) != NULL) {
        note = NULL; /* "message to Rosa sent again by ana" (app-resend.c) */
    } else if ((base = app_resource_event_text(e)) != NULL) {
        note = NULL; /* referrals and follow-ups (app-resource.c) carry their note */
    } else {
        base = e->detail ? xasprintf("%s %s", e->kind, e->detail) : xstrdup(e->kind);
        note = NULL;
    }
    if (note != NULL && *note != '\0')
        out = xasprintf("%s: %s", base, note);
    else
        out = xstrdup(base);
    free(base);
    json_decref(d);
    return out;
}

char *app_event_json(const struct model_event *e)
{
    json_t *o = json_object();
    json_t *d = e->detail ? json_loads(e->detail, 0, NULL) : NULL;

    json_object_set_new(o, "id", json_string(e->id));
    json_object_set_new(o, "at", app_json_time(e->at));
    json_object_set_new(o, "actor", app_json_str(e->actor));
    json_object_set_new(o, "kind", json_string(e->kind));
    json_object_set_new(o, "report_id", app_json_str(e->report_id));
    if (d != NULL && json_is_object(d))
        json_object_set_new(o, "detail", d);
    else {
        json_decref(d);
        json_object_set_new(o, "detail", app_json_str(e->detail));
    }
    return app_json_dump(o);
}

/* ---- report show --json ------------------------------------------------------------------ */

char *app_report_json_full(struct app *a, const struct model_report *r, const char *contact,
                           char **err)
{
    struct app_verification v;
    char *base;
    json_t *o, *list, *hint;

    if (app_verification_get(a, r->id, &v, err) != 0)
        return NULL;
    base = app_report_json(r, contact);
    o = json_loads(base, 0, NULL);
    free(base);
    if (o == NULL)
        util_fatal("out of memory (JSON)");
    json_object_set_new(o, "incident", json_string(v.incident));
    json_object_set_new(o, "incident_status", json_string(model_status_name(v.status)));
    json_object_set_new(o, "callers", json_integer((json_int_t)v.nmembers));
    list = json_array();
    for (size_t i = 0; i < v.nmembers; i++)
        if (strcmp(v.members[i], r->id) != 0)
            json_array_append_new(list, json_string(v.members[i]));
    json_object_set_new(o, "linked_reports", list);
    json_object_set_new(o, "stale", json_boolean(v.stale));
    list = json_array();
    for (size_t i = 0; i < v.list->n; i++) {
        const struct app_check *c = &v.checks[i];
        json_t *it = json_object();
        json_object_set_new(it, "item", json_string(c->item->key));
        json_object_set_new(it, "label", json_string(model_check_text(c->item->label)));
        json_object_set_new(it, "state", json_string(model_tri_name(c->state)));
        json_object_set_new(it, "by", app_json_str(c->by));
        json_object_set_new(it, "at", app_json_time(c->at));
        json_object_set_new(it, "note", app_json_str(c->note));
        if (c->from_call)
            json_object_set_new(it, "from_call", json_true());
        json_array_append_new(list, it);
    }
    json_object_set_new(o, "checklist", list);
    hint = json_object();
    json_object_set_new(hint, "kind", json_string(model_verdict_name(v.verdict.kind)));
    json_object_set_new(hint, "score", json_integer(v.verdict.score));
    json_object_set_new(hint, "text", json_string(v.verdict.text));
    json_object_set_new(o, "verdict_hint", hint);
    app_verification_fini(&v);
    return app_json_dump(o);
}
