/* protocol/record.c, a key's public record alone (what a reshare sends a new
 * member): it round-trips; a single-bit change is refused or gives another
 * record (never a second encoding of this one), a truncation is refused, and a
 * record whose share points or public key do not follow from its
 * commitments is refused (WF_ERR_VERIFY) though it parses. */
#include <string.h>

#include "crypto/secmem.h"
#include "protocol/record.h"
#include "tests/check.h"
#include "tests/protocol_dealer.h"

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_key_share *keys[3];
    wf_test_deal_key(keys, 3, 2, (const uint32_t[]){0, 1, 1});
    const wf_key_public *pub = &keys[0]->pub;
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_OK(wf_record_key_public_encode(pub, &buf, &len));
    wf_key_public back;
    CHECK_OK(wf_record_key_public_decode(&back, buf, len));
    uint8_t d1[32], d2[32];
    CHECK_OK(wf_key_public_digest(pub, d1));
    CHECK_OK(wf_key_public_digest(&back, d2));
    CHECK(memcmp(d1, d2, 32) == 0 && back.n == 3 && back.t == 2);

    /* a changed bit is refused, or (inside key id, chain code or rid, which
     * any bytes fill) gives another record: never a second encoding of this
     * one. Every bit; in the light (valgrind) pass a sample, every byte
     * included (wf_test_flip_mask): each decode checks the record's points. */
    int ok = 1, refused = 0, flipped = 0;
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            if (!(wf_test_flip_mask(i, len) & (1u << bit)))
                continue;
            flipped++;
            buf[i] ^= (uint8_t)(1u << bit);
            wf_key_public x;
            uint8_t dx[32];
            if (wf_record_key_public_decode(&x, buf, len) != WF_OK)
                refused++;
            else
                ok &= wf_key_public_digest(&x, dx) == WF_OK && memcmp(dx, d1, 32) != 0;
            buf[i] ^= (uint8_t)(1u << bit);
        }
    CHECK(ok && refused > flipped / 2);
    CHECK(flipped >= (int)len);
    for (size_t cut = 0; cut < len; cut++) {
        wf_key_public x;
        CHECK(wf_record_key_public_decode(&x, buf, cut) != WF_OK);
    }
    free(buf);

    /* a share point that does not follow from the commitments */
    wf_key_public bad = *pub;
    bad.X[1] = bad.X[0]; /* (ranks {0,1,1}, t = 2: X[1] = X[2] = a_1·G rightly) */
    CHECK_OK(wf_record_key_public_encode(&bad, &buf, &len));
    wf_key_public x;
    CHECK_ERR(wf_record_key_public_decode(&x, buf, len), WF_ERR_VERIFY);
    free(buf);
    bad = *pub;
    bad.public_key = bad.X[0];
    CHECK_OK(wf_record_key_public_encode(&bad, &buf, &len));
    CHECK_ERR(wf_record_key_public_decode(&x, buf, len), WF_ERR_VERIFY);
    free(buf);
    CHECK(wf_record_key_public_encode(NULL, &buf, &len) == WF_ERR_ARG);
    for (int j = 0; j < 3; j++)
        wf_key_share_free(keys[j]);
    return wf_check_summary("test_record_public");
}
