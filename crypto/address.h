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
 * Ethereum (the Yellow Paper's A(p), EIP-55): the last 20 bytes of Keccak-256
 * of the 64-byte uncompressed key x || y (no 0x04 prefix), written as "0x" and
 * 40 hex digits whose letters carry EIP-55's mixed-case checksum. Keccak-256
 * is keccak.h (Crypto++).
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

/* An Ethereum address: its 20 bytes, and "0x" + 40 hex digits + NUL. */
#define WF_ADDRESS_ETH_RAW_BYTES 20
#define WF_ADDRESS_ETH_BYTES     43

/* Writes the Ethereum address of pub as a NUL-terminated string in EIP-55's
 * mixed case, e.g. "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf" for 1·G.
 * out_cap is the size of out; less than WF_ADDRESS_ETH_BYTES gives
 * WF_ERR_ARG. On any failure out (when not NULL and out_cap > 0) holds the
 * empty string. */
wf_err wf_address_eth(char *out, size_t out_cap, const wf_point *pub);

/* Writes the 20-byte address raw in EIP-55's mixed case (an address known
 * only as bytes, or one to re-case), with the same out/out_cap rules as
 * wf_address_eth; raw NULL gives WF_ERR_ARG. */
wf_err wf_address_eth_encode(char *out, size_t out_cap, const uint8_t raw[WF_ADDRESS_ETH_RAW_BYTES]);

#endif
