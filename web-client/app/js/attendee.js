// The attendee's phone: ask, upvote, follow the queue and what is being
// answered. The ask form is never re-rendered (Vietnamese IMEs compose in
// place, and replacing or rewriting a field mid-word breaks the word); only
// the lists are.

import { Client, RequestError, requestId } from './client.js';
import {
  Keyed, byId, connectionNotice, currentLang, find, fromTemplate, initLang, placeChildren,
  setKey, setText, showRefused, toast, tr,
} from './dom.js';
import { errorText, votesUnit } from './i18n.js';
import { compareRank, compareRecent, currentQuestion, trackOwn } from './state.js';
import { KEYS, load, save } from './storage.js';
import { charCount, cleanText, normalizeCode } from './text.js';
import { HOLD_MS, VoteBook } from './votes.js';

/** @typedef {import('./protocol').Question} Question */
/** @typedef {import('./protocol').Action} Action */
/** @typedef {import('./state.js').EventState} EventState */
/** @typedef {'popular' | 'recent' | 'answered'} Tab */

const code = normalizeCode(decodeURIComponent(location.pathname.split('/')[2] ?? ''));

const ui = {
  title: byId('title', HTMLElement),
  conn: byId('conn', HTMLElement),
  nowLive: byId('now-live', HTMLElement),
  now: byId('now', HTMLElement),
  nowList: byId('now-list', HTMLUListElement),
  phaseNote: byId('phase-note', HTMLElement),
  ask: byId('ask', HTMLElement),
  form: byId('ask-form', HTMLFormElement),
  text: byId('ask-text', HTMLTextAreaElement),
  count: byId('ask-count', HTMLElement),
  name: byId('ask-name', HTMLInputElement),
  unit: byId('ask-unit', HTMLInputElement),
  anonRow: byId('anon-row', HTMLElement),
  anon: byId('ask-anon', HTMLInputElement),
  error: byId('ask-error', HTMLElement),
  close: byId('ask-close', HTMLButtonElement),
  submit: byId('ask-submit', HTMLButtonElement),
  mine: byId('mine', HTMLElement),
  mineDetails: byId('mine-details', HTMLDetailsElement),
  mineCount: byId('mine-count', HTMLElement),
  mineList: byId('mine-list', HTMLUListElement),
  list: byId('queue-list', HTMLUListElement),
  panel: byId('queue-panel', HTMLElement),
  empty: byId('queue-empty', HTMLElement),
  askbar: byId('askbar', HTMLElement),
  open: byId('ask-open', HTMLButtonElement),
  toast: byId('toast', HTMLElement),
};

const votes = new VoteBook();
/** This participant's questions, all statuses. @type {Map<number, Question>} */
const own = new Map();
/** @type {Tab} */
let tab = 'popular';
let formOpen = false;
let sending = false;
/** The last ask that failed, so resending the same words reuses its id and cannot create a duplicate. @type {{key: string, id: string} | null} */
let lastAsk = null;
let announced = /** @type {number | null} */ (null);

// --- the list must not move under a thumb -----------------------------------
// While a finger is on the list (and a moment after), the order is frozen;
// counts still update in place. The new order then slides in (FLIP).
let holdUntil = 0;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let holdTimer;
/** @param {number} ms how long to keep the order; Infinity until released */
function hold(ms) {
  holdUntil = ms === Infinity ? Infinity : Math.max(holdUntil === Infinity ? 0 : holdUntil, Date.now() + ms);
  clearTimeout(holdTimer);
  if (holdUntil !== Infinity) holdTimer = setTimeout(render, holdUntil - Date.now() + 10);
}
for (const list of [ui.list, ui.nowList]) {
  list.addEventListener('pointerdown', () => hold(Infinity));
}
addEventListener('pointerup', () => { if (holdUntil === Infinity) { holdUntil = 0; hold(800); } });
addEventListener('pointercancel', () => { if (holdUntil === Infinity) { holdUntil = 0; hold(800); } });
addEventListener('scroll', () => { if (holdUntil !== Infinity) hold(400); }, { passive: true });

// --- question items ------------------------------------------------------------

/**
 * @param {Question} q
 * @returns {string}
 */
function who(q) {
  if (q.anonymous) return tr('q.anonymous');
  return [q.name, q.unit].filter(Boolean).join(' · ');
}

/** @param {Question} q */
function createItem(q) {
  const node = fromTemplate('q-item');
  node.dataset.id = String(q.id);
  return node;
}

/**
 * @param {HTMLElement} node
 * @param {Question} q
 */
function updateItem(node, q) {
  const state = client.state;
  const now = Date.now();
  const count = votes.shown(q.id, q.votes, now);
  const voted = votes.has(q.id);
  const isMine = own.has(q.id);
  setText(find(node, '.q-text', HTMLElement), q.text);
  setText(find(node, '.q-who', HTMLElement), who(q));
  const chip = find(node, '.q-status', HTMLElement);
  chip.hidden = !isMine;
  if (isMine) setKey(chip, 'q.mine');
  node.classList.toggle('mine', isMine);
  node.classList.toggle('answered', q.status === 'answered');
  const button = find(node, '.vote', HTMLButtonElement);
  // The accessible name contains the visible count ("Upvote question, 3 votes").
  setText(find(button, '.vote-label', HTMLElement), `${tr('vote.button')},`);
  setText(find(button, '.vote-count', HTMLElement), String(count));
  setText(find(button, '.vote-unit', HTMLElement), votesUnit(currentLang(), count));
  button.setAttribute('aria-pressed', String(voted));
  // Voting is open on live questions while the phase allows; a vote on an
  // answered question may still be withdrawn.
  const closed = !state || state.phase === 'closed' || (q.status !== 'live' && !voted);
  button.disabled = closed;
}

const queueItems = new Keyed(createItem, updateItem);
const nowItems = new Keyed(createItem, updateItem);
const mineItems = new Keyed(
  () => fromTemplate('mine-item'),
  /** @param {HTMLElement} node @param {Question} q */
  (node, q) => {
    setText(find(node, '.q-text', HTMLElement), q.text);
    const chip = find(node, '.q-status', HTMLElement);
    const status = client.state?.current === q.id ? 'current' : q.status;
    setKey(chip, `status.${status}`);
    chip.className = `chip q-status status-${status}`;
  },
);

// --- rendering -------------------------------------------------------------------

function render() {
  const state = client.state;
  if (!state) return;
  const now = Date.now();
  votes.prune(now);
  setText(ui.title, state.title);
  document.title = `${state.title} — ${tr('app.name')}`;

  // Settings and phase: only attributes and visibility of the form change.
  ui.anonRow.hidden = !state.settings.allow_anonymous;
  if (!state.settings.allow_anonymous) ui.anon.checked = false;
  updateCounter();
  const open = state.phase === 'open';
  ui.phaseNote.hidden = open;
  if (!open) setKey(ui.phaseNote, state.phase === 'closed' ? 'att.phase.closed' : 'att.phase.voting_only');
  ui.submit.disabled = !open;
  ui.askbar.hidden = !open || formOpen;

  // What is being answered now.
  const current = currentQuestion(state);
  ui.now.hidden = !current;
  placeChildren(ui.nowList, current ? nowItems.render([current], (q) => q.id) : [], { animate: false });
  if (state.current !== announced) {
    announced = state.current;
    ui.nowLive.textContent = current ? `${tr('now.label')}: ${current.text}` : '';
  }

  // Own questions, newest first.
  const mine = [...own.values()].sort(compareRecent);
  // Open by itself only the first time, and when something still waits for
  // approval; afterwards it is the person's choice.
  if (ui.mine.hidden && mine.length) ui.mineDetails.open = mine.some((q) => q.status === 'pending');
  ui.mine.hidden = mine.length === 0;
  ui.mineCount.textContent = `(${mine.length})`;
  placeChildren(ui.mineList, mineItems.render(mine, (q) => q.id), { animate: false });

  // The queue.
  const shown = (/** @type {Question} */ q) => ({ ...q, votes: votes.shown(q.id, q.votes, now) });
  const all = [...state.questions.values()];
  /** @type {Question[]} */
  let items;
  if (tab === 'answered') items = all.filter((q) => q.status === 'answered').sort(compareRank);
  else {
    const live = all.filter((q) => q.status === 'live' && q.id !== state.current);
    items = tab === 'recent'
      ? live.sort(compareRecent)
      : live.map(shown).sort(compareRank).map((q) => state.questions.get(q.id) ?? q);
  }
  if (Date.now() < holdUntil) items = keepOrder(items);
  placeChildren(ui.list, queueItems.render(items, (q) => q.id));
  ui.empty.hidden = items.length > 0;
  if (!items.length) setKey(ui.empty, tab === 'answered' ? 'att.empty.answered' : 'att.empty.open');
}

/**
 * The items in the order they are on screen now; new ones at the end.
 * @param {Question[]} items
 * @returns {Question[]}
 */
function keepOrder(items) {
  /** @type {Map<string, number>} */
  const at = new Map();
  [...ui.list.children].forEach((node, i) => at.set(/** @type {HTMLElement} */ (node).dataset.id ?? '', i));
  const pos = (/** @type {Question} */ q) => at.get(String(q.id)) ?? Infinity;
  return items.map((q, i) => ({ q, i })).sort((a, b) => pos(a.q) - pos(b.q) || a.i - b.i).map((x) => x.q);
}

function updateCounter() {
  const max = client.state?.settings.max_length ?? 500;
  const n = charCount(ui.text.value);
  ui.count.textContent = n > max ? tr('att.ask.too_long', { max }) + ` (${n}/${max})` : tr('att.ask.counter', { n, max });
  ui.count.classList.toggle('over', n > max);
  ui.count.classList.toggle('near', n <= max && n > max * 0.9);
}

// --- voting --------------------------------------------------------------------------

/** @param {MouseEvent} e */
function onVoteClick(e) {
  const button = e.target instanceof Element ? e.target.closest('.vote') : null;
  const item = button?.closest('li');
  const state = client.state;
  if (!(button instanceof HTMLButtonElement) || !(item instanceof HTMLElement) || !state) return;
  const id = Number(item.dataset.id);
  const q = state.questions.get(id);
  if (!q || button.disabled) return;
  const up = votes.toggle(id, q.votes, Date.now());
  render();
  client
    .request({ type: 'vote', question: id, up })
    .then(() => {
      votes.acked(id, up, Date.now());
      // Re-render when the hold on the optimistic count runs out.
      setTimeout(render, HOLD_MS + 50);
    })
    .catch((/** @type {unknown} */ err) => {
      votes.failed(id, up);
      toast(ui.toast, errorText(currentLang(), err instanceof RequestError ? err.code : 'generic'), 'error');
    })
    .finally(render);
}
ui.list.addEventListener('click', onVoteClick);
ui.nowList.addEventListener('click', onVoteClick);

// --- tabs ------------------------------------------------------------------------------

const tabs = /** @type {HTMLButtonElement[]} */ ([...document.querySelectorAll('[role="tab"]')]);
/** @param {HTMLButtonElement} button */
function selectTab(button) {
  tab = /** @type {Tab} */ (button.dataset.tab);
  for (const b of tabs) {
    const on = b === button;
    b.setAttribute('aria-selected', String(on));
    b.tabIndex = on ? 0 : -1;
  }
  ui.panel.setAttribute('aria-labelledby', button.id);
  holdUntil = 0;
  placeChildren(ui.list, [], { animate: false });
  render();
}
for (const b of tabs) {
  b.addEventListener('click', () => selectTab(b));
  b.addEventListener('keydown', (e) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = tabs[(tabs.indexOf(b) + step + tabs.length) % tabs.length];
    next.focus();
    selectTab(next);
  });
}

// --- asking -------------------------------------------------------------------------------

ui.name.value = load(KEYS.name) ?? '';
ui.unit.value = load(KEYS.unit) ?? '';

/** @param {boolean} open */
function showForm(open) {
  formOpen = open;
  ui.ask.hidden = !open;
  ui.error.hidden = true;
  render();
  if (open) {
    ui.ask.scrollIntoView({ block: 'start', behavior: 'smooth' });
    ui.text.focus({ preventScroll: true });
  } else {
    ui.open.focus({ preventScroll: true });
  }
}
ui.open.addEventListener('click', () => showForm(true));
ui.close.addEventListener('click', () => showForm(false));
ui.text.addEventListener('input', updateCounter);

// Enter in the one-line fields would submit the form: never during an IME
// composition (Telex/VNI commit a word with Enter on some keyboards), and not
// at all from a one-line field — a question is sent with its button.
ui.form.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter' && e.keyCode !== 229) return;
  if (e.isComposing || e.keyCode === 229) return;
  if (e.target instanceof HTMLInputElement && e.target.type === 'text') {
    e.preventDefault();
    if (e.target === ui.name) ui.unit.focus();
  }
});

/** @param {string} message */
function formError(message) {
  ui.error.textContent = message;
  ui.error.hidden = false;
}

ui.form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const state = client.state;
  if (sending || !state) return;
  ui.error.hidden = true;
  const sentValue = ui.text.value;
  const text = cleanText(sentValue);
  const max = state.settings.max_length;
  if (!text) return formError(tr('att.ask.empty'));
  if (charCount(text) > max) return formError(tr('att.ask.too_long', { max }));
  const name = cleanText(ui.name.value);
  const unit = cleanText(ui.unit.value);
  save(KEYS.name, name || null);
  save(KEYS.unit, unit || null);
  /** @type {Action} */
  const action = { type: 'ask', text, anonymous: state.settings.allow_anonymous && ui.anon.checked };
  if (name) action.name = name;
  if (unit) action.unit = unit;
  const key = JSON.stringify(action);
  const id = lastAsk?.key === key ? lastAsk.id : requestId();
  lastAsk = { key, id };
  sending = true;
  setKey(ui.submit, 'att.ask.sending');
  ui.submit.setAttribute('aria-disabled', 'true');
  try {
    const ack = await client.request(action, { id });
    lastAsk = null;
    if (ack.question) own.set(ack.question.id, ack.question);
    ui.mineDetails.open = true;
    // Only clear what was sent: if the person kept typing meanwhile (maybe
    // mid-composition), their new words stay.
    if (ui.text.value === sentValue) ui.text.value = '';
    ui.anon.checked = false;
    showForm(false);
    toast(ui.toast, tr(ack.question?.status === 'pending' ? 'att.sent.pending' : 'att.sent.live'));
  } catch (err) {
    formError(errorText(currentLang(), err instanceof RequestError ? err.code : 'generic'));
  } finally {
    sending = false;
    setKey(ui.submit, 'att.ask.submit');
    ui.submit.removeAttribute('aria-disabled');
    render();
  }
});

// --- connection ----------------------------------------------------------------------------

const notice = connectionNotice(ui.conn);
const client = new Client({
  joinCode: code,
  role: 'attendee',
  tokenKey: KEYS.participant(code),
  onState(_state, delta) {
    if (delta) for (const change of delta.changes) trackOwn(own, change);
    render();
  },
  onMine(msg) {
    votes.setMine(msg.votes);
    own.clear();
    for (const q of msg.questions) own.set(q.id, q);
    render();
  },
  onStatus: (status) => notice(status, client.state !== null),
  onRefused: showRefused,
});

initLang(() => {
  render();
  updateCounter();
});
if (!code) showRefused('unknown_event');
else client.start();
