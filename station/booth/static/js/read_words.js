// A device read in plain words, as on the booth screen: what was read and the fields that matter for its kind.
import { data, el, msg } from './dom.js';
import { day, percent } from './i18n.js';

const name = (d) => (d.type === 'aamva'
  ? [d.family_name, [d.first_name, d.middle_names].filter(Boolean).join(' ')]
  : [d.surname, d.given_names]).filter(Boolean).join(', ');

// Per kind: [catalog label, how to take the value from the read's data]; a field with no value is left out.
const FIELDS = {
  plate: [['plate.confidence', (d) => (d.confidence === undefined ? null : percent(d.confidence))]],
  container: [['plate.confidence', (d) => (d.confidence === undefined ? null : percent(d.confidence))],
    ['read.check_digit', (d) => (d.check_digit_valid === undefined ? null : (d.check_digit_valid ? '✓' : '✗'))]],
  rfid: [['rfid.antenna', (d) => d.antenna], ['read.rssi', (d) => d.peak_rssi], ['read.seen', (d) => d.count]],
  document: [['doc.name', name], ['doc.nationality', (d) => d.nationality],
    ['doc.expiry', (d) => (d.expiry_date ? day(d.expiry_date) : null)]],
  barcode: [['barcode.type', (d) => d.type], ['doc.name', (d) => (d.type === 'aamva' ? name(d) : null)],
    ['doc.expiry', (d) => (d.type === 'aamva' && d.expiry_date ? day(d.expiry_date) : null)]],
  presence: [['read.source', (d) => d.source]],
};

export function readWords(read) {
  const d = read.data || {};
  const fields = (FIELDS[read.kind] || []).map(([key, take]) => [key, take(d)])
    .filter(([, value]) => value !== null && value !== undefined && value !== '');
  return [msg(`kind.${read.kind}`, { class: 'label' }), ' ',
    read.kind === 'image' ? msg('read.camera_image') : data(read.value, { class: 'code' }),
    ...fields.flatMap(([key, value]) => [' · ', el('span', { class: 'muted' }, msg(key), ' ', data(value))])];
}
