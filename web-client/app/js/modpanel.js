// The follow-up parts of the presiding panel (issue 11), behind one object
// so moderator.js only hooks them in: the per-official view, the screen
// controls, the topics editor, and what each item's follow-up needs to know.

import { byId, currentLang, tr } from './dom.js';
import { errorText as baseErrorText } from './i18n.js';
import { formatDue, todayIso } from './modcount.js';
import { setFollowContext, wireFollow } from './modfollow.js';
import { OfficialView } from './modofficials.js';
import { ScreenControls } from './modscreen.js';
import { TopicsEditor } from './modtopics.js';

/** @typedef {import('./protocol').Question} Question */
/** @typedef {import('./protocol').Action} Action */
/** @typedef {import('./protocol').StaffRole} StaffRole */
/** @typedef {import('./state.js').EventState} EventState */
/** @typedef {import('./modcount.js').Bucket} Bucket */

/**
 * The server's error texts, with the follow-up's own codes.
 * @param {import('./i18n.js').Lang} lang
 * @param {string} code
 */
export function errorText(lang, code) {
  if (code === 'unknown_official' || code === 'unknown_topic') return tr(code === 'unknown_official' ? 'fu.err.unknown_official' : 'fu.err.unknown_topic');
  return baseErrorText(lang, code);
}

/**
 * @typedef {object} Hooks
 * @property {(id: number, action: Action) => Promise<unknown> | void} send a question's request
 * @property {(action: Action) => Promise<unknown>} request any other request
 * @property {(key: string, value: boolean, action: Action) => void} sendSetting
 * @property {(key: string, actual: boolean) => string | boolean} shownSetting
 * @property {(bucket: Bucket | null) => void} onView the per-official view changed
 * @property {(text: string, kind?: 'info' | 'error') => void} say
 */

export class FollowUpPanel {
  /** @param {Hooks} hooks */
  constructor(hooks) {
    this.today = todayIso(new Date());
    this.officials = new OfficialView(byId('off-groups', HTMLElement), byId('off-states', HTMLElement), hooks.onView);
    this.screen = new ScreenControls(hooks.sendSetting, hooks.shownSetting);
    this.topics = new TopicsEditor(hooks.request, hooks.say);
    this.hooks = hooks;
    this.askerRoutes = byId('set-asker-routes', HTMLInputElement);
    this.askerRoutes.addEventListener('change', () => hooks.sendSetting('asker_routes', this.askerRoutes.checked,
      { type: 'update_settings', asker_routes: this.askerRoutes.checked }));
    wireFollow(byId('list', HTMLUListElement), (id, action) => Promise.resolve(hooks.send(id, action)).then(Boolean));
  }

  /**
   * Called at the start of every render of the panel.
   * @param {EventState} state
   * @param {StaffRole | undefined} role undefined: the shared link, which acts as the chair
   */
  render(state, role) {
    this.today = todayIso(new Date());
    const chair = role === undefined || role === 'chair';
    setFollowContext(state, chair, this.today);
    this.officials.render(state, this.today, currentLang());
    this.screen.render(state, chair || (role === 'moderator' && !state.settings.chair_sets_current));
    this.topics.render(state);
    this.askerRoutes.checked = Boolean(this.hooks.shownSetting('asker_routes', state.settings.asker_routes ?? false));
  }

  /** @param {Question} q @param {EventState} state */
  keep(q, state) {
    return this.officials.keep(q, state, this.today);
  }

  /**
   * The current question's topic and "Kính gửi", for the "now" panel.
   * @param {Question} q
   * @param {EventState} state
   */
  routeLine(q, state) {
    const topic = state.topics.find((t) => t.id === q.topic)?.name;
    const official = state.officials.find((o) => o.id === q.official)?.name;
    return [topic, official && tr('fu.official', { name: official }), q.due && tr('fu.due', { date: formatDue(q.due) })]
      .filter(Boolean).join(' · ');
  }
}
