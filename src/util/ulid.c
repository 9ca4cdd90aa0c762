/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ULIDs: 48-bit millisecond time + 80 random bits, Crockford base 32. */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include <sodium.h>

#include "vigia/util.h"

static const char ulid_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/*
 * The random bits come from a pool refilled a few KB at a time: one
 * getrandom() per ULID was 200,000 system calls in an import of 100,000
 * reports (two ULIDs each). Per thread; a forked child starts with an empty
 * pool, so that parent and child never hand out the same bits.
 */
static _Thread_local unsigned char ulid_pool[4000];
static _Thread_local size_t ulid_pool_left;
static pthread_once_t ulid_pool_once = PTHREAD_ONCE_INIT;

static void ulid_pool_forget(void)
{
    sodium_memzero(ulid_pool, sizeof ulid_pool);
    ulid_pool_left = 0;
}

static void ulid_pool_init(void)
{
    if (pthread_atfork(NULL, NULL, ulid_pool_forget) != 0)
        util_fatal("cannot register a fork handler");
}

static void ulid_random(unsigned char *out, size_t n)
{
    pthread_once(&ulid_pool_once, ulid_pool_init);
    if (ulid_pool_left < n) {
        randombytes_buf(ulid_pool, sizeof ulid_pool);
        ulid_pool_left = sizeof ulid_pool;
    }
    /* Taken from the end and wiped: bits never serve twice. */
    ulid_pool_left -= n;
    memcpy(out, ulid_pool + ulid_pool_left, n);
    sodium_memzero(ulid_pool + ulid_pool_left, n);
}

void ulid_new(int64_t ms, char out[ULID_LEN + 1])
{
    unsigned char rnd[10];
    uint64_t t = (uint64_t)(ms < 0 ? 0 : ms);

    if (sodium_init() < 0)
        util_fatal("cannot initialise libsodium");
    ulid_random(rnd, sizeof rnd);
    for (int i = 9; i >= 0; i--) {
        out[i] = ulid_alphabet[t & 31];
        t >>= 5;
    }
    /* 80 bits -> 16 characters, 5 bits each. */
    for (int i = 0; i < 16; i++) {
        int bit = i * 5, v = 0;
        for (int k = 0; k < 5; k++) {
            int b = bit + k;
            v = (v << 1) | ((rnd[b / 8] >> (7 - b % 8)) & 1);
        }
        out[10 + i] = ulid_alphabet[v];
    }
    out[ULID_LEN] = '\0';
}

bool ulid_valid(const char *s)
{
    if (s == NULL || strlen(s) != ULID_LEN)
        return false;
    for (size_t i = 0; i < ULID_LEN; i++)
        if (strchr(ulid_alphabet, s[i]) == NULL || s[i] == '\0')
            return false;
    return s[0] <= '7';
}
