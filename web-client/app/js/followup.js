// A question's follow-up on the phone: where it stands, to whom it is
// addressed, its published answers with who signed them, and (for the
// asker) its steps behind a disclosure and the "not satisfied" button.
// The block lives inside a keyed list item and is updated in place, so an
// open disclosure stays open. The reason for "not satisfied" is typed in a
// dialog outside the lists, which no re-render ever touches: Vietnamese
// IMEs compose in place.

import { byId, currentLang, el, find, setText, tr } from './dom.js';
import { errorText } from './i18n.js';
import { canObject, formatDay, routeNames, standing, stepWords } from './followfmt.js';
import { charCount, cleanText } from './text.js';

/** @typedef {import('./protocol').Question} Question */
/** @typedef {import('./protocol').Action} Action */
/** @typedef {import('./state.js').EventState} EventState */
/** @typedef {import('./followfmt.js').Words} Words */

/** The server's limit on a reason, in characters. */
export const REASON_MAX = 500;

/** @param {Words} w */
const say = (w) => tr(w.key, w.params);

/** @param {HTMLElement} box */
function skeleton(box) {
  const answers = el('ul', 'fu-answers');
  const history = el('details', 'fu-history');
  history.append(el('summary', 'fu-history-title'), el('ol', 'fu-steps'));
  const ns = el('button', 'btn secondary fu-ns-open');
  ns.type = 'button';
  box.append(el('p', 'fu-state'), el('p', 'fu-route'), answers, history, ns);
}

/**
 * Fills `box` (an empty element the first time) with `q`'s follow-up.
 * @param {HTMLElement} box
 * @param {Question} q
 * @param {EventState} state
 * @param {{mine: boolean}} opt `mine`: the asker's own view (steps, button)
 */
export function renderFollow(box, q, state, opt) {
  if (!box.firstChild) skeleton(box);
  const stateLine = find(box, '.fu-state', HTMLElement);
  // In the public lists a live question needs no sentence: it is in the list.
  const showState = opt.mine || (q.status !== 'live' && q.status !== 'pending');
  stateLine.hidden = !showState;
  if (showState) setText(stateLine, say(standing(q, state.current)));
  stateLine.className = `fu-state fu-${q.merged_into !== undefined ? 'merged' : q.status}`;

  const names = routeNames(q, state.topics, state.officials);
  const route = find(box, '.fu-route', HTMLElement);
  const parts = [
    names.topic ? tr('fu.topic', { name: names.topic }) : '',
    names.official ? tr('fu.to', { name: names.official }) : '',
  ].filter(Boolean);
  route.hidden = parts.length === 0;
  setText(route, parts.join(' · '));

  renderAnswers(find(box, '.fu-answers', HTMLElement), q);
  renderHistory(find(box, '.fu-history', HTMLElement), opt.mine ? q : null);

  const ns = find(box, '.fu-ns-open', HTMLButtonElement);
  ns.hidden = !opt.mine || !canObject(q);
  ns.dataset.question = String(q.id);
  setText(ns, tr('fu.ns.open'));
}

/**
 * Rebuilt only when an answer or the language changed.
 * @param {HTMLElement} list
 * @param {Question} q
 */
function renderAnswers(list, q) {
  const answers = (q.answers ?? []).filter((a) => a.published);
  const sig = `${currentLang()}|${answers.map((a) => `${a.id}:${a.at}:${a.text.length}`).join(',')}`;
  list.hidden = answers.length === 0;
  if (list.dataset.sig === sig) return;
  list.dataset.sig = sig;
  list.setAttribute('aria-label', tr('fu.answers'));
  list.replaceChildren(...answers.map((a) => {
    const li = el('li', 'fu-answer');
    li.append(
      el('p', 'fu-answer-text', a.text),
      el('p', 'fu-answer-by', tr('fu.answer.by', { who: a.signed_by, date: formatDay(a.at) })),
    );
    return li;
  }));
}

/**
 * @param {HTMLElement} details
 * @param {Question | null} q null: not shown (someone else's question)
 */
function renderHistory(details, q) {
  const steps = q?.history ?? [];
  details.hidden = steps.length === 0;
  if (!steps.length) return;
  const sig = `${currentLang()}|${steps.map((s) => `${s.kind}:${s.at}`).join(',')}`;
  if (details.dataset.sig === sig) return;
  details.dataset.sig = sig;
  setText(find(details, '.fu-history-title', HTMLElement), tr('fu.history', { n: steps.length }));
  // Newest first: the latest step is the one the asker looks for.
  find(details, '.fu-steps', HTMLElement).replaceChildren(...[...steps].reverse().map((s) => {
    const w = stepWords(s);
    const li = el('li', 'fu-step');
    li.append(el('span', 'fu-step-day', w.day), el('span', 'fu-step-what', say(w.what)));
    if (w.reason) li.append(el('span', 'fu-step-reason', say(w.reason)));
    return li;
  }));
}

/** How long the dialog shows "sending" before it closes and leaves the reason queued. */
const WAIT_MS = 5000;

/**
 * The "not satisfied" dialog: one reason at a time, required, counted in
 * characters. Connected, it waits for the server's answer so a refusal
 * shows beside the words; offline, the outbox keeps the request.
 */
export class NotSatisfied {
  /**
   * @param {{send: (action: Action) => {id: string}, online: () => boolean,
   *   notify: (text: string, kind?: 'info' | 'error') => void}} deps
   */
  constructor(deps) {
    this.deps = deps;
    this.ui = {
      dialog: byId('ns-dialog', HTMLDialogElement),
      form: byId('ns-form', HTMLFormElement),
      quote: byId('ns-quote', HTMLElement),
      text: byId('ns-text', HTMLTextAreaElement),
      count: byId('ns-count', HTMLElement),
      error: byId('ns-error', HTMLElement),
      cancel: byId('ns-cancel', HTMLButtonElement),
      submit: byId('ns-submit', HTMLButtonElement),
    };
    /** @type {number | null} */
    this.question = null;
    /** @type {{id: string, timer: ReturnType<typeof setTimeout>} | null} */
    this.waiting = null;
    const { form, text, cancel, dialog } = this.ui;
    text.addEventListener('input', () => {
      this.count();
      this.ui.error.hidden = true;
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => this.stopWaiting());
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.send();
    });
  }

  /** @param {Question} q */
  open(q) {
    const { dialog, quote, text, error } = this.ui;
    // Another question's reason is not this one's.
    if (this.question !== q.id) text.value = '';
    this.question = q.id;
    setText(quote, q.text);
    error.hidden = true;
    this.count();
    if (!dialog.open) dialog.showModal();
    text.focus();
  }

  count() {
    const n = charCount(this.ui.text.value);
    const { count } = this.ui;
    count.textContent = n > REASON_MAX
      ? `${tr('att.ask.too_long', { max: REASON_MAX })} (${n}/${REASON_MAX})`
      : tr('att.ask.counter', { n, max: REASON_MAX });
    count.classList.toggle('over', n > REASON_MAX);
  }

  /** @param {string} message */
  fail(message) {
    this.ui.error.textContent = message;
    this.ui.error.hidden = false;
  }

  send() {
    if (this.waiting || this.question === null) return;
    this.ui.error.hidden = true;
    const reason = cleanText(this.ui.text.value);
    if (!reason) return this.fail(tr('fu.ns.empty'));
    if (charCount(reason) > REASON_MAX) return this.fail(tr('att.ask.too_long', { max: REASON_MAX }));
    const { id } = this.deps.send({ type: 'not_satisfied', question: this.question, reason });
    if (!this.deps.online()) {
      this.done();
      this.deps.notify(tr('fu.ns.queued'));
      return;
    }
    this.waiting = {
      id,
      timer: setTimeout(() => {
        this.done();
        this.deps.notify(tr('fu.ns.queued'));
      }, WAIT_MS),
    };
    setText(this.ui.submit, tr('att.ask.sending'));
    this.ui.submit.setAttribute('aria-disabled', 'true');
  }

  /**
   * The server's answer to a `not_satisfied` request (also one queued
   * before this page was loaded).
   * @param {string} id the request's
   * @param {boolean} ok
   * @param {string} [code] the error's
   */
  answered(id, ok, code) {
    const mine = this.waiting?.id === id;
    if (ok) {
      if (mine) this.done();
      this.deps.notify(tr('fu.ns.sent'));
    } else if (mine) {
      this.stopWaiting();
      this.fail(errorText(currentLang(), code ?? 'generic'));
    } else {
      this.deps.notify(errorText(currentLang(), code ?? 'generic'), 'error');
    }
  }

  /** Sent or safely queued: the words are no longer needed. */
  done() {
    this.stopWaiting();
    this.ui.dialog.close();
    this.ui.text.value = '';
    this.question = null;
  }

  stopWaiting() {
    if (!this.waiting) return;
    clearTimeout(this.waiting.timer);
    this.waiting = null;
    setText(this.ui.submit, tr('fu.ns.submit'));
    this.ui.submit.removeAttribute('aria-disabled');
  }

  /** The language changed: the counter's words. */
  relabel() {
    this.count();
  }
}
