/**
 * CPU per HEAD signature: the store's own SigV4 (src/ports/sigv4.ts) against the AWS SDK's
 * @smithy/signature-v4 on the same request, in one process, alternating rounds. Why the store
 * keeps its own signer: what it costs a check job per second at a store's real rate.
 *
 *   node bench/children/sign-cost.ts [ROUNDS]      → one JSON line: µs a signature for each
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { EMPTY_SHA256, SigV4Signer } from '../../src/ports/sigv4.ts';

const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const host = 'crashes.s3.us-west-2.amazonaws.com';
const key = (i: number) => `/v1/processed_crash/${i.toString(16).padStart(8, '0')}-cbbf-4589-a673-34f800160918`;

const toBytes = (d: string | ArrayBuffer | ArrayBufferView) =>
  typeof d === 'string' ? d : d instanceof ArrayBuffer ? Buffer.from(d) : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
class Sha256 {
  private h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(d: string | ArrayBuffer | ArrayBufferView) {
    this.h.update(toBytes(d));
  }
  digest() {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
  reset() {}
}

const ours = new SigV4Signer('us-west-2', 's3');
const smithy = new SignatureV4({ credentials: creds, region: 'us-west-2', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: true });

async function round(n: number): Promise<{ ours: number; smithy: number }> {
  let t = process.cpuUsage();
  for (let i = 0; i < n; i++) ours.headAuthorization(creds, host, key(i), ours.now());
  const a = process.cpuUsage(t);
  t = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    await smithy.sign({ method: 'HEAD', protocol: 'https:', hostname: host, path: key(i), query: {}, headers: { host, 'x-amz-content-sha256': EMPTY_SHA256 } });
  }
  const b = process.cpuUsage(t);
  return { ours: (a.user + a.system) / n, smithy: (b.user + b.system) / n };
}

const rounds = Number(process.argv[2] ?? 5);
await round(2000); // warm up both
const r: Array<{ ours: number; smithy: number }> = [];
for (let i = 0; i < rounds; i++) r.push(await round(20_000));
const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
process.stdout.write(JSON.stringify({ oursUs: median(r.map((x) => x.ours)), smithyUs: median(r.map((x) => x.smithy)), rounds }) + '\n');
