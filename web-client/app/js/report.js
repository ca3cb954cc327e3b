// The meeting report page (/report/CODE): the JSON export drawn as a
// printable A4 document. The page holds no secret: the chair's comes in the
// fragment (moved to sessionStorage by secret.js, as on the panel), the
// organiser's admin token from this tab's sessionStorage (adminapi.js). A
// fragment wins, since it is what the person just opened. Each load is one
// export, logged by the server as an `exported` entry: the report carries
// names out like a download does.

import { byId, el, initLang, tr } from './dom.js';
import { getToken, setToken } from './adminapi.js';
import { forgetSecret, takeSecret } from './secret.js';
import { askerText, buildReport, cssString, dmy, vnDateTime, vnTime } from './reportfmt.js';

/** @typedef {import('./reportfmt.js').Export} Export */
/** @typedef {import('./reportfmt.js').Report} Report */
/** @typedef {import('./reportfmt.js').ExportQuestion} ExportQuestion */
/** @typedef {import('./reportfmt.js').Tally} Tally */
/** @typedef {import('./i18n.js').Key} Key */

const code = decodeURIComponent(location.pathname.split('/')[2] ?? '').toUpperCase();
const fromLink = location.hash.length > 1;
const staffSecret = code ? takeSecret('moderator', code) : '';

/** @type {Report | null} */
let report = null;
/** The running head's look; margin boxes do not inherit the page's. */
const HEAD_FONT = 'font: 9pt "Times New Roman", "Liberation Serif", "DejaVu Serif", serif; color: #333;';
/** The printed running head: title and date on every page. */
const headSheet = new CSSStyleSheet();
document.adoptedStyleSheets = [...document.adoptedStyleSheets, headSheet];

/** @returns {{header: string, staff: boolean} | null} */
function credential() {
  const admin = getToken();
  if (staffSecret && (fromLink || !admin)) return { header: `Staff ${staffSecret}`, staff: true };
  if (admin) return { header: `Bearer ${admin}`, staff: false };
  return null;
}

async function load() {
  byId('loading', HTMLElement).hidden = false;
  byId('error', HTMLElement).hidden = true;
  const cred = credential();
  if (!code || !cred) return fail(code ? 'rep.err.no_credential' : 'rep.err.unknown_event', Boolean(code));
  /** @type {Response} */
  let res;
  try {
    res = await fetch(`/api/events/${encodeURIComponent(code)}/export?format=json`, {
      headers: { authorization: cred.header },
      cache: 'no-store',
    });
  } catch {
    return fail('rep.err.network', false);
  }
  if (!res.ok) {
    // A refused credential is forgotten, so the next try asks afresh.
    if (res.status === 401) {
      if (cred.staff) forgetSecret('moderator', code);
      else setToken(null);
    }
    /** @type {Record<number, Key>} */
    const keys = { 401: 'rep.err.unauthorized', 403: 'rep.err.forbidden', 404: 'rep.err.unknown_event' };
    return fail(keys[res.status] ?? 'rep.err.generic', res.status === 401 && !cred.staff);
  }
  /** @type {Export} */
  const data = await res.json();
  report = buildReport(data, Date.now());
  byId('loading', HTMLElement).hidden = true;
  const printButton = byId('print', HTMLButtonElement);
  printButton.disabled = false;
  printButton.hidden = false;
  render();
}

/**
 * @param {Key} key
 * @param {boolean} askToken offer the admin token form
 */
function fail(key, askToken) {
  byId('loading', HTMLElement).hidden = true;
  byId('report', HTMLElement).hidden = true;
  byId('error', HTMLElement).hidden = false;
  const msg = byId('error-msg', HTMLElement);
  msg.dataset.i18n = key;
  msg.textContent = tr(key);
  byId('token-form', HTMLElement).hidden = !askToken;
  // Nothing to print: the button goes rather than sitting there greyed.
  byId('print', HTMLButtonElement).hidden = true;
}

function render() {
  const r = report;
  if (!r) return;
  const days = r.firstDay === r.lastDay
    ? tr('rep.meeting_day', { date: dmy(r.firstDay) })
    : tr('rep.meeting_days', { from: dmy(r.firstDay), to: dmy(r.lastDay) });
  document.title = `${tr('rep.heading')} — ${r.title}`;
  headSheet.replaceSync(
    `@page { @top-left { content: ${cssString(r.title)}; ${HEAD_FONT} }`
      + ` @top-right { content: ${cssString(days)}; white-space: nowrap; ${HEAD_FONT} } }`,
  );
  const head = el('header', 'doc-head');
  head.append(
    el('p', 'doc-kind', tr('rep.kind')),
    el('h1', 'doc-title', r.title),
    el('p', 'doc-meta', `${days} · ${tr('rep.code', { code: r.code })}`),
    el('p', 'doc-meta', tr('rep.made_at', { time: vnDateTime(r.now) })),
  );
  const root = byId('report', HTMLElement);
  root.replaceChildren(head, summary(r), liveSection(r), writtenSection(r), overdueSection(r),
    forwardedSection(r), answersSection(r), checkSection(r));
  root.hidden = false;
}

/** @param {Report} r */
function summary(r) {
  const box = el('section');
  box.append(el('h2', '', tr('rep.h.summary')), el('p', '', tr('rep.total', { n: r.total })));
  if (r.merged > 0) box.append(el('p', 'note', tr('rep.merged', { n: r.merged })));
  const grid = el('div', 'counts');
  const status = r.byStatus.map((s) => ({ key: tr(/** @type {Key} */ (`rep.status.${s.key}`)), count: s.count }));
  grid.append(
    countTable('rep.h.status', 'rep.col.status', status, 'rep.none.topic'),
    countTable('rep.h.topic', 'rep.col.topic', r.byTopic, 'rep.none.topic'),
    countTable('rep.h.official', 'rep.col.official', r.byOfficial, 'rep.none.official'),
    countTable('rep.h.unit', 'rep.col.unit', r.byUnit, 'rep.none.unit'),
  );
  box.append(grid, el('p', 'note', tr('rep.hidden_note')));
  return box;
}

/**
 * @param {Key} heading
 * @param {Key} column
 * @param {Tally[]} rows
 * @param {Key} none the words for a row without a key
 */
function countTable(heading, column, rows, none) {
  const box = el('div');
  box.append(el('h3', '', tr(heading)));
  const body = rows.map((row) => tableRow([row.key ?? tr(none), [String(row.count), 'num']]));
  box.append(table([tr(column), [tr('rep.col.count'), 'num']], body));
  return box;
}

/**
 * @param {Array<string | [string, string]>} heads a cell's text, or text and class
 * @param {HTMLTableRowElement[]} rows
 */
function table(heads, rows) {
  const t = el('table');
  const head = el('tr');
  for (const h of heads) head.append(cell('th', h));
  t.append(el('thead'), el('tbody'));
  t.tHead?.append(head);
  t.tBodies[0].append(...rows);
  return t;
}

/** @param {Array<string | [string, string] | Node>} cells */
function tableRow(cells) {
  const row = el('tr');
  for (const c of cells) row.append(cell('td', c));
  return row;
}

/**
 * @param {'th' | 'td'} tag
 * @param {string | [string, string] | Node} content
 */
function cell(tag, content) {
  if (content instanceof Node) {
    const node = el(tag);
    node.append(content);
    return node;
  }
  const [text, cls] = typeof content === 'string' ? [content, ''] : content;
  return el(tag, cls, text);
}

/**
 * A section: its heading, then its table or a sentence saying there is none.
 * @param {Key} heading
 * @param {Key} empty
 * @param {Node | null} body
 */
function section(heading, empty, body) {
  const box = el('section');
  box.append(el('h2', '', tr(heading)), body ?? el('p', 'muted', tr(empty)));
  return box;
}

/** @param {ExportQuestion} q */
const asker = (q) => askerText(q, (level) => tr(`rep.level.${level}`));
/** @param {ExportQuestion} q */
const official = (q) => q.addressed_to ?? tr('rep.none.official');

/** @param {Report} r */
function liveSection(r) {
  const rows = r.live.map((q) => tableRow([
    [`#${q.id}`, 'num'], [q.answered_live_at === null ? '' : vnTime(q.answered_live_at), 'nowrap'], q.text, asker(q), official(q),
  ]));
  return section('rep.h.live', 'rep.empty.live', rows.length === 0 ? null : table(
    [[tr('rep.col.id'), 'num'], tr('rep.col.time'), tr('rep.col.text'), tr('rep.col.asker'), tr('rep.col.official')], rows,
  ));
}

/** @param {Report} r */
function writtenSection(r) {
  const rows = r.written.map(({ question: q, overdueDays }) => {
    const status = el('span', '', tr(/** @type {Key} */ (`rep.status.${q.status}`)));
    const due = el('span', 'nowrap', q.due ? dmy(q.due) : tr('rep.none.due'));
    const when = el('span');
    when.append(due);
    if (overdueDays > 0) when.append(el('br'), el('span', 'overdue', tr('rep.overdue', { n: overdueDays })));
    const row = tableRow([[`#${q.id}`, 'num'], q.text, asker(q), official(q), when, status]);
    if (overdueDays > 0) row.classList.add('is-overdue');
    return row;
  });
  return section('rep.h.written', 'rep.empty.written', rows.length === 0 ? null : table(
    [[tr('rep.col.id'), 'num'], tr('rep.col.text'), tr('rep.col.asker'), tr('rep.col.official'), tr('rep.col.due'), tr('rep.col.status')],
    rows,
  ));
}

/** @param {Report} r */
function overdueSection(r) {
  const rows = r.overdue.map(({ question: q, overdueDays }) => tableRow([
    [`#${q.id}`, 'num'], q.text, official(q), [q.due ? dmy(q.due) : '', 'nowrap'], [tr('rep.overdue', { n: overdueDays }), 'overdue'],
  ]));
  const box = section('rep.h.overdue', 'rep.empty.overdue', rows.length === 0 ? null : table(
    [[tr('rep.col.id'), 'num'], tr('rep.col.text'), tr('rep.col.official'), tr('rep.col.due'), tr('rep.col.late')], rows,
  ));
  box.append(el('p', 'note', tr('rep.overdue_note', { date: dmy(r.today) })));
  return box;
}

/** @param {Report} r */
function forwardedSection(r) {
  const rows = r.forwarded.map((q) => tableRow([
    [`#${q.id}`, 'num'], q.text, asker(q), q.forwarded_to ?? '', tr(/** @type {Key} */ (`rep.status.${q.status}`)),
  ]));
  return section('rep.h.forwarded', 'rep.empty.forwarded', rows.length === 0 ? null : table(
    [[tr('rep.col.id'), 'num'], tr('rep.col.text'), tr('rep.col.asker'), tr('rep.col.authority'), tr('rep.col.status')], rows,
  ));
}

/** @param {Report} r */
function answersSection(r) {
  if (r.answers.length === 0) return section('rep.h.answers', 'rep.empty.answers', null);
  const list = el('div');
  for (const q of r.answers) {
    const box = el('div', 'answer');
    box.append(el('p', 'q', `#${q.id}. ${q.text}`));
    q.answers.forEach((a, i) => {
      box.append(
        el('p', 'by', tr('rep.answer_by', { n: i + 1, who: a.signed_by, date: vnDateTime(a.published_at) })),
        el('p', 'text', a.text),
      );
    });
    list.append(box);
  }
  return section('rep.h.answers', 'rep.empty.answers', list);
}

/** @param {Report} r */
function checkSection(r) {
  const box = el('section', 'check');
  box.append(el('p', '', tr('rep.data_at', { time: vnDateTime(r.dataAt), seq: r.seq })));
  if (r.chainHead) {
    const p = el('p');
    const [before, after] = tr('rep.chain', { hash: '\u0000' }).split('\u0000');
    p.append(before, el('span', 'hash', r.chainHead), after ?? '');
    box.append(p);
  }
  box.append(el('p', '', tr('rep.export_note')));
  return box;
}

byId('print', HTMLButtonElement).addEventListener('click', () => window.print());
byId('token-form', HTMLFormElement).addEventListener('submit', (e) => {
  e.preventDefault();
  const value = byId('token', HTMLInputElement).value.trim();
  if (!value) return;
  setToken(value);
  void load();
});
initLang(() => render());
void load();
