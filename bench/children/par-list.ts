/**
 * The list mode's own walk of one day, in this process, timed without process start: what row
 * 3b compares with one paging walk (bench/children/seq-list.ts), the strategy and nothing else.
 * Prints one JSON line: ids listed, requests, elapsed ms.
 *
 *   node bench/children/par-list.ts ENDPOINT BUCKET v1|v2 YYYYMMDD OUT_DIR
 */
import { silentReporter } from '../../src/core/progress.ts';
import { runList } from '../../src/modes/list.ts';
import { s3Store } from '../../src/ports/s3-store.ts';

const [endpoint, bucket, layout, date, out] = process.argv.slice(2);
const store = s3Store({ bucket, endpoint, pathStyle: true, region: process.env.AWS_REGION ?? 'us-west-2', maxSockets: 64 });
const t0 = performance.now();
const r = await runList({ dates: [date], layout: layout === 'v2' ? 'v2' : 'v1', chunkSize: 50_000, out }, { store, reporter: silentReporter });
process.stdout.write(JSON.stringify({ total: r.total, requests: r.requests, loopMs: performance.now() - t0 }) + '\n');
