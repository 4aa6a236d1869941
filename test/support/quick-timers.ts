// Preloaded (node --import) into a step's process by a test that would otherwise sit out a
// client's backoff in real time (@octokit/plugin-retry waits 1+4+9+16+25 s on a persistent 5xx):
// every timer of a second or more fires after a thousandth of its delay. Only timing changes; each
// request is still sent and answered over loopback.
import { promisify } from 'node:util';

const real = globalThis.setTimeout;
const quick = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
  real(fn, typeof ms === 'number' && ms >= 1000 ? ms / 1000 : ms, ...args)) as typeof setTimeout;
Object.defineProperty(quick, promisify.custom, { value: (real as unknown as Record<symbol, unknown>)[promisify.custom] });
globalThis.setTimeout = quick;
