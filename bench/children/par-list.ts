/**
 * The list mode's own walk of one day, in this process, timed without process start: what rows
 * 3b and 3c compare with one paging walk (bench/children/seq-list.ts, gcs-seq-list.ts), the
 * strategy and nothing else. Prints one JSON line: ids listed, requests, elapsed ms.
 *
 *   node bench/children/par-list.ts ENDPOINT BUCKET v1|v2 YYYYMMDD OUT_DIR [s3|gcs]
 *
 * gcs: the endpoint is an emulator's (the bench's GCS server), reached without credentials.
 */
import { silentReporter } from '../../src/core/progress.ts';
import { runList } from '../../src/modes/list.ts';
import { adcTokens } from '../../src/ports/gcs-auth.ts';
import { gcsStore } from '../../src/ports/gcs-store.ts';
import { s3Store } from '../../src/ports/s3-store.ts';

const [endpoint, bucket, layout, date, out, kind = 's3'] = process.argv.slice(2);
const store =
  kind === 'gcs'
    ? gcsStore({ bucket, endpoint, tokens: adcTokens({ anonymousIfNoFile: true }), maxSockets: 64 })
    : s3Store({ bucket, endpoint, pathStyle: true, region: process.env.AWS_REGION ?? 'us-west-2', maxSockets: 64 });
const t0 = performance.now();
const r = await runList({ dates: [date], layout: layout === 'v2' ? 'v2' : 'v1', chunkSize: 50_000, out }, { store, reporter: silentReporter });
process.stdout.write(JSON.stringify({ total: r.total, requests: r.requests, loopMs: performance.now() - t0 }) + '\n');
await store.close();
