/**
 * The loopback GCS server (src/demo/gcs-server.ts) in a process of its own, auth 'none' (an
 * emulator), so that serving does not take CPU from the bench or the measured programs. First
 * stdout line: {"url", "host"}. Commands on stdin, one JSON object a line, each answered by one
 * JSON line:
 *
 *   {"op":"seed","bucket":B,"keys":[…]}          creates B and puts each key (body '{}') in process
 *   {"op":"seedWorld","bucket":B,"world":{…},"processedOn":D?}
 *                                                 creates B and puts a scan world's raw crashes (src/demo/scan-world.ts)
 *                                                 at their saved times, in process; with processedOn, the processed crashes
 *                                                 of date D too (those no outage took)
 *   {"op":"latency","ms":N}                       setLatency
 *   {"op":"pageLimit","n":N|null}                 setPageLimit (no list page holds more than N)
 *   {"op":"rateLimit","limit":{perSecond,burst?,scope?}|null,"status":429|503}
 *   {"op":"counts"} / {"op":"reset"}              counts() / resetStats()
 *   {"op":"tokens"}                               bearer tokens seen since start (0: no credentials leaked)
 *   {"op":"sample","every":ms} … {"op":"window"}  requests let through (not 429/503), from the first to the last seen
 *
 * throttleStatus is a start option of startGcsServer, so a rateLimit with another status starts a
 * new server (new port, answered as {"url","host"}) holding the same objects, and closes the old.
 * Closes when stdin ends.
 *
 *   node bench/children/gcs-server.ts
 */
import { createInterface } from 'node:readline';
import { startGcsServer, type GcsRateLimit, type GcsServer } from '../../src/demo/gcs-server.ts';
import { processedCrashKey } from '../../src/core/layouts.ts';
import { forEachWorldCrash, type ScanWorldOptions } from '../../src/demo/scan-world.ts';

const BODY = Buffer.from('{}');
const buckets = new Set<string>();
let status: 429 | 503 = 429;
let latency = 0;
let pageLimit: number | undefined;
/** Tokens seen by servers this one replaced. */
let tokensBefore = 0;
let server: GcsServer = await startGcsServer({ auth: 'none' });

/** A server answering `next` above the rate limit, with the objects of the current one. */
async function restart(next: 429 | 503): Promise<void> {
  const fresh = await startGcsServer({ auth: 'none', throttleStatus: next, latencyMs: latency, pageLimit });
  for (const b of buckets) {
    fresh.createBucket(b);
    for (const name of server.list(b)) {
      const o = server.get(b, name)!;
      fresh.put(b, name, o.body, { updated: o.updated, contentType: o.contentType, metadata: o.metadata });
    }
  }
  const old = server;
  tokensBefore += old.tokensSeen().size;
  server = fresh;
  status = next;
  await old.close();
}

// Sampling of the requests answered, for the shared-limit row: the store's own view of the rate.
let sampler: NodeJS.Timeout | undefined;
let win = { first: 0, firstN: 0, last: 0, base: 0, seen: 0 };
/** Requests the rate limit let through (every answer but the throttled ones). */
const passed = () => {
  const c = server.counts();
  return c.requests - (c.byStatus['429'] ?? 0) - (c.byStatus['503'] ?? 0);
};

const reply = (o: unknown): void => {
  process.stdout.write(JSON.stringify(o) + '\n');
};
const where = () => ({ url: server.url, host: server.host });
reply(where());

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
let queue = Promise.resolve();
rl.on('line', (line) => {
  // One command at a time, in order: a restart must not interleave with a seed.
  queue = queue.then(async () => {
    const cmd = JSON.parse(line) as { op: string; [k: string]: unknown };
    try {
      switch (cmd.op) {
        case 'seed': {
          const bucket = cmd.bucket as string;
          server.createBucket(bucket);
          buckets.add(bucket);
          for (const k of cmd.keys as string[]) server.put(bucket, k, BODY);
          return reply({ ok: true, objects: server.list(bucket).length });
        }
        case 'seedWorld': {
          const bucket = cmd.bucket as string;
          server.createBucket(bucket);
          buckets.add(bucket);
          const on = cmd.processedOn as string | undefined;
          const t0 = performance.now();
          const totals = forEachWorldCrash(cmd.world as ScanWorldOptions, (c) => {
            server.put(bucket, c.key, BODY, { updated: new Date(c.savedAt) });
            if (on && c.key.includes(`/${on}/`) && !c.inOutage) server.put(bucket, processedCrashKey(c.id), BODY);
          });
          // The first listing sorts the names: done here, so no measured run pays for it.
          const objects = server.list(bucket).length;
          return reply({ ok: true, objects, ...totals, seedMs: performance.now() - t0 });
        }
        case 'latency':
          latency = cmd.ms as number;
          server.setLatency(latency);
          return reply({ ok: true });
        case 'pageLimit':
          pageLimit = (cmd.n as number | null) ?? undefined;
          server.setPageLimit(pageLimit);
          return reply({ ok: true });
        case 'rateLimit': {
          const want = (cmd.status as 429 | 503 | undefined) ?? status;
          if (want !== status) await restart(want);
          server.setRateLimit((cmd.limit as GcsRateLimit | null) ?? undefined);
          return reply({ ok: true, ...where() });
        }
        case 'counts':
          return reply(server.counts());
        case 'reset':
          tokensBefore += server.tokensSeen().size; // resetStats forgets them
          server.resetStats();
          return reply({ ok: true });
        case 'tokens':
          return reply({ tokens: tokensBefore + server.tokensSeen().size });
        case 'sample': {
          clearInterval(sampler);
          win = { first: 0, firstN: 0, last: 0, base: passed(), seen: 0 };
          sampler = setInterval(() => {
            const n = passed() - win.base;
            if (n === win.seen) return;
            const now = performance.now();
            if (win.seen === 0) {
              win.first = now;
              win.firstN = n;
            }
            win.last = now;
            win.seen = n;
          }, (cmd.every as number | undefined) ?? 10);
          return reply({ ok: true });
        }
        case 'window':
          clearInterval(sampler);
          // Requests let through after the first sample that saw any, over the time from it to the last change.
          return reply({ passed: passed() - win.base, inSpan: win.seen - win.firstN, spanMs: win.last - win.first });
        default:
          return reply({ error: `unknown op ${cmd.op}` });
      }
    } catch (err) {
      return reply({ error: (err as Error).message });
    }
  });
});
rl.on('close', () => {
  clearInterval(sampler);
  void queue.then(() => server.close()).then(() => process.exit(0));
});
