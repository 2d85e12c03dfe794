// Renders the current crossing: reads by kind, document flags, declaration, recommendation, watchlist alert.
import { $, data, el, engine, msg, show } from './dom.js';
import { dateTime, day, language, percent, time } from './i18n.js';
import { post } from './api.js';
import { renderJoint } from './joint.js';
import { queued } from './queue.js';
import { alertSound } from './sound.js';

let shown = null;
let alerted = null;

export const current = () => shown;

function panel(id, items) {
  $(id).replaceChildren(...items);
  show(`panel-${id}`, items.length > 0);
}

// The photo once, with the plate boxes drawn; beside each plate read, its crop (not the whole frame again).
function plates(reads) {
  // The query names the plates drawn, so the photo is fetched again when a plate read from it arrives.
  const boxesOf = (image) => reads.filter((p) => p.kind === 'plate' && p.data.image_read_id === image.id).length;
  const photos = reads.filter((r) => r.kind === 'image' && r.image).map((r) => el('img', {
    src: `/api/images/${r.id}/boxed?plates=${boxesOf(r)}`, alt: '', class: 'photo' }));
  const read = onePerPlate(reads.filter((r) => r.kind === 'plate' || r.data.plate)).map((r) => el('div', { class: 'plate' },
    r.kind === 'plate' && r.data.box ? el('img', { src: `/api/images/${r.id}/crop`, alt: '', class: 'crop' }) : null,
    data(r.data.plate || r.value, { class: 'plate-text' }),
    r.data.confidence !== undefined ? el('span', { class: 'muted' }, msg('plate.confidence'), ' ', data(percent(r.data.confidence))) : null,
    mark(r)));
  return [...photos.slice(-1), ...read];
}

// The same plate read twice (the camera's recogniser and a re-read) is one row: the read with a crop, then
// the most confident, stands for it; a plate one character off stays its own row (the officer checks it).
function onePerPlate(reads) {
  const best = new Map();
  const rank = (r) => [r.kind === 'plate' && r.data.box ? 1 : 0, r.data.confidence ?? 0];
  for (const r of reads) {
    const key = r.data.plate || r.value;
    const held = best.get(key);
    const [box, confidence] = rank(r);
    if (!held || box > rank(held)[0] || (box === rank(held)[0] && confidence > rank(held)[1]) || r.ambiguous) best.set(key, r);
  }
  return [...best.values()];
}

function containers(reads) {
  const codes = reads.flatMap((r) => (Array.isArray(r.data.containers) ? r.data.containers : []));
  return codes.map((c) => {
    const code = typeof c === 'string' ? c : c.code;
    const ok = typeof c === 'string' ? null : (c.check_digit_ok ?? c.check_ok ?? null);
    return el('div', { class: ok === false ? 'row bad' : 'row' }, data(code, { class: 'code' }),
      ok === null ? null : msg(ok ? 'container.check_ok' : 'container.check_bad', { class: ok ? 'ok' : 'badge-bad' }));
  });
}

function rfid(reads) {
  return reads.filter((r) => r.kind === 'rfid').map((r) => el('div', { class: 'row' }, data(r.value, { class: 'code' }),
    r.data.antenna !== undefined ? el('span', { class: 'muted' }, msg('rfid.antenna'), ' ', data(r.data.antenna)) : null,
    mark(r)));
}

// A read the lane attached by a rule that could be wrong: say so, and let the officer move it.
function mark(r) {
  if (!r.ambiguous) return null;
  const next = queued()[0];
  const button = (key, to) => {
    const node = el('button', { type: 'button', class: `small move-${to ? 'next' : 'own'}` }, msg(key));
    node.addEventListener('click', () => post(`/api/reads/${r.id}/move`, { to, reason: 'officer moved a marked read' })
      .catch(() => {}));
    return node;
  };
  return el('div', { class: 'check' }, msg('read.check', { class: 'warn' }), ' ', msg(`rule.${r.rule}`, { class: 'muted' }),
    ' ', next ? button('read.move_next', next.id) : null, ' ', button('read.move_own', ''));
}

function field(key, value) {
  return el('div', { class: 'field' }, msg(key, { class: 'label' }), value);
}

// A document named by a watchlist hit (its number, or its holder's name) is marked as the hit:
// a check-digit "Valid" never stands beside it.
function hitFor(number, name, hits) {
  const keys = [number, name].map((k) => String(k || '').toUpperCase().replace(/[^A-Z0-9]/g, '')).filter(Boolean);
  return hits.find((hit) => [hit.matched, hit.queried].some((v) => {
    const text = String(v || '').toUpperCase().replace(/[^A-Z0-9]/g, '');
    return text && keys.some((k) => k === text || (k.length > 6 && (k.includes(text) || text.includes(k))));
  }));
}

function holder(r) {
  const d = r.data;
  if (d.type === 'aamva') return `${d.family_name || ''}, ${[d.first_name, d.middle_names].filter(Boolean).join(' ')}`;
  return `${d.surname || ''}, ${d.given_names || ''}`;
}

function documents(reads, hits) {
  return reads.filter((r) => r.kind === 'document' || (r.kind === 'barcode' && r.data.type === 'aamva')).map((r) => {
    const d = r.data;
    const flags = r.flags || {};
    const hit = hitFor(r.value, holder(r), hits);
    const bad = flags.bad_check_digit || flags.expired || hit;
    const marks = [hit ? el('span', { class: 'badge-bad' }, msg('doc.hit'), ' ', msg(`action.${hit.action}`)) : null,
      flags.bad_check_digit ? msg('doc.bad_check', { class: 'badge-bad' }) : null,
      flags.expired ? msg('doc.expired', { class: 'badge-bad' }) : null];
    if (!bad) marks.push(msg('doc.ok', { class: 'ok' }));
    return el('div', { class: bad ? 'doc bad' : 'doc' },
      field('doc.name', data(holder(r))),
      field(d.type === 'aamva' ? 'doc.licence' : 'doc.number', data(r.value)),
      d.nationality ? field('doc.nationality', data(d.nationality)) : null,
      d.type === 'aamva' && d.jurisdiction ? field('doc.state', data(d.jurisdiction)) : null,
      d.birth_date ? field('doc.birth', data(day(d.birth_date))) : null,
      d.expiry_date ? field('doc.expiry', data(day(d.expiry_date))) : null,
      el('div', { class: 'marks' }, ...marks.filter(Boolean)), mark(r));
  });
}

function previous(items) {
  return (items || []).map((p) => el('div', { class: 'row' }, data(dateTime(p.opened_ms)), data(p.matched.join(' · '), { class: 'code' }),
    p.action ? msg(`action.${p.action}`, { class: `rec-small ${p.action}` }) : msg('history.pending', { class: 'muted' }),
    p.override ? msg('history.override', { class: 'warn' }) : null));
}

function barcodes(reads) {
  return reads.filter((r) => r.kind === 'barcode' && r.data.type !== 'aamva').map((r) => el('div', { class: 'row' },
    data(r.value, { class: 'code' }), el('span', { class: 'muted' }, msg('barcode.type'), ' ', data(r.data.type || '')),
    mark(r)));
}

function declaration(assessment) {
  const found = assessment && assessment.declaration;
  if (!found) return [msg('declaration.none', { class: 'muted' })];
  const items = found.discrepancies.map((d) => el('li', { class: 'bad' }, engine(d.text, language()), ' ',
    el('span', { class: 'muted' }, msg('declaration.declared'), ' ', data(d.declared), ' ', msg('declaration.observed'), ' ', data(d.observed))));
  return [data(found.id, { class: 'code' }),
    items.length ? el('div', {}, msg('declaration.discrepancies', { class: 'label' }), el('ul', {}, ...items))
      : msg('declaration.no_discrepancies', { class: 'ok' })];
}

function recommendation(assessment) {
  const action = assessment && assessment.recommendation;
  if (!action) return [msg('recommendation.none', { class: 'muted' })];
  const waiting = assessment.waiting_for || [];
  // Not final until the expected reads are in: say what is missing, never a bare green "Release".
  const incomplete = waiting.length ? el('div', { class: 'incomplete', id: 'incomplete' },
    msg('recommendation.incomplete'), ' ', ...waiting.flatMap((need, i) => [i ? ', ' : '', msg(`need.${need}`)])) : null;
  if (incomplete && action === 'release') return [incomplete];
  return [incomplete ?? '', msg(`action.${action}`, { class: `rec ${action}` }),
    el('ul', {}, ...assessment.reasons.map((reason) => el('li', {}, engine(reason, language()))))];
}

function watchlistAlert(crossing) {
  const hits = (crossing && crossing.assessment && crossing.assessment.hits) || [];
  show('alert', hits.length > 0);
  $('alert-hits').replaceChildren(...hits.map((hit) => el('li', {},
    msg('alert.action'), ' ', msg(`action.${hit.action}`, { class: 'hit-action' }), ' ',
    engine(hit.reason, language()), ' ', data(hit.matched, { class: 'code' }))));
  if (hits.length && alerted !== crossing.id) {
    alerted = crossing.id;  // one sound per crossing, not per read
    alertSound();
  }
}

export function render(crossing) {
  shown = crossing && crossing.state !== 'closed' ? crossing : null;
  show('waiting', !shown);
  show('crossing', Boolean(shown));
  watchlistAlert(shown);
  renderJoint(shown && shown.joint);
  if (!shown) return;
  const reads = shown.reads;
  $('crossing-id').textContent = shown.id.slice(-8);
  $('opened-at').textContent = time(shown.opened_ms);
  show('flagged', shown.flagged);
  panel('plates', plates(reads));
  panel('containers', containers(reads));
  panel('rfid', rfid(reads));
  panel('documents', documents(reads, (shown.assessment && shown.assessment.hits) || []));
  panel('barcodes', barcodes(reads));
  panel('previous', previous(shown.previous));
  $('declaration').replaceChildren(...declaration(shown.assessment));
  show('panel-declaration', Boolean(shown.assessment && shown.assessment.declaration));  // a car has none
  $('recommendation').replaceChildren(...recommendation(shown.assessment));
}

// The locked screen must not leave a crossing in the page, even hidden.
export function wipe() {
  shown = null;
  ['plates', 'containers', 'rfid', 'documents', 'barcodes', 'previous', 'declaration', 'recommendation', 'alert-hits']
    .forEach((id) => $(id).replaceChildren());
  $('crossing-id').textContent = '';
  $('opened-at').textContent = '';
  show('crossing', false);
  show('alert', false);
  show('waiting', true);
  renderJoint(null);
}
