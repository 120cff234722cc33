// Keccak-256 (keccak.h) from Crypto++: a C entry point around
// CryptoPP::Keccak_256, which keeps the original Keccak padding. No C++
// exception crosses into the C code that calls it.
#include "keccak.h"

#include <cryptopp/keccak.h>

extern "C" wf_err wf_keccak256(uint8_t out[WF_KECCAK256_BYTES], const uint8_t *in, size_t len)
{
    if (out == nullptr || (in == nullptr && len > 0))
        return WF_ERR_ARG;
    static_assert(CryptoPP::Keccak_256::DIGESTSIZE == WF_KECCAK256_BYTES, "Keccak-256 digest size");
    try {
        CryptoPP::Keccak_256 hash;
        if (len > 0)
            hash.Update(in, len);
        hash.Final(out);
        return WF_OK;
    } catch (...) {
        return WF_ERR_INTERNAL;
    }
}
