// Runs tests/js/address_sample (path in argv[2]) and recomputes every address
// it prints with bitcoinjs-lib, an implementation that shares nothing with
// ours (its own SHA-256, RIPEMD-160 and Bech32). Exit 0 when all match, 1 on
// any mismatch, 77 (ctest's SKIP_RETURN_CODE) when node_modules is missing.
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const SKIP = 77;
const EXPECTED_LINES = (3 + 100) * 3; // (edge + random keys) x HRPs

if (!fs.existsSync(path.join(__dirname, 'node_modules', 'bitcoinjs-lib'))) {
  console.log('SKIP: tests/js/node_modules is missing; scripts/setup installs it (npm ci in tests/js)');
  process.exit(SKIP);
}
const { payments, networks } = require('bitcoinjs-lib');

const NETWORKS = { bc: networks.bitcoin, tb: networks.testnet, bcrt: networks.regtest };

const sample = process.argv[2];
if (!sample) {
  console.error('usage: node check_addresses.js <address_sample binary>');
  process.exit(2);
}
const lines = execFileSync(sample, { encoding: 'utf8' }).split('\n').filter((l) => l !== '');

let passed = 0;
let failed = 0;
for (const line of lines) {
  const [pubhex, hrp, ours] = line.split(' ');
  const network = NETWORKS[hrp];
  let theirs;
  try {
    theirs = network && payments.p2wpkh({ pubkey: Buffer.from(pubhex, 'hex'), network }).address;
  } catch (e) {
    theirs = `error: ${e.message}`;
  }
  if (theirs === ours) {
    passed++;
  } else {
    failed++;
    console.error(`mismatch for ${pubhex} (${hrp}): ours ${ours}, bitcoinjs-lib ${theirs}`);
  }
}
if (lines.length !== EXPECTED_LINES) {
  failed++;
  console.error(`expected ${EXPECTED_LINES} lines from ${sample}, got ${lines.length}`);
}
console.log(`address_crosscheck: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
