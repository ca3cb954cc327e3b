// The official's own page (/o/CODE#SECRET): the questions addressed to
// them, the ones they owe an answer first, and the written answer: saved
// as a draft (which their clerk may have begun), then published under
// their name. A clerk's link shows every official's questions, with a
// filter, and saves drafts only: the official publishes.

import { Client, RequestError } from './client.js';
import {
  Keyed, byId, connectionNotice, currentLang, find, initLang, perFrame, placeChildren, setText, showRefused, toast, tr,
} from './dom.js';
import { errorText } from './i18n.js';
import { MAX_ANSWER, createItem, isDirty, updateCounter, updateItem } from './officialitem.js';
import { counts, currentDraft, sections, todayInVietnam } from './officiallist.js';
import { Outbox, memoryStore } from './outbox.js';
import { forgetSecret, takeSecret } from './secret.js';
import { load, save } from './storage.js';
import { charCount, cleanText, normalizeCode } from './text.js';

/** @typedef {import('./protocol').Question} Question */
/** @typedef {import('./protocol').Action} Action */
/** @typedef {import('./protocol').Topic} Topic */
/** @typedef {import('./protocol').Official} Official */
/** @typedef {import('./protocol').StaffWho} StaffWho */
/** @typedef {import('./protocol').Snapshot} Snapshot */
/** @typedef {import('./client.js').AckMsg} AckMsg */
/** @typedef {import('./client.js').EventState} EventState */

const code = normalizeCode(decodeURIComponent(location.pathname.split('/')[2] ?? ''));
// As on the panel: the secret leaves the address bar at once.
const secret = code ? takeSecret('official', code) : '';

const ui = {
  title: byId('title', HTMLElement),
  who: byId('who', HTMLElement),
  conn: byId('conn', HTMLElement),
  clerkNote: byId('clerk-note', HTMLElement),
  readOnly: byId('read-only', HTMLElement),
  filterRow: byId('filter-row', HTMLElement),
  filter: byId('filter', HTMLSelectElement),
  toast: byId('toast', HTMLElement),
  confirm: byId('confirm', HTMLDialogElement),
  confirmBody: byId('confirm-body', HTMLElement),
};
const lists = /** @type {const} */ (['todo', 'done', 'meeting']).map((name) => ({
  name,
  list: byId(name, HTMLUListElement),
  empty: byId(`${name}-empty`, HTMLElement),
}));

/**
 * The snapshot's topics and officials, which the shared event state does
 * not keep: taken from the snapshot and from the deltas that change them.
 */
const directory = {
  /** @type {Topic[]} */ topics: [],
  /** @type {Official[]} */ officials: [],
};

/** Who this link belongs to; absent for the shared moderator link (acts as the chair). @type {StaffWho | null} */
let me = null;
let welcomed = false;
/** Questions with a request on its way. @type {Set<number>} */
const busy = new Set();
/** The last refusal per question, shown under its editor until the next try. @type {Map<number, string>} */
const errors = new Map();
const SEQ_WAIT_MS = 5_000;
/** Waiting for the state to reach a log position (an ack can come before its delta). */
const seqWaiters = /** @type {Array<{seq: number, resolve: () => void}>} */ ([]);
/** A render was skipped while someone typed: done on blur or when composition ends. */
let heldRender = false;
/** Whether the lists were shown once. */
let painted = false;

const role = () => me?.role ?? 'chair';
const isOfficial = () => role() === 'official';
// What the server allows (followup.rs, `writes_answers` and `publish`).
const canWrite = () => ['official', 'clerk', 'chair', 'moderator'].includes(role());
const canPublish = () => role() === 'official' || role() === 'chair';

/** @param {string | undefined} id */
function officialName(id) {
  return directory.officials.find((o) => o.id === id)?.name ?? id ?? '';
}

/** @param {number | undefined} id */
function topicName(id) {
  return id === undefined ? null : directory.topics.find((t) => t.id === id)?.name ?? null;
}

/**
 * Where an answer typed on this device and not saved yet is kept, so a
 * phone that drops the tab (low memory, a reload) gives it back. Per
 * member: a clerk's unsaved text is not shown to the official on a shared
 * laptop.
 * @param {number} id
 */
const typedKey = (id) => `hoidap.answer.${code}.${me?.id ?? 'chair'}.${id}`;

/** @param {Question} q */
function createCard(q) {
  const node = createItem(q);
  const kept = load(typedKey(q.id));
  if (kept) find(node, '.oq-text', HTMLTextAreaElement).value = kept;
  return node;
}

/**
 * @param {HTMLTextAreaElement} area
 * @param {number} id
 */
function keepTyped(area, id) {
  save(typedKey(id), isDirty(area) && area.value.trim() ? area.value : null);
}

const items = new Keyed(createCard, (node, /** @type {Question} */ q) => {
  updateItem(node, q, {
    today: todayInVietnam(Date.now()),
    canWrite: canWrite(),
    canPublish: canPublish(),
    showTo: !isOfficial(),
    officialName,
    topicName,
    busy: busy.has(q.id),
    error: errors.get(q.id) ?? null,
  });
});

/**
 * Moving a card while its field has the focus or a letter is being
 * composed would end the composition (and lose the letter): the order
 * waits; the cards still update in place.
 */
function holding() {
  const active = document.activeElement;
  return active instanceof HTMLTextAreaElement && active.closest('.oq') !== null;
}

function render() {
  const state = client.state;
  if (!state || !welcomed) return;
  setText(ui.title, state.title);
  document.title = `${tr('off.title')} — ${state.title}`;
  renderWho();
  const today = todayInVietnam(Date.now());
  const scope = { official: isOfficial() ? me?.id ?? null : ui.filter.value || null };
  const parts = sections(state.questions.values(), scope, today);
  const n = counts(parts, today);
  setText(byId('n-todo', HTMLElement), String(n.todo));
  setText(byId('n-overdue', HTMLElement), String(n.overdue));
  byId('n-overdue', HTMLElement).closest('.off-count')?.classList.toggle('some', n.overdue > 0);
  setText(byId('n-done', HTMLElement), String(n.done));

  if (holding()) {
    heldRender = true;
    for (const [id, node] of items.nodes) {
      const q = state.questions.get(Number(id));
      if (q) items.update(node, q);
    }
    return;
  }
  heldRender = false;
  const all = [...parts.todo, ...parts.done, ...parts.meeting];
  const nodes = items.render(all, (q) => q.id);
  let at = 0;
  for (const { name, list, empty } of lists) {
    const count = parts[name].length;
    // Cards fade in when they arrive, not all at once when the page opens.
    placeChildren(list, nodes.slice(at, at + count), { animate: painted });
    empty.hidden = count > 0;
    at += count;
  }
  painted = true;
}

function renderWho() {
  // Not left to the translation pass, which would put the generic title back.
  ui.who.removeAttribute('data-i18n');
  ui.who.textContent = me ? `${me.name} · ${tr(`staff.role.${me.role}`)}` : tr('off.title');
  ui.clerkNote.hidden = isOfficial() || !canWrite() || canPublish();
  ui.readOnly.hidden = canWrite();
  ui.filterRow.hidden = isOfficial();
  renderFilter();
}

function renderFilter() {
  const want = [['', tr('off.filter.all')], ...directory.officials.map((o) => [o.id, o.name])];
  const have = [...ui.filter.options].map((o) => [o.value, o.text]);
  if (JSON.stringify(want) === JSON.stringify(have)) return;
  const chosen = ui.filter.value;
  ui.filter.replaceChildren(...want.map(([value, text]) => {
    const option = document.createElement('option');
    option.value = value;
    option.text = text;
    return option;
  }));
  ui.filter.value = want.some(([v]) => v === chosen) ? chosen : '';
}
ui.filter.addEventListener('change', render);

// --- writing ------------------------------------------------------------------------

/**
 * Resolves once the state holds log position `seq`: after an ack, the
 * delta that carries the change may still be on its way.
 * @param {number} seq
 * @returns {Promise<void>}
 */
function reached(seq) {
  if ((client.state?.seq ?? 0) >= seq) return Promise.resolve();
  return new Promise((resolve) => {
    seqWaiters.push({ seq, resolve });
    // Never left waiting: should that position not reach this feed, the
    // page goes on with what it has after a moment.
    setTimeout(resolve, SEQ_WAIT_MS);
  });
}

/**
 * @param {Action} action
 * @returns {Promise<AckMsg>}
 */
async function send(action) {
  const ack = await client.request(action).done;
  await reached(ack.seq);
  return ack;
}

/**
 * Saves what is typed as the question's draft (replacing the draft there
 * is), and returns the draft's id once the state shows it.
 * @param {number} id
 * @param {HTMLTextAreaElement} area
 * @returns {Promise<number | null>}
 */
async function saveDraft(id, area) {
  const q = client.state?.questions.get(id);
  if (!q) return null;
  const text = cleanText(area.value);
  const draft = currentDraft(q);
  if (draft && draft.text === text) return draft.id;
  /** @type {Action} */
  const action = { type: 'draft_answer', question: id, text };
  const started = area.dataset.baseId ? Number(area.dataset.baseId) : null;
  const target = draft?.id ?? started;
  if (target !== null) action.answer = target;
  try {
    await send(action);
  } catch (err) {
    // The draft it started from was published meanwhile: said once; saving
    // again makes it a new (additional) answer.
    if (err instanceof RequestError && err.code === 'invalid_transition') area.dataset.baseId = '';
    throw err;
  }
  const now = client.state?.questions.get(id);
  const saved = now ? currentDraft(now) : null;
  // What was typed is now the draft: the field is no longer "unsaved".
  if (saved && saved.text === text) {
    area.dataset.base = area.value;
    area.dataset.baseId = String(saved.id);
    keepTyped(area, id);
    if (area.value !== text && document.activeElement !== area) {
      area.value = text;
      area.dataset.base = text;
    }
  }
  return saved?.id ?? null;
}

/**
 * The official says yes to publishing, in a dialog of the page (not
 * `confirm()`, which some phone browsers suppress).
 * @param {string} name the official it is signed by
 * @returns {Promise<boolean>}
 */
function confirmPublish(name) {
  setText(ui.confirmBody, tr('off.confirm.body', { name }));
  ui.confirm.returnValue = '';
  ui.confirm.showModal();
  return new Promise((resolve) => {
    ui.confirm.addEventListener('close', () => resolve(ui.confirm.returnValue === 'ok'), { once: true });
  });
}

/**
 * @param {number} id
 * @param {'save' | 'publish'} act
 */
async function perform(id, act) {
  const node = items.nodes.get(id);
  if (!node || busy.has(id)) return;
  const area = find(node, '.oq-text', HTMLTextAreaElement);
  if (charCount(cleanText(area.value)) > MAX_ANSWER) {
    errors.set(id, 'too_long');
    render();
    return;
  }
  if (act === 'publish') {
    const q = client.state?.questions.get(id);
    // Signed by the official it is addressed to (the chair may publish for them).
    if (!(await confirmPublish(officialName(q?.official)))) return;
  }
  errors.delete(id);
  busy.add(id);
  render();
  try {
    const typed = cleanText(area.value) !== '' && (isDirty(area) || !node.dataset.draft);
    const answer = typed || act === 'save' ? await saveDraft(id, area) : Number(node.dataset.draft);
    if (act === 'publish') {
      if (answer === null || Number.isNaN(answer)) throw new RequestError('bad_message');
      await send({ type: 'publish_answer', question: id, answer });
      area.value = '';
      area.dataset.base = '';
      area.dataset.baseId = '';
      keepTyped(area, id);
      toast(ui.toast, tr('off.published'));
    } else {
      toast(ui.toast, tr('off.saved'));
    }
  } catch (err) {
    const code = err instanceof RequestError ? err.code : 'generic';
    if (code !== 'superseded') errors.set(id, code);
  } finally {
    busy.delete(id);
    render();
  }
}

for (const { list } of lists) {
  list.addEventListener('click', (e) => {
    const button = e.target instanceof Element ? e.target.closest('button[data-action]') : null;
    const item = button?.closest('li.oq');
    if (!(button instanceof HTMLButtonElement) || !(item instanceof HTMLElement)) return;
    const id = Number(item.dataset.id);
    if (button.dataset.action === 'more') {
      item.dataset.open = '1';
      render();
      item.querySelector('textarea')?.focus();
      return;
    }
    perform(id, /** @type {'save' | 'publish'} */ (button.dataset.action));
  });
  list.addEventListener('input', (e) => {
    const area = e.target instanceof HTMLTextAreaElement ? e.target : null;
    const item = area?.closest('li.oq');
    if (!area || !(item instanceof HTMLElement)) return;
    updateCounter(item);
    keepTyped(area, Number(item.dataset.id));
  });
  // The composition's state is kept on the field, so an update that comes
  // in mid-letter leaves the value alone.
  list.addEventListener('compositionstart', (e) => {
    if (e.target instanceof HTMLTextAreaElement) e.target.dataset.composing = '1';
  });
  list.addEventListener('compositionend', (e) => {
    if (!(e.target instanceof HTMLTextAreaElement)) return;
    delete e.target.dataset.composing;
    const item = e.target.closest('li.oq');
    if (item instanceof HTMLElement) updateCounter(item);
  });
  list.addEventListener('keydown', (e) => {
    // Enter during a composition confirms the letter, never a command.
    if (!(e.target instanceof HTMLTextAreaElement) || e.isComposing || e.keyCode === 229) return;
    const item = e.target.closest('li.oq');
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && item instanceof HTMLElement) {
      e.preventDefault();
      perform(Number(item.dataset.id), 'save');
    }
  });
  list.addEventListener('focusout', () => {
    // After the focus has settled: moving to the next field is not leaving.
    setTimeout(() => { if (heldRender && !holding()) render(); }, 0);
  });
}

// --- connection ---------------------------------------------------------------------

/** A client that also keeps the snapshot's topics and officials. */
class OfficialClient extends Client {
  /**
   * @override
   * @param {import('./protocol').ServerMsg} msg
   */
  onMessage(msg) {
    if (msg.type === 'snapshot') {
      directory.topics = msg.snapshot.topics ?? [];
      directory.officials = msg.snapshot.officials ?? [];
    }
    super.onMessage(msg);
  }
}

const notice = connectionNotice(ui.conn);
const client = new OfficialClient({
  joinCode: code,
  role: 'moderator',
  secret,
  onState(state, delta) {
    for (const change of delta?.changes ?? []) {
      if (change.type === 'topics') directory.topics = change.topics;
      else if (change.type === 'officials') directory.officials = change.officials;
    }
    for (let i = seqWaiters.length - 1; i >= 0; i -= 1) {
      if (state.seq >= seqWaiters[i].seq) seqWaiters.splice(i, 1)[0].resolve();
    }
    paint();
  },
  onStatus: (status) => notice(status, client.state !== null),
  onWelcome(msg) {
    me = msg.staff ?? null;
    welcomed = true;
    paint();
  },
  onRefused(reason) {
    if (reason === 'bad_secret' || reason === 'revoked') forgetSecret('official', code);
    showRefused(reason);
  },
  // As on the panel: resent after a reconnect, not after a reload, so a
  // publication decided on stale text is never replayed later.
  outbox: new Outbox(memoryStore()),
  onAnswer(_entry, _ack, err, local) {
    if (err && !local) toast(ui.toast, errorText(currentLang(), err.code), 'error');
  },
});
const paint = perFrame(render);

// "Overdue" turns at midnight in Vietnam, with the page left open.
setInterval(paint, 60_000);
initLang(() => {
  // The answers' headings are rebuilt in the new language.
  paint();
});
if (!code || !secret) showRefused(code ? 'no_secret' : 'unknown_event');
else client.start();
