// The attendee's phone: ask, upvote, follow the queue and what is being
// answered. The ask form is never re-rendered (Vietnamese IMEs compose in
// place, and replacing or rewriting a field mid-word breaks the word); only
// the lists are. Questions and votes go through the outbox: made offline,
// they show at once as waiting and are sent when the connection is back,
// also after a reload.

import { Client } from './client.js';
import {
  Keyed, byId, connectionNotice, currentLang, find, fromTemplate, initLang, perFrame, placeChildren,
  setKey, setText, showRefused, toast, tr,
} from './dom.js';
import { errorText, votesUnit } from './i18n.js';
import { Outbox, keyStore, outboxKey } from './outbox.js';
import { compareRank, compareRecent, currentQuestion, mineRows, trackOwn } from './state.js';
import { KEYS, load, save } from './storage.js';
import { charCount, cleanText, normalizeCode } from './text.js';
import { HOLD_MS, VoteBook } from './votes.js';
import { IdentityPicker, allowedLevels, carried } from './identity.js';
import { DelegateCard } from './card.js';
import { initTabs } from './tabs.js';
import { ThumbHold } from './thumbhold.js';
import { NotSatisfied, renderFollow } from './followup.js';
import { answeredTab } from './followfmt.js';
import { RoutePicker } from './routepick.js';

/** @typedef {import('./protocol').Question} Question */
/** @typedef {import('./protocol').Action} Action */
/** @typedef {import('./state.js').EventState} EventState */
/** @typedef {import('./client.js').AckMsg} AckMsg */
/** @typedef {import('./client.js').RequestError} RequestError */
/** @typedef {'popular' | 'recent' | 'answered'} Tab */
/** @typedef {import('./state.js').MineRow} MineRow */

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
  identity: byId('identity', HTMLFieldSetElement),
  identityOptions: byId('identity-options', HTMLElement),
  identitySummary: byId('identity-summary', HTMLElement),
  nameRow: byId('name-row', HTMLElement),
  unitRow: byId('unit-row', HTMLElement),
  error: byId('ask-error', HTMLElement),
  close: byId('ask-close', HTMLButtonElement),
  submit: byId('ask-submit', HTMLButtonElement),
  mine: byId('mine', HTMLElement),
  mineDetails: byId('mine-details', HTMLDetailsElement),
  mineCount: byId('mine-count', HTMLElement),
  mineList: byId('mine-list', HTMLUListElement),
  list: byId('queue-list', HTMLUListElement),
  waiting: byId('waiting-list', HTMLUListElement),
  waitingHead: byId('waiting-heading', HTMLElement),
  panel: byId('queue-panel', HTMLElement),
  empty: byId('queue-empty', HTMLElement),
  askbar: byId('askbar', HTMLElement),
  open: byId('ask-open', HTMLButtonElement),
  toast: byId('toast', HTMLElement),
};

const outbox = new Outbox(keyStore(load, save, outboxKey(code, 'attendee')));
const votes = new VoteBook();
// Votes still queued from before this load show as cast.
for (const [id, up] of outbox.votes()) votes.restore(id, up);
/** This participant's questions, all statuses. @type {Map<number, Question>} */
const own = new Map();
/** Queued questions the server refused after the form had closed. @type {Map<string, {text: string, code: string}>} */
const refused = new Map();
/** Questions whose votes are queued while offline. @type {Set<number>} */
let queuedVotes = new Set();
/** @type {Tab} */
let tab = 'popular';
let formOpen = false;
/** The question the form waits for, sent while connected. @type {{id: string, value: string, timer: ReturnType<typeof setTimeout>} | null} */
let waiting = null;
/** How long the form shows "sending" before it closes and leaves the question queued. */
const ASK_WAIT_MS = 5000;
let announced = /** @type {number | null} */ (null);

// The list must not move under a thumb (thumbhold.js).
const thumb = new ThumbHold([ui.list, ui.nowList, ui.waiting], () => render());

// --- question items ------------------------------------------------------------

/**
 * @param {Question} q
 * @returns {string}
 */
function who(q) {
  if (q.identity === 'unit_only') return q.unit ?? '';
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
  const queued = queuedVotes.has(q.id);
  button.classList.toggle('queued', queued);
  setText(find(button, '.vote-queued', HTMLElement), queued ? `, ${tr('vote.queued')}` : '');
  // Voting is open on live questions while the phase allows; a vote on an
  // answered question may still be withdrawn.
  const closed = !state || state.phase === 'closed' || (q.status !== 'live' && !voted);
  button.disabled = closed || !card.canAct;
  if (state) renderFollow(find(node, '.follow', HTMLElement), q, state, { mine: false });
}

const queueItems = new Keyed(createItem, updateItem);
const nowItems = new Keyed(createItem, updateItem);
const waitingItems = new Keyed(createItem, updateItem);
const mineItems = new Keyed(
  () => fromTemplate('mine-item'),
  /** @param {HTMLElement} node @param {MineRow} row */
  (node, row) => {
    setText(find(node, '.q-text', HTMLElement), row.text);
    const error = find(node, '.q-error', HTMLElement);
    setText(error, row.error ? errorText(currentLang(), row.error) : '');
    error.hidden = !row.error;
    const q = typeof row.key === 'number' ? own.get(row.key) : undefined;
    const status = q?.merged_into !== undefined ? 'merged' : row.status;
    const chip = find(node, '.q-status', HTMLElement);
    setKey(chip, /** @type {import('./i18n.js').Key} */ (`status.${status}`));
    chip.className = `chip q-status status-${status}`;
    const follow = find(node, '.follow', HTMLElement);
    follow.hidden = !q || !client.state;
    if (q && client.state) renderFollow(follow, q, client.state, { mine: true });
  },
);

// --- rendering -------------------------------------------------------------------

function render() {
  const state = client.state;
  if (!state) return;
  const now = Date.now();
  votes.prune(now);
  queuedVotes = client.status === 'open' ? new Set() : new Set(outbox.votes().keys());
  setText(ui.title, state.title);
  document.title = `${state.title} — ${tr('app.name')}`;

  // Settings and phase: only attributes and visibility of the form change.
  picker.show(allowedLevels(state.settings), load(KEYS.identity));
  routes.show(state);
  // A delegate asks under the roster's name and unit: nothing to type.
  card.setRoster(state.settings.roster);
  if (card.delegate) ui.nameRow.hidden = ui.unitRow.hidden = true;
  updateCounter();
  const open = state.phase === 'open';
  ui.phaseNote.hidden = open;
  if (!open) setKey(ui.phaseNote, state.phase === 'closed' ? 'att.phase.closed' : 'att.phase.voting_only');
  ui.submit.disabled = !open;
  ui.askbar.hidden = !open || formOpen || !card.canAct;

  // What is being answered now.
  const current = currentQuestion(state);
  ui.now.hidden = !current;
  placeChildren(ui.nowList, current ? nowItems.render([current], (q) => q.id) : [], { animate: false });
  if (state.current !== announced) {
    announced = state.current;
    ui.nowLive.textContent = current ? `${tr('now.label')}: ${current.text}` : '';
  }

  // Own questions: still queued, then newest first.
  const mine = mineRows(outbox.list(), refused, own.values(), state.current, client.status === 'open');
  // Open by itself only the first time, and when something still waits (to
  // be sent or approved); afterwards it is the person's choice.
  if (ui.mine.hidden && mine.length) ui.mineDetails.open = mine.some((r) => r.status !== 'live' && r.status !== 'answered');
  ui.mine.hidden = mine.length === 0;
  ui.mineCount.textContent = `(${mine.length})`;
  placeChildren(ui.mineList, mineItems.render(mine, (r) => r.key), { animate: false });

  // The queue.
  const shown = (/** @type {Question} */ q) => ({ ...q, votes: votes.shown(q.id, q.votes, now) });
  const all = [...state.questions.values()];
  /** @type {Question[]} */
  let items;
  const after = answeredTab(all);
  if (tab === 'answered') items = after.done;
  else {
    const live = all.filter((q) => q.status === 'live' && q.id !== state.current);
    items = tab === 'recent'
      ? live.sort(compareRecent)
      : live.map(shown).sort(compareRank).map((q) => state.questions.get(q.id) ?? q);
  }
  items = thumb.order(ui.list, items);
  placeChildren(ui.list, queueItems.render(items, (q) => q.id));
  placeChildren(ui.waiting, waitingItems.render(tab === 'answered' ? after.waiting : [], (q) => q.id));
  ui.waitingHead.hidden = tab !== 'answered' || !after.waiting.length;
  ui.empty.hidden = items.length > 0;
  if (!items.length) setKey(ui.empty, tab === 'answered' ? 'att.empty.answered' : 'att.empty.open');
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
  // Answered in onAnswer, also when the answer comes after a reload.
  client.request({ type: 'vote', question: id, up });
  render();
}
ui.list.addEventListener('click', onVoteClick);
ui.nowList.addEventListener('click', onVoteClick);

// --- tabs ------------------------------------------------------------------------------

initTabs(ui.panel, (name) => {
  tab = /** @type {Tab} */ (name);
  thumb.reset();
  placeChildren(ui.list, [], { animate: false });
  render();
});

// --- asking -------------------------------------------------------------------------------

// The choice of who sees the name stays as the asker left it.
const picker = new IdentityPicker(
  {
    fieldset: ui.identity, options: ui.identityOptions, summary: ui.identitySummary,
    nameRow: ui.nameRow, unitRow: ui.unitRow,
  },
  (level) => save(KEYS.identity, level),
);
const routes = new RoutePicker();
const objection = new NotSatisfied({
  send: (action) => client.request(action), online: () => client.status === 'open', notify: (text, kind) => toast(ui.toast, text, kind),
});
ui.mineList.addEventListener('click', (e) => {
  const b = e.target instanceof Element ? e.target.closest('.fu-ns-open') : null;
  const q = b instanceof HTMLElement ? own.get(Number(b.dataset.question)) : undefined;
  if (q) objection.open(q);
});
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

// The words being typed survive a reload. Saved on every input event (also
// mid-composition: reading the field is harmless); written back into the
// field only here, at load, before anyone could have focused it.
const draftKey = KEYS.draft(code);
function saveDraft() {
  save(draftKey, ui.text.value.trim() ? ui.text.value : null);
}
ui.text.addEventListener('input', () => {
  updateCounter();
  saveDraft();
});
const draft = load(draftKey);
if (draft && !ui.text.value && document.activeElement !== ui.text) {
  ui.text.value = draft;
  // Open, without focus: a keyboard popping up by itself would startle.
  formOpen = true;
  ui.ask.hidden = false;
}

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

ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  const state = client.state;
  if (waiting || !state) return;
  ui.error.hidden = true;
  const value = ui.text.value;
  const text = cleanText(value);
  const max = state.settings.max_length;
  if (!text) return formError(tr('att.ask.empty'));
  if (charCount(text) > max) return formError(tr('att.ask.too_long', { max }));
  const identity = picker.choice;
  if (!identity) {
    ui.identityOptions.querySelector('input')?.focus();
    return formError(tr('identity.choose'));
  }
  const name = cleanText(ui.name.value);
  const unit = cleanText(ui.unit.value);
  save(KEYS.name, name || null);
  save(KEYS.unit, unit || null);
  /** @type {Action} */
  const action = {
    type: 'ask', text, identity, anonymous: identity !== 'named',
    ...(card.delegate ? {} : carried(identity, name, unit)),
    ...routes.values(),
  };
  // Stored in the outbox before it is sent: from here on the words are
  // safe there, not in the draft (which would ask them twice after a reload).
  const { id } = client.request(action);
  save(draftKey, null);
  if (client.status === 'open') {
    // Connected: wait for the answer, so a refusal shows next to the words.
    waiting = { id, value, timer: setTimeout(waitNoLonger, ASK_WAIT_MS) };
    setKey(ui.submit, 'att.ask.sending');
    ui.submit.setAttribute('aria-disabled', 'true');
  } else {
    asked(value);
    toast(ui.toast, tr('att.queued'));
  }
  render();
});

/** No answer yet (connection gone, or slow): the question is safe in the outbox; free the form. */
function waitNoLonger() {
  const w = stopWaiting();
  if (!w) return;
  asked(w.value);
  toast(ui.toast, tr('att.queued'));
}

/**
 * The form's question is with the server or safe in the outbox: close the
 * form. Focus leaves the field first, so it is never rewritten under a
 * composition. If the person has started typing again since the tap, the
 * form and their new words stay as they are.
 * @param {string} value what was in the field when it was sent
 */
function asked(value) {
  ui.mineDetails.open = true;
  if (ui.text.value !== value) return;
  showForm(false);
  routes.reset();
  ui.text.value = '';
  updateCounter();
  saveDraft();
}

function stopWaiting() {
  const w = waiting;
  if (!w) return null;
  clearTimeout(w.timer);
  waiting = null;
  setKey(ui.submit, 'att.ask.submit');
  ui.submit.removeAttribute('aria-disabled');
  return w;
}

/**
 * @param {string} id
 * @param {string} text
 * @param {AckMsg | null} ack
 * @param {RequestError | null} err
 */
function onAskAnswer(id, text, ack, err) {
  if (waiting?.id === id) {
    const w = stopWaiting();
    if (ack && w) asked(w.value);
    if (ack) toast(ui.toast, tr(ack.question?.status === 'pending' ? 'att.sent.pending' : 'att.sent.live'));
    else {
      // Still in the field: fix and send again (a new request).
      formError(errorText(currentLang(), err?.code ?? 'generic'));
      saveDraft();
    }
  } else if (ack) {
    toast(ui.toast, tr(ack.question?.status === 'pending' ? 'att.sent.pending' : 'att.sent.live'));
  } else {
    refused.set(id, { text, code: err?.code ?? 'generic' });
    ui.mineDetails.open = true;
    toast(ui.toast, errorText(currentLang(), err?.code ?? 'generic'), 'error');
  }
}

// --- connection ----------------------------------------------------------------------------

const notice = connectionNotice(ui.conn);
const renderSoon = perFrame(render);
const card = new DelegateCard(() => client.helloAgain());
const client = new Client({
  joinCode: code,
  role: 'attendee',
  tokenKey: KEYS.participant(code),
  claim: () => card.claim(),
  onWelcome: (msg) => card.welcome(msg),
  onCard: (reason) => card.refused(reason),
  onState(_state, delta) {
    if (delta) for (const change of delta.changes) trackOwn(own, change);
    renderSoon();
  },
  onMine(msg) {
    votes.setMine(msg.votes, (id) => client.state?.questions.get(id)?.votes, outbox.votes());
    own.clear();
    for (const q of msg.questions) own.set(q.id, q);
    render();
  },
  onStatus(status) {
    notice(status, client.state !== null);
    // The connection went while the form waited: the question stays
    // queued and goes when it is back; nothing to wait for on screen.
    if (status !== 'open') waitNoLonger();
    render();
  },
  onRefused: showRefused,
  // Too fast (or too many new participants from this network): kept and
  // sent again by the client after the server's retry_after_ms.
  onHeld(entry, err) {
    if (err.code === 'rate_limited') toast(ui.toast, tr(entry ? 'err.rate_limited' : 'err.rate_limited.join'));
  },
  outbox,
  onAnswer(entry, ack, err) {
    const a = entry.action;
    if (a.type === 'vote') {
      if (ack) {
        votes.acked(a.question, a.up, Date.now());
        // Re-render when the hold on the optimistic count runs out.
        setTimeout(render, HOLD_MS + 50);
      } else {
        votes.failed(a.question, a.up);
        toast(ui.toast, errorText(currentLang(), err?.code ?? 'generic'), 'error');
      }
    } else if (a.type === 'ask') {
      if (ack?.question) own.set(ack.question.id, ack.question);
      onAskAnswer(entry.id, a.text, ack, err);
    } else if (a.type === 'not_satisfied') objection.answered(entry.id, !!ack, err?.code);
    render();
  },
});

initLang(() => { render(); updateCounter(); routes.relabel(); objection.relabel(); });
if (!code) showRefused('unknown_event');
else client.start();
