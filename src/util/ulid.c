/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ULIDs: 48-bit millisecond time + 80 random bits, Crockford base 32. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "vigia/util.h"

static const char ulid_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void ulid_new(int64_t ms, char out[ULID_LEN + 1])
{
    unsigned char rnd[10];
    uint64_t t = (uint64_t)(ms < 0 ? 0 : ms);

    if (sodium_init() < 0)
        util_fatal("cannot initialise libsodium");
    randombytes_buf(rnd, sizeof rnd);
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
