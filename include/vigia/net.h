/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libcurl, loaded on first use (src/net/net.c).
 *
 * vigia is not linked against libcurl: libcurl and the libraries it pulls in
 * (TLS, HTTP/2, LDAP, Kerberos, SSH...) cost about 6 MiB of memory and 6 ms
 * at every start, and most starts (the console on a database that is in no
 * network and sends nothing, every CLI command but a few) never use them.
 * net_curl_load() dlopens "libcurl.so.4" once and fills a table of the
 * functions vigia calls; the macros below send the usual curl_* names through
 * that table, so the code in src/sync and src/send reads as plain libcurl.
 *
 * Only src/sync and src/send include this header, in place of <curl/curl.h>
 * (DESIGN.md: only they call curl_*), and they call net_curl_load() before
 * the first curl_* call: a relay session starting, a gateway about to be
 * used. A libcurl function not in the table is a link error ("undefined
 * reference to curl_..."): add it to struct net_curl and to net.c's list.
 */
#ifndef VIGIA_NET_H
#define VIGIA_NET_H

#include <stdbool.h>
#include <time.h>

#include <curl/curl.h>

/** The libcurl functions vigia uses, resolved by net_curl_load(). */
struct net_curl {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *easy);
    CURLcode (*easy_setopt)(CURL *easy, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *easy, CURLINFO info, ...);
    const char *(*easy_strerror)(CURLcode code);
    char *(*easy_escape)(CURL *easy, const char *s, int len);
    void (*free)(void *p);
    time_t (*getdate)(const char *s, const time_t *unused);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
    void (*slist_free_all)(struct curl_slist *list);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *multi);
    CURLMcode (*multi_setopt)(CURLM *multi, CURLMoption option, ...);
    CURLMcode (*multi_add_handle)(CURLM *multi, CURL *easy);
    CURLMcode (*multi_remove_handle)(CURLM *multi, CURL *easy);
    CURLMcode (*multi_perform)(CURLM *multi, int *running);
    CURLMcode (*multi_poll)(CURLM *multi, struct curl_waitfd *extra, unsigned n, int timeout_ms,
                            int *numfds);
    CURLMcode (*multi_fdset)(CURLM *multi, fd_set *r, fd_set *w, fd_set *e, int *maxfd);
    CURLMcode (*multi_timeout)(CURLM *multi, long *timeout_ms);
    CURLMcode (*multi_socket_action)(CURLM *multi, curl_socket_t s, int ev_bitmask, int *running);
    CURLMsg *(*multi_info_read)(CURLM *multi, int *msgs_in_queue);
};

/** The table; every pointer is NULL until net_curl_load() succeeds. */
extern struct net_curl net_curl;

/**
 * Load libcurl.so.4 and call curl_global_init, once per process; later calls
 * return at once. False with *err ("cannot load libcurl.so.4: ...") when the
 * library or one of its functions is missing.
 */
bool net_curl_load(char **err);

/** True once net_curl_load() has succeeded. */
bool net_curl_loaded(void);

/* The curl_* names used in src/sync and src/send, through the table. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#define curl_global_init net_curl.global_init
#define curl_easy_init net_curl.easy_init
#define curl_easy_cleanup net_curl.easy_cleanup
#define curl_easy_setopt net_curl.easy_setopt
#define curl_easy_getinfo net_curl.easy_getinfo
#define curl_easy_strerror net_curl.easy_strerror
#define curl_easy_escape net_curl.easy_escape
#define curl_free net_curl.free
#define curl_getdate net_curl.getdate
#define curl_slist_append net_curl.slist_append
#define curl_slist_free_all net_curl.slist_free_all
#define curl_multi_init net_curl.multi_init
#define curl_multi_cleanup net_curl.multi_cleanup
#define curl_multi_setopt net_curl.multi_setopt
#define curl_multi_add_handle net_curl.multi_add_handle
#define curl_multi_remove_handle net_curl.multi_remove_handle
#define curl_multi_perform net_curl.multi_perform
#define curl_multi_poll net_curl.multi_poll
#define curl_multi_fdset net_curl.multi_fdset
#define curl_multi_timeout net_curl.multi_timeout
#define curl_multi_socket_action net_curl.multi_socket_action
#define curl_multi_info_read net_curl.multi_info_read

#endif
