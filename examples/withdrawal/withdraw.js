#!/usr/bin/env node
// A small withdrawal service on a warifu cluster. It holds no private key and
// speaks to the cluster only through the `warifu` CLI; everything it builds
// or checks on its side is done with libraries that share no code with
// warifu: ethers (BIP32 derivation from the xpub, EIP-1559 transactions,
// EIP-55), bitcoinjs-lib (P2WPKH, PSBT, BIP143 sighash) and @noble/curves
// (ECDSA verification).
//
// For one withdrawal it
//   1. takes the key's xpub from the cluster, derives m/0/1 (the Ethereum
//      sender) and m/0/2 (the Bitcoin sender) itself and checks that the
//      cluster reports the same public keys and addresses;
//   2. builds an EIP-1559 transfer from m/0/1, has the cluster sign its
//      unsigned hash, serialises it and checks the sender ethers recovers;
//   3. builds a P2WPKH spend from m/0/2, has the cluster sign its BIP143
//      sighash, checks the input's signature, finalises and extracts it;
//   4. prints the addresses, transaction hashes and raw transactions.
//
// Several nodes may be given: a request a node cannot answer now (warifu's
// exit codes 4, no answer, and 5, retry) is asked again of the next node
// with the SAME request id, which is safe — the cluster returns the same
// signature (or key) for a request id and never signs another digest with it.
//
// Exit codes: 0 verified; 1 a check failed (a mismatch); 2 a bad command
// line or missing packages; 3 the cluster did not do what was asked.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const EXIT_MISMATCH = 1;
const EXIT_USAGE = 2;
const EXIT_CLUSTER = 3;

// warifu's exit codes after which another node may answer (warifu --help).
const WARIFU_UNREACHABLE = 4;
const WARIFU_RETRY = 5;

const USAGE = `usage: node withdraw.js --warifu BIN --client DIR --node URL,CERT [--node URL,CERT ...]
                          [--key KEY_ID] [--id WITHDRAWAL_ID]
       node withdraw.js --sim D [--warifu BIN] [--key KEY_ID] [--id WITHDRAWAL_ID]

  --warifu BIN     the warifu CLI (build/node/warifu)
  --client DIR     the client directory made by \`warifu client-init\`
  --node URL,CERT  a node's client API (tls+tcp://HOST:PORT) and its TLS certificate;
                   nodes are asked in order, the next one when a node cannot answer
  --sim D          take warifu, the client directory and the nodes from D/sim.json
                   (written by \`warifu-sim up --dir D\`)
  --key KEY_ID     the key to withdraw from (64 hex digits); without it a new key is
                   made with \`warifu keygen\`
  --id ID          the withdrawal's id, part of its request ids (1..24 of A-Z a-z 0-9 . _ -;
                   default wd-0001): the same id and transaction get the same signatures`;

class Failure extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function usage(message) {
  return new Failure(EXIT_USAGE, `${message}\n${USAGE}`);
}

function check(ok, message) {
  if (!ok) {
    throw new Failure(EXIT_MISMATCH, `mismatch: ${message}`);
  }
}

let bitcoin;
let ethers;
let secp256k1;
function loadLibraries() {
  try {
    bitcoin = require('bitcoinjs-lib');
    ethers = require('ethers');
    // ethers exposes signing and public-key recovery but no ECDSA verify, and
    // bitcoinjs-lib's validateSignaturesOfInput wants one. @noble/curves is
    // what ethers itself is built on, pinned (package.json) at the version
    // ethers 6.17.0 depends on, so npm keeps a single copy of it.
    ({ secp256k1 } = require('@noble/curves/secp256k1'));
  } catch (e) {
    throw new Failure(
      EXIT_USAGE,
      `cannot load the npm packages (${e.message.split('\n')[0]}); run scripts/setup (npm ci in examples/withdrawal)`,
    );
  }
}

// ---- the command line ----

function parseArgs(argv) {
  const o = { nodes: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (!['--warifu', '--client', '--node', '--key', '--sim', '--id'].includes(flag)) {
      throw usage(`unknown argument ${flag}`);
    }
    const value = argv[++i];
    if (value === undefined) {
      throw usage(`${flag} needs a value`);
    }
    if (flag === '--node') {
      const comma = value.indexOf(',');
      if (comma <= 0 || comma === value.length - 1) {
        throw usage(`--node ${value}: expected URL,CERT`);
      }
      o.nodes.push({
        name: value.slice(0, comma),
        url: value.slice(0, comma),
        cert: value.slice(comma + 1),
      });
    } else {
      const key = flag.slice(2);
      if (o[key] !== undefined) {
        throw usage(`${flag} given twice`);
      }
      o[key] = value;
    }
  }
  if (o.sim !== undefined) {
    if (o.client !== undefined || o.nodes.length > 0) {
      throw usage('--sim replaces --client and --node; give one or the other');
    }
    readSim(o);
  }
  if (o.warifu === undefined) throw usage('--warifu is required');
  if (o.client === undefined) throw usage('--client is required');
  if (o.nodes.length === 0) throw usage('at least one --node is required');
  if (o.key !== undefined && !/^[0-9a-f]{64}$/.test(o.key)) {
    throw usage('--key must be a key id: 64 lower-case hex digits');
  }
  if (o.id === undefined) o.id = 'wd-0001';
  if (!/^[A-Za-z0-9._-]{1,24}$/.test(o.id)) {
    throw usage('--id must be 1..24 of A-Z a-z 0-9 . _ -');
  }
  return o;
}

// D/sim.json, as `warifu-sim up --dir D` writes it (simulator/sim_layout.c):
//   {"version": 1, "warifu": BIN, "client_dir": DIR, "threshold": T,
//    "nodes": [{"name", "rank", "region", "client_url", "node_cert", "http_url"}, ...]}
// with the nodes in member order. --warifu, if given, wins over "warifu".
//
// The simulator writes each path as D joined with the file's name, D as up
// was given it: absolute paths when D was absolute, else paths relative to
// the directory up ran in ("sim/client" for --dir sim), which sim.json does
// not record and which need not be ours. An absolute path is taken as it
// is; a relative one is looked for, in this order,
//   1. under D as it stands (a hand-written sim.json naming D's own files),
//   2. under D with its leading components dropped one at a time
//      ("sim/client" is D/client, wherever up and we run),
//   3. from the current directory (up's, when it is ours),
// and the first that exists is taken. "warifu" (the CLI, absolute when up
// found it itself) is looked for only as in 1 and 3.
function simPath(dir, p, what, file, dropLeading) {
  if (path.isAbsolute(p)) return p;
  const tried = [path.resolve(dir, p)];
  if (dropLeading) {
    const parts = p.split('/').filter((c) => c !== '' && c !== '.');
    for (let i = 1; i < parts.length; i++) tried.push(path.resolve(dir, ...parts.slice(i)));
  }
  tried.push(path.resolve(p));
  const found = tried.find((t) => fs.existsSync(t));
  if (found === undefined) {
    throw usage(`--sim: ${file} names ${what} ${p}, found neither as ${[...new Set(tried)].join(' nor ')}`);
  }
  return found;
}

function readSim(o) {
  const file = path.join(o.sim, 'sim.json');
  let sim;
  try {
    sim = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw usage(`--sim: cannot read ${file}: ${e.message}`);
  }
  const str = (v) => typeof v === 'string' && v !== '';
  if (sim === null || typeof sim !== 'object') {
    throw usage(`--sim: ${file} is not a JSON object`);
  }
  if (sim.version !== undefined && sim.version !== 1) {
    throw usage(`--sim: ${file} is version ${sim.version}; this example reads version 1`);
  }
  if (!str(sim.client_dir) || !Array.isArray(sim.nodes) || sim.nodes.length === 0 ||
      (o.warifu === undefined && !str(sim.warifu))) {
    throw usage(`--sim: ${file} lacks warifu, client_dir or nodes`);
  }
  if (o.warifu === undefined) o.warifu = simPath(o.sim, sim.warifu, 'the warifu CLI', file, false);
  o.client = simPath(o.sim, sim.client_dir, 'the client directory', file, true);
  sim.nodes.forEach((n, i) => {
    if (!n || !str(n.client_url) || !str(n.node_cert)) {
      throw usage(`--sim: node ${i} in ${file} lacks client_url or node_cert`);
    }
    const name = str(n.name) ? n.name : n.client_url;
    o.nodes.push({
      name,
      url: n.client_url,
      cert: simPath(o.sim, n.node_cert, `${name}'s certificate`, file, true),
    });
  });
}

// ---- the cluster, through the warifu CLI ----

class Cluster {
  constructor(warifu, clientDir, nodes) {
    this.warifu = warifu;
    this.clientDir = clientDir;
    this.nodes = nodes;
  }

  // Runs `warifu COMMAND ... --json` against each node in turn until one
  // answers; only exits 4 and 5 move on to the next node. Returns the JSON.
  ask(command, args) {
    const tried = [];
    for (const node of this.nodes) {
      const argv = [command, '--client', this.clientDir, '--node-url', node.url, '--node-cert', node.cert,
        ...args, '--json'];
      const r = spawnSync(this.warifu, argv, { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (r.error) {
        throw new Failure(EXIT_USAGE, `cannot run ${this.warifu}: ${r.error.message}`);
      }
      const why = (r.stderr || '').trim() || (r.signal ? `killed by ${r.signal}` : `exit ${r.status}`);
      if (r.status === 0) {
        try {
          return JSON.parse(r.stdout);
        } catch (e) {
          throw new Failure(EXIT_CLUSTER, `warifu ${command} on ${node.name} printed no JSON: ${r.stdout}`);
        }
      }
      if (r.status !== WARIFU_UNREACHABLE && r.status !== WARIFU_RETRY) {
        const how = r.signal ? r.signal : `exit ${r.status}`;
        throw new Failure(EXIT_CLUSTER, `warifu ${command} on ${node.name} failed (${how}): ${why}`);
      }
      tried.push(`${node.name}: ${why}`);
      if (node !== this.nodes[this.nodes.length - 1]) {
        console.error(`withdraw: ${node.name} could not answer ${command} (exit ${r.status}); ` +
          'asking the next node with the same request');
      }
    }
    throw new Failure(EXIT_CLUSTER, `no node could answer ${command}:\n  ${tried.join('\n  ')}`);
  }

  keygen(requestId) {
    return this.ask('keygen', ['--request-id', requestId]);
  }

  pubkey(keyId) {
    return this.ask('pubkey', ['--key', keyId]);
  }

  address(keyId, hdPath) {
    return this.ask('address', ['--key', keyId, '--path', hdPath]);
  }

  // Signs a 32-byte digest (hex, no 0x) for the child at hdPath and checks
  // that the answer is for what was asked, by the public key expected.
  sign(keyId, hdPath, digest, requestId, publicKey) {
    const s = this.ask('sign', ['--key', keyId, '--path', hdPath, '--digest', digest, '--request-id', requestId]);
    check(s.digest === digest && s.key_id === keyId && s.path === hdPath && s.request_id === requestId,
      `the cluster's signature for ${requestId} names another digest, key or path`);
    check(s.public_key === publicKey,
      `the cluster signed ${hdPath} with public key ${s.public_key}, derived from the xpub: ${publicKey}`);
    check(/^[0-9a-f]{64}$/.test(s.r) && /^[0-9a-f]{64}$/.test(s.s) && Number.isInteger(s.v) &&
      /^[0-9a-f]+$/.test(s.der), `malformed signature from the cluster: ${JSON.stringify(s)}`);
    return s;
  }
}

// A request id for one signature of a withdrawal: asking again for the same
// transaction gives the same id (and so the same signature, even across runs
// or nodes); another transaction or key gives another id. At most 64
// printable characters (warifu --help).
function requestId(withdrawal, chain, keyId, hdPath, digest) {
  const h = crypto.createHash('sha256').update(`${keyId} ${hdPath} ${digest}`).digest('hex');
  return `${withdrawal.id}-${chain}-${h.slice(0, 32)}`;
}

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const strip0x = (s) => (s.startsWith('0x') ? s.slice(2) : s);

// ---- the withdrawal ----

// What is withdrawn. The destinations are fixed example addresses (the
// EIP-55 and BIP173 test vectors); the Bitcoin input spends a made-up
// previous output, so the raw transaction is well formed and correctly
// signed but spends nothing that exists.
function theWithdrawal(id) {
  return {
    id,
    eth: {
      path: 'm/0/1',
      chainId: 1n,
      nonce: 7,
      maxFeePerGas: ethers.parseUnits('30', 'gwei'),
      maxPriorityFeePerGas: ethers.parseUnits('1.5', 'gwei'),
      gasLimit: 21000n,
      to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
      value: ethers.parseEther('0.25'),
    },
    btc: {
      path: 'm/0/2',
      prevTxid: crypto.createHash('sha256').update('warifu withdrawal example funding').digest('hex'),
      prevVout: 1,
      prevValue: 250000, // satoshi
      to: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
      amount: 150000,
      fee: 1000, // about 7 sat/vB for one P2WPKH input and two outputs
    },
  };
}

// Non-hardened derivation from the xpub, done by ethers alone.
function deriveChild(root, hdPath) {
  const steps = hdPath.split('/');
  if (steps[0] !== 'm') throw new Error(`bad path ${hdPath}`);
  let node = root;
  for (const step of steps.slice(1)) {
    const index = Number(step);
    if (!/^[0-9]+$/.test(step) || index >= 0x80000000) {
      throw new Error(`${hdPath}: only non-hardened steps can be derived from an xpub`);
    }
    node = node.deriveChild(index);
  }
  return node;
}

// Step 1: the key's xpub from the cluster, children derived here, and the
// cluster's own view of those children compared with ours.
function senders(cluster, keyId, withdrawal, keygenAnswer) {
  const key = cluster.pubkey(keyId);
  check(key.key_id === keyId, `pubkey answered for key ${key.key_id}, asked for ${keyId}`);
  if (keygenAnswer) {
    check(keygenAnswer.xpub === key.xpub && keygenAnswer.public_key === key.public_key,
      'keygen and pubkey report different keys');
  }
  const root = ethers.HDNodeWallet.fromExtendedKey(key.xpub);
  check(root instanceof ethers.HDNodeVoidWallet, 'the key\'s xpub is not a public extended key');
  check(root.depth === 0, `the key's xpub has depth ${root.depth}, expected a master key`);
  check(strip0x(root.publicKey) === key.public_key,
    `the xpub's public key ${root.publicKey} is not the key's ${key.public_key}`);

  const child = (hdPath) => {
    const node = deriveChild(root, hdPath);
    const theirs = cluster.address(keyId, hdPath);
    const publicKey = strip0x(node.publicKey);
    check(theirs.path === hdPath, `address answered for ${theirs.path}, asked for ${hdPath}`);
    check(theirs.public_key === publicKey,
      `${hdPath}: warifu's public key ${theirs.public_key}, ethers derives ${publicKey}`);
    return { node, publicKey, theirs };
  };

  const eth = child(withdrawal.eth.path);
  // ethers' address is EIP-55 mixed case; the exact string is compared.
  check(eth.theirs.eth === eth.node.address,
    `${withdrawal.eth.path}: warifu's ETH address ${eth.theirs.eth}, ethers derives ${eth.node.address}`);

  const btc = child(withdrawal.btc.path);
  // warifu prints mainnet P2WPKH addresses (HRP "bc").
  const p2wpkh = bitcoin.payments.p2wpkh({
    pubkey: Buffer.from(btc.publicKey, 'hex'), network: bitcoin.networks.bitcoin,
  });
  check(btc.theirs.btc === p2wpkh.address,
    `${withdrawal.btc.path}: warifu's BTC address ${btc.theirs.btc}, bitcoinjs-lib derives ${p2wpkh.address}`);

  return {
    rootXpub: key.xpub,
    eth: { path: withdrawal.eth.path, publicKey: eth.publicKey, address: eth.node.address },
    btc: { path: withdrawal.btc.path, publicKey: btc.publicKey, address: p2wpkh.address, p2wpkh },
  };
}

// Step 2: an EIP-1559 transfer from the m/0/1 address.
function ethereumWithdrawal(cluster, keyId, withdrawal, sender) {
  const w = withdrawal.eth;
  const tx = ethers.Transaction.from({
    type: 2,
    chainId: w.chainId,
    nonce: w.nonce,
    maxFeePerGas: w.maxFeePerGas,
    maxPriorityFeePerGas: w.maxPriorityFeePerGas,
    gasLimit: w.gasLimit,
    to: w.to,
    value: w.value,
    data: '0x',
    accessList: [],
  });
  const digest = strip0x(tx.unsignedHash);
  const id = requestId(withdrawal, 'eth', keyId, w.path, digest);
  const sig = cluster.sign(keyId, w.path, digest, id, sender.publicKey);
  // v is the recovery id; 2 and 3 (r overflowed the curve order) cannot be
  // put in an Ethereum transaction, and a low-s signature of this kind is
  // astronomically unlikely.
  check(sig.v === 0 || sig.v === 1, `recovery id ${sig.v} cannot be a yParity`);
  tx.signature = ethers.Signature.from({ r: `0x${sig.r}`, s: `0x${sig.s}`, yParity: sig.v });
  const raw = tx.serialized;

  const parsed = ethers.Transaction.from(raw);
  check(parsed.from === sender.address,
    `the signed Ethereum transaction recovers sender ${parsed.from}, expected ${sender.address}`);
  check(parsed.unsignedHash === tx.unsignedHash && parsed.chainId === w.chainId && parsed.to === w.to &&
    parsed.value === w.value && parsed.nonce === w.nonce && parsed.type === 2,
  'the parsed Ethereum transaction is not the one built');
  return { requestId: id, digest, hash: parsed.hash, raw };
}

// Step 3: a P2WPKH spend from the m/0/2 address: one made-up input, one
// payment, change back to the sender.
function bitcoinWithdrawal(cluster, keyId, withdrawal, sender) {
  const w = withdrawal.btc;
  const network = bitcoin.networks.bitcoin;
  const { Transaction } = bitcoin;
  const pubkey = Buffer.from(sender.publicKey, 'hex');
  const change = w.prevValue - w.amount - w.fee;
  const outputs = [
    { script: bitcoin.address.toOutputScript(w.to, network), value: w.amount },
    { script: sender.p2wpkh.output, value: change },
  ];

  const psbt = new bitcoin.Psbt({ network });
  psbt.setVersion(2);
  psbt.addInput({
    hash: w.prevTxid, // a txid, in the usual (reversed) hex order
    index: w.prevVout,
    witnessUtxo: { script: sender.p2wpkh.output, value: w.prevValue },
  });
  for (const o of outputs) psbt.addOutput(o);

  // The BIP143 sighash, computed on the same transaction built as a plain
  // Transaction (the PSBT keeps its own private); the txid comparison
  // after extraction shows it was the same transaction. For P2WPKH the
  // script code is the P2PKH script of the key.
  const unsigned = new Transaction();
  unsigned.version = 2;
  unsigned.addInput(Buffer.from(w.prevTxid, 'hex').reverse(), w.prevVout);
  for (const o of outputs) unsigned.addOutput(o.script, o.value);
  const scriptCode = bitcoin.payments.p2pkh({ pubkey, network }).output;
  const digest = hex(unsigned.hashForWitnessV0(0, scriptCode, w.prevValue, Transaction.SIGHASH_ALL));

  const id = requestId(withdrawal, 'btc', keyId, w.path, digest);
  const sig = cluster.sign(keyId, w.path, digest, id, sender.publicKey);
  const signature = Buffer.concat([Buffer.from(sig.der, 'hex'), Buffer.from([Transaction.SIGHASH_ALL])]);
  // bitcoinjs-lib's own encoding of (r, s) must be warifu's DER byte for byte
  // (strict DER, BIP66; low s, BIP146).
  const ours = bitcoin.script.signature.encode(
    Buffer.from(sig.r + sig.s, 'hex'), Transaction.SIGHASH_ALL);
  check(ours.equals(signature), `warifu's DER ${sig.der} is not bitcoinjs-lib's encoding of (r, s)`);
  psbt.updateInput(0, { partialSig: [{ pubkey, signature }] });

  // validateSignaturesOfInput recomputes the sighash from the PSBT itself
  // and hands it to this verifier with the 64-byte r || s.
  const verifier = (pk, msghash, rs) => secp256k1.verify(
    secp256k1.Signature.fromCompact(rs), msghash, pk, { lowS: true });
  check(psbt.validateSignaturesOfInput(0, verifier, pubkey),
    'the Bitcoin input signature does not verify');
  // and the verifier is not one that accepts anything
  check(!verifier(pubkey, Buffer.alloc(32, 1), Buffer.from(sig.r + sig.s, 'hex')),
    'the verifier accepts a signature for another digest');

  psbt.finalizeAllInputs();
  const tx = psbt.extractTransaction();
  check(tx.getId() === unsigned.getId(), 'the signed Bitcoin transaction is not the one whose sighash was signed');
  check(tx.ins.length === 1 && tx.ins[0].witness.length === 2 && tx.ins[0].witness[0].equals(signature) &&
    tx.ins[0].witness[1].equals(pubkey), 'the finalised witness is not [signature, public key]');
  return { requestId: id, digest, txid: tx.getId(), wtxid: tx.getHash(true).reverse().toString('hex'),
    vsize: tx.virtualSize(), raw: tx.toHex(), change };
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  loadLibraries();
  const cluster = new Cluster(o.warifu, o.client, o.nodes);
  const withdrawal = theWithdrawal(o.id);

  let keyId = o.key;
  let keygenAnswer;
  if (keyId === undefined) {
    const id = `withdraw-keygen-${crypto.randomBytes(16).toString('hex')}`;
    console.error(`withdraw: no --key; making one (${id}), which takes some seconds`);
    keygenAnswer = cluster.keygen(id);
    check(/^[0-9a-f]{64}$/.test(keygenAnswer.key_id), `keygen printed key id ${keygenAnswer.key_id}`);
    keyId = keygenAnswer.key_id;
  }

  const s = senders(cluster, keyId, withdrawal, keygenAnswer);
  const eth = ethereumWithdrawal(cluster, keyId, withdrawal, s.eth);
  const btc = bitcoinWithdrawal(cluster, keyId, withdrawal, s.btc);

  const w = withdrawal;
  console.log(`withdrawal ${w.id} from key ${keyId}`);
  console.log(`  xpub             ${s.rootXpub}`);
  console.log(`ethereum  sender ${s.eth.path} ${s.eth.address} (ethers and warifu agree)`);
  console.log(`  ${ethers.formatEther(w.eth.value)} ETH to ${w.eth.to}, chain ${w.eth.chainId}, nonce ${w.eth.nonce}`);
  console.log(`  request id       ${eth.requestId}`);
  console.log(`  signed hash      0x${eth.digest}`);
  console.log(`  tx hash          ${eth.hash}`);
  console.log(`  raw tx           ${eth.raw}`);
  console.log(`bitcoin   sender ${s.btc.path} ${s.btc.address} (bitcoinjs-lib and warifu agree)`);
  console.log(`  ${w.btc.amount} sat to ${w.btc.to}, ${btc.change} sat change, ${w.btc.fee} sat fee, ` +
    `spending ${w.btc.prevTxid}:${w.btc.prevVout} (made up)`);
  console.log(`  request id       ${btc.requestId}`);
  console.log(`  BIP143 sighash   ${btc.digest}`);
  console.log(`  txid             ${btc.txid}`);
  console.log(`  wtxid            ${btc.wtxid} (${btc.vsize} vbytes)`);
  console.log(`  raw tx           ${btc.raw}`);
  console.log('verified: the Ethereum sender recovers from the signed transaction, the Bitcoin input ' +
    'signature verifies');
}

try {
  main();
} catch (e) {
  if (e instanceof Failure) {
    console.error(`withdraw: ${e.message}`);
    process.exit(e.code);
  }
  console.error(`withdraw: ${e.stack || e}`);
  process.exit(EXIT_MISMATCH);
}
