/**
 * The CLI as users run it, `node src/cli/index.ts …` in a child process, for real exit codes
 * (and a process that exits on its own): list → check → reprocess against each store
 * (STORE_KINDS: s3rver or RGW; the loopback GCS server, the child getting its token through the
 * Workload Identity credentials file in its environment) and the Socorro-like API, on loopback.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDay } from '../../src/demo/crashes.ts';
import { startSocorroApi, type SocorroApi } from '../../src/demo/socorro-api.ts';
import { STORE_KINDS, startTestStore, type TestStore } from '../support/stores.ts';
import { chunkIdFiles, exists, readIds, spawnCli } from './cli-harness.ts';

const BUCKET = `cli-process-${process.pid}`;
const DAY = '20160918';
const TOKEN = 'process-test-token';
const day = syntheticDay(DAY, 30, 0.4, 'v1', 21);

// Store-independent: no store is reached before these fail (or print help).
describe('socorro-reprocess in a child process: usage', () => {
  it('usage errors exit 2, help exits 0', async () => {
    const none = await spawnCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout + none.stderr).toContain('Usage: socorro-reprocess');
    const help = await spawnCli(['check', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--concurrency');
  });
});

describe.each(STORE_KINDS)('socorro-reprocess in a child process, on %s', (kind) => {
  let store: TestStore;
  let api: SocorroApi;
  let out: string;

  beforeAll(async () => {
    store = await startTestStore(kind);
    await store.createBucket(BUCKET);
    await store.put(BUCKET, day.keys);
    api = await startSocorroApi({ token: TOKEN });
    out = await mkdtemp(join(tmpdir(), `cli-process-${kind}-`));
  });

  afterAll(async () => {
    await api?.close();
    await store?.close();
    if (out) await rm(out, { recursive: true, force: true });
  });

  // The child gets only this environment (spawnCli starts from PATH and HOME): the store's
  // credentials (AWS keys, or GOOGLE_APPLICATION_CREDENTIALS) and the API token.
  const storeArgs = () => [...store.args(BUCKET), '--out', out];
  const env = () => ({ ...store.env, SOCORRO_API_TOKEN: TOKEN });

  it('an unknown option with this store\'s bucket exits 2, one line', async () => {
    const bogus = await spawnCli(['list', '--bucket', store.bucketArg(BUCKET), '--dates', DAY, '--bogus'], env());
    expect(bogus.code).toBe(2);
    expect(bogus.stderr.trim().split('\n')).toHaveLength(1);
    expect(bogus.stderr).toContain('--bogus');
  });

  it('list → check → reprocess: exit 0 each, and the API gets exactly the unprocessed crashes', async () => {
    const list = await spawnCli(['list', '--dates', DAY, '--chunk-size', '20', ...storeArgs()], env());
    expect(list.stderr).not.toContain('error');
    expect(list.code).toBe(0);
    expect(await readIds(join(out, 'uuids.txt'))).toEqual(day.ids);
    expect(await chunkIdFiles(join(out, 'chunks'))).toEqual(['uuids-0-20.txt', 'uuids-20-30.txt']);

    for (const chunk of ['uuids-0-20.txt', 'uuids-20-30.txt']) {
      const check = await spawnCli(['check', join(out, 'chunks', chunk), ...storeArgs(), '--concurrency', '4'], env());
      expect(check.code, check.stderr).toBe(0);
    }
    expect([...(await readIds(join(out, 'havenots.txt')))].sort()).toEqual(day.unprocessed);
    expect((await readIds(join(out, 'haves.txt'))).length).toBe(day.ids.length - day.unprocessed.length);
    // The children really went to this store (with a token, on GCS: one per child).
    if (store.gcs) {
      expect(store.gcs.counts().byApiStatus['xml-head 404']).toBe(day.unprocessed.length);
      expect(store.tokens!.counts().sts).toBe(3);
    }

    // More than --max: refused, exit 2, nothing sent.
    const refused = await spawnCli(['reprocess', '--out', out, '--api-url', api.url, '--sleep', '0', '--max', '1'], env());
    expect(refused.code).toBe(2);
    expect(api.batches).toHaveLength(0);
    expect(await exists(join(out, 'reprocessed.txt'))).toBe(false);

    const sent = await spawnCli(['reprocess', '--out', out, '--api-url', api.url, '--sleep', '0', '--batch-size', '5'], env());
    expect(sent.code).toBe(0);
    expect([...api.accepted].sort()).toEqual(day.unprocessed);
    expect([...(await readIds(join(out, 'reprocessed.txt')))].sort()).toEqual(day.unprocessed);

    // A rerun: exit 0, nothing sent.
    const batches = api.batches.length;
    const again = await spawnCli(['reprocess', '--out', out, '--api-url', api.url, '--sleep', '0'], env());
    expect(again.code).toBe(0);
    expect(api.batches).toHaveLength(batches);
  });
});

// Store-independent: reprocess reads an id file and talks to the API only, never to a store.
describe('socorro-reprocess in a child process: reprocess', () => {
  let api: SocorroApi;
  beforeAll(async () => {
    api = await startSocorroApi({ token: TOKEN });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('a refused token exits 1; bad input exits 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-process-403-'));
    try {
      await writeFile(join(dir, 'havenots.txt'), day.unprocessed.join('\n') + '\n');
      const before = api.batches.length;
      const r = await spawnCli(['reprocess', '--out', dir, '--api-url', api.url, '--sleep', '0'], { SOCORRO_API_TOKEN: 'not-the-token' });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('Reprocess Crashes');
      expect(api.batches.length).toBe(before + 1);

      await writeFile(join(dir, 'bad.txt'), 'not a crash id\n');
      const bad = await spawnCli(['reprocess', join(dir, 'bad.txt'), '--out', dir, '--api-url', api.url], { SOCORRO_API_TOKEN: TOKEN });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('bad.txt:1');
      expect(api.batches.length).toBe(before + 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
