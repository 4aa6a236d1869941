import { mkdir } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_CHUNK_SIZE } from '../core/chunks.ts';
import { RunError, exitCodeFor, oneLine } from '../core/errors.ts';
import { interruptSignal } from '../core/interrupt.ts';
import type { OptionName, RawOptions, Spelling } from '../core/options.ts';
import { formatDuration } from '../core/progress.ts';
import { DEFAULT_CHECK_CONCURRENCY, runCheck } from '../modes/check.ts';
import { runList } from '../modes/list.ts';
import { hourChart } from '../core/hours.ts';
import { DEFAULT_API_URL, RULESETS, parseCheckOptions, parseListOptions, parseReprocessOptions, parseVerifyOptions, type SearchConfig } from '../modes/options.ts';
import { DEFAULT_EVERY_SECONDS, runVerify } from '../modes/verify.ts';
import { DEFAULT_MIN_MISSING, DEFAULT_MIN_SHARE, SCAN_EXIT_WINDOW, runScan, scanReport } from '../modes/scan.ts';
import { parseScanOptions } from '../modes/options.ts';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX, DEFAULT_SLEEP_SECONDS, MAX_BATCH_SIZE, runReprocess } from '../modes/reprocess.ts';
import { openStore } from '../ports/open-store.ts';
import { socorroApi } from '../ports/socorro-api.ts';
import { cliReporter } from './reporter.ts';

/** GitHub runs at most 256 jobs from one matrix: chunks meant for a workflow stay within it by default. */
const DEFAULT_MAX_CHUNKS = 256;

/** The options this CLI has, spelled as flags; the rest (the action's api-token, chunk) it does not have. */
const FLAGS: Partial<Record<OptionName, string>> = {
  dates: '--dates',
  bucket: '--bucket',
  storage: '--storage',
  layout: '--layout',
  chunkSize: '--chunk-size',
  maxChunks: '--max-chunks',
  since: '--since',
  until: '--until',
  hours: '--hours',
  concurrency: '--concurrency',
  apiUrl: '--api-url',
  batchSize: '--batch-size',
  sleep: '--sleep',
  max: '--max',
  allowMany: '--allow-many',
  ruleset: '--ruleset',
  dryRun: '--dry-run',
  endpoint: '--endpoint',
  region: '--region',
  pathStyle: '--path-style',
  skipInvalid: '--skip-invalid',
  search: '--search',
  wait: '--wait',
  every: '--every',
  minMissing: '--min-missing',
  minShare: '--min-share',
  out: '--out',
};
const spell: Spelling = (name) => FLAGS[name];

/** Commander's parsed options (camelCase, as our option names) as RawOptions. */
function raw(o: Record<string, unknown>): RawOptions {
  const r: RawOptions = {};
  for (const name of Object.keys(FLAGS) as OptionName[]) {
    const v = o[name];
    if (typeof v === 'string' || typeof v === 'boolean') r[name] = v;
  }
  return r;
}

function addCommon(cmd: Command): Command {
  return cmd
    .option('--out <dir>', 'folder for uuids.txt, chunks/, haves.txt, havenots.txt, reprocessed.txt', '.')
    .option('-q, --quiet', 'no progress, only the summary and errors');
}

const BUCKET_HELP = 'the bucket holding the crashes: gs://NAME (Google Cloud Storage, Socorro since Jul 2024), s3://NAME or NAME (S3)';

/** The options of the commands that read a store. */
function addStore(cmd: Command): Command {
  return cmd
    .requiredOption('--bucket <bucket>', BUCKET_HELP)
    .addOption(new Option('--storage <store>', 'the store, when the bucket has no scheme: s3 (the default) or gcs').choices(['s3', 'gcs']))
    .option('--endpoint <url>', 'the store\'s endpoint (S3: default AWS_ENDPOINT_URL_S3, else AWS; GCS: default STORAGE_EMULATOR_HOST, else storage.googleapis.com)')
    .option('--region <region>', 'S3 region (default: AWS_REGION, else us-west-2)')
    .option('--path-style', 'path-style S3 URLs (for S3-compatible servers)');
}

/** A retry of Socorro's API, as a warning line. */
const retryLine = (reporter: { warn(m: string): void }) => (why: string, attempt: number, waitMs: number) =>
  reporter.warn(`API: ${why}; retry ${attempt} in ${(waitMs / 1000).toFixed(1)}s`);

function searchLine(searched: number, requests: number, notSearchable: number, search: SearchConfig): string {
  return (
    `  search: ${searched} stored crash(es) looked up in ${requests} request(s) to ${search.api.apiUrl}/api/SuperSearch/` +
    `${search.api.token ? '' : ' (no token: paced at 90 a minute)'}; ${notSearchable} in storage but not searchable (havenots)`
  );
}

const EXAMPLES = `
Examples:
  $ socorro-reprocess list --bucket gs://my-crashes --dates 20240915..20240916
  $ socorro-reprocess check chunks/uuids-0-50000.txt --bucket gs://my-crashes
  $ socorro-reprocess list --bucket my-old-s3-crashes --dates 20160915 --layout v2
  $ socorro-reprocess check chunks/uuids-0-50000.txt --bucket gs://my-crashes --search
  $ SOCORRO_API_TOKEN=... socorro-reprocess reprocess --dry-run
  $ SOCORRO_API_TOKEN=... socorro-reprocess reprocess
  $ socorro-reprocess verify --bucket gs://my-crashes --search --wait 15
  $ socorro-reprocess scan --bucket gs://my-crashes --dates 20260301..20260331

Exit codes: 0 done, 1 the run failed (partial results kept; rerun to finish), 2 bad usage or input (nothing done); scan: 3 an outage window was found.
GCS credentials: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's ADC file, the metadata server); the token goes only over https or to loopback.
AWS credentials: the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...).
The contract: docs/CONTRACT.md; files are one crash id per line.`;

export interface CliIo {
  stdout: (s: string) => void;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

export async function main(argv: string[], io: CliIo = { stdout: (s) => process.stdout.write(s), stderr: process.stderr, env: process.env }): Promise<number> {
  const { env } = io;
  const ctx = { spell, env };
  const say = (line: string) => io.stdout(line + '\n');
  // A command that ends well but must say something with its exit code (scan: a window found).
  let exitCode = 0;

  const program = new Command('socorro-reprocess')
    .description('Find Socorro crashes saved (to Google Cloud Storage or S3) but never processed, and send them to the Reprocessing API.')
    .addHelpText('after', EXAMPLES)
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr.write(s),
      // One line, like every other error: commander's message (and any "Did you mean" hint), then where the usage is.
      outputError: (s, write) => write(`${oneLine(s)} (run with --help for usage)\n`),
    })
    .exitOverride();

  addStore(addCommon(
    program
      .command('list')
      .description('List every raw crash saved on the dates: writes uuids.txt and chunks/uuids-{start}-{end}.txt')
      .requiredOption('--dates <dates>', 'YYYYMMDD, comma/space separated, or inclusive ranges YYYYMMDD..YYYYMMDD')
      .addOption(new Option('--layout <layout>', 'raw crash key layout: v1 (since Sep 2022) or v2 (May 2016 - Sep 2022)').default('v1'))
      .option('--chunk-size <n>', 'ids per chunk file', String(DEFAULT_CHUNK_SIZE))
      .option(
        '--max-chunks <n>',
        'the most chunk files to write: the chunk size is raised (with a warning) to stay within it. 256 is a GitHub matrix\'s job limit; 0 for no limit',
        String(DEFAULT_MAX_CHUNKS),
      )
      .option('--since <HH:MM>', 'keep only raw crashes saved at or after this time (UTC) on each date')
      .option('--until <HH:MM>', 'keep only raw crashes saved up to the end of this minute (UTC) on each date')
      .option('--hours <HH:MM..HH:MM>', 'both at once: --hours 03:00..07:59 is --since 03:00 --until 07:59 (either end may be left out)'),
  )).action(async (o: Record<string, unknown> & { out: string; quiet?: boolean }) => {
    const { store: config, list } = parseListOptions(raw(o), o.out, ctx);
    const reporter = cliReporter(io.stderr, o.quiet);
    const store = openStore(config, env, { maxSockets: 64, log: reporter });
    await mkdir(o.out, { recursive: true });
    try {
      const r = await runList(list, { store, reporter });
      say(`listed ${r.total} crash id(s) on ${list.dates.length} date(s) in ${formatDuration(r.elapsedMs)} (${r.requests} list requests)`);
      for (const d of r.dates) say(`  ${d.date}: ${d.listed}${d.junk ? `, ${d.junk} other key(s) ignored` : ''}${d.outsideWindow ? `, ${d.outsideWindow} outside --since/--until` : ''}`);
      say(`wrote ${r.uuidsFile} and ${r.plan.chunks.length} chunk(s) of up to ${r.plan.chunkSize} in ${o.out}/chunks/`);
    } finally {
      await store.close();
    }
  });

  addStore(addCommon(
    program
      .command('check')
      .description('HEAD v1/processed_crash/{id} for each id: appends to haves.txt (processed) or havenots.txt (404)')
      .argument('<file...>', 'files of crash ids (e.g. chunks/uuids-0-50000.txt)')
      .option('--concurrency <n>', 'HEAD requests in flight (lowered automatically while the store throttles)', String(DEFAULT_CHECK_CONCURRENCY))
      .option('--search', "processed means what Socorro means: in storage and in search (crash-stats' SuperSearch); stored crashes search lacks are havenots too")
      .option('--api-url <url>', 'Socorro base URL, for --search', DEFAULT_API_URL)
      .option('--skip-invalid', 'drop input lines that are not crash ids instead of refusing the file')
      .addHelpText('after', '\nWith --search, the API token (SOCORRO_API_TOKEN, else CRASHSTATS_API_TOKEN) is sent if set: searches are then paced at 900 a minute instead of 90 (90 % of Socorro\'s per-IP limits, 1000 and 100).'),
  )).action(async (files: string[], o: Record<string, unknown> & { out: string; quiet?: boolean }) => {
    const { store: config, check, search } = parseCheckOptions(raw(o), files, o.out, ctx);
    const reporter = cliReporter(io.stderr, o.quiet);
    const store = openStore(config, env, { maxSockets: check.concurrency, log: reporter });
    const api = search ? socorroApi({ ...search.api, onRetry: retryLine(reporter) }) : undefined;
    await mkdir(o.out, { recursive: true });
    // Ctrl-C: the HEADs in flight finish and are written, then the run stops; a rerun skips them.
    const interrupt = interruptSignal((m) => io.stderr.write(m + '\n'));
    try {
      const r = await runCheck({ ...check, signal: interrupt.signal }, { store, reporter, searchApi: api, searchPerMinute: search?.perMinute });
      const rate = r.elapsedMs > 0 ? Math.round(((r.haves + r.havenots) * 1000) / r.elapsedMs) : 0;
      say(
        `checked ${r.haves + r.havenots} of ${r.input} id(s) in ${formatDuration(r.elapsedMs)} (${rate}/s): haves ${r.haves}, havenots ${r.havenots}` +
          `${r.skipped ? `, ${r.skipped} skipped (already classified)` : ''}${r.errors ? `, ${r.errors} not checked (errors)` : ''}`,
      );
      if (search) say(searchLine(r.searched, r.searchRequests, r.notSearchable, search));
      if (r.throttled) say(`  the store throttled ${r.throttled} time(s); concurrency ended at ${r.finalConcurrency}`);
      for (const line of hourChart(r.hours, { indent: '  ' })) say(line);
      if (r.hourLookups) say(`  ${r.hourLookups} havenot hour(s) asked of the store (the id files had no saved times from list): a request more each`);
      if (r.hoursUnknown) say(`  ${r.hoursUnknown} havenot(s) of unknown hour (the raw crash's saved time could not be found, or reading it was refused)`);
      if (r.failure) throw new RunError(r.failure);
    } finally {
      interrupt.dispose();
      await store.close();
      await api?.close();
    }
  });

  addStore(addCommon(
    program
      .command('verify')
      .description('Did the submitted crashes get processed? Checks each id as check does, polling the rest: writes verified.txt and unverified.txt')
      .argument('[file...]', 'files of crash ids (default: the ledger, reprocessed.txt in --out)')
      .option('--search', 'processed means in storage and in search, as check --search')
      .option('--api-url <url>', 'Socorro base URL, for --search', DEFAULT_API_URL)
      .option('--wait <minutes>', 'keep polling the ids not yet processed for this long (0: one pass)', '0')
      .option('--every <seconds>', 'seconds between polls', String(DEFAULT_EVERY_SECONDS))
      .option('--concurrency <n>', 'HEAD requests in flight', '64')
      .option('--skip-invalid', 'drop input lines that are not crash ids instead of refusing the file'),
  )).action(async (files: string[], o: Record<string, unknown> & { out: string; quiet?: boolean }) => {
    const { store: config, verify, search } = parseVerifyOptions(raw(o), files, o.out, ctx);
    const reporter = cliReporter(io.stderr, o.quiet);
    const store = openStore(config, env, { maxSockets: verify.concurrency, log: reporter });
    const api = search ? socorroApi({ ...search.api, onRetry: retryLine(reporter) }) : undefined;
    const interrupt = interruptSignal((m) => io.stderr.write(m + '\n'));
    await mkdir(o.out, { recursive: true });
    try {
      const r = await runVerify({ ...verify, signal: interrupt.signal }, { store, reporter, searchApi: api, searchPerMinute: search?.perMinute });
      say(`verified ${r.verified} of ${r.input} in ${formatDuration(r.elapsedMs)} (${r.passes} pass(es)${r.alreadyVerified ? `, ${r.alreadyVerified} verified by an earlier run` : ''}): ${o.out}/verified.txt, ${o.out}/unverified.txt`);
      if (r.unverified) {
        say(`  not processed yet: ${r.firstUnverified.join(', ')}${r.unverified > r.firstUnverified.length ? `, … (${r.unverified} in all)` : ''}`);
        say(`  next: verify again later (--wait to poll); if they stay unprocessed, reprocess ${o.out}/unverified.txt and tell Socorro's on-call`);
      }
      if (r.failure) throw new RunError(r.failure);
      if (r.unverified) throw new RunError(`${r.unverified} of ${r.input} crash(es) not processed${verify.waitMinutes ? ` after ${verify.waitMinutes} minute(s)` : ''}; unverified.txt lists them`);
    } finally {
      interrupt.dispose();
      await store.close();
      await api?.close();
    }
  });

  addStore(addCommon(
    program
      .command('scan')
      .description(
        'Where did crashes go unprocessed? Per date and UTC hour, raw crashes saved (the listing) against crashes search holds (SuperSearch\'s date histogram), ' +
          'without a request per crash: writes scan.json, prints the missing per hour, the outage windows and the reprocess dispatch that repairs each',
      )
      .requiredOption('--dates <dates>', `YYYYMMDD, comma/space separated, or ranges YYYYMMDD..YYYYMMDD; yesterday and today (UTC) too. At most 183, none older than Socorro's 26 weeks of search (older: use check)`)
      .addOption(new Option('--layout <layout>', 'raw crash key layout: v1 (since Sep 2022) or v2 (May 2016 - Sep 2022)').default('v1'))
      .option('--hours <HH:MM..HH:MM>', 'only this window (UTC) of each date, in the listing and in search')
      .option('--api-url <url>', 'Socorro base URL (its SuperSearch)', DEFAULT_API_URL)
      .option('--min-missing <n>', "a window's hours each miss at least this many crashes...", String(DEFAULT_MIN_MISSING))
      .option('--min-share <p>', `...and at least this share of the hour's saved crashes (0.02 or 2%)`, String(DEFAULT_MIN_SHARE))
      .addHelpText(
        'after',
        '\nThe API token (SOCORRO_API_TOKEN, else CRASHSTATS_API_TOKEN; any token, no permission needed) is sent if set: searches are then paced at 900 a minute instead of 90 (90 % of Socorro\'s per-IP limits, 1000 and 100).' +
          '\nExit: 0 no outage window, 3 a window found (scan.json and the report list it), 1 the store or search failed (no scan.json), 2 bad usage.',
      ),
  )).action(async (o: Record<string, unknown> & { out: string; quiet?: boolean }) => {
    const { store: config, scan, search } = parseScanOptions(raw(o), o.out, ctx, Date.now());
    const reporter = cliReporter(io.stderr, o.quiet);
    const store = openStore(config, env, { maxSockets: 64, log: reporter });
    const api = socorroApi({ ...search.api, onRetry: retryLine(reporter) });
    await mkdir(o.out, { recursive: true });
    try {
      const r = await runScan(scan, { store, reporter, searchApi: api, searchPerMinute: search.perMinute, anonymous: !search.api.token });
      for (const line of scanReport(r)) say(line);
      say(`wrote ${r.file} in ${formatDuration(r.elapsedMs)}`);
      if (r.windows.length > 0) exitCode = SCAN_EXIT_WINDOW;
    } finally {
      await store.close();
      await api.close();
    }
  });

  addCommon(
    program
      .command('reprocess')
      .description("Submit crash ids to Socorro's Reprocessing API in batches; the ledger reprocessed.txt makes reruns safe")
      .argument('[file...]', 'files of crash ids (default: havenots.txt in --out)')
      .option('--api-url <url>', 'Socorro base URL', DEFAULT_API_URL)
      .option('--batch-size <n>', `ids per request (at most ${MAX_BATCH_SIZE})`, String(DEFAULT_BATCH_SIZE))
      .option('--sleep <seconds>', 'seconds from the start of one batch to the start of the next', String(DEFAULT_SLEEP_SECONDS))
      .option('--max <n>', 'refuse (send nothing) when more ids than this are to be sent', String(DEFAULT_MAX))
      .option(
        '--allow-many',
        "send more than --max ids. Large jobs fill the processing queue and can page Socorro's on-call: tell them first (#crashreporting on Matrix)",
      )
      .addOption(new Option('--ruleset <name>', 'processing ruleset').choices(RULESETS))
      .option('--dry-run', 'say what would be sent; send nothing')
      .option('--skip-invalid', 'drop input lines that are not crash ids instead of refusing the file')
      .addHelpText('after', "\nThe API token is read from SOCORRO_API_TOKEN, else CRASHSTATS_API_TOKEN; it needs the 'Reprocess Crashes' permission."),
  ).action(async (files: string[], o: Record<string, unknown> & { out: string; quiet?: boolean }) => {
    const { api, reprocess } = parseReprocessOptions(raw(o), files, o.out, ctx);
    const reporter = cliReporter(io.stderr, o.quiet);
    const interrupt = interruptSignal((m) => io.stderr.write(m + '\n'));
    const r = await runReprocess(
      { ...reprocess, signal: interrupt.signal },
      { api: (onRetry) => socorroApi({ ...api, onRetry }), reporter, spell },
    ).finally(() => interrupt.dispose());
    if (r.dryRun) {
      say(
        `dry run: ${r.toSend} id(s) would be submitted in ${r.batches} batch(es) to ${api.apiUrl}/api/Reprocessing/` +
          `${r.alreadySubmitted ? ` (${r.alreadySubmitted} already in the ledger)` : ''}; nothing was sent`,
      );
      return;
    }
    say(
      `submitted ${r.submitted} of ${r.toSend} id(s) in ${r.batches} batch(es), ${formatDuration(r.elapsedMs)}` +
        `${r.rejected ? `; ${r.rejected} rejected as invalid (rejected.txt)` : ''}` +
        `${r.alreadySubmitted ? `; ${r.alreadySubmitted} already in the ledger` : ''}; ledger ${r.ledgerFile}`,
    );
    if (r.failure) throw new RunError(r.failure);
  });

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 2;
    }
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2; // commander already printed its one-line error
    }
    io.stderr.write(`error: ${oneLine(err)}\n`);
    return exitCodeFor(err);
  }
}
