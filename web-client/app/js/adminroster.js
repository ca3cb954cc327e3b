// An event's delegate roster in the organiser console: choose a CSV or
// XLSX file, see what the server makes of it (a dry run: every bad row by
// line, with its reason in words, nothing imported), then import it whole;
// the delegates with their codes, a new code for a lost card, and the way
// to the printable cards.

import { currentLang, el, tr } from './dom.js';
import { ApiError, api, eventPath, getToken } from './adminapi.js';
import { eventHref, problemText, rosterType, rowErrorText } from './adminfmt.js';
import { busy, button, confirmAction, say, showError } from './adminui.js';
import { confirmDetach, detachedText, downloadPerson } from './adminprivacy.js';
import { fold, matches } from './text.js';

/** @typedef {import('./adminprint.js').Delegate} Delegate */
/** @typedef {import('./adminfmt.js').RowError} RowError */
/** @typedef {import('./adminevents.js').AdminEvent} AdminEvent */

/** The sample file, when the server has none to give: Excel's own shape. */
const TEMPLATE = '\uFEFFSTT;Họ và tên;Đơn vị;Chức vụ\r\n1;Nguyễn Văn An;Sở Nội vụ;Giám đốc\r\n';

/**
 * The delegates a search names (every word, diacritics optional), in
 * roster order; all of them for an empty search.
 * @param {Delegate[]} delegates
 * @param {string} query
 * @returns {Delegate[]}
 */
export function pickDelegates(delegates, query) {
  if (!query.trim()) return delegates;
  return delegates.filter((d) => matches(fold(`${d.name} ${d.unit ?? ''} ${d.position ?? ''} ${d.code}`), query));
}

/**
 * How a delegate is named in the console: a detached one's name is empty.
 * @param {Delegate} d
 */
export const shownName = (d) => d.name || tr('adm.privacy.detached_name');

export class RosterPane {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    /** @type {AdminEvent | null} */
    this.event = null;
    /** @type {Delegate[]} */
    this.delegates = [];
    this.query = '';
    this.loaded = false;
    /** @type {{name: string, bytes: ArrayBuffer} | null} the file checked last */
    this.file = null;
    this.preview = el('div', 'preview');
    this.preview.id = 'roster-preview';
    this.preview.setAttribute('aria-live', 'polite');
  }

  /** @param {AdminEvent} ev */
  async show(ev) {
    if (this.event?.join_code !== ev.join_code) this.query = '';
    this.event = ev;
    this.delegates = [];
    this.loaded = false;
    this.file = null;
    this.preview.replaceChildren();
    this.render();
    await this.reload();
  }

  async reload() {
    if (!this.event) return;
    try {
      this.delegates = await api('GET', `${eventPath(this.event.join_code)}/roster`);
      this.loaded = true;
    } catch (err) {
      this.loaded = false;
      if (!(err instanceof ApiError && err.code === 'not_supported')) showError(err);
    }
    this.render();
  }

  render() {
    const ev = this.event;
    if (!ev) return;
    this.root.replaceChildren(this.importBox(ev), this.listBox(ev));
  }

  /** @param {AdminEvent} ev */
  importBox(ev) {
    const box = el('section', 'card block');
    const h = el('h2', '', tr('adm.roster.import'));
    h.id = 'roster-import-heading';
    box.setAttribute('aria-labelledby', h.id);
    box.append(h);
    if (ev.settings && !ev.settings.roster) box.append(el('p', 'notice', tr('adm.roster.open_event')));
    box.append(el('p', 'muted', tr('adm.roster.lead')));
    const label = el('label', '', tr('adm.roster.file'));
    label.htmlFor = 'roster-file';
    const input = el('input');
    input.type = 'file';
    input.id = 'roster-file';
    input.accept = '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (!file) return;
      this.check(file);
      // Choosing the same file again after fixing it must check it again;
      // the preview names the file.
      input.value = '';
    });
    const template = button(tr('adm.roster.template'), 'btn quiet');
    template.id = 'roster-template';
    template.addEventListener('click', () => this.downloadTemplate());
    const row = el('div', 'row');
    row.append(input, template);
    box.append(label, row, this.preview);
    return box;
  }

  /**
   * Reads the chosen file and asks the server to check it without importing.
   * @param {File} file
   */
  async check(file) {
    const bytes = await file.arrayBuffer();
    this.file = { name: file.name, bytes };
    this.preview.replaceChildren(el('p', 'muted', tr('adm.roster.checking')));
    await this.send(true);
  }

  /** @param {boolean} dryRun */
  async send(dryRun) {
    const ev = this.event;
    const file = this.file;
    if (!ev || !file) return;
    const path = `${eventPath(ev.join_code)}/roster${dryRun ? '?dry_run=true' : ''}`;
    try {
      /** @type {{rows: number, imported: number, total: number}} */
      const res = await api('POST', path, { body: file.bytes, type: rosterType(file.name) });
      if (dryRun) this.showReady(file.name, res);
      else {
        this.file = null;
        this.preview.replaceChildren(el('p', 'ok-note', tr('adm.roster.imported', { n: res.imported, total: res.total })));
        say(tr('adm.roster.imported', { n: res.imported, total: res.total }));
        await this.reload();
      }
    } catch (err) {
      if (err instanceof ApiError && err.code === 'roster_invalid') this.showProblems(err.body);
      else {
        this.preview.replaceChildren();
        const line = el('p', 'form-error');
        line.setAttribute('role', 'alert');
        this.preview.append(line);
        showError(err, line);
      }
    }
  }

  /**
   * @param {string} name
   * @param {{rows: number, total: number}} res
   */
  showReady(name, res) {
    const go = button(tr('adm.roster.do_import', { n: res.rows }), 'btn primary');
    go.id = 'roster-import';
    go.addEventListener('click', () => busy(go, () => this.send(false)));
    const text = el('p', 'ok-note', tr('adm.roster.ready', { file: name, n: res.rows }));
    this.preview.replaceChildren(text, go);
  }

  /** @param {any} body the 422 answer */
  showProblems(body) {
    const lang = currentLang();
    /** @type {RowError[]} */
    const errors = Array.isArray(body?.errors) ? body.errors : [];
    const head = el('p', 'form-error');
    head.id = 'roster-problem';
    head.setAttribute('role', 'alert');
    head.textContent = body?.problem === 'rows'
      ? tr('adm.roster.bad_rows', { n: errors.length })
      : problemText(lang, body?.problem, body?.error?.message);
    const parts = [head];
    if (errors.length) {
      const table = el('table', 'row-errors');
      table.id = 'roster-errors';
      const caption = el('caption', 'sr-only', tr('adm.roster.bad_rows', { n: errors.length }));
      const headRow = el('tr');
      for (const key of /** @type {const} */ (['adm.roster.line', 'adm.roster.reason'])) {
        const th = el('th', '', tr(key));
        th.scope = 'col';
        headRow.append(th);
      }
      const thead = el('thead');
      thead.append(headRow);
      const tbody = el('tbody');
      for (const e of errors) {
        const row = el('tr');
        row.append(el('td', 'num', String(e.line)), el('td', '', rowErrorText(lang, e)));
        tbody.append(row);
      }
      table.append(caption, thead, tbody);
      parts.push(table);
    }
    parts.push(el('p', 'muted', tr('adm.roster.fix')));
    this.preview.replaceChildren(...parts);
  }

  async downloadTemplate() {
    let blob = new Blob([TEMPLATE], { type: 'text/csv' });
    try {
      const res = await fetch('/api/roster-template.csv', { headers: { authorization: `Bearer ${getToken()}` } });
      if (res.ok) blob = await res.blob();
    } catch {
      // The built-in sample will do.
    }
    const a = el('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'danh-sach-dai-bieu.csv';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  /** @param {AdminEvent} ev */
  listBox(ev) {
    const box = el('section', 'card block');
    const h = el('h2', '', tr('adm.roster.list'));
    h.id = 'roster-list-heading';
    box.setAttribute('aria-labelledby', h.id);
    box.append(h);
    if (!this.loaded) {
      box.append(el('p', 'muted', tr('adm.roster.unavailable')));
      return box;
    }
    const tools = el('div', 'row');
    const count = el('p', 'count', tr('adm.roster.count', { n: this.delegates.length }));
    count.id = 'roster-count';
    tools.append(count);
    if (this.delegates.length) {
      // With a search, only the cards found print: a lost card's new one.
      const cards = el('a', 'btn secondary');
      cards.id = 'cards-open';
      cards.href = eventHref(ev.join_code, 'cards');
      const cardsText = () => {
        const n = pickDelegates(this.delegates, this.query).length;
        cards.textContent = this.query.trim() ? tr('adm.cards.open_found', { n }) : tr('adm.cards.open');
      };
      cardsText();
      const label = el('label', 'sr-only', tr('adm.roster.search'));
      label.htmlFor = 'roster-search';
      const search = el('input');
      search.type = 'search';
      search.id = 'roster-search';
      search.placeholder = tr('adm.roster.search');
      search.value = this.query;
      search.addEventListener('input', () => {
        this.query = search.value;
        const body = this.root.querySelector('#roster-body');
        if (body) body.replaceChildren(...this.rows());
        cardsText();
      });
      tools.append(cards, label, search);
    }
    box.append(tools);
    if (!this.delegates.length) {
      box.append(el('p', 'empty', tr('adm.roster.empty')));
      return box;
    }
    const table = el('table', 'roster-table');
    const caption = el('caption', 'sr-only', tr('adm.roster.list'));
    const headRow = el('tr');
    for (const key of /** @type {const} */ ([
      'adm.roster.no', 'adm.field.name', 'adm.field.unit', 'adm.field.position', 'adm.roster.code',
      'adm.roster.claimed', 'adm.staff.actions',
    ])) {
      const th = el('th', '', tr(key));
      th.scope = 'col';
      headRow.append(th);
    }
    const thead = el('thead');
    thead.append(headRow);
    const tbody = el('tbody');
    tbody.id = 'roster-body';
    tbody.append(...this.rows());
    table.append(caption, thead, tbody);
    const scroll = el('div', 'table-scroll');
    scroll.append(table);
    box.append(scroll);
    return box;
  }

  rows() {
    const shown = new Set(pickDelegates(this.delegates, this.query));
    return this.delegates.flatMap((d, i) => {
      if (!shown.has(d)) return [];
      const row = el('tr');
      row.dataset.id = d.id;
      const name = el('th', d.name ? '' : 'detached', shownName(d));
      name.scope = 'row';
      const state = d.present > 0 ? 'adm.roster.present' : d.claimed ? 'adm.roster.claimed.yes' : 'adm.roster.claimed.no';
      const status = el('td');
      status.append(el('span', `chip ${d.present ? 'status-live' : d.claimed ? 'status-answered' : 'status-hidden'}`, tr(state)));
      const actions = el('td', 'actions');
      const reset = button(tr('adm.roster.reset'));
      reset.dataset.action = 'reset';
      reset.setAttribute('aria-label', `${tr('adm.roster.reset')}: ${shownName(d)}`);
      reset.addEventListener('click', () => this.reset(d));
      actions.append(reset, ...this.privacyButtons(d));
      row.append(
        el('td', 'num', String(i + 1)), name, el('td', '', d.unit ?? ''), el('td', '', d.position ?? ''),
        el('td', 'mono', d.code), status, actions,
      );
      return [row];
    });
  }

  /**
   * "Dữ liệu" (the delegate's data as a file) and "Gỡ danh tính", the
   * latter only while there is a name to remove.
   * @param {Delegate} d
   */
  privacyButtons(d) {
    const code = this.event?.join_code ?? '';
    const data = button(tr('adm.privacy.data'));
    data.dataset.action = 'data';
    data.setAttribute('aria-label', `${tr('adm.privacy.data')}: ${shownName(d)}`);
    data.addEventListener('click', () => busy(data, async () => {
      try {
        say(tr('adm.privacy.downloaded', { file: await downloadPerson(code, { delegate: d.id }) }));
      } catch (err) {
        showError(err);
      }
    }));
    if (!d.name) return [data];
    const detach = button(tr('adm.privacy.detach'), 'btn quiet small danger');
    detach.dataset.action = 'detach';
    detach.setAttribute('aria-label', `${tr('adm.privacy.detach')}: ${d.name}`);
    detach.addEventListener('click', () => busy(detach, async () => {
      try {
        const title = tr('adm.privacy.confirm.delegate', { name: d.name });
        const res = await confirmDetach(code, { delegate: d.id }, title);
        if (!res) return;
        say(detachedText(res));
        await this.reload();
      } catch (err) {
        showError(err);
      }
    }));
    return [data, detach];
  }

  /** @param {Delegate} d */
  async reset(d) {
    const ev = this.event;
    if (!ev) return;
    const ok = await confirmAction(tr('adm.roster.reset.title', { name: shownName(d) }), tr('adm.roster.reset.text'), tr('adm.roster.reset'));
    if (!ok) return;
    try {
      /** @type {Delegate} */
      const fresh = await api('POST', `${eventPath(ev.join_code)}/roster/${encodeURIComponent(d.id)}/reset`);
      say(tr('adm.roster.reset.done', { name: fresh.name, code: fresh.code }));
      await this.reload();
    } catch (err) {
      showError(err);
    }
  }
}
