/**
 * test/support/fault-proxy.ts in a process of its own, so that forwarding does not take CPU
 * from an in-process s3rver. First stdout line: {"url": ...}. Commands on stdin, one a line:
 * `stats` (answers one JSON line), `set {json faults}`, `sample` (start sampling the requests
 * forwarded, every 10 ms) and `window` (answers {forwarded, inSpan, spanMs}: forwarded since
 * `sample`, and how many of them came from the first sample that saw one to the last change:
 * the store's own view of the rate a shared limit let through). Closes when stdin ends.
 *
 *   node bench/children/proxy.ts TARGET_URL '{"latencyMs":50}'
 */
import { createInterface } from 'node:readline';
import { startFaultProxy } from '../../test/support/fault-proxy.ts';

const [target, faults] = process.argv.slice(2);
const proxy = await startFaultProxy(target, faults ? JSON.parse(faults) : {});
process.stdout.write(JSON.stringify({ url: proxy.url }) + '\n');

let sampler: NodeJS.Timeout | undefined;
let win = { base: 0, seen: 0, first: 0, firstN: 0, last: 0 };

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line === 'stats') process.stdout.write(JSON.stringify(proxy.stats) + '\n');
  else if (line.startsWith('set ')) {
    proxy.set(JSON.parse(line.slice(4)));
    process.stdout.write('{"ok":true}\n');
  } else if (line === 'sample') {
    clearInterval(sampler);
    win = { base: proxy.stats.forwarded, seen: 0, first: 0, firstN: 0, last: 0 };
    sampler = setInterval(() => {
      const n = proxy.stats.forwarded - win.base;
      if (n === win.seen) return;
      const now = performance.now();
      if (win.seen === 0) {
        win.first = now;
        win.firstN = n;
      }
      win.last = now;
      win.seen = n;
    }, 10);
    process.stdout.write('{"ok":true}\n');
  } else if (line === 'window') {
    clearInterval(sampler);
    process.stdout.write(JSON.stringify({ forwarded: proxy.stats.forwarded - win.base, inSpan: win.seen - win.firstN, spanMs: win.last - win.first }) + '\n');
  }
});
rl.on('close', () => {
  clearInterval(sampler);
  void proxy.close().then(() => process.exit(0));
});
