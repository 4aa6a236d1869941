// The loopback world of CI's self-test job (ci.yml, job `selftest`): a GCS emulator and s3rver,
// each seeded with a day of crashes (about a third never processed), and a Socorro-like API
// (Reprocessing and SuperSearch) whose processor stores and indexes what it is sent, so that the
// action's verify mode finds it. Run in the background on a real runner:
//
//   node scripts/selftest-servers.ts "$GITHUB_ENV" &
//
// It appends to the given file (GITHUB_ENV) what the later steps need, then writes
// `SELFTEST_READY=1` last and stays up until killed. Nothing here is a secret: s3rver's keys and
// the API's token are fixed loopback values.
import { appendFile } from 'node:fs/promises';
import { processedCrashKey } from '../src/core/layouts.ts';
import { syntheticDay } from '../src/demo/crashes.ts';
import { startGcsServer } from '../src/demo/gcs-server.ts';
import { createBucket, putObjects, startS3rver } from '../src/demo/s3.ts';
import { startSocorroApi } from '../src/demo/socorro-api.ts';

const envFile = process.argv[2];
if (!envFile) {
  console.error('usage: node scripts/selftest-servers.ts ENV_FILE');
  process.exit(2);
}
const TOKEN = 'selftest-token';
const BUCKET = 'selftest-crashes';
const CRASHES = 300;
// GCS: yesterday (inside search's 26 weeks, so check --search asks SuperSearch); S3: its era.
const GCS_DAY = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
const S3_DAY = '20160915';

const gcsDay = syntheticDay(GCS_DAY, CRASHES, 0.3, 'v1', 1);
const s3Day = syntheticDay(S3_DAY, CRASHES, 0.3, 'v1', 2);

const gcs = await startGcsServer();
gcs.createBucket(BUCKET);
for (const k of gcsDay.keys) gcs.put(BUCKET, k, '{}');
const s3 = await startS3rver();
await createBucket(s3.client, BUCKET);
await putObjects(s3.client, BUCKET, s3Day.keys);
// Search has every processed crash of the GCS day (an index to match the store).
const api = await startSocorroApi({
  token: TOKEN,
  processor: {
    delayMs: 50,
    onProcessed: async (ids) => {
      for (const id of ids) gcs.put(BUCKET, processedCrashKey(id), '{}');
      await putObjects(s3.client, BUCKET, ids.map(processedCrashKey));
    },
  },
});
const unprocessed = new Set(gcsDay.unprocessed);
const noon = `${GCS_DAY.slice(0, 4)}-${GCS_DAY.slice(4, 6)}-${GCS_DAY.slice(6)}T12:00:00Z`;
for (const id of gcsDay.ids) if (!unprocessed.has(id)) api.index.add(id, noon);

const lines = [
  `SELFTEST_BUCKET=${BUCKET}`,
  `SELFTEST_API_URL=${api.url}`,
  `SELFTEST_API_TOKEN=${TOKEN}`,
  `SELFTEST_GCS_HOST=${gcs.host}`,
  `SELFTEST_GCS_DAY=${GCS_DAY}`,
  `SELFTEST_GCS_UNPROCESSED=${gcsDay.unprocessed.length}`,
  `SELFTEST_S3_ENDPOINT=${s3.endpoint}`,
  `SELFTEST_S3_DAY=${S3_DAY}`,
  `SELFTEST_S3_UNPROCESSED=${s3Day.unprocessed.length}`,
  `SELFTEST_S3_ACCESS_KEY_ID=${s3.accessKeyId}`,
  `SELFTEST_S3_SECRET_ACCESS_KEY=${s3.secretAccessKey}`,
  'SELFTEST_READY=1',
];
await appendFile(envFile, lines.join('\n') + '\n');
console.log(`selftest servers up: GCS ${gcs.url}, S3 ${s3.endpoint}, API ${api.url}`);
