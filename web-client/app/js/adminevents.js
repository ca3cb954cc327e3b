// The organiser console's events: the list with each event's state and
// figures, the form that creates or edits one, and an event's links and
// settings.

import { byId, currentLang, el, setKey, tr } from './dom.js';
import { ago, eventHref } from './adminfmt.js';
import { linkField } from './adminui.js';

/** @typedef {import('./protocol').Identity} Identity */
/** @typedef {import('./protocol').Phase} Phase */
/** @typedef {import('./protocol').StaffRole} StaffRole */

/**
 * An event as `GET /api/events` lists it; `settings` only from
 * `GET /api/events/CODE` (and lists that carry it).
 * @typedef {{id: number, title: string, join_code: string, created_at: number,
 *   moderator_secret: string, screen_secret: string,
 *   links: {attendee: string, moderator: string, screen: string},
 *   stats?: {loaded: boolean, phase: Phase | null, questions: number | null,
 *     pending: number | null, connections: number, last_activity: number},
 *   settings?: EventSettings}} AdminEvent
 * @typedef {{pre_moderation: boolean, allow_anonymous?: boolean, max_length: number,
 *   chair_sets_current: boolean, identities?: Identity[], roster?: boolean,
 *   retention_days?: number | null, export_roles?: StaffRole[]}} EventSettings
 * @typedef {{title: string, pre_moderation: boolean, max_length: number,
 *   chair_sets_current: boolean, identities: Identity[], roster?: boolean,
 *   retention_days: number | null, export_roles: StaffRole[]}} EventBody
 */

/** @type {Identity[]} */
export const IDENTITIES = ['named', 'unit_only', 'hidden_from_hall', 'anonymous'];

/** The staff roles the organiser may let export (the chair always may). @type {StaffRole[]} */
export const EXPORT_ROLES = ['moderator', 'official', 'clerk', 'observer'];

/**
 * "42 câu hỏi · 3 chờ duyệt · 5 kết nối · hoạt động 3 phút trước".
 * @param {AdminEvent} ev
 * @param {import('./i18n.js').Lang} lang
 * @param {number} now
 */
export function figuresText(ev, lang, now) {
  const s = ev.stats;
  const parts = [];
  if (s?.questions != null) parts.push(tr('adm.stat.questions', { n: s.questions }));
  if (s?.pending != null) parts.push(tr('adm.stat.pending', { n: s.pending }));
  parts.push(tr('adm.stat.connections', { n: s?.connections ?? 0 }));
  if (s?.last_activity) parts.push(tr('adm.stat.activity', { ago: ago(lang, s.last_activity, now) }));
  return parts.join(' · ');
}

const list = byId('events-list', HTMLUListElement);
const empty = byId('events-empty', HTMLElement);

/**
 * @param {string} text
 * @param {string} className
 */
const chip = (text, className) => el('span', `chip ${className}`, text);

/**
 * The events, newest first, each with what an organiser checks before a
 * meeting: its state, its questions, who is connected.
 * @param {AdminEvent[]} events
 */
export function renderEvents(events) {
  const lang = currentLang();
  const now = Date.now();
  const items = [...events].sort((a, b) => b.created_at - a.created_at).map((ev) => {
    const li = el('li', 'event card');
    li.dataset.code = ev.join_code;
    const head = el('div', 'event-head');
    const h = el('h2', 'event-name');
    const a = el('a', '', ev.title);
    a.href = eventHref(ev.join_code);
    h.append(a);
    const code = el('span', 'code-badge');
    code.append(el('span', '', `${tr('mod.code')} `), el('strong', 'mono', ev.join_code));
    head.append(h, code);

    const chips = el('p', 'chips');
    const s = ev.stats;
    if (ev.settings?.roster !== undefined) {
      chips.append(chip(tr(ev.settings.roster ? 'adm.mode.roster' : 'adm.mode.open'), 'mode'));
    }
    if (s?.phase) chips.append(chip(tr(`mod.phase.${s.phase}`), `phase-${s.phase}`));
    chips.append(chip(tr(s?.loaded ? 'adm.state.loaded' : 'adm.state.idle'), s?.loaded ? 'status-live' : 'status-hidden'));

    const figures = el('p', 'figures', figuresText(ev, lang, now));

    const actions = el('p', 'row');
    for (const [part, key] of /** @type {const} */ ([
      ['info', 'adm.ev.info'], ['staff', 'adm.ev.staff'], ['roster', 'adm.ev.roster'],
    ])) {
      const link = el('a', 'btn quiet small', tr(key));
      link.href = eventHref(ev.join_code, part);
      link.setAttribute('aria-label', `${tr(key)}: ${ev.title}`);
      actions.append(link);
    }
    li.append(head, chips, figures, actions);
    return li;
  });
  list.replaceChildren(...items);
  empty.hidden = items.length > 0;
}

const form = byId('event-form', HTMLFormElement);
const title = byId('f-title', HTMLInputElement);
const titleError = byId('f-title-error', HTMLElement);
const pre = byId('f-pre', HTMLInputElement);
const chair = byId('f-chair', HTMLInputElement);
const max = byId('f-max', HTMLInputElement);
const maxError = byId('f-max-error', HTMLElement);
const idError = byId('f-id-error', HTMLElement);
const retention = byId('f-retention', HTMLInputElement);
const retentionError = byId('f-retention-error', HTMLElement);
const modeOpen = byId('f-mode-open', HTMLInputElement);
const modeRoster = byId('f-mode-roster', HTMLInputElement);
const formError = byId('form-error', HTMLElement);
const heading = byId('form-heading', HTMLElement);
const submit = byId('form-submit', HTMLButtonElement);
const cancel = byId('form-cancel', HTMLAnchorElement);

title.addEventListener('input', () => {
  titleError.hidden = true;
  title.removeAttribute('aria-invalid');
});

retention.addEventListener('input', () => {
  retentionError.hidden = true;
  retention.removeAttribute('aria-invalid');
});

/** @param {Identity} level */
const identityBox = (level) => byId(`f-id-${level}`, HTMLInputElement);
/** @param {StaffRole} role */
const exportBox = (role) => byId(`f-export-${role}`, HTMLInputElement);

/**
 * Fills the form: empty with the defaults for a new event, or with an
 * event's title and settings to edit them.
 * @param {AdminEvent | null} ev
 */
export function fillForm(ev) {
  form.reset();
  for (const node of [titleError, maxError, idError, retentionError, formError]) node.hidden = true;
  for (const node of [title, max, retention]) node.removeAttribute('aria-invalid');
  const editing = ev !== null;
  setKey(heading, editing ? 'adm.form.edit' : 'adm.form.new');
  setKey(submit, editing ? 'adm.form.save' : 'adm.form.create');
  cancel.href = ev ? eventHref(ev.join_code) : '#/';
  if (!ev) return;
  title.value = ev.title;
  const s = ev.settings;
  if (!s) return;
  pre.checked = s.pre_moderation;
  chair.checked = s.chair_sets_current;
  max.value = String(s.max_length);
  const levels = s.identities ?? (s.allow_anonymous ? ['named', 'hidden_from_hall'] : ['named']);
  for (const level of IDENTITIES) identityBox(level).checked = levels.includes(level);
  (s.roster ? modeRoster : modeOpen).checked = true;
  retention.value = s.retention_days == null ? '' : String(s.retention_days);
  for (const role of EXPORT_ROLES) exportBox(role).checked = (s.export_roles ?? []).includes(role);
}

/**
 * @param {HTMLElement} line
 * @param {HTMLInputElement | null} field
 * @param {import('./i18n.js').Key} key
 */
function invalid(line, field, key) {
  setKey(line, key);
  line.hidden = false;
  field?.setAttribute('aria-invalid', 'true');
}

/**
 * The form's values as the API takes them, or null (with the problems
 * shown next to their fields and focus on the first) when they will not do.
 * @returns {EventBody | null}
 */
export function readForm() {
  for (const node of [titleError, maxError, idError, retentionError, formError]) node.hidden = true;
  for (const node of [title, max, retention]) node.removeAttribute('aria-invalid');
  /** @type {HTMLElement | null} */
  let first = null;
  const name = title.value.trim();
  if (!name) {
    invalid(titleError, title, 'adm.form.title.empty');
    first ??= title;
  }
  const length = Number(max.value);
  if (!Number.isInteger(length) || length < 1 || length > 2000) {
    invalid(maxError, max, 'adm.form.max_length.bad');
    first ??= max;
  }
  const identities = IDENTITIES.filter((level) => identityBox(level).checked);
  if (identities.length === 0) {
    invalid(idError, null, 'adm.form.identities.none');
    first ??= identityBox('named');
  }
  // Empty: kept until the organiser detaches them (the server's default).
  const days = retention.value.trim() === '' ? null : Number(retention.value);
  if (days !== null && (!Number.isInteger(days) || days < 0 || days > 3650)) {
    invalid(retentionError, retention, 'adm.form.retention.bad');
    first ??= retention;
  }
  if (first) {
    first.focus();
    return null;
  }
  return {
    title: name,
    pre_moderation: pre.checked,
    max_length: length,
    chair_sets_current: chair.checked,
    identities,
    roster: modeRoster.checked,
    retention_days: days,
    export_roles: EXPORT_ROLES.filter((role) => exportBox(role).checked),
  };
}

/** @param {(body: EventBody) => void} fn */
export function onSubmit(fn) {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = readForm();
    if (body) fn(body);
  });
}

export { formError, submit as formSubmit };

/**
 * An event's three links, each with a copy button.
 * @param {AdminEvent} ev
 */
export function renderLinks(ev) {
  byId('links', HTMLElement).replaceChildren(
    linkField('link-attendee', tr('adm.link.attendee'), ev.links.attendee, tr('adm.link.attendee.note')),
    linkField('link-moderator', tr('adm.link.moderator'), ev.links.moderator, tr('adm.link.moderator.note')),
    linkField('link-screen', tr('adm.link.screen'), ev.links.screen, tr('adm.link.screen.note')),
  );
}

/**
 * What the event is set to, in words; a server without `GET
 * /api/events/CODE` says nothing here.
 * @param {AdminEvent} ev
 */
export function renderSettings(ev) {
  const box = byId('settings-box', HTMLElement);
  const dl = byId('settings-list', HTMLElement);
  const s = ev.settings;
  box.hidden = !s;
  if (!s) return;
  const yes = (/** @type {boolean} */ v) => tr(v ? 'adm.yes' : 'adm.no');
  const levels = s.identities ?? (s.allow_anonymous ? ['named', 'hidden_from_hall'] : ['named']);
  /** @type {Array<[string, string]>} */
  const rows = [
    [tr('adm.form.mode'), tr(s.roster ? 'adm.mode.roster' : 'adm.mode.open')],
    [tr('mod.set.pre_moderation'), yes(s.pre_moderation)],
    [tr('adm.form.chair_sets_current'), yes(s.chair_sets_current)],
    [tr('adm.form.max_length'), String(s.max_length)],
    [tr('adm.form.identities'), levels.map((l) => tr(`identity.${l}`)).join(', ')],
    [tr('adm.form.retention'), retentionText(s.retention_days)],
  ];
  if (s.export_roles) {
    const roles = s.export_roles.map((r) => tr(`staff.role.${r}`)).join(', ');
    rows.push([tr('adm.form.export_roles'), roles || tr('adm.export_roles.none')]);
  }
  dl.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', '', k), el('dd', '', v)]));
}

/**
 * An event's retention period in words.
 * @param {number | null | undefined} days
 */
export function retentionText(days) {
  if (days == null) return tr('adm.retention.kept');
  return days === 0 ? tr('adm.retention.zero') : tr('adm.retention.days', { n: days });
}
