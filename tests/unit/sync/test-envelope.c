/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Envelopes (src/sync/envelope.c): a sealed, signed batch opens to the same
 * ops; every single flipped byte is caught by the signature or the seal;
 * truncations and junk are refused; the wrong key or signer is refused;
 * invites round-trip and damaged invites are refused.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "vigia/util.h"
#include "vigia/store.h"
#include "vigia/sync.h"

static struct store_op test_ops[3];

static void make_ops(const char *device)
{
    memset(test_ops, 0, sizeof test_ops);
    for (int i = 0; i < 3; i++) {
        test_ops[i].hlc = ((uint64_t)1763776000000 << 16) + (uint64_t)i;
        snprintf(test_ops[i].device, sizeof test_ops[i].device, "%s", device);
        test_ops[i].tbl = "reports";
        test_ops[i].row_id = "01M80G9XCYJ336WTG48N4HETFP";
    }
    test_ops[0].col = "what";
    test_ops[0].v = store_text("tres camionetas, \"vests\" \xc3\xb1");
    test_ops[1].col = "agents";
    test_ops[1].v = store_int(4);
    test_ops[2].col = "lat";
    test_ops[2].v = store_real(37.5);
}

static void seal(struct sync_header *h, unsigned char key[32], unsigned char pk[32],
                 unsigned char sk[64], unsigned char **env, size_t *len)
{
    char *pt, *pk64;

    memset(h, 0, sizeof *h);
    h->version = SYNC_ENVELOPE_VERSION;
    ulid_new(1000, h->network);
    ulid_new(2000, h->device);
    h->epoch = 3;
    h->seq = 42;
    randombytes_buf(key, 32);
    crypto_sign_keypair(pk, sk);
    make_ops(h->device);
    pk64 = sync_b64_encode(pk, 32);
    pt = sync_ops_encode(h, pk64, test_ops, 3);
    sync_envelope_seal(h, key, sk, pt, strlen(pt), env, len);
    free(pt);
    free(pk64);
}

static void test_roundtrip(void **state)
{
    struct sync_header h, h2;
    unsigned char key[32], pk[32], sk[64], *env;
    size_t len, ptlen, n;
    char *pt, *spk, *err = NULL;
    struct store_op *ops;

    (void)state;
    seal(&h, key, pk, sk, &env, &len);
    assert_int_equal(sync_envelope_header(env, len, &h2, &err), 0);
    assert_string_equal(h2.network, h.network);
    assert_string_equal(h2.device, h.device);
    assert_int_equal(h2.epoch, 3);
    assert_int_equal(h2.seq, 42);
    assert_true(sync_envelope_verify(env, len, pk));
    assert_int_equal(sync_envelope_open(env, len, key, &pt, &ptlen, &err), 0);
    /* The plaintext is not in the envelope. */
    for (size_t i = 0; i + 10 <= len; i++)
        assert_int_not_equal(memcmp(env + i, "camionetas", 10), 0);
    assert_int_equal(sync_ops_decode(&h2, pt, ptlen, &ops, &n, &spk, &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(ops[0].v.s, test_ops[0].v.s);
    assert_int_equal(ops[1].v.type, STORE_INT);
    assert_int_equal(ops[1].v.i, 4);
    assert_int_equal(ops[2].v.type, STORE_REAL);
    assert_true(ops[2].v.d == 37.5);
    assert_true(ops[0].hlc == test_ops[0].hlc);
    assert_string_equal(ops[0].device, h.device);
    store_ops_free(&ops, n);
    free(spk);
    free(pt);
    free(env);
}

static void test_every_flipped_byte_is_caught(void **state)
{
    struct sync_header h;
    unsigned char key[32], pk[32], sk[64], *env;
    size_t len, ptlen;
    char *pt;

    (void)state;
    seal(&h, key, pk, sk, &env, &len);
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            bool sig_ok, seal_ok;
            env[i] ^= (unsigned char)(1u << bit);
            sig_ok = sync_envelope_verify(env, len, pk);
            seal_ok = sync_envelope_open(env, len, key, &pt, &ptlen, NULL) == 0;
            if (seal_ok)
                free(pt);
            /* The signature covers every byte; the seal every byte but the signature. */
            if (sig_ok)
                fail_msg("flipped bit %d of byte %zu passed the signature", bit, i);
            if (seal_ok && i < len - 64)
                fail_msg("flipped bit %d of byte %zu passed the seal", bit, i);
            env[i] ^= (unsigned char)(1u << bit);
        }
    }
    assert_true(sync_envelope_verify(env, len, pk));
    free(env);
}

static void test_refusals(void **state)
{
    struct sync_header h, h2;
    unsigned char key[32], pk[32], sk[64], other[32], opk[32], osk[64], *env;
    size_t len, ptlen, n;
    char *pt = NULL, *spk, *err = NULL;
    struct store_op *ops;

    (void)state;
    seal(&h, key, pk, sk, &env, &len);
    /* Truncated anywhere. */
    for (size_t cut = 0; cut < len; cut += 7) {
        assert_false(sync_envelope_verify(env, cut, pk));
        assert_int_not_equal(sync_envelope_open(env, cut, key, &pt, &ptlen, NULL), 0);
    }
    assert_int_not_equal(sync_envelope_header((const unsigned char *)"junk", 4, &h2, &err), 0);
    assert_non_null(err);
    FREE(&err);
    /* Another key, another signer. */
    randombytes_buf(other, sizeof other);
    assert_int_not_equal(sync_envelope_open(env, len, other, &pt, &ptlen, &err), 0);
    FREE(&err);
    crypto_sign_keypair(opk, osk);
    assert_false(sync_envelope_verify(env, len, opk));
    /* Plaintexts that are not batches. */
    assert_int_not_equal(sync_ops_decode(&h, "{}", 2, &ops, &n, &spk, &err), 0);
    FREE(&err);
    assert_int_not_equal(sync_ops_decode(&h, "[1,2", 4, &ops, &n, &spk, &err), 0);
    FREE(&err);
    {
        static const char wrong_seq[] = "{\"v\":1,\"seq\":41,\"sign_pk\":\"x\",\"ops\":[]}";
        static const char bad_op[] =
            "{\"v\":1,\"seq\":42,\"sign_pk\":\"x\",\"ops\":[[1,\"reports\",\"r\",\"c\",{}]]}";
        static const char short_op[] =
            "{\"v\":1,\"seq\":42,\"sign_pk\":\"x\",\"ops\":[[1,\"reports\",\"r\"]]}";
        assert_int_not_equal(
            sync_ops_decode(&h, wrong_seq, strlen(wrong_seq), &ops, &n, &spk, &err), 0);
        FREE(&err);
        assert_int_not_equal(sync_ops_decode(&h, bad_op, strlen(bad_op), &ops, &n, &spk, &err), 0);
        FREE(&err);
        assert_int_not_equal(sync_ops_decode(&h, short_op, strlen(short_op), &ops, &n, &spk, &err),
                             0);
        FREE(&err);
    }
    free(env);
}

static void test_invite(void **state)
{
    struct sync_invite inv, back;
    char *text, *err = NULL;

    (void)state;
    memset(&inv, 0, sizeof inv);
    inv.relay = xstrdup("https://relay.example.org/vigia");
    ulid_new(5000, inv.network);
    inv.epoch = 2;
    inv.nkeys = 2;
    inv.keys[0].epoch = 1;
    inv.keys[1].epoch = 2;
    randombytes_buf(inv.keys[0].key, 32);
    randombytes_buf(inv.keys[1].key, 32);
    text = sync_invite_format(&inv);
    assert_non_null(strstr(text, "vigia-invite-1."));
    assert_null(strchr(text, '\n'));
    assert_null(strchr(text, ' '));
    assert_int_equal(sync_invite_parse(text, &back, &err), 0);
    assert_string_equal(back.relay, inv.relay);
    assert_string_equal(back.network, inv.network);
    assert_int_equal(back.epoch, 2);
    assert_int_equal(back.nkeys, 2);
    for (size_t i = 0; i < 2; i++)
        for (size_t j = 0; j < 2; j++)
            if (back.keys[i].epoch == inv.keys[j].epoch)
                assert_memory_equal(back.keys[i].key, inv.keys[j].key, 32);
    sync_invite_fini(&back);
    /* Damaged: cut short, another prefix, junk. */
    text[strlen(text) / 2] = '\0';
    assert_int_not_equal(sync_invite_parse(text, &back, &err), 0);
    FREE(&err);
    assert_int_not_equal(sync_invite_parse("vigia-invite-2.abc", &back, &err), 0);
    FREE(&err);
    assert_int_not_equal(sync_invite_parse("vigia-invite-1.!!!", &back, &err), 0);
    FREE(&err);
    free(text);
    sync_invite_fini(&inv);
}

static void test_auth_token(void **state)
{
    unsigned char key[32], v1[32], v2[32];
    char t1[65], t2[65];

    (void)state;
    memset(key, 7, sizeof key);
    sync_auth_verifier(key, 1, v1);
    sync_auth_verifier(key, 2, v2);
    assert_memory_not_equal(v1, v2, 32);
    assert_memory_not_equal(v1, key, 32);
    sync_auth_token(v1, "01M80G9XAEAMFXWWS046HVEVXX", t1);
    sync_auth_token(v1, "01M80G9XBNKH1Y30CYYR98F1ED", t2);
    assert_int_equal(strlen(t1), 64);
    assert_string_not_equal(t1, t2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),  cmocka_unit_test(test_every_flipped_byte_is_caught),
        cmocka_unit_test(test_refusals),   cmocka_unit_test(test_invite),
        cmocka_unit_test(test_auth_token),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
