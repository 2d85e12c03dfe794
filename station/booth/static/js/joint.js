// The joint decision on screen: a proposal waiting for the other agency (with its countdown), the countersign
// this officer is asked for (C, or the proposed action's key), a disagreement waiting for a supervisor, a lapse.
// The daemon decides who may do what; this only shows it and keeps the keys from asking for what it would refuse.
import { $, data, msg, show } from './dom.js';
import { t } from './i18n.js';

let joint = null;
let officer = () => null;
let timer = null;

export function initJoint(who) { officer = who; }

// What choosing `action` does for the signed-in officer now: decide | countersign | disagree | blocked.
export function jointStep(action) {
  if (!joint || joint.phase === 'expired') return 'decide';
  const me = officer() || {};
  if (joint.phase === 'disputed') {
    const party = [joint.officer_id, joint.answer && joint.answer.officer_id];
    return me.role === 'supervisor' && !party.includes(me.id) ? 'decide' : 'blocked';
  }
  if (!me.agency || me.agency === joint.agency) return 'blocked';
  return action === joint.action ? 'countersign' : 'disagree';
}

export const proposedAction = () => (joint && joint.phase === 'awaiting' ? joint.action : null);

function stop() {
  if (timer) clearInterval(timer);
  timer = null;
}

// Minutes:seconds left to countersign; at zero the proposal has lapsed (the daemon records it on the next ask).
function tick() {
  const seconds = Math.ceil((joint.expires_ms - Date.now()) / 1000);
  if (seconds <= 0) {
    renderJoint({ ...joint, phase: 'expired' });
    return;
  }
  $('joint-left').textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

function title(me) {
  if (joint.phase === 'awaiting') {
    return me.agency && me.agency !== joint.agency ? 'joint.countersign_needed' : `joint.awaiting_${joint.awaiting}`;
  }
  return joint.phase === 'disputed' ? 'joint.disputed' : 'joint.expired';
}

function who(agency, name, action) {
  return [msg(`agency.${agency}`, { class: 'agency' }), ' ', data(name), ' ', msg('joint.proposes'), ' ',
    msg(`action.${action}`, { class: `rec-small ${action}` })];
}

function detail() {
  const parts = who(joint.agency, joint.officer_name, joint.action);
  const answer = joint.phase === 'disputed' ? joint.answer : null;
  if (answer) {
    parts.push(' · ', ...who(answer.agency, answer.officer_name, answer.action));
    if (answer.reason) parts.push(' (', data(answer.reason), ')');
  }
  return parts;
}

export function renderJoint(state) {
  joint = state || null;
  stop();
  show('joint', Boolean(joint));
  document.querySelectorAll('button.act').forEach((button) => {
    button.disabled = jointStep(button.dataset.action) === 'blocked';
  });
  if (!joint) return;
  const me = officer() || {};
  const key = title(me);
  $('joint').className = `joint ${joint.phase}`;
  $('joint-title').dataset.i18n = key;
  $('joint-title').textContent = t(key);
  $('joint-detail').replaceChildren(...detail());
  show('joint-countdown', joint.phase === 'awaiting');
  show('joint-countersign', jointStep(joint.action) === 'countersign');
  if (joint.phase === 'awaiting') {
    tick();
    if (joint.phase === 'awaiting') timer = setInterval(tick, 250);
  }
}

export function jointNote(step) {
  const key = step === 'countersign' ? 'joint.note_countersign' : 'joint.note_disagree';
  $('joint-note').dataset.i18n = key;
  $('joint-note').textContent = t(key);
  show('joint-note', step === 'countersign' || step === 'disagree');
}
