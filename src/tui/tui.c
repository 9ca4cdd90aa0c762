/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The console's event loop.
 *
 * One thread, one poll() over the terminal, the database watch descriptor
 * (inotify, from app_watch_fd) and a self-pipe the signal handlers write to.
 * The only timer is the clock in the status bar: poll sleeps until the next
 * minute boundary, so an idle console wakes once a minute and costs nothing
 * in between. Signal handlers only set a flag and write a byte to the pipe;
 * everything else happens here.
 *
 * Each iteration: handle signal flags (resize, quit), ask the app whether
 * another process changed the database, drain the keys (handlers return
 * TUI_* bits and never draw), then redraw what is dirty: werase and redraw
 * each dirty window, wnoutrefresh it, and one doupdate, so ncurses sends the
 * terminal only the cells that differ from what it shows.
 */
#include "config.h"

#include "vigia/tui.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <curses.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/app.h"

#include "private.h"

static volatile sig_atomic_t tui_sig_winch;
static volatile sig_atomic_t tui_sig_quit;
static int tui_sig_pipe[2] = {-1, -1};

/* Record the signal and wake the loop; nothing else is safe here. */
static void tui_on_signal(int sig)
{
    int saved = errno;

    if (sig == SIGWINCH)
        tui_sig_winch = 1;
    else
        tui_sig_quit = sig;
    if (tui_sig_pipe[1] >= 0) {
        ssize_t r = write(tui_sig_pipe[1], "", 1);
        (void)r;
    }
    errno = saved;
}

/* Restore the terminal before a fatal error message. */
static void tui_fatal_hook(void)
{
    if (!isendwin())
        endwin();
}

bool tui_key_enter(const struct tui_key *k)
{
    return tui_key_is(k, '\r') || tui_key_is(k, '\n') || tui_key_fn(k, KEY_ENTER);
}

void tui_set_msg(struct tui *t, bool error, const char *fmt, ...)
{
    va_list ap;

    free(t->msg);
    va_start(ap, fmt);
    t->msg = xvasprintf(fmt, ap);
    va_end(ap);
    t->msg_error = error;
    t->dirty |= TUI_DIRTY_STATUS;
    /* A practice run's debrief lists what the console refused the trainee. */
    if (error && t->opt != NULL && t->opt->practice != NULL)
        app_practice_note_refused(t->opt->practice, t->msg);
}

const struct model_report *tui_selected(const struct tui *t)
{
    if (t->npage == 0 || t->sel < t->top || t->sel >= t->top + t->npage)
        return NULL;
    return &t->page[t->sel - t->top];
}

void tui_cursor(struct tui *t, bool on)
{
    if (on == t->cursor_on)
        return;
    curs_set(on ? 1 : 0);
    t->cursor_on = on;
}

static void tui_delwin(WINDOW **w)
{
    if (*w != NULL)
        delwin(*w);
    *w = NULL;
}

/* Create the windows for the current terminal size. */
static void tui_layout(struct tui *t)
{
    int body = LINES - 1;

    tui_delwin(&t->w_queue);
    tui_delwin(&t->w_detail);
    tui_delwin(&t->w_full);
    tui_delwin(&t->w_status);
    t->cur_w = NULL;
    t->too_small = COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES;
    if (t->too_small)
        return;
    t->wide = COLS >= TUI_WIDE_COLS;
    if (t->hide_detail) {
        t->w_queue = newwin(body, COLS, 0, 0);
        t->wide = false;
    } else if (t->wide) {
        int qw = COLS * 3 / 5;
        t->w_queue = newwin(body, qw, 0, 0);
        t->w_detail = newwin(body, COLS - qw, 0, qw);
    } else {
        /* 80x24: a detail pane of eight lines under a separator. */
        int dh = LINES >= 40 ? LINES / 3 : 9;
        t->w_queue = newwin(body - dh, COLS, 0, 0);
        t->w_detail = newwin(dh, COLS, body - dh, 0);
    }
    t->w_full = newwin(body, COLS, 0, 0);
    t->w_status = newwin(1, COLS, LINES - 1, 0);
    if (!t->w_queue || (!t->w_detail && !t->hide_detail) || !t->w_full || !t->w_status)
        util_fatal("%s", _("cannot create the console windows"));
    leaveok(t->w_queue, TRUE);
    if (t->w_detail != NULL)
        leaveok(t->w_detail, TRUE);
    leaveok(t->w_full, TRUE);
    leaveok(t->w_status, TRUE);
    tui_queue_resize(t, getmaxy(t->w_queue) - 1);
}

/* True when the screen in front has a text cursor. */
static bool tui_editing(const struct tui *t)
{
    switch (t->screen) {
    case TUI_SCREEN_QUEUE:
        return t->searching;
    case TUI_SCREEN_NAME:
        return true;
    case TUI_SCREEN_RESOURCES:
        return tui_resources_editing(t);
    case TUI_SCREEN_BROADCAST:
        return tui_broadcast_editing(t);
    case TUI_SCREEN_ROSTER:
        return tui_roster_editing(t);
    case TUI_SCREEN_FORM:
        return t->form.focus != TUI_FF_SOURCE && t->form.focus != TUI_FF_CATEGORY &&
               t->form.focus != TUI_FF_FIRST_HAND;
    case TUI_SCREEN_VERIFY:
    case TUI_SCREEN_AUDIT:
        return tui_verify_editing(t);
    default:
        return false;
    }
}

/* Redraw what is dirty: one wnoutrefresh per window drawn and one doupdate. */
static void tui_redraw(struct tui *t)
{
    int d = t->dirty;

    if ((d & ~(TUI_HANDLED | TUI_QUIT)) == 0)
        return;
    if (tui_privacy_draw(t)) {
        t->dirty = 0; /* unblanking asks for a full reflow and repaint */
        return;
    }
    t->now = timeutil_now_ms();
    if (d & TUI_REFLOW) {
        tui_layout(t);
        d |= TUI_DIRTY_ALL | TUI_RECALC;
    }
    if (d & TUI_CLEAR)
        clearok(curscr, TRUE);
    if (t->too_small) {
        char *m = xasprintf(_("Terminal too small: need %dx%d, have %dx%d"), TUI_MIN_COLS,
                            TUI_MIN_LINES, COLS, LINES);
        werase(stdscr);
        tui_draw_centred(stdscr, LINES / 2, m, A_BOLD);
        free(m);
        wnoutrefresh(stdscr);
        tui_cursor(t, false);
        doupdate();
        t->dirty = d & TUI_RECALC; /* fetch when there is room again */
        return;
    }
    if (d & TUI_RECALC) {
        tui_queue_fetch(t);
        tui_verify_recalc(t);
        d |= TUI_DIRTY_QUEUE | TUI_DIRTY_DETAIL | TUI_DIRTY_STATUS | TUI_DIRTY_FULL;
        if (t->screen == TUI_SCREEN_RESOURCES && tui_resources_recalc(t))
            d |= TUI_DIRTY_FULL; /* another process changed the directory */
        if (t->screen == TUI_SCREEN_BROADCAST) {
            tui_broadcast_recalc(t);
            d |= TUI_DIRTY_FULL;
        }
    }
    d |= t->dirty & TUI_DIRTY_STATUS; /* a fetch may have set a message */
    if (!tui_editing(t))
        t->cur_w = NULL;
    if (t->screen == TUI_SCREEN_QUEUE) {
        if (d & TUI_DIRTY_QUEUE) {
            tui_queue_draw(t);
            wnoutrefresh(t->w_queue);
        }
        if ((d & TUI_DIRTY_DETAIL) && t->w_detail != NULL) {
            tui_detail_draw(t);
            wnoutrefresh(t->w_detail);
        }
    } else if (d & TUI_DIRTY_FULL) {
        if (t->screen == TUI_SCREEN_REPORT)
            tui_report_draw(t);
        else if (t->screen == TUI_SCREEN_FORM)
            tui_form_draw(t);
        else if (t->screen == TUI_SCREEN_HELP)
            tui_help_draw(t);
        else if (t->screen == TUI_SCREEN_VERIFY)
            tui_verify_draw(t);
        else if (t->screen == TUI_SCREEN_AUDIT)
            tui_audit_draw(t);
        else if (t->screen == TUI_SCREEN_RESOURCES)
            tui_resources_draw(t);
        else if (t->screen == TUI_SCREEN_ROSTER)
            tui_roster_draw(t);
        else if (t->screen == TUI_SCREEN_BROADCAST)
            tui_broadcast_draw(t);
        else if (t->screen == TUI_SCREEN_THREAD)
            tui_thread_draw(t);
        else
            tui_name_draw(t);
        wnoutrefresh(t->w_full);
    }
    if (d & TUI_DIRTY_STATUS) {
        tui_status_draw(t);
        tui_privacy_status_draw(t);
        wnoutrefresh(t->w_status);
    }
    if (t->cur_w != NULL) {
        /* The last window refreshed places the cursor. */
        leaveok(t->cur_w, FALSE);
        wmove(t->cur_w, t->cur_y, t->cur_x);
        wnoutrefresh(t->cur_w);
        leaveok(t->cur_w, TRUE);
    }
    tui_cursor(t, t->cur_w != NULL);
    doupdate();
    t->dirty = 0;
}

/* Handle one key in whatever screen is in front. */
static int tui_key(struct tui *t, const struct tui_key *k)
{
    int r = 0;

    if (tui_key_fn(k, KEY_RESIZE))
        return TUI_HANDLED; /* SIGWINCH does the work */
    if (tui_key_is(k, TUI_CTRL('L')))
        return TUI_HANDLED | TUI_CLEAR | TUI_DIRTY_ALL;
    /* A status message lasts until the next key. */
    if (t->msg != NULL) {
        FREE(&t->msg);
        r |= TUI_DIRTY_STATUS;
    }
    /* Blanking, the panic chord and reveal work on every screen (tui-privacy.c). */
    int pr = tui_privacy_key(t, k);
    if (pr != 0)
        return r | pr;
    if (t->too_small)
        return r | ((tui_key_is(k, 'q') && t->screen == TUI_SCREEN_QUEUE) ? TUI_QUIT : 0);
    /* The dispatch thread is one key away from any screen but the name prompt. */
    if (tui_key_is(k, TUI_CTRL('T')) && t->screen != TUI_SCREEN_NAME &&
        t->screen != TUI_SCREEN_THREAD)
        return r | tui_thread_open(t);
    switch (t->screen) {
    case TUI_SCREEN_QUEUE:
        r |= tui_queue_key(t, k);
        break;
    case TUI_SCREEN_REPORT:
        r |= tui_report_key(t, k);
        break;
    case TUI_SCREEN_FORM:
        r |= tui_form_key(t, k);
        break;
    case TUI_SCREEN_HELP:
        r |= tui_help_key(t, k);
        break;
    case TUI_SCREEN_NAME:
        r |= tui_name_key(t, k);
        break;
    case TUI_SCREEN_VERIFY:
        r |= tui_verify_key(t, k);
        break;
    case TUI_SCREEN_AUDIT:
        r |= tui_audit_key(t, k);
        break;
    case TUI_SCREEN_RESOURCES:
        r |= tui_resources_key(t, k);
        break;
    case TUI_SCREEN_ROSTER:
        r |= tui_roster_key(t, k);
        break;
    case TUI_SCREEN_BROADCAST:
        r |= tui_broadcast_key(t, k);
        break;
    case TUI_SCREEN_THREAD:
        r |= tui_thread_key(t, k);
        break;
    }
    return r;
}

/* Read every key that is waiting. */
bool tui_quit_requested(void)
{
    return tui_sig_quit != 0;
}

static void tui_read_keys(struct tui *t)
{
    wint_t ch;
    int rc;

    while (!(t->dirty & TUI_QUIT) && (rc = wget_wch(t->w_input, &ch)) != ERR) {
        struct tui_key k = {ch, rc == KEY_CODE_YES};
        int f = tui_practice_key(t, &k); /* trainer keys first (tui-practice.c) */
        t->dirty |= f ? f : tui_key(t, &k);
    }
}

/* Apply a new terminal size: TIOCGWINSZ, resizeterm, new layout, full repaint. */
static void tui_resize(struct tui *t)
{
    struct winsize ws;

    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    t->dirty |= TUI_REFLOW | TUI_CLEAR;
}

static int tui_pipe_open(void)
{
    if (pipe(tui_sig_pipe) != 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(tui_sig_pipe[i], F_SETFL, fcntl(tui_sig_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(tui_sig_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    return 0;
}

static void tui_pipe_close(void)
{
    for (int i = 0; i < 2; i++) {
        if (tui_sig_pipe[i] >= 0)
            close(tui_sig_pipe[i]);
        tui_sig_pipe[i] = -1;
    }
}

static const int tui_signals[] = {SIGWINCH, SIGTERM, SIGINT, SIGHUP};

static void tui_signals_set(struct sigaction *old)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = tui_on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(tui_signals); i++)
        sigaction(tui_signals[i], &sa, &old[i]);
}

static void tui_signals_restore(const struct sigaction *old)
{
    for (size_t i = 0; i < UTIL_ARRAY_LEN(tui_signals); i++)
        sigaction(tui_signals[i], &old[i], NULL);
}

/* Curses set-up: keys unbuffered, no echo, Ctrl-S reaches us (no XON/XOFF). */
static int tui_curses_init(struct tui *t)
{
    struct termios tio;

    if ((t->scr = newterm(NULL, stdout, stdin)) == NULL)
        return -1;
    set_escdelay(25);
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    if (tcgetattr(STDIN_FILENO, &tio) == 0) {
        tio.c_iflag &= ~(tcflag_t)IXON;
        tcsetattr(STDIN_FILENO, TCSANOW, &tio);
        def_prog_mode();
    }
    leaveok(stdscr, TRUE);
    tui_theme_init();
    /* Keys come from a pad: reading from it never refreshes anything. */
    if ((t->w_input = newpad(1, 1)) == NULL)
        return -1;
    keypad(t->w_input, TRUE);
    nodelay(t->w_input, TRUE);
    t->cursor_on = true;
    tui_cursor(t, false);
    return 0;
}

/* Free everything but the app. */
static void tui_fini(struct tui *t)
{
    tui_report_close(t);
    tui_form_close(t);
    tui_resources_fini(t);
    tui_roster_fini(t);
    tui_broadcast_fini(t);
    tui_sync_fini(t);
    tui_verify_fini(t);
    tui_queue_fini(t);
    tui_privacy_fini(t);
    tui_edit_fini(&t->name_edit);
    FREE(&t->name_err);
    FREE(&t->msg);
    tui_delwin(&t->w_queue);
    tui_delwin(&t->w_detail);
    tui_delwin(&t->w_full);
    tui_delwin(&t->w_status);
    tui_delwin(&t->w_input);
}

int tui_run(struct app *a, const struct tui_options *o)
{
    struct tui t;
    struct sigaction old[UTIL_ARRAY_LEN(tui_signals)];
    struct pollfd fds[3 + 16 + TUI_SEND_FDS]; /* terminal, signals, database, relay, outbox */
    int nfds, watch, rc = 0, rechecks = 0;
    bool sync_started = false;
    int64_t minute, recheck_at = 0;

    memset(&t, 0, sizeof t);
    t.app = a;
    t.opt = o;
    t.screen = TUI_SCREEN_QUEUE;
    tui_queue_init(&t);
    tui_privacy_init(&t);
    tui_edit_init(&t.name_edit, 64);
    if (tui_pipe_open() != 0) {
        logger_msg(LOGGER_ERROR, "%s: %s", _("cannot start the console"), strerror(errno));
        tui_fini(&t);
        return 1;
    }
    tui_sig_winch = tui_sig_quit = 0;
    xmalloc_set_fatal_hook(tui_fatal_hook);
    if (tui_curses_init(&t) != 0) {
        logger_msg(LOGGER_ERROR, "%s", _("cannot start the console: unknown terminal type"));
        tui_pipe_close();
        tui_fini(&t);
        return 1;
    }
    /* After newterm, so ours replace the handlers ncurses installs. */
    tui_signals_set(old);
    if (app_actor(a) == NULL)
        t.screen = TUI_SCREEN_NAME;
    watch = app_watch_fd(a);
    app_changed(a); /* note the database's current version */
    t.dirty = TUI_REFLOW | TUI_CLEAR;
    t.dirty |= tui_roster_tick(&t); /* a check-in missed while the console was closed */

    fds[0] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
    fds[1] = (struct pollfd){.fd = tui_sig_pipe[0], .events = POLLIN};
    fds[2] = (struct pollfd){.fd = watch, .events = POLLIN};
    nfds = 3; /* poll() skips the watch entry when its fd is -1 */
    minute = timeutil_now_ms() / 60000;
    for (;;) {
        int64_t now, roster_at = 0;
        int timeout, pr, rt;
        size_t nsync = 0, nsend = 0;
        bool watched;

        if (tui_sig_quit || (t.dirty & TUI_QUIT))
            break;
        tui_redraw(&t);
        if (!sync_started) {
            /*
             * After the first frame: the relay session, which loads libcurl
             * (include/vigia/net.h), and the retention purge, which takes the
             * write lock that an import or a sync may hold for a while.
             */
            sync_started = true;
            tui_sync_start(&t);
            t.dirty |= tui_privacy_tick(&t, timeutil_now_ms());
            if (t.dirty)
                continue; /* they had something to say */
        }
        /* Sleep until the clock in the status bar changes, or something happens. */
        now = timeutil_now_ms();
        timeout = (int)(60000 - now % 60000) + 5;
        /* ...or until an assignment becomes overdue (tui-roster.c). */
        if ((rt = tui_roster_timeout(&t)) >= 0 && rt < timeout) {
            timeout = rt;
            roster_at = now + rt;
        }
        if (recheck_at > 0 && (recheck_at <= now || recheck_at - now < timeout))
            timeout = recheck_at > now ? (int)(recheck_at - now) : 0;
        if ((rt = tui_practice_timeout(&t)) >= 0 && rt < timeout)
            timeout = rt; /* the next scenario call or verifier answer */
        if ((rt = tui_privacy_timeout(&t)) >= 0 && rt < timeout)
            timeout = rt; /* a revealed contact is masked again */
        {
            int st = timeout, bt;
            tui_sync_fds(&t, fds + 3, 16, &nsync, &st);
            /* ...and the outbox worker's transfers (tui-broadcast.c). */
            nsend = tui_broadcast_fds(&t, fds + 3 + nsync, TUI_SEND_FDS, &bt);
            if (bt >= 0 && bt < st)
                st = bt;
            pr = poll(fds, (nfds_t)(nfds + (int)nsync + (int)nsend), st);
        }
        if (pr < 0 && errno != EINTR) {
            rc = 1;
            break;
        }
        if (tui_sig_quit)
            break;
        if (pr > 0 && (fds[1].revents & POLLIN)) {
            char buf[64];
            while (read(tui_sig_pipe[0], buf, sizeof buf) > 0)
                ;
        }
        if (tui_sig_winch) {
            tui_sig_winch = 0;
            tui_resize(&t);
        }
        /*
         * Another process's commit writes the WAL in several steps, and the
         * first wakes us before the commit is visible: look again shortly
         * after each burst of file events, twice, then sleep.
         */
        watched = pr > 0 && watch >= 0 && (fds[2].revents & POLLIN);
        if (watched || (recheck_at > 0 && timeutil_now_ms() >= recheck_at)) {
            if (app_changed(a))
                t.dirty |= TUI_RECALC;
            if (watched)
                rechecks = 0;
            recheck_at = rechecks < 2 ? timeutil_now_ms() + (rechecks ? 900 : 100) : 0;
            rechecks++;
        }
        t.dirty |= tui_sync_perform(&t);
        t.dirty |= tui_broadcast_io(&t, pr > 0 ? fds + 3 + nsync : NULL, pr > 0 ? nsend : 0);
        if (pr > 0 && (fds[0].revents & POLLIN))
            tui_read_keys(&t);
        else if (pr > 0 && (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)))
            break; /* the terminal went away */
        t.dirty |= tui_practice_tick(&t);
        now = timeutil_now_ms();
        t.dirty |= tui_privacy_remask(&t, now);
        if (now / 60000 != minute) {
            /* The clock, the ages and staleness move on; expired reports leave. */
            minute = now / 60000;
            t.dirty |= tui_privacy_tick(&t, now); /* hourly retention purge */
            /* Freshness counts in the priority: keep the queue order true. */
            app_queue_refresh(a, NULL, NULL);
            t.dirty |= TUI_RECALC | TUI_DIRTY_ALL | tui_roster_tick(&t);
        } else if (roster_at > 0 && now >= roster_at) {
            t.dirty |= tui_roster_tick(&t); /* overdue highlight, missed check-in escalation */
        }
    }
    if (o != NULL && o->practice != NULL && !tui_sig_quit)
        tui_practice_debrief(&t); /* the end of the scenario, or the trainee quit */
    tui_signals_restore(old);
    endwin();
    xmalloc_set_fatal_hook(NULL);
    tui_fini(&t);
    tui_pipe_close();
    delscreen(t.scr);
    return rc;
}
