// The organiser console (/admin): the login with the admin token, and
// which view shows for the address's fragment (#/, #/new, #/e/CODE/…).
// The parts live in their own modules: events (list, form, links),
// staff, roster, and what is printed (poster, cards).

// First: the console's strings, before anything translates.
import './admin-i18n.js';
import { byId, currentLang, initLang, setKey, tr } from './dom.js';
import { ApiError, api, eventPath, getToken, onUnauthorized, setToken, tokenWorks } from './adminapi.js';
import { eventHref, parseRoute } from './adminfmt.js';
import {
  figuresText, fillForm, formError, formSubmit, onSubmit, renderEvents, renderLinks, renderSettings,
} from './adminevents.js';
import { renderExports } from './adminexport.js';
import { renderPrivacy } from './adminprivacy.js';
import { renderCards, renderPoster } from './adminprint.js';
import { RosterPane, pickDelegates } from './adminroster.js';
import { StaffPane } from './adminstaff.js';
import { busy, say, showError } from './adminui.js';

/** @typedef {import('./adminevents.js').AdminEvent} AdminEvent */
/** @typedef {import('./adminfmt.js').Route} Route */

const VIEWS = ['view-login', 'view-events', 'view-form', 'view-event', 'view-poster', 'view-cards'];
const main = byId('main', HTMLElement);
const loading = byId('loading', HTMLElement);
const logout = byId('logout', HTMLButtonElement);
const loginForm = byId('login-form', HTMLFormElement);
const tokenInput = byId('token', HTMLInputElement);
const loginError = byId('login-error', HTMLElement);
const loginSubmit = byId('login-submit', HTMLButtonElement);
const staff = new StaffPane(byId('pane-staff', HTMLElement));
const roster = new RosterPane(byId('pane-roster', HTMLElement));

/** @type {AdminEvent[]} */
let events = [];
/** @type {AdminEvent | null} the event on show, with its settings when the server gives them */
let current = null;

/**
 * Shows one view and puts focus on its heading, so a keyboard or screen
 * reader user lands where the page changed.
 * @param {string} id
 * @param {boolean} [focus]
 */
function showView(id, focus = true) {
  for (const v of VIEWS) byId(v, HTMLElement).hidden = v !== id;
  loading.hidden = true;
  document.body.dataset.view = id;
  if (!focus) return;
  const heading = byId(id, HTMLElement).querySelector('h1');
  if (heading instanceof HTMLElement) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  } else {
    main.focus({ preventScroll: true });
  }
  scrollTo(0, 0);
}

function showLogin(messageKey = /** @type {import('./i18n.js').Key | null} */ (null)) {
  logout.hidden = true;
  showView('view-login', false);
  if (messageKey) {
    setKey(loginError, messageKey);
    loginError.hidden = false;
  }
  tokenInput.focus();
}

onUnauthorized(() => {
  setToken(null);
  showLogin('adm.login.expired');
});

loginForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const token = tokenInput.value.trim();
  loginError.hidden = true;
  tokenInput.removeAttribute('aria-invalid');
  if (!token) {
    setKey(loginError, 'adm.login.empty');
    loginError.hidden = false;
    tokenInput.focus();
    return;
  }
  busy(loginSubmit, async () => {
    try {
      if (!(await tokenWorks(token))) {
        setKey(loginError, 'adm.login.wrong');
        loginError.hidden = false;
        tokenInput.setAttribute('aria-invalid', 'true');
        tokenInput.select();
        return;
      }
    } catch (err) {
      showError(err, loginError);
      return;
    }
    setToken(token);
    tokenInput.value = '';
    logout.hidden = false;
    await route();
  });
});

logout.addEventListener('click', () => {
  setToken(null);
  events = [];
  current = null;
  location.hash = '#/';
  showLogin();
});

async function loadEvents() {
  events = await api('GET', '/api/events');
  return events;
}

/**
 * The event with its settings: `GET /api/events/CODE` where the server has
 * it, else what the list says.
 * @param {string} code
 * @returns {Promise<AdminEvent | null>}
 */
async function loadEvent(code) {
  try {
    return await api('GET', eventPath(code));
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'not_supported')) throw err;
  }
  const list = await loadEvents();
  return list.find((ev) => ev.join_code === code) ?? null;
}

/** Renders what the fragment names. */
async function route() {
  if (!getToken()) {
    showLogin();
    return;
  }
  logout.hidden = false;
  const r = parseRoute(location.hash);
  try {
    if (r.view === 'events') {
      renderEvents(await loadEvents());
      showView('view-events');
    } else if (r.view === 'new') {
      current = null;
      fillForm(null);
      showView('view-form');
    } else {
      const ev = await loadEvent(r.code);
      if (!ev) {
        say(tr('adm.err.unknown_event'), 'error');
        location.hash = '#/';
        return;
      }
      current = ev;
      await showEvent(ev, r.part);
    }
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    showError(err);
  }
}

/**
 * @param {AdminEvent} ev
 * @param {Extract<Route, {view: 'event'}>['part']} part
 */
async function showEvent(ev, part) {
  if (part === 'edit') {
    fillForm(ev);
    showView('view-form');
    return;
  }
  if (part === 'poster') {
    renderPoster(ev);
    byId('poster-back', HTMLAnchorElement).href = eventHref(ev.join_code);
    showView('view-poster', false);
    byId('poster-print', HTMLButtonElement).focus();
    return;
  }
  if (part === 'cards') {
    byId('cards-back', HTMLAnchorElement).href = eventHref(ev.join_code, 'roster');
    // Coming from the roster with a search: the cards it found.
    const list = pickDelegates(await api('GET', `${eventPath(ev.join_code)}/roster`), roster.query);
    const pages = renderCards(ev, list);
    byId('cards-count', HTMLElement).textContent = tr('adm.cards.count', { n: list.length, pages });
    showView('view-cards', false);
    byId('cards-print', HTMLButtonElement).focus();
    return;
  }
  byId('ev-title', HTMLElement).textContent = ev.title;
  const mode = ev.settings?.roster === undefined ? '' : ` · ${tr(ev.settings.roster ? 'adm.mode.roster' : 'adm.mode.open')}`;
  const phase = ev.stats?.phase ? ` · ${tr(`mod.phase.${ev.stats.phase}`)}` : '';
  byId('ev-meta', HTMLElement).textContent = `${tr('mod.code')} ${ev.join_code}${mode}${phase}`;
  byId('ev-figures', HTMLElement).textContent = figuresText(ev, currentLang(), Date.now());
  const edit = byId('ev-edit', HTMLAnchorElement);
  edit.href = eventHref(ev.join_code, 'edit');
  // Editing needs PATCH /api/events/CODE, which comes with GET of one event.
  edit.hidden = !ev.settings;
  byId('poster-open', HTMLAnchorElement).href = eventHref(ev.join_code, 'poster');
  for (const p of /** @type {const} */ (['info', 'staff', 'roster'])) {
    const link = byId(`nav-${p}`, HTMLAnchorElement);
    link.href = eventHref(ev.join_code, p);
    if (p === part) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
    byId(`pane-${p}`, HTMLElement).hidden = p !== part;
  }
  const wasHere = document.body.dataset.view === 'view-event' && document.body.dataset.event === ev.join_code;
  document.body.dataset.event = ev.join_code;
  // Moving between an event's sections keeps focus on the section links.
  showView('view-event', !wasHere);
  if (part === 'info') {
    renderLinks(ev);
    renderExports(ev.join_code);
    renderPrivacy(ev.join_code);
    renderSettings(ev);
  } else if (part === 'staff') {
    await staff.show(ev.join_code);
  } else if (part === 'roster') {
    await roster.show(ev);
  }
}

onSubmit((body) => busy(formSubmit, async () => {
  formError.hidden = true;
  try {
    if (current) {
      // Only what changed: a server without roster mode still takes the rest.
      const s = current.settings;
      /** @type {Record<string, unknown>} */
      const change = {};
      for (const [k, v] of Object.entries(body)) {
        let before = k === 'title' ? current.title : /** @type {Record<string, unknown>} */ (s ?? {})[k];
        // Settings leave an unset retention out; the form says null.
        if (k === 'retention_days') before ??= null;
        if (JSON.stringify(before) !== JSON.stringify(v)) change[k] = v;
      }
      if (change.roster === false && s?.roster === undefined) delete change.roster;
      // A server before export roles refuses the field; none is its default.
      if (s?.export_roles === undefined && !body.export_roles.length) delete change.export_roles;
      const saved = await api('PATCH', eventPath(current.join_code), { json: change });
      say(tr('adm.form.saved'));
      location.hash = eventHref(saved?.join_code ?? current.join_code);
    } else {
      /** @type {Record<string, unknown>} */
      const create = { ...body };
      // Open is the default: servers before roster mode refuse the field.
      if (!create.roster) delete create.roster;
      if (create.retention_days === null) delete create.retention_days;
      if (!body.export_roles.length) delete create.export_roles;
      const made = await api('POST', '/api/events', { json: create });
      say(tr('adm.form.created', { code: made.join_code }));
      location.hash = eventHref(made.join_code);
    }
  } catch (err) {
    showError(err, formError);
  }
}));

byId('events-refresh', HTMLButtonElement).addEventListener('click', () => route());
byId('poster-print', HTMLButtonElement).addEventListener('click', () => print());
byId('cards-print', HTMLButtonElement).addEventListener('click', () => print());
addEventListener('hashchange', () => route());

let started = false;
initLang(() => {
  // Text built from data is rebuilt in the new language (initLang also
  // calls this once at once, before the first route).
  if (started && getToken() && document.body.dataset.view !== 'view-login') route();
});
started = true;
route();
