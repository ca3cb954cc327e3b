// The projector: the question being answered in the largest type that fits,
// the next few, and the way to join when nothing is being answered. It
// never shows connection trouble to the hall: it keeps the last good state
// and reconnects quietly.

import { Client } from './client.js';
import {
  Keyed, byId, currentLang, el, find, initLang, perFrame, placeChildren, setText, showRefused, tr,
} from './dom.js';
import { votesText } from './i18n.js';
import { currentQuestion, upNext } from './state.js';
import { fitText } from './fit.js';
import { forgetSecret, takeSecret } from './secret.js';
import { attendeeLink, normalizeCode, shortLink } from './text.js';
import { routeNames } from './followfmt.js';

/** @typedef {import('./protocol').Question} Question */
/** @typedef {import('./protocol').ScreenSettings} ScreenSettings */

const code = normalizeCode(decodeURIComponent(location.pathname.split('/')[2] ?? ''));
// From the link's fragment, then kept in this tab and out of the address
// bar, which the hall may see.
const secret = code ? takeSecret('screen', code) : '';
const NEXT_COUNT = 5;
/** What a server older than the screen settings showed. @type {ScreenSettings} */
const SHOW_ALL = { up_next: true, votes: true, routing: false, blank: false };

const ui = {
  stage: byId('stage', HTMLElement),
  title: byId('title', HTMLElement),
  miniUrl: byId('mini-url', HTMLElement),
  miniCode: byId('mini-code', HTMLElement),
  nowLive: byId('now-live', HTMLElement),
  current: byId('current', HTMLElement),
  curBox: byId('cur-box', HTMLElement),
  curText: byId('cur-text', HTMLElement),
  curWho: byId('cur-who', HTMLElement),
  curVotes: byId('cur-votes', HTMLElement),
  curRoute: byId('cur-route', HTMLElement),
  curTopic: byId('cur-topic', HTMLElement),
  curTo: byId('cur-to', HTMLElement),
  blank: byId('blank', HTMLElement),
  blankTitle: byId('blank-title', HTMLElement),
  idle: byId('idle', HTMLElement),
  idleTitle: byId('idle-title', HTMLElement),
  idleUrl: byId('idle-url', HTMLElement),
  idleCode: byId('idle-code', HTMLElement),
  qr: byId('qr', HTMLImageElement),
  next: byId('next', HTMLElement),
  nextList: byId('next-list', HTMLOListElement),
};

let announced = /** @type {number | null} */ (null);
let fittedKey = '';

const nextItems = new Keyed(
  () => {
    const li = el('li', 'next-item');
    li.append(el('span', 'next-text'), el('span', 'next-votes'));
    return li;
  },
  /** @param {HTMLElement} node @param {Question} q */
  (node, q) => {
    const votes = client.state?.settings.screen?.votes ?? true;
    setText(find(node, '.next-text', HTMLElement), q.text);
    const count = find(node, '.next-votes', HTMLElement);
    setText(count, String(q.votes));
    count.hidden = !votes;
    node.setAttribute('aria-label', votes ? `${q.text} (${votesText(currentLang(), q.votes)})` : q.text);
  },
);

function render() {
  const state = client.state;
  if (!state) return;
  ui.stage.classList.remove('waiting');
  const joinUrl = shortLink(attendeeLink(client.joinUrl, location.origin, state.joinCode));
  setText(ui.title, state.title);
  setText(ui.idleTitle, state.title);
  document.title = state.title;
  setText(ui.miniUrl, joinUrl);
  setText(ui.miniCode, state.joinCode);
  setText(ui.idleUrl, joinUrl);
  setText(ui.idleCode, state.joinCode);
  const qrSrc = `/qr/${encodeURIComponent(state.joinCode)}.svg`;
  if (ui.qr.getAttribute('src') !== qrSrc) ui.qr.src = qrSrc;

  // The chair's choices of what the hall sees, applied as they change.
  const show = state.settings.screen ?? SHOW_ALL;
  ui.stage.classList.toggle('blanked', show.blank);
  ui.blank.hidden = !show.blank;
  setText(ui.blankTitle, state.title);
  ui.stage.classList.toggle('no-votes', !show.votes);

  const q = show.blank ? null : currentQuestion(state);
  ui.stage.classList.toggle('idle-mode', !q);
  ui.current.hidden = !q;
  ui.idle.hidden = !!q;
  if (q) {
    setText(ui.curText, q.text);
    // The public view already holds only what the asker chose to show.
    setText(ui.curWho, [q.name, q.unit].filter(Boolean).join(' — '));
    setText(ui.curVotes, votesText(currentLang(), q.votes));
    const names = routeNames(q, state.topics, state.officials);
    ui.curRoute.hidden = !show.routing || !(names.topic || names.official);
    setText(ui.curTopic, names.topic);
    setText(ui.curTo, names.official ? tr('scr.to', { name: names.official }) : '');
  }
  if (state.current !== announced) {
    announced = state.current;
    ui.nowLive.textContent = q ? q.text : '';
  }

  const next = show.up_next && !show.blank ? upNext(state).slice(0, NEXT_COUNT) : [];
  ui.next.hidden = next.length === 0;
  ui.stage.classList.toggle('no-next', next.length === 0);
  placeChildren(ui.nextList, nextItems.render(next, (x) => x.id));
  fit(q);
}

/**
 * Refits only when the text or the box changed: fitting costs layouts.
 * @param {Question | null} q
 */
function fit(q) {
  if (!q) return;
  const key = `${q.text}|${ui.curBox.clientWidth}x${ui.curBox.clientHeight}`;
  if (key === fittedKey) return;
  fittedKey = key;
  const vmin = Math.min(innerWidth, innerHeight);
  fitText(ui.curBox, ui.curText, Math.max(14, vmin * 0.028), vmin * 0.1);
}

// Only refit here: re-rendering from a resize callback could resize again.
new ResizeObserver(() => {
  const state = client.state;
  fit(state ? currentQuestion(state) : null);
}).observe(ui.curBox);
addEventListener('resize', () => { fittedKey = ''; render(); });

// F toggles full screen; so does a double click, for operators with a mouse only.
function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  else document.documentElement.requestFullscreen().catch(() => {});
}
document.addEventListener('keydown', (e) => {
  if ((e.key === 'f' || e.key === 'F') && !e.ctrlKey && !e.metaKey && !e.altKey) {
    e.preventDefault();
    toggleFullscreen();
  }
});
document.addEventListener('dblclick', toggleFullscreen);

// The pointer disappears when unused, so it never sits on the question.
/** @type {ReturnType<typeof setTimeout> | undefined} */
let cursorTimer;
document.addEventListener('mousemove', () => {
  document.body.classList.remove('hide-cursor');
  clearTimeout(cursorTimer);
  cursorTimer = setTimeout(() => document.body.classList.add('hide-cursor'), 3000);
});

const client = new Client({
  joinCode: code,
  role: 'screen',
  secret,
  onState: perFrame(render),
  // Only a wrong link is shown, and only before anything was on screen.
  onRefused: (reason) => {
    if (reason === 'bad_secret') forgetSecret('screen', code);
    if (!client.state) showRefused(reason);
  },
});

initLang(() => { fittedKey = ''; render(); });
document.fonts?.ready.then(() => { fittedKey = ''; render(); });
if (!code || !secret) showRefused(code ? 'no_secret' : 'unknown_event');
else client.start();
