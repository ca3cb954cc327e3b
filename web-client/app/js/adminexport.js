// The organiser console's "Báo cáo và dữ liệu" box: the link to the
// printable report (/report/CODE, opened in this tab so it finds the admin
// token in this tab's sessionStorage) and the export downloads (the
// questions, and the audit trail). A download
// needs the token in a header, never in a URL, so it is fetched and handed
// to the browser as a blob.

import { byId, tr } from './dom.js';
import { getToken } from './adminapi.js';

/** @type {string} the event the buttons export */
let current = '';

/**
 * Points the box at an event.
 * @param {string} code
 */
export function renderExports(code) {
  current = code;
  byId('report-open', HTMLAnchorElement).href = `/report/${encodeURIComponent(code)}`;
  byId('export-error', HTMLElement).hidden = true;
}

for (const button of document.querySelectorAll('button[data-export]')) {
  if (!(button instanceof HTMLButtonElement)) continue;
  button.addEventListener('click', () => {
    button.disabled = true;
    download(current, button.dataset.export ?? 'csv').finally(() => { button.disabled = false; });
  });
}

/**
 * @param {string} code
 * @param {string} format
 */
async function download(code, format) {
  const error = byId('export-error', HTMLElement);
  error.hidden = true;
  try {
    // `audit_csv` is the audit trail's CSV: `/audit?format=csv`.
    const what = format.startsWith('audit_') ? `audit?format=${format.slice(6)}` : `export?format=${format}`;
    const res = await fetch(`/api/events/${encodeURIComponent(code)}/${what}`, {
      headers: { authorization: `Bearer ${getToken()}` },
      cache: 'no-store',
    });
    if (!res.ok) {
      /** @type {Record<number, import('./i18n.js').Key>} */
      const keys = { 401: 'rep.err.unauthorized', 403: 'rep.err.forbidden', 404: 'rep.err.unknown_event' };
      throw new Error(tr(keys[res.status] ?? 'rep.err.generic'));
    }
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `hoidap-${code}.${format}`;
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (err) {
    const why = err instanceof TypeError ? tr('rep.err.network') : err instanceof Error ? err.message : String(err);
    error.textContent = tr('rep.dl.failed', { error: why });
    error.hidden = false;
  }
}
