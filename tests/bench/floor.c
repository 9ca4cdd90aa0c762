/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The floor program for the console benchmark (tests/bench/bench-console.py).
 *
 * NOT PART OF THE PRODUCT: a deliberately minimal ncursesw + SQLite program
 * that shows what a terminal list over 100,000 rows costs at the least. It
 * calls sqlite3 and curses directly, which the product's layers forbid, and
 * is built only as a benchmark helper.
 *
 *   floor --init DB [N]   create DB with a table of N (100000) generated rows
 *   floor DB              draw the first page (ORDER BY ... LIMIT rows) at the
 *                         terminal size; j/k move a highlighted row, q quits
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>
#include <sqlite3.h>

static const char floor_init_sql[] =
    "CREATE TABLE rows (id INTEGER PRIMARY KEY, priority INTEGER, received_at INTEGER,"
    " status TEXT, category TEXT, area TEXT, what TEXT);"
    "CREATE INDEX rows_queue ON rows(priority DESC, received_at DESC, id DESC);"
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)"
    " INSERT INTO rows SELECT i, (i * 7) % 100, 1700000000000 + i * 1000,"
    " 'new', 'enforcement_sighting', 'area ' || (i % 40),"
    " 'three SUVs and a van, men in vests talking to day laborers #' || i FROM n;";

static int floor_init(const char *path, int n)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    const char *tail = floor_init_sql;
    int rc = SQLITE_OK;

    if (sqlite3_open(path, &db) != SQLITE_OK)
        return 1;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    while (rc == SQLITE_OK && *tail &&
           (rc = sqlite3_prepare_v2(db, tail, -1, &st, &tail)) == SQLITE_OK && st) {
        sqlite3_bind_int(st, 1, n);
        sqlite3_step(st);
        rc = sqlite3_finalize(st);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        fprintf(stderr, "floor: %s\n", sqlite3_errmsg(db));
    sqlite3_close(db);
    return rc != SQLITE_OK;
}

int main(int argc, char **argv)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int sel = 0, nrows = 0, total = 0, ch;

    if (argc >= 3 && strcmp(argv[1], "--init") == 0)
        return floor_init(argv[2], argc > 3 ? atoi(argv[3]) : 100000);
    if (argc != 2 || sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fputs("usage: floor [--init] DB [N]\n", stderr);
        return 2;
    }
    setlocale(LC_ALL, "");
    initscr();
    cbreak();
    noecho();
    curs_set(0);
    sqlite3_prepare_v2(db,
                       "SELECT id, priority, status, category, area, what FROM rows"
                       " ORDER BY priority DESC, received_at DESC, id DESC LIMIT ?1",
                       -1, &st, NULL);
    sqlite3_bind_int(st, 1, LINES - 2);
    mvprintw(0, 0, "%-7s %3s %-6s %-20s %-8s %s", "id", "pri", "status", "category", "area",
             "what");
    for (int y = 1; sqlite3_step(st) == SQLITE_ROW; y++, nrows++)
        mvprintw(y, 0, "%-7d %3d %-6.6s %-20.20s %-8.8s %.*s", sqlite3_column_int(st, 0),
                 sqlite3_column_int(st, 1), sqlite3_column_text(st, 2), sqlite3_column_text(st, 3),
                 sqlite3_column_text(st, 4), COLS - 50, sqlite3_column_text(st, 5));
    sqlite3_finalize(st);
    sqlite3_prepare_v2(db, "SELECT count(*) FROM rows", -1, &st, NULL);
    if (sqlite3_step(st) == SQLITE_ROW)
        total = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    mvprintw(LINES - 1, 0, "floor  %d rows  j/k move  q quit", total);
    mvchgat(LINES - 1, 0, -1, A_REVERSE, 0, NULL);
    do {
        mvchgat(sel + 1, 0, -1, A_REVERSE, 0, NULL);
        refresh();
        ch = getch();
        mvchgat(sel + 1, 0, -1, A_NORMAL, 0, NULL);
        if (ch == 'j' && sel + 1 < nrows)
            sel++;
        else if (ch == 'k' && sel > 0)
            sel--;
    } while (ch != 'q' && ch != ERR);
    endwin();
    sqlite3_close(db);
    return 0;
}
