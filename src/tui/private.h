/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Internals of the console, shared by the src/tui/ modules and nobody else.
 *
 * One struct tui holds the whole console state: the windows of the current
 * layout, which screen is in front, the visible page of the queue (never more
 * rows than fit on the screen), the forms and the dirty flags. Key handlers
 * never draw: they change state and return TUI_* bits saying what became
 * dirty; the loop in tui.c redraws from those bits once per iteration with
 * wnoutrefresh per window and a single doupdate.
 */
#ifndef VIGIA_TUI_PRIVATE_H
#define VIGIA_TUI_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include <curses.h>

#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/app.h"
#include "vigia/tui.h"

/* The smallest terminal the console lays out for. */
#define TUI_MIN_COLS 80
#define TUI_MIN_LINES 24
/* From this width the detail pane sits beside the queue. */
#define TUI_WIDE_COLS 120

/* Results of key handlers and dirty flags of the redraw pass. */
enum {
    TUI_HANDLED = 1 << 0,
    TUI_QUIT = 1 << 1,
    TUI_DIRTY_QUEUE = 1 << 2,  /* column header and rows */
    TUI_DIRTY_DETAIL = 1 << 3, /* the pane showing the selected report */
    TUI_DIRTY_STATUS = 1 << 4, /* the status bar (or search prompt) */
    TUI_DIRTY_FULL = 1 << 5,   /* the full-screen window of another screen */
    TUI_RECALC = 1 << 6,       /* refetch counts and the visible page */
    TUI_REFLOW = 1 << 7,       /* re-create the windows for a new size */
    TUI_CLEAR = 1 << 8,        /* repaint the whole terminal (Ctrl-L, resize) */
};
#define TUI_DIRTY_ALL (TUI_DIRTY_QUEUE | TUI_DIRTY_DETAIL | TUI_DIRTY_STATUS | TUI_DIRTY_FULL)

/* Which screen is in front. */
enum tui_screen {
    TUI_SCREEN_QUEUE,
    TUI_SCREEN_REPORT, /* one report, full screen */
    TUI_SCREEN_FORM,   /* new report */
    TUI_SCREEN_HELP,
    TUI_SCREEN_NAME,      /* who is at the keyboard */
    TUI_SCREEN_VERIFY,    /* a report's checklist, status, timeline (tui-verify.c) */
    TUI_SCREEN_AUDIT,     /* every event, filtered (tui-verify.c) */
    TUI_SCREEN_RESOURCES, /* the referral directory (tui-resource.c) */
    TUI_SCREEN_ROSTER,    /* roster, assign pane, handoff brief (tui-roster.c) */
    TUI_SCREEN_BROADCAST, /* broadcasts: compose, approve, progress (tui-broadcast.c) */
    TUI_SCREEN_THREAD,    /* the dispatch thread (tui-sync.c) */
};

/* One key as wget_wch returned it: a character, or a KEY_* code when fn. */
struct tui_key {
    wint_t code;
    bool fn;
};

#define TUI_CTRL(c) ((wint_t)((c)&0x1f))
#define TUI_KEY_ESC 27

static inline bool tui_key_is(const struct tui_key *k, wint_t c)
{
    return !k->fn && k->code == c;
}
static inline bool tui_key_fn(const struct tui_key *k, int code)
{
    return k->fn && k->code == (wint_t)code;
}
bool tui_key_enter(const struct tui_key *k);

/* ---- theme (tui-theme.c) ------------------------------------------------ */

enum tui_role {
    TUI_ROLE_NORMAL,
    TUI_ROLE_HEADER,    /* column headers */
    TUI_ROLE_SELECTED,  /* the selected queue row */
    TUI_ROLE_NEW,       /* status NEW */
    TUI_ROLE_STALE,     /* the stale marker */
    TUI_ROLE_STATUSBAR, /* bottom bar */
    TUI_ROLE_TITLE,     /* title inside the status bar and screen titles */
    TUI_ROLE_LABEL,     /* field labels */
    TUI_ROLE_FIELD,     /* an editable field */
    TUI_ROLE_FOCUS,     /* the focused editable field */
    TUI_ROLE_HINT,      /* placeholders, key hints */
    TUI_ROLE_ERROR,     /* validation errors */
    TUI_ROLE_MESSAGE,   /* a status message in the status bar */
    TUI_ROLE_BAR_ERROR, /* an error message in the status bar */
    TUI_ROLE_BORDER,    /* pane separators */
    TUI_ROLE_COUNT
};

/** Pick colours or monochrome (NO_COLOR, !has_colors()). Call after initscr. */
void tui_theme_init(void);
attr_t tui_theme_attr(enum tui_role r);

/* ---- drawing helpers (tui-draw.c) ---------------------------------------- */

/**
 * Draw stored or translated text @s at (y, x) in at most @width columns,
 * made printable first and cut at a grapheme boundary; with @pad the rest of
 * the width is filled with blanks in the same attribute. Returns the number
 * of columns drawn (including padding).
 */
int tui_draw_text(WINDOW *w, int y, int x, int width, const char *s, attr_t attr, bool pad);
/** Draw @n blanks at (y, x). */
void tui_draw_blank(WINDOW *w, int y, int x, int n, attr_t attr);
/** "4m ago", or "just now" under a minute; translated, newly allocated. */
char *tui_ago(int64_t age_ms);
/** Draw @s centred on row @y of @w. */
void tui_draw_centred(WINDOW *w, int y, const char *s, attr_t attr);

/**
 * Wrap @s (stored text, may hold newlines) into lines of @width columns and
 * call @line for each with a printable, NUL-terminated line. Returns the
 * number of lines.
 */
int tui_wrap(const char *s, int width, void (*line)(const char *text, void *data), void *data);

/* ---- line editor (tui-edit.c) -------------------------------------------- */

struct tui_edit {
    char *text; /* UTF-8, always valid and without control characters */
    size_t len; /* bytes */
    size_t cap;
    size_t cur;    /* cursor: byte offset on a grapheme boundary */
    size_t scroll; /* first byte shown: a grapheme boundary */
    size_t max;    /* most bytes accepted */
};

void tui_edit_init(struct tui_edit *e, size_t max_bytes);
void tui_edit_fini(struct tui_edit *e);
/** Replace the text and put the cursor at its end. */
void tui_edit_set(struct tui_edit *e, const char *s);
/** The text, "" when empty; borrowed until the next change. */
const char *tui_edit_str(const struct tui_edit *e);
/** Handle an editing key; returns TUI_HANDLED or 0 when not an editing key. */
int tui_edit_key(struct tui_edit *e, const struct tui_key *k);
/**
 * Draw the editor on row @y from column @x, @width columns wide, scrolling
 * horizontally so the cursor is visible; *cursor_x (if not NULL) gets the
 * cursor's window column.
 */
void tui_edit_draw(struct tui_edit *e, WINDOW *w, int y, int x, int width, attr_t attr,
                   int *cursor_x);

/* ---- the console state --------------------------------------------------- */

/* The new-report form's fields, in SALUTE order. */
enum tui_form_field {
    TUI_FF_AGENTS,
    TUI_FF_WHAT,
    TUI_FF_LOCATION,
    TUI_FF_AREA,
    TUI_FF_AGENCY,
    TUI_FF_OBSERVED,
    TUI_FF_VEHICLES,
    TUI_FF_SOURCE,
    TUI_FF_CATEGORY,
    TUI_FF_FIRST_HAND,
    TUI_FF_CONTACT,
    TUI_FF_COUNT
};

struct tui_form {
    struct tui_edit edit[TUI_FF_COUNT]; /* text fields (unused for choices) */
    int choice[TUI_FF_COUNT];           /* choices: current index */
    char *err[TUI_FF_COUNT];            /* validation message per field */
    char *msg;                          /* an error not tied to a field */
    int focus;
    bool confirm_discard; /* "Discard this report? (y/n)" is showing */
};

struct tui {
    struct app *app;
    const struct tui_options *opt;

    SCREEN *scr;
    /* Layout. */
    bool too_small;
    bool wide;
    bool hide_detail; /* the dispatcher hid the detail pane ('d') */
    WINDOW *w_queue;  /* column header + rows */
    WINDOW *w_detail; /* selected report */
    WINDOW *w_full;   /* other screens, all but the last line */
    WINDOW *w_status; /* last line */
    WINDOW *w_input;  /* a pad keys are read from: reading never refreshes */
    int rows;         /* queue rows visible */
    int dirty;
    bool cursor_on;
    WINDOW *cur_w; /* where the terminal cursor goes while editing, or NULL */
    int cur_y, cur_x;
    enum tui_screen screen;

    /* The queue: only the visible page is in memory. */
    struct app_view view;
    char *search; /* owned copy of view.search */
    size_t total;
    size_t top; /* queue position of page[0] */
    size_t sel; /* queue position of the selection */
    struct model_report *page;
    size_t npage;
    size_t counts[MODEL_STATUS_COUNT];
    bool searching; /* the search prompt is open */
    struct tui_edit search_edit;

    /* Full-screen report and help: a scroll offset in lines. */
    int scroll;
    int scroll_max;
    char *contact; /* caller contact of the report open full screen */
    struct model_report open;
    bool has_open;

    struct tui_form form;
    struct tui_edit name_edit;
    char *name_err;

    struct tui_resources *res; /* the referral directory (tui-resource.c) */
    struct tui_roster *roster; /* verifiers, assignments, handoff (tui-roster.c) */
    struct tui_broadcast *bc;  /* the send-broadcast pane and its worker (tui-broadcast.c) */
    struct tui_sync *sync;     /* relay client and dispatch thread (tui-sync.c) */
    struct tui_verify *verify; /* verification views' state (tui-verify.c) */

    char *msg; /* status message until the next key */
    bool msg_error;
    int64_t now;
    struct tui_privacy *privacy; /* tui-privacy.c: blanking, prompts, revealed report */
};

/* tui-sync.c: sync in the poll loop, the status-bar label, the dispatch thread */
struct pollfd;
void tui_sync_start(struct tui *t);
void tui_sync_fini(struct tui *t);
/** Add the relay client's descriptors (up to @max) and lower *timeout if it needs. */
void tui_sync_fds(struct tui *t, struct pollfd *fds, size_t max, size_t *n, int *timeout);
/** After each wake-up: do the relay I/O; returns TUI_* bits. Never blocks. */
int tui_sync_perform(struct tui *t);
/** "online 3 waiting" for the status bar, newly allocated, or NULL when not in a network. */
char *tui_sync_label(struct tui *t);
int tui_thread_open(struct tui *t);
int tui_thread_key(struct tui *t, const struct tui_key *k);
void tui_thread_draw(struct tui *t);

/* tui.c */
void tui_set_msg(struct tui *t, bool error, const char *fmt, ...) UTIL_PRINTF(3, 4);
/** The selected report on the current page, or NULL. */
const struct model_report *tui_selected(const struct tui *t);
/** Show or hide the terminal cursor (only when it changes). */
void tui_cursor(struct tui *t, bool on);

/* tui-queue.c */
void tui_queue_init(struct tui *t);
void tui_queue_fini(struct tui *t);
/** Hold at most @rows reports in the page (after a new layout); empties it. */
void tui_queue_resize(struct tui *t, int rows);
/** Refetch the count, the status counts and the visible page. */
void tui_queue_fetch(struct tui *t);
/** Make queue position @pos the selection, scrolling and refetching as needed. */
int tui_queue_select(struct tui *t, size_t pos);
/** Find report @id in the queue (looking at the first pages only) and select it. */
void tui_queue_select_id(struct tui *t, const char *id);
int tui_queue_key(struct tui *t, const struct tui_key *k);
void tui_queue_draw(struct tui *t);
void tui_status_draw(struct tui *t);

/* tui-detail.c */
void tui_detail_draw(struct tui *t);
/** Open the selected report full screen. */
int tui_report_open(struct tui *t);
void tui_report_close(struct tui *t);
int tui_report_key(struct tui *t, const struct tui_key *k);
void tui_report_draw(struct tui *t);
/** Scroll keys shared by the full-screen report and help; 0 if not one. */
int tui_scroll_key(struct tui *t, const struct tui_key *k);

/* tui-form.c */
int tui_form_open(struct tui *t);
void tui_form_close(struct tui *t);
int tui_form_key(struct tui *t, const struct tui_key *k);
void tui_form_draw(struct tui *t);
int tui_name_key(struct tui *t, const struct tui_key *k);
void tui_name_draw(struct tui *t);

/* tui-verify.c */
/** Open the verification view of report @id. */
int tui_verify_open(struct tui *t, const char *id);
int tui_verify_key(struct tui *t, const struct tui_key *k);
void tui_verify_draw(struct tui *t);
/** The database changed: reload what the verification or audit view shows. */
void tui_verify_recalc(struct tui *t);
/** True while a line editor of the verification or audit view is open. */
bool tui_verify_editing(const struct tui *t);
void tui_verify_fini(struct tui *t);
/** Open the audit view (every event). */
int tui_audit_open(struct tui *t);
void tui_audit_load(struct tui *t);
int tui_audit_key(struct tui *t, const struct tui_key *k);
void tui_audit_draw(struct tui *t);
/** The queue loaded a page: look up each row's incident and caller count. */
void tui_verify_page_loaded(struct tui *t);
/** Callers of the incident of page row @r (1 when alone). */
size_t tui_verify_callers(const struct tui *t, const struct model_report *r);
/** The verdict line of a decided report for the detail pane, or NULL. Borrowed. */
const char *tui_verify_pane_verdict(struct tui *t, const struct model_report *r);
/** A new report was saved: say so, and offer to link it when reports are near it. */
void tui_verify_offer_link(struct tui *t, const char *id);

/* tui-privacy.c: blank keys, Ctrl-X chords (wipe, lock, unlock), masked contacts */
void tui_privacy_init(struct tui *t);
void tui_privacy_fini(struct tui *t);
/** Keys every screen shares (F12, Ctrl-G, Ctrl-X …, r on a report); 0 if not one. */
int tui_privacy_key(struct tui *t, const struct tui_key *k);
/** Draw the blank screen instead of the console; true when it did. */
bool tui_privacy_draw(struct tui *t);
/** Draw an open wipe or passphrase prompt over the status bar. */
void tui_privacy_status_draw(struct tui *t);
/** The hourly retention purge, from the minute timer; returns dirty bits. */
int tui_privacy_tick(struct tui *t, int64_t now);
/** Milliseconds until a revealed contact is masked again (reveal_seconds), or -1. */
int tui_privacy_timeout(const struct tui *t);
/** Mask a revealed contact whose time is up; TUI_* bits. */
int tui_privacy_remask(struct tui *t, int64_t now);
/** @contact as shown: masked until 'r' reveals it for that report; newly allocated. */
char *tui_privacy_contact(const struct tui *t, const char *report_id, const char *contact);
/** True when report @report_id's personal fields are revealed (r) right now. */
bool tui_privacy_revealed(const struct tui *t, const char *report_id);

/* tui-help.c */
int tui_help_key(struct tui *t, const struct tui_key *k);
void tui_help_draw(struct tui *t);

/* tui-resource.c */
/**
 * Open the referral directory; with @report_id, to refer that report's
 * caller (Enter records the referral, r adds a follow-up reminder).
 */
int tui_resources_open(struct tui *t, const char *report_id);
int tui_resources_key(struct tui *t, const struct tui_key *k);
void tui_resources_draw(struct tui *t);
/** Search again (and reload the follow-ups) after a change; true: redraw the screen. */
bool tui_resources_recalc(struct tui *t);
/** True while a filter of the directory is being typed. */
bool tui_resources_editing(const struct tui *t);
void tui_resources_fini(struct tui *t);

/* tui-roster.c */
/** The roster ('V'): every verifier's status, assignment, last word; state keys. */
int tui_roster_open(struct tui *t);
/** The assign pane ('a' on a report): verifiers ranked for @report_id; Enter assigns. */
int tui_roster_assign_open(struct tui *t, const char *report_id);
/** The shift handoff brief ('H'). */
int tui_roster_handoff_open(struct tui *t);
int tui_roster_key(struct tui *t, const struct tui_key *k);
void tui_roster_draw(struct tui *t);
/** True while a new verifier is being typed in the roster (the cursor shows). */
bool tui_roster_editing(const struct tui *t);
/**
 * Timer: escalate missed check-ins (beep, flash, a "call them" message;
 * again every five minutes until they are heard from) and refresh the roster
 * when in front. Returns dirty bits.
 */
int tui_roster_tick(struct tui *t);
/** Milliseconds until the next overdue deadline, or -1 when none. */
int tui_roster_timeout(struct tui *t);
void tui_roster_fini(struct tui *t);

/* ---- a practice run (tui-practice.c) ---- */

/** F9 pauses, F10 injects the next call; 0 when not a practice key. */
int tui_practice_key(struct tui *t, const struct tui_key *k);
/** Play what is due; dirty bits (TUI_QUIT once the scenario is over). */
int tui_practice_tick(struct tui *t);
/** Milliseconds until the next tick is wanted, or -1 when not practising. */
int tui_practice_timeout(struct tui *t);
/** Draw the PRACTICE banner at @x in the status bar; returns its width (0: none). */
int tui_practice_status(struct tui *t, WINDOW *w, int x, int width);
/** The debrief screen, until q or a quit signal. */
void tui_practice_debrief(struct tui *t);
/** The real (monotonic) clock in ms: the process clock runs on scenario time. */
int64_t tui_practice_real_now(void);
/** True once SIGTERM, SIGINT or SIGHUP arrived (tui.c). */
bool tui_quit_requested(void);

/* tui-broadcast.c */
struct pollfd;
/**
 * The send-broadcast pane ('B'); with @report_id ('b' on a report), draft an
 * alert from that report first (a call to verifiers when it is not confirmed).
 */
int tui_broadcast_open(struct tui *t, const char *report_id);
int tui_broadcast_key(struct tui *t, const struct tui_key *k);
void tui_broadcast_draw(struct tui *t);
/** Refetch after a change in the database (when in front). */
void tui_broadcast_recalc(struct tui *t);
/** True while the override reason is being typed. */
bool tui_broadcast_editing(const struct tui *t);
/** The outbox worker's descriptors for the poll loop (up to @max) and its timeout. */
size_t tui_broadcast_fds(struct tui *t, struct pollfd *fds, size_t max, int *timeout_ms);
/** After poll: let the worker send and record; returns dirty bits. */
int tui_broadcast_io(struct tui *t, const struct pollfd *fds, size_t n);
/** Something was queued here (an assignment's message): the worker looks at once. */
void tui_broadcast_poke(struct tui *t);
void tui_broadcast_fini(struct tui *t);
#define TUI_SEND_FDS 64

#endif
