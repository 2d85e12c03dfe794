// Tiny DOM helpers: catalog text is marked data-i18n, lane data is marked data-source="lane".
import { t } from './i18n.js';

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

// Text from the catalog (re-translated when the language changes).
export const msg = (key, attrs = {}) => el('span', { ...attrs, 'data-i18n': key }, t(key));
// A value read at the lane (plate, name, number): shown as is, never translated.
export const data = (text, attrs = {}) => el('span', { ...attrs, 'data-source': 'lane' }, String(text));
// Text the risk engine sent in both languages.
export const engine = (texts, language) => el('span', { 'data-source': 'engine' }, texts[language] || texts.en || '');

export function show(id, visible) { $(id).hidden = !visible; }

export function clear(id) { $(id).replaceChildren(); }
