// Root-cause clustering quality and speed.
//  1. A labelled data set (default: BANKING77, 10,003 real banking queries, 77 intents):
//     the texts are clustered without their labels, then scored against them (NMI, ARI),
//     once with k chosen automatically and once with k fixed at the number of labels.
//  2. 100,000 simulated tickets (English and Chinese, with the injected incident):
//     featurised and clustered, time split by stage, peak memory.
//   npx tsx bench/clustering.ts [--file other.csv] [--k N] [--sim N] [--no-sim | --sim-only] [--seed N]
//     [--p P] [--smooth M]   (override singularValuePower and smoothingNeighbours)
// The CSV needs a header with `text` and `category` (or `label`) columns.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import {
  adjustedRandIndex,
  clusterTickets,
  normalizedMutualInfo,
  type ClusteringProgress,
  type ClusteringResult,
  type TicketText,
} from '../processors/clustering/index.ts';
import { createSimulation } from '../ingest/simulator/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const FILE = opt('file') ?? resolve(here, '../../shared/datasets/banking77/train.csv');
const FIXED_K = opt('k') !== undefined ? Number(opt('k')) : undefined;
const SIM_TICKETS = Number(opt('sim') ?? 100_000);
const RUN_SIM = !args.includes('--no-sim');
const RUN_LABELLED = !args.includes('--sim-only');
const SEED = Number(opt('seed') ?? 1);
// Ablations of settings that have defaults (see docs/root-cause.md): singular-value
// power p and neighbourhood smoothing m (0 = off).
const POWER = opt('p') !== undefined ? Number(opt('p')) : undefined;
const SMOOTH = opt('smooth') !== undefined ? Number(opt('smooth')) : undefined;
const settings = {
  smoothingNeighbours: SMOOTH,
  features: { singularValuePower: POWER },
};

/** RFC 4180 CSV: quoted fields, doubled quotes, newlines inside quotes. */
function parseCsv(s: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function loadLabelled(path: string): { texts: string[]; labels: string[] } {
  const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  const ti = header.indexOf('text');
  const li = header.indexOf('category') >= 0 ? header.indexOf('category') : header.indexOf('label');
  if (ti < 0 || li < 0) throw new Error(`${path}: needs 'text' and 'category' (or 'label') columns`);
  const ok = rows.filter((r) => r.length > Math.max(ti, li));
  return { texts: ok.map((r) => r[ti]), labels: ok.map((r) => r[li]) };
}

const fmt = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
let peakRss = 0;
const sampleRss = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const rssTimer = setInterval(sampleRss, 200);

/** Progress lines for stages that take a while: count, rate and ETA. */
function progressPrinter(label: string): (p: ClusteringProgress) => void {
  const started = new Map<string, number>();
  let lastPrint = 0;
  return (p) => {
    const now = performance.now();
    if (!started.has(p.stage)) started.set(p.stage, now);
    const elapsed = now - started.get(p.stage)!;
    const done = p.done >= p.total;
    if (!done && now - lastPrint < 2000) return;
    lastPrint = now;
    if (p.total > 1 && p.done > 0) {
      const rate = p.done / Math.max(elapsed / 1000, 1e-3);
      const eta = (p.total - p.done) / rate;
      console.log(`  [${label}] ${p.stage}: ${p.done}/${p.total} (${rate.toFixed(0)}/s, ETA ${eta.toFixed(0)} s)`);
    } else if (done) {
      console.log(`  [${label}] ${p.stage}: done in ${fmt(elapsed)}`);
    }
  };
}

function summarise(r: ClusteringResult, top = 5): void {
  const t = r.timings;
  console.log(
    `  time: features ${fmt(t.featuresMs)}, smoothing ${fmt(t.smoothMs)}, choose k ${fmt(t.selectMs)}, k-means ${fmt(t.kmeansMs)}, ` +
      `refine ${fmt(t.refineMs)}, labels+profiles ${fmt(t.describeMs)}, total ${fmt(t.totalMs)}`,
  );
  console.log(`  k=${r.k} (${r.selection.method}${r.selection.kMax ? `, merged from ${r.selection.kMax}` : ''}), silhouette ${r.selection.silhouette.toFixed(3)}, feature dims ${r.featureModel.dims}`);
  for (const c of r.clusters.slice(0, top)) {
    const conc = c.concentration ? ` — ${(c.concentration.share * 100).toFixed(0)}% ${c.concentration.attribute} ${c.concentration.value}` : '';
    console.log(`   #${c.id} ${c.size} tickets [${c.language}] ${c.label}${conc}`);
  }
}

function runLabelled(): { nmi: number; ari: number; k: number; seconds: number } {
  const { texts, labels } = loadLabelled(FILE);
  const classes = new Set(labels).size;
  console.log(`${FILE}: ${texts.length} texts, ${classes} labels`);
  const tickets: TicketText[] = texts.map((text, i) => ({ id: String(i), text }));

  const t0 = performance.now();
  const auto = clusterTickets(tickets, { ...settings, seed: SEED, k: FIXED_K, onProgress: progressPrinter('labelled') });
  const seconds = (performance.now() - t0) / 1000;
  const nmi = normalizedMutualInfo(labels, auto.assignments);
  const ari = adjustedRandIndex(labels, auto.assignments);
  console.log(`${FIXED_K ? `k fixed at ${FIXED_K}` : 'automatic k'}: NMI ${nmi.toFixed(4)}  ARI ${ari.toFixed(4)}  k=${auto.k}  ${seconds.toFixed(1)} s`);
  summarise(auto);

  if (FIXED_K === undefined) {
    const t1 = performance.now();
    const fixed = clusterTickets(tickets, { ...settings, seed: SEED, k: classes, featureModel: auto.featureModel });
    const s1 = (performance.now() - t1) / 1000;
    console.log(
      `k fixed at ${classes} (number of labels): NMI ${normalizedMutualInfo(labels, fixed.assignments).toFixed(4)}  ` +
        `ARI ${adjustedRandIndex(labels, fixed.assignments).toFixed(4)}  ${s1.toFixed(1)} s (features reused)`,
    );
  }
  return { nmi, ari, k: auto.k, seconds };
}

function runSimulated(): void {
  console.log(`\nsimulated tickets: generating ${SIM_TICKETS} …`);
  const start = Date.UTC(2026, 2, 2);
  const sim = createSimulation({
    seed: SEED,
    start,
    ticketsPerHour: 2000,
    incident: { startOffsetMinutes: 600, durationMinutes: 240, ticketsPerHour: 300 },
  });
  const tickets: TicketText[] = [];
  const g0 = performance.now();
  let last = g0;
  for (const e of sim.events(start + 400 * 3_600_000)) {
    if (e.type !== 'created') continue;
    tickets.push({
      id: e.ticket_id,
      text: `${e.subject ?? ''}\n${e.body ?? ''}`,
      attributes: {
        product: e.product ?? '',
        region: e.region ?? '',
        channel: e.channel ?? '',
        category: e.category ?? '',
        customer_tier: e.customer_tier ?? '',
        ...(e.attributes ?? {}),
      },
    });
    if (tickets.length >= SIM_TICKETS) break;
    const now = performance.now();
    if (now - last > 2000) {
      last = now;
      const rate = tickets.length / ((now - g0) / 1000);
      console.log(`  generated ${tickets.length}/${SIM_TICKETS} (${rate.toFixed(0)}/s, ETA ${((SIM_TICKETS - tickets.length) / rate).toFixed(0)} s)`);
    }
  }
  const incidentIds = sim.incidentTicketIds();
  const incidentCount = tickets.filter((t) => incidentIds.has(t.id)).length;
  console.log(`  generated ${tickets.length} tickets in ${fmt(performance.now() - g0)} (${incidentCount} incident tickets)`);

  sampleRss();
  const rssBefore = process.memoryUsage().rss;
  peakRss = rssBefore;
  const r = clusterTickets(tickets, { ...settings, seed: SEED, onProgress: progressPrinter('simulated') });
  sampleRss();
  summarise(r, 8);
  // Where did the incident's tickets go? Text alone cannot tell an incident ticket from
  // an ordinary complaint about the same defect; the batch profile should still stand out.
  const byHits = r.clusters
    .map((c) => ({ c, hits: c.memberIds.filter((id) => incidentIds.has(id)).length }))
    .sort((a, b) => b.hits - a.hits)
    .slice(0, 3);
  for (const { c, hits } of byHits) {
    const batch = c.profile.product_batch?.[0];
    const conc = c.concentration ? `concentration ${(c.concentration.share * 100).toFixed(0)}% ${c.concentration.attribute} ${c.concentration.value}` : 'no concentration';
    console.log(
      `  incident tickets in #${c.id} "${c.label}": ${hits} of ${c.size} (${((hits / Math.max(1, incidentCount)) * 100).toFixed(0)}% of the incident); ` +
        `top batch ${batch ? `${batch.value} ${(batch.share * 100).toFixed(0)}%` : '-'}; ${conc}`,
    );
  }
  const within = r.timings.totalMs <= 60_000 ? 'within' : 'OVER';
  console.log(`  100k clustering: ${fmt(r.timings.totalMs)} (${within} the 60 s target), peak RSS ${(peakRss / 2 ** 30).toFixed(2)} GiB (before: ${(rssBefore / 2 ** 30).toFixed(2)} GiB)`);
}

const labelled = RUN_LABELLED ? runLabelled() : null;
if (RUN_SIM) runSimulated();
clearInterval(rssTimer);
if (labelled) {
  console.log(
    `RESULT clustering nmi=${labelled.nmi.toFixed(4)} ari=${labelled.ari.toFixed(4)} k=${labelled.k} seconds=${labelled.seconds.toFixed(1)}`,
  );
}
