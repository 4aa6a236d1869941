import * as core from '@actions/core';
import { hourChart } from '../core/hours.ts';
import type { StoreConfig } from '../ports/store.ts';
import type { SearchConfig } from '../modes/options.ts';
import { backgroundLine, costsLine, missingHours, repairCommand, runScan, type ScanOptions, type ScanResult } from '../modes/scan.ts';
import type { PipelineDeps, RunContext } from './pipeline.ts';
import { took } from './summary.ts';

/**
 * The action's scan job: one job, no matrix (a month of Socorro is ~11,000 list requests and 31
 * searches; see README "scan"), scan.json uploaded as the `scan` artifact, the report as the
 * job summary. A window fails the job (the caller sets it failed), so a scheduled run notifies.
 */
export async function scanJob(
  input: { store: StoreConfig; scan: ScanOptions; search: SearchConfig; artifactPrefix: string },
  run: RunContext,
  deps: PipelineDeps,
): Promise<{ result: ScanResult; artifact: string }> {
  const store = deps.openStore(input.store, 64);
  const api = deps.api(input.search.api, (why, attempt, waitMs) => deps.reporter.warn(`search: ${why}; retry ${attempt} in ${(waitMs / 1000).toFixed(1)}s`));
  try {
    const result = await runScan(input.scan, {
      store,
      reporter: deps.reporter,
      searchApi: api,
      searchPerMinute: input.search.perMinute,
      anonymous: !input.search.api.token,
    });
    const artifact = `${input.artifactPrefix}scan${run.attempt > 1 ? `-attempt${run.attempt}` : ''}`;
    await deps.artifacts.upload(artifact, [result.file], input.scan.out);
    return { result, artifact };
  } finally {
    await store.close();
    await api.close();
  }
}

const n = (x: number) => x.toLocaleString('en-US');
const hdr = (...cells: string[]) => cells.map((data) => ({ data, header: true }));

/** Where the reprocess workflow is dispatched from, on this repository (a link for the summary). */
function reprocessWorkflowUrl(): string | undefined {
  const server = process.env.GITHUB_SERVER_URL;
  const repo = process.env.GITHUB_REPOSITORY;
  return server && repo ? `${server}/${repo}/actions/workflows/reprocess.yml` : undefined;
}

export async function scanSummary(r: ScanResult, artifact: string): Promise<void> {
  const s = core.summary.addHeading('socorro-reprocess: scan', 2);
  s.addRaw(
    `${r.dates.length} date(s) (${r.dates[0]}${r.dates.length > 1 ? `…${r.dates[r.dates.length - 1]}` : ''}): ` +
      `${n(r.saved)} raw crashes saved, ${n(r.searchable)} searchable, ${n(r.missing)} missing from search (summed per hour), ${took(r.elapsedMs)}.`,
    true,
  );
  const chart = hourChart(missingHours(r), { title: 'missing from search by the hour the raw crash was saved (UTC)' });
  if (chart.length) s.addCodeBlock(chart.join('\n'));
  if (r.windows.length === 0) {
    s.addRaw('\n**No outage window.** Nothing to reprocess.\n', true);
  } else {
    const url = reprocessWorkflowUrl();
    s.addRaw(`\n**${r.windows.length} outage window(s).** Repair each with a dispatch of ${url ? `[reprocess.yml](${url})` : 'reprocess.yml'} with these inputs:\n`, true);
    s.addTable([
      hdr('dates', 'hours (UTC)', 'saved', 'missing', 'share'),
      ...r.windows.map((w) => [w.date, w.hours, n(w.saved), n(w.missing), `${((w.missing / w.saved) * 100).toFixed(1)}%`]),
    ]);
    s.addCodeBlock(r.windows.map(repairCommand).join('\n'), 'sh');
  }
  s.addRaw(`\n${backgroundLine(r)}.\n\n${costsLine(r)}.\n\nscan.json is in the \`${artifact}\` artifact.\n`, true);
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.write();
}
