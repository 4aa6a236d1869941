/**
 * test/support/fault-proxy.ts in a process of its own, so that forwarding does not take CPU
 * from an in-process s3rver. First stdout line: {"url": ...}. Commands on stdin, one a line:
 * `stats` (answers one JSON line), `set {json faults}`. Closes when stdin ends.
 *
 *   node bench/children/proxy.ts TARGET_URL '{"latencyMs":50}'
 */
import { createInterface } from 'node:readline';
import { startFaultProxy } from '../../test/support/fault-proxy.ts';

const [target, faults] = process.argv.slice(2);
const proxy = await startFaultProxy(target, faults ? JSON.parse(faults) : {});
process.stdout.write(JSON.stringify({ url: proxy.url }) + '\n');
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line === 'stats') process.stdout.write(JSON.stringify(proxy.stats) + '\n');
  else if (line.startsWith('set ')) {
    proxy.set(JSON.parse(line.slice(4)));
    process.stdout.write('{"ok":true}\n');
  }
});
rl.on('close', () => {
  void proxy.close().then(() => process.exit(0));
});
