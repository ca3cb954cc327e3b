// The phone's queue tabs (popular, recent, answered): ARIA tabs, the arrow
// keys moving between them, one tab stop for the group.

/**
 * @param {HTMLElement} panel the tab panel, labelled by the selected tab
 * @param {(tab: string) => void} onSelect
 */
export function initTabs(panel, onSelect) {
  const tabs = /** @type {HTMLButtonElement[]} */ ([...document.querySelectorAll('[role="tab"]')]);
  /** @param {HTMLButtonElement} button */
  function select(button) {
    for (const b of tabs) {
      const on = b === button;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
    }
    panel.setAttribute('aria-labelledby', button.id);
    onSelect(button.dataset.tab ?? '');
  }
  for (const b of tabs) {
    b.addEventListener('click', () => select(b));
    b.addEventListener('keydown', (e) => {
      const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (!step) return;
      e.preventDefault();
      const next = tabs[(tabs.indexOf(b) + step + tabs.length) % tabs.length];
      next.focus();
      select(next);
    });
  }
}
