// Runs tests/js/address_sample (path in argv[2]) and recomputes every address
// it prints with implementations that share nothing with ours: bitcoinjs-lib
// for P2WPKH (its own SHA-256, RIPEMD-160 and Bech32), ethers for Ethereum
// (computeAddress: its own point decompression, Keccak-256 and EIP-55 casing).
// Exit 0 when all match, 1 on any mismatch, 77 (ctest's SKIP_RETURN_CODE) when
// node_modules lacks either package.
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const SKIP = 77;
const KINDS_PER_KEY = 3 + 1; // the HRPs, then "eth"
const EXPECTED_LINES = (3 + 100) * KINDS_PER_KEY; // (edge + random keys) x kinds

for (const pkg of ['bitcoinjs-lib', 'ethers']) {
  if (!fs.existsSync(path.join(__dirname, 'node_modules', pkg))) {
    console.log(`SKIP: tests/js/node_modules has no ${pkg}; scripts/setup installs it (npm ci in tests/js)`);
    process.exit(SKIP);
  }
}
const { payments, networks } = require('bitcoinjs-lib');
const { computeAddress } = require('ethers');

const NETWORKS = { bc: networks.bitcoin, tb: networks.testnet, bcrt: networks.regtest };
const LIBRARY = { bc: 'bitcoinjs-lib', tb: 'bitcoinjs-lib', bcrt: 'bitcoinjs-lib', eth: 'ethers' };

// The address another implementation gives for the compressed key pubhex.
function theirAddress(pubhex, kind) {
  if (kind === 'eth') {
    return computeAddress(`0x${pubhex}`);
  }
  const network = NETWORKS[kind];
  return network && payments.p2wpkh({ pubkey: Buffer.from(pubhex, 'hex'), network }).address;
}

const sample = process.argv[2];
if (!sample) {
  console.error('usage: node check_addresses.js <address_sample binary>');
  process.exit(2);
}
const lines = execFileSync(sample, { encoding: 'utf8' }).split('\n').filter((l) => l !== '');

let passed = 0;
let failed = 0;
const counts = {};
for (const line of lines) {
  const [pubhex, kind, ours] = line.split(' ');
  let theirs;
  try {
    theirs = theirAddress(pubhex, kind);
  } catch (e) {
    theirs = `error: ${e.message}`;
  }
  counts[kind] = (counts[kind] || 0) + 1;
  if (theirs === ours) {
    passed++;
  } else {
    failed++;
    console.error(`mismatch for ${pubhex} (${kind}): ours ${ours}, ${LIBRARY[kind] || 'no library'} ${theirs}`);
  }
}
if (lines.length !== EXPECTED_LINES) {
  failed++;
  console.error(`expected ${EXPECTED_LINES} lines from ${sample}, got ${lines.length}`);
}
for (const kind of [...Object.keys(NETWORKS), 'eth']) {
  if (counts[kind] !== EXPECTED_LINES / KINDS_PER_KEY) {
    failed++;
    console.error(`expected ${EXPECTED_LINES / KINDS_PER_KEY} ${kind} lines, got ${counts[kind] || 0}`);
  }
}
console.log(`address_crosscheck: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
