// The landing page: type the join code, go to /j/CODE.

import { byId, initLang, tr } from './dom.js';
import { looksLikeCode, normalizeCode } from './text.js';

const form = byId('join-form', HTMLFormElement);
const input = byId('code', HTMLInputElement);
const error = byId('code-error', HTMLElement);

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const code = normalizeCode(input.value);
  if (!looksLikeCode(code)) {
    error.textContent = tr('idx.invalid');
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  location.assign(`/j/${encodeURIComponent(code)}`);
});
input.addEventListener('input', () => {
  error.hidden = true;
  input.removeAttribute('aria-invalid');
});

initLang(() => {
  if (!error.hidden) error.textContent = tr('idx.invalid');
});
