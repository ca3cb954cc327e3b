// The topic ("Lĩnh vực") and addressee ("Kính gửi") selects of the ask
// form, shown when the event lets askers route their question. Both are
// optional; picking a topic preselects its default official. The options
// are rebuilt only when the event's topics or officials change, never
// while the person types in the form's text fields.

import { byId, tr } from './dom.js';
import { defaultOfficial, nameOf } from './followfmt.js';

/** @typedef {import('./state.js').EventState} EventState */
/** @typedef {import('./protocol').Topic} Topic */
/** @typedef {import('./protocol').Official} Official */

export class RoutePicker {
  constructor() {
    this.ui = {
      box: byId('route', HTMLElement),
      topic: byId('ask-topic', HTMLSelectElement),
      official: byId('ask-official', HTMLSelectElement),
      summary: byId('route-summary', HTMLElement),
    };
    /** @type {Topic[]} */
    this.topics = [];
    /** @type {Official[]} */
    this.officials = [];
    this.on = false;
    this.sig = '';
    this.ui.topic.addEventListener('change', () => {
      this.ui.official.value = defaultOfficial(this.topics, this.officials, this.topicId());
      this.refresh();
    });
    this.ui.official.addEventListener('change', () => this.refresh());
  }

  /** @param {EventState} state */
  show(state) {
    this.on = state.settings.asker_routes && (state.topics.length > 0 || state.officials.length > 0);
    this.ui.box.hidden = !this.on;
    const sig = JSON.stringify([state.topics, state.officials]);
    if (sig !== this.sig) {
      this.sig = sig;
      this.topics = state.topics;
      this.officials = state.officials;
      this.build();
    }
    this.refresh();
  }

  /** @returns {number | null} */
  topicId() {
    const v = this.ui.topic.value;
    return v === '' ? null : Number(v);
  }

  /** Options from the lists; what was chosen stays chosen while it exists. */
  build() {
    const { topic, official } = this.ui;
    const keepTopic = topic.value;
    const keepOfficial = official.value;
    const none = (/** @type {import('./i18n.js').Key} */ key) => {
      const o = new Option(tr(key), '');
      o.dataset.i18n = key;
      return o;
    };
    topic.replaceChildren(none('fu.route.none.topic'), ...this.topics.map((t) => new Option(t.name, String(t.id))));
    official.replaceChildren(none('fu.route.none.official'), ...this.officials.map((o) => new Option(o.name, o.id)));
    topic.value = this.topics.some((t) => String(t.id) === keepTopic) ? keepTopic : '';
    official.value = this.officials.some((o) => o.id === keepOfficial) ? keepOfficial : '';
  }

  /**
   * The sentence under "who sees the name": to whom the question goes. With
   * a topic and no official the server takes the topic's default one.
   */
  refresh() {
    const id = this.ui.official.value || defaultOfficial(this.topics, this.officials, this.topicId());
    const name = nameOf(this.officials, id);
    this.ui.summary.hidden = !this.on;
    this.ui.summary.textContent = name ? tr('fu.route.summary', { name }) : tr('fu.route.summary.none');
  }

  /** The language changed. */
  relabel() {
    for (const select of [this.ui.topic, this.ui.official]) {
      const first = select.options[0];
      const key = /** @type {import('./i18n.js').Key | undefined} */ (first?.dataset.i18n);
      if (first && key) first.text = tr(key);
    }
    this.refresh();
  }

  /**
   * What goes with the ask: only what was picked, only when routing is on.
   * @returns {{topic?: number, official?: string}}
   */
  values() {
    if (!this.on) return {};
    const topic = this.topicId();
    const official = this.ui.official.value;
    return { ...(topic === null ? {} : { topic }), ...(official ? { official } : {}) };
  }

  /** After a question was sent: the next one starts unrouted. */
  reset() {
    this.ui.topic.value = '';
    this.ui.official.value = '';
    this.refresh();
  }
}
