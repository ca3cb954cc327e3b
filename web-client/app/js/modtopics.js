// The panel's small topics editor (issue 11): each topic's name and the
// official who answers it by default, sent whole as `set_topics`. The rows
// follow the server until someone edits them; then they are that person's
// until saved, so an update from another panel does not erase their typing.

import { byId, currentLang, el, tr } from './dom.js';
import { errorText } from './i18n.js';
import { RequestError } from './client.js';

/** @typedef {import('./protocol').Action} Action */
/** @typedef {import('./protocol').TopicInput} TopicInput */
/** @typedef {import('./state.js').EventState} EventState */

export class TopicsEditor {
  /**
   * @param {(action: Action) => Promise<unknown>} request
   * @param {(text: string, kind?: 'info' | 'error') => void} say
   */
  constructor(request, say) {
    this.list = byId('topics-list', HTMLOListElement);
    this.dirty = false;
    /** @type {EventState | null} */
    this.state = null;
    this.sig = '';
    const form = byId('topics-form', HTMLFormElement);
    this.list.addEventListener('input', () => { this.dirty = true; });
    this.list.addEventListener('change', () => { this.dirty = true; });
    this.list.addEventListener('click', (e) => {
      const b = e.target instanceof Element ? e.target.closest('button.top-remove') : null;
      if (!(b instanceof HTMLButtonElement)) return;
      this.dirty = true;
      b.closest('li')?.remove();
      this.relabel();
    });
    byId('topics-add', HTMLButtonElement).addEventListener('click', () => {
      this.dirty = true;
      this.list.append(this.row({ name: '' }));
      this.relabel();
      this.list.lastElementChild?.querySelector('input')?.focus();
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      /** @type {TopicInput[]} */
      const topics = [];
      for (const li of this.list.children) {
        const name = li.querySelector('input')?.value.trim() ?? '';
        if (!name) continue;
        /** @type {TopicInput} */
        const t = { name };
        const id = li instanceof HTMLElement ? li.dataset.topic : undefined;
        if (id) t.id = Number(id);
        const official = li.querySelector('select')?.value;
        if (official) t.official = official;
        topics.push(t);
      }
      request({ type: 'set_topics', topics }).then(() => {
        this.dirty = false;
        this.sig = '';
        if (this.state) this.render(this.state);
        say(tr('top.saved'));
      }, (/** @type {unknown} */ err) => {
        say(errorText(currentLang(), err instanceof RequestError ? err.code : 'generic'), 'error');
      });
    });
  }

  /** @param {TopicInput} t */
  row(t) {
    const li = el('li', 'top-row');
    if (t.id !== undefined) li.dataset.topic = String(t.id);
    const name = el('input', 'top-name');
    name.type = 'text';
    name.value = t.name;
    name.maxLength = 120;
    name.autocomplete = 'off';
    const official = el('select', 'top-official');
    const none = el('option', undefined, tr('top.none'));
    none.value = '';
    official.append(none, ...(this.state?.officials ?? []).map((o) => {
      const opt = el('option', undefined, o.name);
      opt.value = o.id;
      return opt;
    }));
    official.value = t.official ?? '';
    const remove = el('button', 'btn quiet small top-remove', '×');
    remove.type = 'button';
    li.append(name, official, remove);
    return li;
  }

  /** Labels say which row they are ("Tên chủ đề 3"). */
  relabel() {
    [...this.list.children].forEach((li, i) => {
      li.querySelector('input')?.setAttribute('aria-label', tr('top.name', { n: i + 1 }));
      li.querySelector('select')?.setAttribute('aria-label', tr('top.official', { n: i + 1 }));
      li.querySelector('button')?.setAttribute('aria-label', tr('top.remove', { n: i + 1 }));
    });
  }

  /** @param {EventState} state */
  render(state) {
    this.state = state;
    const sig = JSON.stringify([tr('top.none'), state.topics, state.officials]);
    if (this.dirty || sig === this.sig) return;
    this.sig = sig;
    this.list.replaceChildren(...state.topics.map((t) => this.row(t)));
    this.relabel();
  }
}
