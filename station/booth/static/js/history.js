// Recent crossings and search (the daemon runs parameterised queries; this only shows the answer).
import { get } from './api.js';
import { $, data, el, msg, show } from './dom.js';
import { dateTime } from './i18n.js';

let rows = [];

function row(crossing) {
  const decision = crossing.action ? msg(`action.${crossing.action}`) : msg('history.pending', { class: 'muted' });
  // The decision whole: what the lane recommended, whether the officer overrode it, who co-signed.
  const recommended = crossing.recommendation ? msg(`action.${crossing.recommendation}`) : msg('history.none', { class: 'muted' });
  return el('tr', {},
    el('td', {}, data(dateTime(crossing.opened_ms))),
    el('td', {}, data(crossing.values.join(' · '))),
    el('td', {}, recommended),
    el('td', {}, decision, crossing.override ? el('span', {}, ' ', msg('history.override', { class: 'warn' })) : null),
    el('td', {}, crossing.officer_id ? data(crossing.officer_id) : null,
      crossing.second_officer_id ? el('span', {}, ' ', msg('history.cosigned'), ' ', data(crossing.second_officer_id)) : null),
    el('td', {}, crossing.reason ? data(crossing.reason) : null));
}

export function renderHistory() {
  $('history-rows').replaceChildren(...rows.map(row));
  show('history-empty', rows.length === 0);
}

export async function loadHistory() {
  const query = encodeURIComponent($('search-q').value);
  rows = (await get(`/api/history?q=${query}&limit=50`)).crossings;
  renderHistory();
}

export function initHistory(onError) {
  $('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    loadHistory().catch(onError);
  });
}
