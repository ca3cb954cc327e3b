// The presiding panel: every question in every status, the actions on
// them, keyboard shortcuts for the frequent ones, and the session settings.

import { Client, RequestError } from './client.js';
import {
  Keyed, byId, connectionNotice, currentLang, find, initLang, perFrame, placeChildren, setText, showRefused, toast, tr,
} from './dom.js';
import { votesText } from './i18n.js';
import { FollowUpPanel, errorText } from './modpanel.js';
import { watchStorage } from './health.js';
import { createItem, updateItem, who } from './moditem.js';
import { compareOldest, compareRank, compareRecent, countByStatus, currentQuestion } from './state.js';
import { Outbox, memoryStore } from './outbox.js';
import { PanelIdentity, PanelPresence } from './panelwho.js';
import { forgetSecret, takeSecret } from './secret.js';
import { linkReport } from './modreport.js';
import { PanelHold } from './modhold.js';
import { attendeeLink, cleanText, fold, matches, normalizeCode } from './text.js';

/** @typedef {import('./protocol').Question} Question */
/** @typedef {import('./protocol').Action} Action */
/** @typedef {import('./protocol').QuestionStatus} QuestionStatus */
/** @typedef {QuestionStatus | 'all'} Filter */
/** @typedef {import('./moditem.js').Act} Act */
const code = normalizeCode(decodeURIComponent(location.pathname.split('/')[2] ?? ''));
// The secret travels in the fragment, which browsers never send to a server;
// it is then kept in this tab and taken out of the address bar.
const secret = code ? takeSecret('moderator', code) : '';
linkReport(byId('report-link', HTMLAnchorElement), code, secret);

const ui = {
  title: byId('title', HTMLElement),
  readOnly: byId('read-only', HTMLElement),
  conn: byId('conn', HTMLElement),
  nowLive: byId('now-live', HTMLElement),
  pendingLive: byId('pending-live', HTMLElement),
  joinCode: byId('join-code', HTMLElement),
  nowNone: byId('now-none', HTMLElement),
  nowBody: byId('now-body', HTMLElement),
  nowText: byId('now-text', HTMLElement),
  nowMeta: byId('now-meta', HTMLElement),
  nowDone: byId('now-done', HTMLButtonElement),
  nowClear: byId('now-clear', HTMLButtonElement),
  premod: byId('set-premod', HTMLInputElement),
  anon: byId('set-anon', HTMLInputElement),
  phases: /** @type {HTMLInputElement[]} */ ([...document.querySelectorAll('input[name="phase"]')]),
  link: byId('attendee-link', HTMLAnchorElement),
  search: byId('search', HTMLInputElement),
  board: byId('board', HTMLElement),
  list: byId('list', HTMLUListElement),
  empty: byId('empty', HTMLElement),
  toast: byId('toast', HTMLElement),
  help: byId('help', HTMLDialogElement),
  helpOpen: byId('help-open', HTMLButtonElement),
};
const filterTabs = /** @type {HTMLButtonElement[]} */ ([...document.querySelectorAll('[data-filter]')]);

/** @type {Filter} */
let filter = 'pending';
let filterChosen = false;
/** @type {number | null} */
let selected = null;
let selectedIndex = 0;
/** @type {number | null} */
let editing = null;
/** Pending questions the moderator has had in view; the rest are "new". */
const seen = new Set();
/** When pending questions arrived, for a brief highlight. @type {Map<number, number>} */
const arrived = new Map();
const FRESH_MS = 5000;
/** Questions with a request in flight. @type {Set<number>} */
const busy = new Set();
let announcedCurrent = /** @type {number | null} */ (null);
let announcedPending = -1;
let initialised = false;
/** Folded search text, cached per question text. @type {Map<number, {key: string, folded: string}>} */
const folds = new Map();

/** @param {Question} q */
function folded(q) {
  const key = `${q.text}\u0000${q.name ?? ''}\u0000${q.unit ?? ''}\u0000${q.original_text ?? ''}`;
  let hit = folds.get(q.id);
  if (!hit || hit.key !== key) {
    hit = { key, folded: fold(key.replaceAll('\u0000', ' ')) };
    folds.set(q.id, hit);
  }
  return hit.folded;
}

const items = new Keyed(createItem, (node, q) => {
  const age = Date.now() - (arrived.get(q.id) ?? 0);
  updateItem(node, q, {
    current: client.state?.current === q.id,
    selected: selected === q.id,
    fresh: q.status === 'pending' && (age < FRESH_MS || !seen.has(q.id)),
    busy: busy.has(q.id),
    editing: editing === q.id,
  });
});
const hold = new PanelHold(ui.board, ui.list, byId('hold-cue', HTMLElement), () => render());

/** @returns {Question[]} the questions in the current filter and search, in order */
function visible() {
  const state = client.state;
  if (!state) return [];
  const query = ui.search.value.trim();
  const keep = (/** @type {Question} */ q) =>
    (filter === 'all' || q.status === filter) && fu.keep(q, state) && (!query || matches(folded(q), query));
  const order = filter === 'pending' ? compareOldest : filter === 'live' ? compareRank : compareRecent;
  return hold.order([...state.questions.values()].filter(keep).sort(order), state.questions);
}

function render() {
  const state = client.state;
  if (!state) return;
  if (!filterChosen) {
    filterChosen = true;
    selectFilter(state.settings.pre_moderation ? 'pending' : 'live', false);
  }
  setText(ui.title, state.title);
  setText(ui.joinCode, state.joinCode);
  const link = attendeeLink(client.joinUrl, location.origin, state.joinCode);
  ui.link.href = link;
  ui.link.textContent = link;

  // Counts, and the cue for questions awaiting approval.
  const all = [...state.questions.values()];
  const counts = countByStatus(all);
  for (const f of /** @type {Filter[]} */ (['pending', 'live', 'answered', 'hidden', 'all'])) {
    byId(`c-${f}`, HTMLElement).textContent = String(counts[f]);
  }
  const looking = (filter === 'pending' || filter === 'all') && document.visibilityState === 'visible';
  const unseen = all.filter((q) => q.status === 'pending' && !seen.has(q.id));
  const fresh = looking ? 0 : unseen.length;
  // Questions that arrive while the panel is open are highlighted for a
  // moment even when the moderator is already looking at them.
  for (const q of all) {
    if (q.status !== 'pending' || arrived.has(q.id)) continue;
    arrived.set(q.id, initialised ? Date.now() : 0);
    if (initialised) setTimeout(render, FRESH_MS + 50);
  }
  initialised = true;
  // In view now: no longer "new" (the brief highlight comes from `arrived`).
  if (looking) for (const q of unseen) seen.add(q.id);
  byId('f-pending', HTMLElement).classList.toggle('has-new', counts.pending > 0);
  byId('c-pending', HTMLElement).classList.toggle('new', fresh > 0);
  const base = `${tr('mod.title')} — ${state.title}`;
  document.title = counts.pending > 0 ? `(${counts.pending}) ${base}` : base;
  // Screen reader users hear that new questions came in, wherever they are.
  if (counts.pending > announcedPending && announcedPending >= 0) {
    ui.pendingLive.textContent = tr('mod.new_pending', { n: counts.pending - announcedPending });
  }
  announcedPending = counts.pending;

  fu.render(state, panel.me?.role);
  renderNow();
  renderSettings();

  // The list, keeping the selection where the moderator's eyes are: when
  // the selected question leaves the filter (approved, hidden), the one
  // that took its place is selected, so "a a a" approves down the list.
  const list = visible();
  if (selected !== null && !list.some((q) => q.id === selected)) {
    selected = list.length ? list[Math.min(selectedIndex, list.length - 1)].id : null;
  } else if (selected === null && list.length) {
    selected = list[0].id;
  }
  const index = list.findIndex((q) => q.id === selected);
  if (index >= 0) selectedIndex = index;
  const hadFocus = ui.list.contains(document.activeElement) || document.activeElement === document.body;
  placeChildren(ui.list, items.render(list, (q) => q.id));
  hold.paint(items.nodes);
  ui.empty.hidden = list.length > 0;
  if (hadFocus && !ui.list.contains(document.activeElement) && selected !== null && document.activeElement === document.body) {
    nodeOf(selected)?.focus({ preventScroll: true });
  }
}

function renderNow() {
  const state = client.state;
  if (!state) return;
  const q = currentQuestion(state);
  ui.nowNone.hidden = !!q;
  ui.nowBody.hidden = !q;
  ui.nowText.textContent = q?.text ?? '';
  ui.nowMeta.textContent = q ? [who(q), fu.routeLine(q, state), votesText(currentLang(), q.votes)].filter(Boolean).join(' · ') : '';
  if (state.current !== announcedCurrent) {
    announcedCurrent = state.current;
    ui.nowLive.textContent = q ? `${tr('now.label')}: ${q.text}` : '';
  }
}

function renderSettings() {
  const state = client.state;
  if (!state) return;
  ui.premod.checked = Boolean(shownSetting('pre_moderation', state.settings.pre_moderation));
  ui.anon.checked = Boolean(shownSetting('allow_anonymous', state.settings.allow_anonymous));
  const phase = shownSetting('phase', state.phase);
  for (const r of ui.phases) r.checked = r.value === phase;
}

/** @param {number} id */
function nodeOf(id) {
  return items.nodes.get(id) ?? null;
}

// --- actions --------------------------------------------------------------------

/**
 * @param {number} id
 * @param {Act | 'save' | 'cancel' | Action} act a follow-up's request comes whole
 */
function perform(id, act) {
  if (readOnly) return;
  const state = client.state;
  const q = state?.questions.get(id);
  if (!state || !q) return;
  if (act === 'edit') return startEdit(id);
  if (act === 'cancel') return stopEdit();
  /** @type {Action} */
  let action;
  if (typeof act === 'object') {
    action = act;
  } else if (act === 'save') {
    const node = nodeOf(id);
    const text = node ? cleanText(find(node, '.edit-text', HTMLTextAreaElement).value) : '';
    if (!text || text === q.text) return stopEdit();
    action = { type: 'edit', question: id, text };
  } else if (act === 'clear_current') {
    action = { type: 'clear_current' };
  } else {
    action = { type: act, question: id };
  }
  busy.add(id);
  hold.mine(id); // what this panel acted on leaves the held list at once
  render();
  return client
    .request(action).done
    .then(() => { if (act === 'save') stopEdit(); return true; })
    .catch(failed)
    .finally(() => { busy.delete(id); render(); });
}

/**
 * Shows why an action was refused; one a later action replaced needs no word.
 * @param {unknown} err
 */
function failed(err) {
  const code = err instanceof RequestError ? err.code : 'generic';
  if (code !== 'superseded') toast(ui.toast, errorText(currentLang(), code), 'error');
}

/** @param {number} id */
function startEdit(id) {
  editing = id;
  select(id, false);
  render();
  const area = nodeOf(id)?.querySelector('textarea');
  area?.focus();
  area?.setSelectionRange(area.value.length, area.value.length);
}

function stopEdit() {
  const id = editing;
  editing = null;
  render();
  if (id !== null) nodeOf(id)?.focus({ preventScroll: true });
}

ui.list.addEventListener('click', (e) => {
  const target = e.target instanceof Element ? e.target : null;
  const item = target?.closest('li.mq');
  if (!(item instanceof HTMLElement)) return;
  const id = Number(item.dataset.id);
  const button = target?.closest('button[data-action]');
  if (button instanceof HTMLButtonElement) {
    perform(id, /** @type {Act} */ (button.dataset.action));
  } else if (!target?.closest('textarea')) {
    select(id, !target?.closest('.fu')); // the follow-up's fields keep the focus
  }
});

ui.list.addEventListener('keydown', (e) => {
  if (!(e.target instanceof HTMLTextAreaElement) || editing === null) return;
  if (e.isComposing || e.keyCode === 229) return;
  if (e.key === 'Escape') { e.preventDefault(); stopEdit(); }
  else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); perform(editing, 'save'); }
});

ui.nowDone.addEventListener('click', () => {
  const id = client.state?.current;
  if (id != null) perform(id, 'mark_answered');
});
ui.nowClear.addEventListener('click', () => {
  const id = client.state?.current;
  if (id != null) perform(id, 'clear_current');
});

// --- selection, filters, search -----------------------------------------------------

/**
 * @param {number} id
 * @param {boolean} focus
 */
function select(id, focus) {
  selected = id;
  render();
  const node = nodeOf(id);
  if (focus && node) {
    node.focus({ preventScroll: true });
    node.scrollIntoView({ block: 'nearest' });
  }
}

/** @param {number} step */
function move(step) {
  const list = visible();
  if (!list.length) return;
  const at = list.findIndex((q) => q.id === selected);
  const next = at < 0 ? 0 : Math.max(0, Math.min(list.length - 1, at + step));
  selectedIndex = next;
  select(list[next].id, true);
}

/**
 * @param {Filter} f
 * @param {boolean} user
 */
function selectFilter(f, user) {
  filter = f;
  if (user) filterChosen = true;
  for (const tab of filterTabs) {
    const on = tab.dataset.filter === f;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    if (on) ui.board.setAttribute('aria-labelledby', tab.id);
  }
  selected = null;
  selectedIndex = 0;
  hold.reset();
  placeChildren(ui.list, [], { animate: false });
  render();
}

for (const tab of filterTabs) {
  tab.addEventListener('click', () => selectFilter(/** @type {Filter} */ (tab.dataset.filter), true));
  tab.addEventListener('keydown', (e) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = filterTabs[(filterTabs.indexOf(tab) + step + filterTabs.length) % filterTabs.length];
    next.focus();
    selectFilter(/** @type {Filter} */ (next.dataset.filter), true);
  });
}

ui.search.addEventListener('input', () => {
  hold.reset();
  selected = null;
  selectedIndex = 0;
  render();
});
ui.search.addEventListener('keydown', (e) => {
  if (e.isComposing || e.keyCode === 229) return;
  if (e.key === 'Escape') {
    ui.search.value = '';
    render();
    ui.search.blur();
  } else if (e.key === 'ArrowDown' || e.key === 'Enter') {
    e.preventDefault();
    move(0);
  }
});

// --- keyboard shortcuts -----------------------------------------------------------------

document.addEventListener('keydown', (e) => {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
  const t = e.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return;
  if (ui.help.open) return;
  const q = selected !== null ? client.state?.questions.get(selected) : undefined;
  const isCurrent = q !== undefined && client.state?.current === q.id;
  /** @type {Record<string, () => void>} */
  const keys = {
    j: () => move(1),
    ArrowDown: () => move(1),
    k: () => move(-1),
    ArrowUp: () => move(-1),
    a: () => { if (q?.status === 'pending') perform(q.id, 'approve'); },
    h: () => { if (q && q.status !== 'hidden') perform(q.id, 'hide'); },
    c: () => { if (q?.status === 'live') perform(q.id, isCurrent ? 'clear_current' : 'set_current'); },
    d: () => { if (q?.status === 'live') perform(q.id, 'mark_answered'); },
    e: () => { if (q) perform(q.id, 'edit'); },
    u: () => hold.apply(),
    '/': () => ui.search.focus(),
    '?': () => ui.help.showModal(),
  };
  ['pending', 'live', 'answered', 'hidden', 'all'].forEach((f, i) => {
    keys[String(i + 1)] = () => selectFilter(/** @type {Filter} */ (f), true);
  });
  const fn = keys[e.key];
  // Arrows keep their meaning outside the list (scrolling the page).
  if (!fn || (e.key.startsWith('Arrow') && !ui.list.contains(document.activeElement))) return;
  e.preventDefault();
  fn();
});
ui.helpOpen.addEventListener('click', () => ui.help.showModal());

// --- settings ---------------------------------------------------------------------------------

/**
 * What the moderator just set, shown until the server's state says so (the
 * ack can arrive before the delta that carries the change; without this
 * the control would flick back for a moment).
 * @type {Map<string, {value: string | boolean, until: number}>}
 */
const wanted = new Map();

/**
 * @param {string} key
 * @param {string | boolean} actual the server's value
 * @returns {string | boolean}
 */
function shownSetting(key, actual) {
  const w = wanted.get(key);
  if (!w) return actual;
  if (w.value === actual || Date.now() > w.until) {
    wanted.delete(key);
    return actual;
  }
  return w.value;
}

/**
 * @param {string} key
 * @param {string | boolean} value
 * @param {Action} action
 */
function sendSetting(key, value, action) {
  if (readOnly) return;
  wanted.set(key, { value, until: Infinity });
  client
    .request(action).done
    .then(() => {
      wanted.set(key, { value, until: Date.now() + 2000 });
      setTimeout(render, 2050);
    })
    .catch((/** @type {unknown} */ err) => {
      wanted.delete(key);
      failed(err);
    })
    .finally(render);
}
const fu = new FollowUpPanel({ send: perform, request: (a) => client.request(a).done, sendSetting, shownSetting, say: (text, kind) => toast(ui.toast, text, kind),
  onView: (bucket) => { hold.reset(); if (bucket) selectFilter('all', true); else render(); } });
ui.premod.addEventListener('change', () => sendSetting('pre_moderation', ui.premod.checked,
  { type: 'update_settings', pre_moderation: ui.premod.checked }));
ui.anon.addEventListener('change', () => sendSetting('allow_anonymous', ui.anon.checked,
  { type: 'update_settings', allow_anonymous: ui.anon.checked }));
for (const radio of ui.phases) {
  radio.addEventListener('change', () => {
    if (!radio.checked) return;
    const phase = /** @type {import('./protocol').Phase} */ (radio.value);
    sendSetting('phase', phase, { type: 'set_phase', phase });
  });
}

// --- who is at this panel -------------------------------------------------------------------------

const panel = new PanelIdentity(document.querySelector('.role-name'), ui.readOnly);
const presence = new PanelPresence();
/** Observers, officials and clerks watch the panel; only the chair and moderators act. */
let readOnly = false;

// --- connection ----------------------------------------------------------------------------------

const notice = connectionNotice(ui.conn);
const storageNow = watchStorage(byId('unwritable', HTMLElement));
const client = new Client({
  joinCode: code,
  role: 'moderator',
  secret,
  onState: perFrame(render),
  onPresence: (msg) => presence.update(msg),
  onStatus: (status) => {
    notice(status, client.state !== null);
    presence.connected(status === 'open');
  },
  onWelcome(msg) {
    readOnly = panel.welcomed(msg);
  },
  onRefused(reason) {
    if (reason === 'bad_secret' || reason === 'revoked') forgetSecret('moderator', code);
    showRefused(reason);
  },
  // Unanswered actions are resent with their ids after a reconnect (the
  // server applies each once), but only for the life of the page: a
  // moderator who reloads sees the live state and decides again, rather than
  // having a stale "make current" replayed onto the projector.
  outbox: new Outbox(memoryStore()),
  // Not stored (the server cannot write, or is busy): the client sends it
  // again; the banner says whether the disk is why.
  onHeld: () => storageNow(),
  onAnswer(_entry, _ack, err, local) {
    // Answers to actions from before a reload have no promise to show them.
    if (err && !local) toast(ui.toast, errorText(currentLang(), err.code), 'error');
    render();
  },
});

document.addEventListener('visibilitychange', render);
initLang(() => {
  panel.show();
  presence.render();
  render();
});
if (!code || !secret) showRefused(code ? 'no_secret' : 'unknown_event');
else client.start();
