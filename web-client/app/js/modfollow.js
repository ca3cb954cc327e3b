// A question's follow-up on the presiding panel (issue 11): the topic and
// "Kính gửi" line, due date, merges, probable duplicates and answers shown
// on the item, and the rarer moves (assign, in writing, extend, forward,
// merge, not satisfied, a draft answer) behind one disclosure with the
// history. Every part is rebuilt only when what it shows changes, and the
// forms are built once, so typing survives the server's updates.

import { currentLang, el, tr } from './dom.js';
import { formatTime } from './i18n.js';
import { OUTSIDE, formatDue, groupOf, isOverdue } from './modcount.js';

/** @typedef {import('./protocol').Question} Question */
/** @typedef {import('./protocol').Action} Action */
/** @typedef {import('./protocol').Step} Step */
/** @typedef {import('./state.js').EventState} EventState */
/** @typedef {import('./i18n.js').Key} Key */
/** @typedef {(id: number, action: Action) => Promise<boolean>} Send */

/**
 * @param {string} key a key of i18n-panel.js
 * @param {Record<string, string | number>} [params]
 */
const k = (key, params) => tr(/** @type {Key} */ (key), params);

/**
 * What every item needs of the panel, set once per render.
 * @type {{state: EventState | null, chair: boolean, today: string}}
 */
const ctx = { state: null, chair: false, today: '' };

/**
 * @param {EventState} state
 * @param {boolean} chair the chair or the shared link: may record "not satisfied" and publish
 * @param {string} today `YYYY-MM-DD`
 */
export function setFollowContext(state, chair, today) {
  ctx.state = state;
  ctx.chair = chair;
  ctx.today = today;
}

/** The status chip's key: the follow-up statuses have theirs here. @param {string} status */
export function statusKey(status) {
  return /** @type {Key} */ (['in_writing', 'forwarded', 'answered_in_writing', 'not_satisfied'].includes(status)
    ? `fu.status.${status}` : `status.${status}`);
}

/** @param {string | undefined} id */
function officialName(id) {
  return ctx.state?.officials.find((o) => o.id === id)?.name ?? id ?? '';
}

/** @param {number} at ms; today's steps by the clock, earlier ones with their date */
function when(at) {
  const time = formatTime(currentLang(), at);
  const d = new Date(at);
  const iso = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  return iso === ctx.today ? time : `${formatDue(iso)} ${time}`;
}

/** @param {string} by */
function byName(by) {
  if (by === 'link' || by === 'chair link') return k('fu.by.link');
  if (by === 'organiser' || by === 'asker') return k(`fu.by.${by}`);
  return by;
}

/**
 * One history line: what, to whom, due, by whom, why.
 * @param {Step} s
 */
export function stepText(s) {
  const parts = [k(`pfu.step.${s.kind}`)];
  if (s.to) parts.push(k('fu.step.to', { to: s.to }));
  if (s.due) parts.push(k('fu.step.due', { date: formatDue(s.due) }));
  if (s.by) parts.push(k('fu.step.by', { by: byName(s.by) }));
  if (s.reason) parts.push(k('pfu.step.reason', { reason: s.reason }));
  return parts.join(' · ');
}

/**
 * Rebuilds `box`'s children only when `signature` differs from last time.
 * @param {HTMLElement} box
 * @param {string} signature
 * @param {() => Node[]} build
 */
function rebuild(box, signature, build) {
  if (box.dataset.signature === signature) return;
  box.dataset.signature = signature;
  box.replaceChildren(...build());
}

/**
 * @param {string} text
 * @param {string} act data-fu-click
 * @param {Record<string, string>} [data]
 */
function button(text, act, data = {}) {
  const b = el('button', 'btn quiet small fu-act', text);
  b.type = 'button';
  b.dataset.fuClick = act;
  Object.assign(b.dataset, data);
  return b;
}

/**
 * The item's always-visible follow-up lines.
 * @param {HTMLElement} box `.fu-info`
 * @param {Question} q
 * @param {boolean} isCurrent
 */
function updateInfo(box, q, isCurrent) {
  const state = ctx.state;
  const topic = q.topic === undefined ? undefined : state?.topics.find((t) => t.id === q.topic);
  const overdue = isOverdue(q, ctx.today);
  const outside = groupOf(q, state?.officials ?? []) === OUTSIDE;
  const similar = (q.similar ?? []).filter((id) => {
    const other = state?.questions.get(id);
    return other && other.status !== 'hidden' && other.merged_into === undefined && q.merged_into === undefined;
  });
  const mergeable = ['pending', 'live', 'answered'].includes(q.status) && !isCurrent && !q.merged?.length;
  const sig = JSON.stringify([currentLang(), topic?.name, officialName(q.official), q.official, q.authority, outside, q.due, overdue,
    q.merged_into, q.merged, similar, mergeable, q.answers, ctx.chair, q.status]);
  rebuild(box, sig, () => {
    /** @type {Node[]} */
    const out = [];
    const route = el('p', 'fu-route');
    if (topic) route.append(el('span', 'fu-topic', k('pfu.topic', { name: topic.name })));
    if (q.official && !outside) route.append(el('span', 'fu-official', k('fu.official', { name: officialName(q.official) })));
    if (q.authority && outside) route.append(el('span', 'fu-authority', k('fu.authority', { name: q.authority })));
    if (q.due && ['in_writing', 'not_satisfied', 'answered_in_writing'].includes(q.status)) {
      const due = el('span', 'fu-due', k('fu.due', { date: formatDue(q.due) }));
      if (overdue) due.append(' ', el('strong', 'chip fu-overdue', k('fu.overdue')));
      route.append(due);
    }
    if (route.childNodes.length) out.push(route);
    if (q.merged_into !== undefined) {
      const p = el('p', 'fu-merge', k('fu.merged_into', { n: q.merged_into }));
      p.append(' ', button(k('fu.unmerge', { n: q.merged_into }), 'unmerge'));
      out.push(p);
    }
    if (q.merged?.length) out.push(el('p', 'fu-merge', k('fu.merged', { list: q.merged.map((n) => `#${n}`).join(', ') })));
    for (const id of similar) {
      const p = el('p', 'fu-similar', k('fu.similar', { n: id }));
      if (mergeable) p.append(' ', button(k('fu.similar.merge', { n: id }), 'merge', { into: String(id) }));
      out.push(p);
    }
    const answers = q.answers ?? [];
    if (answers.length) {
      const list = el('ul', 'fu-answers');
      for (const a of answers) {
        const li = el('li', a.published ? 'fu-answer' : 'fu-answer draft');
        const head = el('p', 'fu-answer-head');
        head.append(el('span', `chip ${a.published ? 'status-answered' : 'fu-draft'}`, k(a.published ? 'fu.answer.published' : 'fu.answer.draft')),
          ' ', k('fu.answer.signed', { name: a.signed_by, when: when(a.at) }));
        if (a.written_by && a.written_by !== a.signed_by) head.append(` (${byName(a.written_by)})`);
        // The chair publishes an official's answer; an authority's (forwarded) one the moderators too.
        if (!a.published && (ctx.chair || q.status === 'forwarded')) {
          head.append(' ', button(k('fu.answer.publish'), 'publish', { answer: String(a.id) }));
        }
        li.append(head, el('p', 'fu-answer-text', a.text));
        list.append(li);
      }
      out.push(list);
    }
    return out;
  });
  box.hidden = box.childNodes.length === 0;
}

let uid = 0;

/**
 * A labelled control.
 * @param {HTMLElement} form
 * @param {string} labelKey
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} input
 */
function field(form, labelKey, input) {
  uid += 1;
  input.id = `fu-${uid}`;
  const label = el('label', 'fu-label');
  label.htmlFor = input.id;
  label.dataset.key = labelKey;
  const wrap = el('div', 'fu-field');
  wrap.append(label, input);
  form.append(wrap);
  return input;
}

/** @param {string} name @param {boolean} required */
function textInput(name, required) {
  const i = el('input');
  i.type = 'text';
  i.name = name;
  i.required = required;
  i.maxLength = name === 'authority' ? 200 : 500;
  i.autocomplete = 'off';
  return i;
}

/** @param {string} name @param {number} value */
function daysInput(name, value) {
  const i = el('input');
  i.type = 'number';
  i.name = name;
  i.min = '1';
  // Working days: the server's bound; a question number has none.
  if (name !== 'into') i.max = '60';
  i.required = true;
  i.value = value ? String(value) : '';
  i.inputMode = 'numeric';
  return i;
}

/** The forms behind the disclosure, each `data-fu` naming its action. */
const FORMS = /** @type {const} */ (['route', 'in_writing', 'extend_due', 'forward', 'merge', 'not_satisfied', 'draft_answer']);

/** @param {HTMLElement} details */
function buildForms(details) {
  const body = el('div', 'fu-body');
  for (const kind of FORMS) {
    const form = el('form', `fu-form fu-act fu-f-${kind}`);
    form.dataset.fu = kind;
    form.noValidate = false;
    const legend = el('h3', 'fu-legend');
    form.append(legend);
    if (kind === 'route') {
      legend.dataset.key = 'fu.route.legend';
      field(form, 'pfu.route.topic', el('select')).name = 'topic';
      field(form, 'pfu.route.official', el('select')).name = 'official';
      field(form, 'fu.reason.optional', textInput('reason', false));
    } else if (kind === 'in_writing') {
      legend.dataset.key = 'fu.writing.legend';
      field(form, 'fu.writing.days', daysInput('days', 10));
      const hint = el('p', 'fu-hint');
      hint.dataset.key = 'fu.writing.needs_official';
      form.append(hint);
    } else if (kind === 'extend_due') {
      legend.dataset.key = 'fu.extend.legend';
      field(form, 'fu.extend.days', daysInput('days', 5));
      field(form, 'fu.reason.required', textInput('reason', true));
    } else if (kind === 'forward') {
      legend.dataset.key = 'fu.forward.legend';
      field(form, 'fu.forward.authority', textInput('authority', true)).dataset.placeholder = 'fu.forward.placeholder';
      field(form, 'fu.reason.optional', textInput('reason', false));
    } else if (kind === 'merge') {
      legend.dataset.key = 'fu.merge.legend';
      field(form, 'fu.merge.into', daysInput('into', 0));
    } else if (kind === 'not_satisfied') {
      legend.dataset.key = 'fu.ns.legend';
      field(form, 'fu.reason.required', textInput('reason', true));
    } else {
      legend.dataset.key = 'fu.answer.legend';
      const area = el('textarea');
      area.name = 'text';
      area.rows = 3;
      area.required = true;
      area.maxLength = 4000;
      field(form, 'fu.answer.label', area);
    }
    const submit = el('button', 'btn secondary small fu-submit');
    submit.type = 'submit';
    submit.dataset.key = ({
      route: 'fu.route.submit', in_writing: 'fu.writing.submit', extend_due: 'fu.extend.submit', forward: 'fu.forward.submit',
      merge: 'fu.merge.submit', not_satisfied: 'pfu.ns.submit', draft_answer: 'fu.answer.save',
    })[kind];
    form.append(submit);
    body.append(form);
  }
  const history = el('div', 'fu-history-box');
  const h = el('h3', 'fu-legend');
  h.dataset.key = 'pfu.history';
  history.append(h, el('ol', 'fu-history'));
  body.append(history);
  details.append(body);
}

/** What each disclosure last showed, to fill it when it opens. @type {WeakMap<HTMLDetailsElement, [Question, boolean]>} */
const shownIn = new WeakMap();

/**
 * Options of a select, rebuilt when the list or the language changes; the
 * chosen value follows the question unless someone is choosing right now.
 * @param {HTMLSelectElement} select
 * @param {Array<[string, string]>} options value, text
 * @param {string} value
 * @param {boolean} follow the question changed since the last fill
 */
function fillSelect(select, options, value, follow) {
  const sig = JSON.stringify(options);
  if (select.dataset.signature !== sig) {
    const keep = select.dataset.signature === undefined ? value : select.value;
    select.dataset.signature = sig;
    select.replaceChildren(...options.map(([v, text]) => {
      const o = el('option', undefined, text);
      o.value = v;
      return o;
    }));
    select.value = options.some(([v]) => v === keep) ? keep : value;
  }
  if (follow && document.activeElement !== select) select.value = value;
}

/**
 * The disclosure's forms and history for one question.
 * @param {HTMLDetailsElement} details `.fu-more`
 * @param {Question} q
 * @param {boolean} isCurrent
 */
function updateMore(details, q, isCurrent) {
  shownIn.set(details, [q, isCurrent]);
  if (!details.firstChild) {
    const summary = el('summary', 'fu-summary');
    summary.dataset.key = 'fu.more';
    details.append(summary);
    // The forms are built on first opening: most of 300 questions never need them.
    details.addEventListener('toggle', () => {
      const last = shownIn.get(details);
      if (details.open && last) updateMore(details, ...last);
    });
  }
  if (details.open && !details.querySelector('.fu-body')) {
    buildForms(details);
    details.dataset.lang = '';
  }
  const lang = currentLang();
  if (details.dataset.lang !== lang) {
    details.dataset.lang = lang;
    for (const n of details.querySelectorAll('[data-key]')) if (n instanceof HTMLElement) n.textContent = k(n.dataset.key ?? '');
    for (const n of details.querySelectorAll('[data-placeholder]')) {
      if (n instanceof HTMLInputElement) n.placeholder = k(n.dataset.placeholder ?? '');
    }
  }
  const state = ctx.state;
  const open = q.merged_into === undefined;
  const is = (/** @type {string[]} */ ...s) => open && s.includes(q.status);
  /** @type {Record<string, boolean>} */
  const shown = {
    route: open && q.status !== 'hidden',
    in_writing: is('pending', 'live', 'answered', 'forwarded', 'not_satisfied'),
    extend_due: is('in_writing', 'not_satisfied') && !!q.due,
    forward: is('pending', 'live', 'answered', 'in_writing', 'not_satisfied', 'forwarded'),
    merge: is('pending', 'live', 'answered') && !isCurrent && !q.merged?.length,
    not_satisfied: ctx.chair && is('answered', 'answered_in_writing'),
    draft_answer: is('in_writing', 'forwarded', 'not_satisfied'),
  };
  const routeSig = `${q.topic}|${q.official}`;
  const follow = details.dataset.route !== routeSig;
  details.dataset.route = routeSig;
  for (const form of details.querySelectorAll('form[data-fu]')) {
    if (!(form instanceof HTMLFormElement)) continue;
    form.hidden = !shown[form.dataset.fu ?? ''];
    if (form.dataset.fu === 'route') {
      const [topic, official] = [form.elements.namedItem('topic'), form.elements.namedItem('official')];
      if (topic instanceof HTMLSelectElement) {
        fillSelect(topic, [['', k('fu.route.no_topic')], ...(state?.topics ?? []).map((t) => /** @type {[string, string]} */ ([String(t.id), t.name]))],
          q.topic === undefined ? '' : String(q.topic), follow);
      }
      if (official instanceof HTMLSelectElement) {
        fillSelect(official, [['', k('fu.route.keep')], ...(state?.officials ?? []).map((o) => /** @type {[string, string]} */ ([o.id, o.name]))],
          q.official ?? '', follow);
      }
    } else if (form.dataset.fu === 'in_writing') {
      const hint = form.querySelector('.fu-hint');
      if (hint instanceof HTMLElement) hint.hidden = !!q.official;
      const submit = form.querySelector('.fu-submit');
      if (submit instanceof HTMLButtonElement) submit.disabled = !q.official;
    }
  }
  const history = details.querySelector('.fu-history');
  if (history instanceof HTMLElement) {
    const steps = q.history ?? [];
    rebuild(history, JSON.stringify([lang, ctx.today, steps]), () => steps.map((s) => {
      const li = el('li');
      li.append(el('time', 'fu-when', when(s.at)), ' ', stepText(s));
      return li;
    }));
    const box = history.parentElement;
    if (box) box.hidden = steps.length === 0;
  }
}

/**
 * Updates an item's follow-up parts.
 * @param {HTMLElement} node the item
 * @param {Question} q
 * @param {boolean} isCurrent
 */
export function updateFollow(node, q, isCurrent) {
  const info = node.querySelector('.fu-info');
  if (info instanceof HTMLElement) updateInfo(info, q, isCurrent);
  const more = node.querySelector('.fu-more');
  if (more instanceof HTMLDetailsElement) updateMore(more, q, isCurrent);
}

/**
 * The request a form asks for, or null when it is not complete.
 * @param {HTMLFormElement} form
 * @param {number} question
 * @returns {Action | null}
 */
export function formAction(form, question) {
  const v = (/** @type {string} */ name) => {
    const f = form.elements.namedItem(name);
    return f instanceof HTMLInputElement || f instanceof HTMLSelectElement || f instanceof HTMLTextAreaElement ? f.value.trim() : '';
  };
  const reason = v('reason') || undefined;
  const days = Number(v('days'));
  switch (form.dataset.fu) {
    case 'route': {
      /** @type {Action} */
      const a = { type: 'route', question, topic: v('topic') ? Number(v('topic')) : null };
      if (v('official')) a.official = v('official');
      if (reason) a.reason = reason;
      return a;
    }
    case 'in_writing': return { type: 'answer_in_writing', question, working_days: days };
    case 'extend_due': return reason ? { type: 'extend_due', question, working_days: days, reason } : null;
    case 'forward': return v('authority') ? { type: 'forward', question, authority: v('authority'), ...(reason ? { reason } : {}) } : null;
    case 'merge': {
      const into = Number(v('into').replace(/^#/, ''));
      return Number.isInteger(into) && into > 0 ? { type: 'merge', question, into } : null;
    }
    case 'not_satisfied': return reason ? { type: 'not_satisfied', question, reason } : null;
    case 'draft_answer': {
      const draft = ctx.state?.questions.get(question)?.answers?.filter((a) => !a.published).pop();
      return v('text') ? { type: 'draft_answer', question, text: v('text'), ...(draft ? { answer: draft.id } : {}) } : null;
    }
    default: return null;
  }
}

/**
 * The follow-up's forms and buttons, wired once on the list.
 * @param {HTMLElement} list
 * @param {Send} send
 */
export function wireFollow(list, send) {
  // Enter that ends a Vietnamese (Telex, VNI) composition is not a submit;
  // Safari ends the composition just before that keydown, hence the margin.
  let composing = false;
  let composedAt = 0;
  list.addEventListener('compositionstart', () => { composing = true; });
  list.addEventListener('compositionend', () => { composing = false; composedAt = Date.now(); });
  list.addEventListener('submit', (e) => {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.fu) return;
    e.preventDefault();
    if (!e.submitter && (composing || Date.now() - composedAt < 100)) return;
    const id = Number(form.closest('li.mq')?.getAttribute('data-id'));
    const action = formAction(form, id);
    if (!action) return;
    send(id, action).then((ok) => {
      if (!ok) return;
      for (const f of form.elements) {
        if ((f instanceof HTMLInputElement && f.type === 'text') || f instanceof HTMLTextAreaElement) f.value = '';
      }
    });
  });
  list.addEventListener('click', (e) => {
    const b = e.target instanceof Element ? e.target.closest('button[data-fu-click]') : null;
    if (!(b instanceof HTMLButtonElement)) return;
    const id = Number(b.closest('li.mq')?.getAttribute('data-id'));
    const act = b.dataset.fuClick;
    if (act === 'merge') send(id, { type: 'merge', question: id, into: Number(b.dataset.into) });
    else if (act === 'unmerge') send(id, { type: 'unmerge', question: id });
    else if (act === 'publish') send(id, { type: 'publish_answer', question: id, answer: Number(b.dataset.answer) });
  });
}
