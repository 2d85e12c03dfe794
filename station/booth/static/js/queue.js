// The vehicles waiting behind the one at the booth: never merged into it, shown as "N waiting".
import { $, data, el, msg, show } from './dom.js';

let waiting = [];

export const queued = () => waiting;

export function renderQueue(queue) {
  waiting = Array.isArray(queue) ? queue : [];
  $('queue-count').textContent = String(waiting.length);
  $('queue-chip').classList.toggle('busy', waiting.length > 0);
  $('queue-list').replaceChildren(...waiting.map((item) => el('li', {},
    item.plates.length ? data(item.plates.join(' / '), { class: 'code' }) : msg('queue.no_plate', { class: 'muted' }),
    ' ', el('span', { class: 'muted' }, msg('queue.documents'), ' ', data(item.documents)))));
  show('queue-list', waiting.length > 0);
}
