#!/usr/bin/env node
// The peer of Guichet's upload benchmark: PouchDB Server (LevelDB adapter) receiving N records
// from C PouchDB clients, each replicating its own local PouchDB (LevelDB) to the server.
//
//   node run.js --records FILE.jsonl [--clients 10] [--batch-size 500] [--dir DIR] [--json]
//
// FILE.jsonl holds one record per line (the application bodies Guichet's terminals send; the
// C++ benchmark writes it, so both sides move the same bytes). The records are split between the
// clients round robin and written to each client's local database before the clock starts. The
// clock runs from the start of replication until every client's replication has completed, and
// the server's doc_count is then checked to be exactly N.
//
// Durability: PouchDB's LevelDB adapter writes without fsync (LevelDOWN's default), so a power cut
// can lose what PouchDB Server acknowledged. Guichet's figure is measured with an fsync before
// every answer at every hop; the comparison favours PouchDB.
'use strict';

const { fork, spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const net = require('net');
const http = require('http');
const os = require('os');
const readline = require('readline');

// The version of a package as installed (package-lock.json pins them).
function installedVersion(name) {
  return require(`${name}/package.json`).version;
}

function parseArgs(argv) {
  const args = { clients: 10, batchSize: 500, dir: null, records: null, json: false, client: null };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--clients') args.clients = Number(next());
    else if (a === '--batch-size') args.batchSize = Number(next());
    else if (a === '--dir') args.dir = next();
    else if (a === '--records') args.records = next();
    else if (a === '--json') args.json = true;
    else if (a === '--client') args.client = Number(next());
    else if (a === '--url') args.url = next();
    else if (a === '--help' || a === '-h') {
      console.log('usage: node run.js --records FILE.jsonl [--clients 10] [--batch-size 500] [--dir DIR] [--json]');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(args.clients) || args.clients < 1 || args.clients > 100) {
    throw new Error('--clients must be 1 to 100');
  }
  if (!Number.isInteger(args.batchSize) || args.batchSize < 1) throw new Error('--batch-size must be a positive integer');
  return args;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function request(method, url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode, body: data }));
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error(`${method} ${url}: no answer in 10 s`)));
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

async function waitForServer(url, deadlineMs) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      const r = await request('GET', url);
      if (r.status === 200) return;
    } catch (_) {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`PouchDB Server did not answer at ${url} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function pssKb(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const m = /^Pss:\s+(\d+) kB/m.exec(text);
    return m ? Number(m[1]) : 0;
  } catch (_) {
    return 0;
  }
}

function cpuSeconds(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;  // utime + stime in clock ticks (USER_HZ = 100)
  } catch (_) {
    return 0;
  }
}

// ---- client process -------------------------------------------------------------------------

async function clientMain(args) {
  const PouchDB = require('pouchdb-node');
  const local = new PouchDB(path.join(args.dir, `client-${args.client}`));
  const docs = [];
  process.on('message', async (msg) => {
    try {
      if (msg.type === 'records') {
        for (const line of msg.lines) docs.push(line);
      } else if (msg.type === 'load') {
        // Written before the clock starts: each record is one document keyed by its receipt.
        for (let i = 0; i < docs.length; i += 1000) {
          const chunk = docs.slice(i, i + 1000).map((text) => {
            const rec = JSON.parse(text);
            return Object.assign({ _id: rec.receipt }, rec);
          });
          const res = await local.bulkDocs(chunk);
          const bad = res.find((r) => r.error);
          if (bad) throw new Error(`local write failed: ${bad.error} ${bad.reason}`);
        }
        const info = await local.info();
        process.send({ type: 'loaded', count: info.doc_count });
      } else if (msg.type === 'go') {
        const started = Date.now();
        const result = await local.replicate.to(args.url, { batch_size: args.batchSize, batches_limit: 10 });
        process.send({
          type: 'done',
          ok: result.ok,
          written: result.docs_written,
          errors: result.errors.length,
          ms: Date.now() - started,
        });
      } else if (msg.type === 'exit') {
        await local.close();
        process.exit(0);
      }
    } catch (e) {
      process.send({ type: 'error', message: String(e && e.stack ? e.stack : e) });
      process.exit(1);
    }
  });
  process.send({ type: 'ready' });
}

// ---- driver ---------------------------------------------------------------------------------

function once(child, type) {
  return new Promise((resolve, reject) => {
    const onMsg = (m) => {
      if (m.type === type) {
        child.off('message', onMsg);
        resolve(m);
      } else if (m.type === 'error') {
        child.off('message', onMsg);
        reject(new Error(m.message));
      }
    };
    child.on('message', onMsg);
    child.once('exit', (code) => code && reject(new Error(`client exited with status ${code}`)));
  });
}

async function driverMain(args) {
  if (!args.records) throw new Error('--records FILE.jsonl is required');
  const dir = args.dir || fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-pouchdb-'));
  fs.mkdirSync(path.join(dir, 'server'), { recursive: true });

  const lines = [];
  const rl = readline.createInterface({ input: fs.createReadStream(args.records), crlfDelay: Infinity });
  for await (const line of rl) if (line.trim()) lines.push(line);
  if (lines.length === 0) throw new Error(`${args.records}: no records`);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const serverBin = require.resolve('pouchdb-server/bin/pouchdb-server');
  const server = spawn(process.execPath, [serverBin, '--host', '127.0.0.1', '--port', String(port), '--dir',
    path.join(dir, 'server'), '--no-stdout-logs', '--config', path.join(dir, 'server', 'config.json')],
  { stdio: ['ignore', 'ignore', 'inherit'], cwd: path.join(dir, 'server') });
  const stopServer = () => {
    if (server.exitCode === null) server.kill('SIGTERM');
  };
  process.on('exit', stopServer);
  try {
    await waitForServer(base + '/', 30000);
    const created = await request('PUT', base + '/applications');
    if (created.status !== 201) throw new Error(`creating the database: ${created.status} ${created.body}`);

    const clients = [];
    for (let c = 0; c < args.clients; c++) {
      const child = fork(__filename, ['--client', String(c), '--dir', dir, '--url', base + '/applications',
        '--batch-size', String(args.batchSize), '--records', args.records]);
      clients.push(child);
    }
    await Promise.all(clients.map((c) => once(c, 'ready')));
    const per = clients.map(() => []);
    lines.forEach((line, i) => per[i % clients.length].push(line));
    for (let c = 0; c < clients.length; c++) {
      for (let i = 0; i < per[c].length; i += 5000) {
        clients[c].send({ type: 'records', lines: per[c].slice(i, i + 5000) });
      }
    }
    const loaded = await Promise.all(clients.map((c) => {
      const p = once(c, 'loaded');
      c.send({ type: 'load' });
      return p;
    }));
    const loadedTotal = loaded.reduce((s, m) => s + m.count, 0);
    if (loadedTotal !== lines.length) throw new Error(`clients hold ${loadedTotal} records, expected ${lines.length}`);

    const cpuBefore = cpuSeconds(server.pid);
    const t0 = process.hrtime.bigint();
    const results = await Promise.all(clients.map((c) => {
      const p = once(c, 'done');
      c.send({ type: 'go' });
      return p;
    }));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = cpuSeconds(server.pid) - cpuBefore;
    const serverPss = pssKb(server.pid);
    const info = JSON.parse((await request('GET', base + '/applications')).body);
    for (const c of clients) c.send({ type: 'exit' });
    const written = results.reduce((s, r) => s + r.written, 0);
    const errors = results.reduce((s, r) => s + r.errors, 0);
    const out = {
      peer: `pouchdb-server ${installedVersion('pouchdb-server')} (LevelDB), ` +
        `pouchdb-node ${installedVersion('pouchdb-node')} clients`,
      records: lines.length,
      clients: clients.length,
      batch_size: args.batchSize,
      seconds,
      records_per_second: lines.length / seconds,
      server_doc_count: info.doc_count,
      docs_written: written,
      errors,
      server_cpu_seconds: cpu,
      server_pss_kb: serverPss,
      fsync: false,
    };
    if (info.doc_count !== lines.length || errors) {
      throw new Error(`PouchDB Server holds ${info.doc_count} documents (expected ${lines.length}), ${errors} errors`);
    }
    if (args.json) console.log(JSON.stringify(out));
    else {
      console.log(`PouchDB Server (LevelDB): ${out.records} records from ${out.clients} clients in ${seconds.toFixed(2)} s ` +
        `= ${Math.round(out.records_per_second)} records/s; server CPU ${cpu.toFixed(1)} s, PSS ${(serverPss / 1024).toFixed(0)} MB; ` +
        `no fsync`);
    }
  } finally {
    stopServer();
  }
}

const args = parseArgs(process.argv);
(args.client !== null ? clientMain(args) : driverMain(args)).catch((e) => {
  console.error(`pouchdb peer: ${e.message}`);
  process.exit(1);
});
