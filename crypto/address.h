/* Deposit addresses for a public key, computed with no I/O and no protocol
 * run (DESIGN.md §3, "HD wallets"): derive the child key with bip32.h, then
 * write its address here.
 *
 * Bitcoin P2WPKH (segwit v0, BIP-141/BIP-173): the witness program is
 * HASH160(serP(key)) = RIPEMD-160(SHA-256(33-byte compressed key)), written as
 * Bech32 with witness version 0. Both hashes come from OpenSSL's EVP interface
 * (hash.h); OpenSSL 3.0.7 and later (Debian 12 ships 3.0.x >= 3.0.11) serve
 * RIPEMD-160 from the default provider, so no legacy provider is loaded.
 *
 * Every function refuses a NULL argument (WF_ERR_ARG), the point at infinity
 * (WF_ERR_INFINITY) and a wf_point whose coordinates are not on secp256k1
 * (WF_ERR_NOT_ON_CURVE): an address for a key nobody can sign for would lose
 * whatever is sent to it. Keys are public: nothing here is constant time. */
#ifndef WF_ADDRESS_H
#define WF_ADDRESS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "hash.h"
#include "point.h"

/* The human-readable parts of the networks' segwit addresses. */
#define WF_ADDRESS_HRP_MAINNET "bc"
#define WF_ADDRESS_HRP_TESTNET "tb" /* testnet and signet */
#define WF_ADDRESS_HRP_REGTEST "bcrt"

/* Longest P2WPKH address and its NUL: "bcrt" '1' + 33 data + 6 checksum. */
#define WF_ADDRESS_P2WPKH_MAX_BYTES 45

/* HASH160 of the 33-byte compressed key: the P2WPKH witness program (and the
 * P2PKH payload). */
wf_err wf_address_hash160(uint8_t out[WF_HASH160_BYTES], const wf_point *pub);

/* Writes the P2WPKH address of pub as a NUL-terminated lowercase string.
 * hrp must be one of WF_ADDRESS_HRP_MAINNET, _TESTNET or _REGTEST (compared
 * as strings); any other is refused with WF_ERR_ARG. out_cap is the size of
 * out; less than the address and its NUL gives WF_ERR_ARG
 * (WF_ADDRESS_P2WPKH_MAX_BYTES is always enough). On any failure out (when
 * not NULL and out_cap > 0) holds the empty string. */
wf_err wf_address_p2wpkh(char *out, size_t out_cap, const wf_point *pub, const char *hrp);

#endif
