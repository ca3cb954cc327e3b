// Shrinks text until it fits its box: the projector must show a ten-word
// question and a 500-character one, both readable from the back row.

/**
 * Sets the largest font size (px, within [min, max]) at which `text` fits
 * inside `box` without overflowing. Binary search: about 8 layouts.
 * @param {HTMLElement} box has a definite size (grid/flex cell)
 * @param {HTMLElement} text the element whose font-size is set
 * @param {number} min px
 * @param {number} max px
 */
export function fitText(box, text, min, max) {
  const fits = () => text.scrollHeight <= box.clientHeight + 1 && text.scrollWidth <= box.clientWidth + 1;
  let lo = Math.floor(min);
  let hi = Math.ceil(max);
  text.style.fontSize = `${hi}px`;
  if (fits()) return;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    text.style.fontSize = `${mid}px`;
    if (fits()) lo = mid;
    else hi = mid;
  }
  text.style.fontSize = `${lo}px`;
}
