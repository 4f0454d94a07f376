/**
 * The demo's page: data in, one static HTML string out (inline CSS, no scripts, no fetches).
 * Every file path is relative to the page, which sits in the output root beside one folder
 * per workload.
 */

export interface ImageItem {
  /** File name inside the workload's folder. */
  file: string;
  label: string;
  width: number;
  height: number;
  bytes: number;
  /** An output of the workload (a rendition), as opposed to its input. */
  output: boolean;
}

export interface VideoItem {
  file: string;
  /** A frame of the video, extracted to a JPEG beside it. */
  poster: string;
  label: string;
  width: number;
  height: number;
  /** Bits per second, as ffprobe reports the stream or the container. */
  bitrate: number;
  seconds: number;
  bytes: number;
  output: boolean;
}

export interface Prediction {
  label: string;
  score: number;
}

export type Block =
  | { kind: 'images'; title: string; items: ImageItem[] }
  | { kind: 'videos'; title: string; items: VideoItem[] }
  | { kind: 'predictions'; title: string; items: { file: string; label: string; predictions: Prediction[] }[] }
  /** Named counts or values; `key` is a stable name a reader (or a test) can look up. */
  | { kind: 'figures'; title: string; items: { key: string; label: string; value: number | string }[] }
  /** Step Functions executions: the states each one entered, in order. */
  | { kind: 'path'; title: string; executions: { label: string; status: string; states: string[] }[] }
  | { kind: 'files'; title: string; files: string[] };

export interface FlowReport {
  workload: string;
  input: string;
  /** The table's result cell: the summary, the failure, or why the flow was skipped. */
  result: string;
  /** Wall-clock seconds of the flow; undefined when it was skipped. */
  seconds?: number;
  status: 'ok' | 'failed' | 'skipped';
  blocks: Block[];
}

export interface DemoReport {
  backend: string;
  description: string;
  /** ISO time the run finished. */
  finishedAt: string;
  flows: FlowReport[];
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A relative link to `file` in `workload`'s folder, each segment URL-encoded, then escaped. */
export function href(workload: string, file: string): string {
  return escapeHtml([workload, ...file.split('/')].map(encodeURIComponent).join('/'));
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

const anchor = (workload: string) => `flow-${workload.replace(/[^A-Za-z0-9_-]/g, '-')}`;

function renderBlock(workload: string, block: Block): string {
  const e = escapeHtml;
  const head = `<h3>${e(block.title)}</h3>`;
  switch (block.kind) {
    case 'images':
      return `${head}<div class="grid">${block.items
        .map(
          (i) =>
            `<figure${i.output ? ' data-rendition' : ''}><a href="${href(workload, i.file)}"><img src="${href(workload, i.file)}" alt="${e(i.label)}" loading="eager"></a>` +
            `<figcaption><b>${e(i.label)}</b><br><span data-size>${e(i.width)} x ${e(i.height)}</span>, <span data-bytes="${e(i.bytes)}">${e(formatBytes(i.bytes))}</span></figcaption></figure>`,
        )
        .join('')}</div>`;
    case 'videos':
      return `${head}<div class="grid">${block.items
        .map(
          (v) =>
            `<figure${v.output ? ' data-rendition' : ''}><a href="${href(workload, v.file)}"><img src="${href(workload, v.poster)}" alt="${e(`a frame of ${v.label}`)}"></a>` +
            `<figcaption><b>${e(v.label)}</b><br><span data-size>${e(v.width)} x ${e(v.height)}</span>, ` +
            `<span data-bitrate="${e(v.bitrate)}">${e(Math.round(v.bitrate / 1000))} kb/s</span>, ` +
            `<span data-duration="${e(v.seconds)}">${e(v.seconds.toFixed(2))} s</span>, ${e(formatBytes(v.bytes))}</figcaption></figure>`,
        )
        .join('')}</div>`;
    case 'predictions':
      return `${head}<div class="grid">${block.items
        .map(
          (p) =>
            `<figure data-prediction><img src="${href(workload, p.file)}" alt="${e(p.label)}"><figcaption><b>${e(p.label)}</b>` +
            `<table>${p.predictions
              .map(
                (x) =>
                  `<tr><td>${e(x.label)}</td><td class="num" data-score="${e(x.score)}">${e(x.score.toFixed(3))}</td>` +
                  `<td><span class="bar" style="width:${e(Math.round(Math.max(0, Math.min(1, x.score)) * 100))}px"></span></td></tr>`,
              )
              .join('')}</table></figcaption></figure>`,
        )
        .join('')}</div>`;
    case 'figures':
      return `${head}<dl>${block.items
        .map((f) => `<dt>${e(f.label)}</dt><dd data-figure="${e(f.key)}">${e(f.value)}</dd>`)
        .join('')}</dl>`;
    case 'path':
      return `${head}${block.executions
        .map(
          (x) =>
            `<p><b>${e(x.label)}</b>: <span data-status>${e(x.status)}</span></p>` +
            `<ol class="path" data-execution="${e(x.label)}">${x.states.map((s) => `<li>${e(s)}</li>`).join('')}</ol>`,
        )
        .join('')}`;
    case 'files':
      return `${head}<ul>${block.files.map((f) => `<li><a href="${href(workload, f)}">${e(f)}</a></li>`).join('')}</ul>`;
  }
}

function renderFlow(flow: FlowReport): string {
  const e = escapeHtml;
  const time = flow.seconds === undefined ? '' : ` <span class="time">${e(flow.seconds.toFixed(1))} s</span>`;
  const body =
    flow.status === 'ok'
      ? flow.blocks.map((b) => renderBlock(flow.workload, b)).join('')
      : `<p class="reason">${e(flow.result)}</p>`;
  return (
    `<section id="${anchor(flow.workload)}" data-workload="${e(flow.workload)}" data-status="${e(flow.status)}">` +
    `<h2>${e(flow.workload)} <span class="status ${e(flow.status)}">${e(flow.status)}</span>${time}</h2>` +
    `<p class="input">input: ${e(flow.input)}</p>${flow.status === 'ok' ? `<p>${e(flow.result)}</p>` : ''}${body}</section>`
  );
}

const CSS = `
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d232a;background:#fafbfc}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin:0 0 .3rem}h3{font-size:1rem;margin:1rem 0 .4rem;color:#3a4651}
section{background:#fff;border:1px solid #dde2e7;border-radius:8px;padding:1rem 1.2rem;margin:1.2rem 0}
table{border-collapse:collapse}th,td{padding:.25rem .6rem;border-bottom:1px solid #e6e9ec;text-align:left;vertical-align:top}
.num,td[data-seconds]{text-align:right;font-variant-numeric:tabular-nums}
.grid{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0;max-width:16rem}
figure img{max-width:16rem;max-height:12rem;border:1px solid #ccd3da;background:repeating-conic-gradient(#eee 0 25%,#fff 0 50%) 0 0/16px 16px}
figcaption{font-size:.85rem;overflow-wrap:anywhere}figcaption table td{padding:.1rem .4rem}
.bar{display:inline-block;height:.6rem;background:#3b7dd8;border-radius:2px}
.status{font-size:.75rem;padding:.1rem .45rem;border-radius:1rem;vertical-align:middle}
.ok{background:#dff3e4;color:#17622e}.failed{background:#fbe0e0;color:#8a1c1c}.skipped{background:#eceff2;color:#4b5661}
.time{font-size:.85rem;color:#5b6773;font-weight:normal}.input{color:#5b6773;margin:0}.reason{font-style:italic}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{color:#5b6773}dd{margin:0;font-weight:600}
ol.path{display:flex;flex-wrap:wrap;gap:.3rem;list-style:none;padding:0}
ol.path li{background:#eef3fb;border:1px solid #c9d8ee;border-radius:4px;padding:.1rem .5rem}
ol.path li+li::before{content:"\\2192  ";color:#7a8794}
`;

/** The whole page for one demo run. */
export function renderReport(report: DemoReport): string {
  const e = escapeHtml;
  const total = report.flows.reduce((s, f) => s + (f.seconds ?? 0), 0);
  const rows = report.flows
    .map(
      (f) =>
        `<tr data-workload="${e(f.workload)}"><td><a href="#${anchor(f.workload)}">${e(f.workload)}</a></td><td>${e(f.input)}</td>` +
        `<td><span class="status ${e(f.status)}">${e(f.status)}</span> ${e(f.result)}</td>` +
        `<td data-seconds>${f.seconds === undefined ? '-' : e(f.seconds.toFixed(1))}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>pnpm demo: ${e(report.backend)}</title><style>${CSS}</style></head>
<body><h1>pnpm demo</h1>
<p>Backend <b>${e(report.backend)}</b>: ${e(report.description)}. Finished ${e(report.finishedAt)}.</p>
<table id="summary"><thead><tr><th>workload</th><th>input</th><th>result</th><th>time (s)</th></tr></thead>
<tbody>${rows}</tbody><tfoot><tr><td colspan="3">total</td><td data-seconds data-total>${e(total.toFixed(1))}</td></tr></tfoot></table>
${report.flows.map(renderFlow).join('\n')}
</body></html>
`;
}
