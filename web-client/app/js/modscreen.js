// The chair's controls of the projector (issue 11): the "up next" list,
// vote counts, the topic and "Kính gửi" line, a blank screen. Each toggle
// sends `set_screen` with its one field and shows what was chosen until the
// server's settings say so (moderator.js's `sendSetting` / `shownSetting`).

import { byId } from './dom.js';
import { ScreenPreview } from './modprojector.js';

/** @typedef {import('./protocol').ScreenSettings} ScreenSettings */
/** @typedef {import('./protocol').Action} Action */
/** @typedef {import('./state.js').EventState} EventState */

const FIELDS = /** @type {const} */ (['up_next', 'votes', 'routing', 'blank']);

export class ScreenControls {
  /**
   * @param {(key: string, value: boolean, action: Action) => void} send
   * @param {(key: string, actual: boolean) => string | boolean} shown
   */
  constructor(send, shown) {
    this.shown = shown;
    this.note = byId('scr-chair-only', HTMLElement);
    this.preview = new ScreenPreview();
    this.inputs = FIELDS.map((f) => {
      const input = byId(`scr-${f}`, HTMLInputElement);
      input.addEventListener('change', () => send(`screen.${f}`, input.checked, /** @type {Action} */ ({ type: 'set_screen', [f]: input.checked })));
      return /** @type {const} */ ([f, input]);
    });
  }

  /**
   * @param {EventState} state
   * @param {boolean} allowed the chair, or a moderator when the chair does not keep the screen
   */
  render(state, allowed) {
    const screen = state.settings.screen ?? { up_next: true, votes: true, routing: false, blank: false };
    for (const [f, input] of this.inputs) {
      input.checked = Boolean(this.shown(`screen.${f}`, screen[f]));
      input.disabled = !allowed;
    }
    this.note.hidden = allowed;
    this.preview.render(state);
  }
}
