import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adcTokens } from '../../src/ports/gcs-auth.ts';

let dir: string;
const saved = process.env.GOOGLE_APPLICATION_CREDENTIALS;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gcs-auth-'));
  // A file that would fail if anything read it: an anonymous source must not.
  const file = join(dir, 'creds.json');
  await writeFile(file, '{"type":"service_account"}');
  process.env.GOOGLE_APPLICATION_CREDENTIALS = file;
});

afterAll(async () => {
  if (saved === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  else process.env.GOOGLE_APPLICATION_CREDENTIALS = saved;
  await rm(dir, { recursive: true, force: true });
});

describe('adcTokens', () => {
  it('anonymous (an http emulator on another machine): no token, even with a credentials file', async () => {
    const t = adcTokens({ anonymousIfNoFile: true, anonymous: true });
    expect(t.anonymous).toBe(true);
    expect(await t.get()).toBeUndefined();
    expect(await t.refreshAfter(undefined)).toBeUndefined();
  });

  it('an emulator on this machine with a credentials file: the file is used', async () => {
    const t = adcTokens({ anonymousIfNoFile: true });
    expect(t.anonymous).toBe(false);
    await expect(t.get()).rejects.toThrow(/CredentialsError|client_email|private_key|The incoming JSON/);
  });
});
