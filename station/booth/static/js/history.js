// Recent crossings and search (the daemon runs parameterised queries; this only shows the answer).
import { get } from './api.js';
import { $, data, el, msg, show } from './dom.js';
import { dateTime } from './i18n.js';

let rows = [];

// Both agencies' officers of a joint decision, and the supervisor who settled their disagreement.
function joint(record) {
  if (!record) return null;
  const officer = (agency, id) => el('span', {}, msg(`agency.${agency}`, { class: 'agency' }), ' ', data(id));
  const proposer = officer(record.proposer_agency, record.proposer_id);
  const other = officer(record.countersigner_agency, record.countersigner_id);
  if (record.outcome === 'countersigned') return el('div', { class: 'joint-record' }, proposer, ' ', msg('joint.countersigned_by'), ' ', other);
  return el('div', { class: 'joint-record' }, proposer, ' ≠ ', other, ' · ', msg('joint.settled_by'), ' ', data(record.supervisor_id));
}

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
      crossing.second_officer_id ? el('span', {}, ' ', msg('history.cosigned'), ' ', data(crossing.second_officer_id)) : null,
      joint(crossing.joint)),
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
