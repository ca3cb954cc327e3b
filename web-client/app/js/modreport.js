// The panel's "Báo cáo" link: the meeting report in a new tab, with the
// panel's secret in the fragment (as the panel's own link carries it) so
// the report can ask for the export. The secret is added only when the link
// is clicked, so hovering never shows it in the status bar.

/**
 * @param {HTMLAnchorElement} link
 * @param {string} code
 * @param {string} secret
 */
export function linkReport(link, code, secret) {
  const path = `/report/${encodeURIComponent(code)}`;
  link.href = path;
  link.hidden = !code || !secret;
  link.addEventListener('click', (e) => {
    e.preventDefault();
    window.open(`${path}#${encodeURIComponent(secret)}`, '_blank', 'noopener');
  });
}
