// The decision: keys 1/2/3 or the buttons pick it, Enter confirms, Esc cancels; the server records it
// (database, audit, outbox) before the screen says so.
import { ApiError, post } from './api.js';
import { current } from './crossing.js';
import { $, show } from './dom.js';
import { t } from './i18n.js';
import { jointNote, jointStep, proposedAction } from './joint.js';

const KEYS = { 1: 'release', 2: 'secondary', 3: 'detain' };
let chosen = null;
let onRecorded = () => {};
let needsCosign = () => true;

function typing(target) {
  return ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName);
}

export function choose(action) {
  const crossing = current();
  if (!crossing || $('booth').hidden) return;
  // On a joint lane the same keys propose, countersign the other agency's proposal, or disagree with it.
  const step = jointStep(action);
  if (step === 'blocked') return;
  chosen = action;
  const countersign = step === 'countersign';
  const disagree = step === 'disagree';
  const recommended = crossing.assessment && crossing.assessment.recommendation;
  const waiting = (crossing.assessment && crossing.assessment.waiting_for) || [];
  const early = !countersign && action === 'release' && waiting.length > 0;  // released before the expected reads
  const override = disagree || (!countersign && ((Boolean(recommended) && recommended !== action) || early));
  $('confirm-action').dataset.i18n = `action.${action}`;
  $('confirm-action').textContent = t(`action.${action}`);
  show('override-note', override && !early && !disagree);
  show('incomplete-note', early);
  jointNote(step);
  // Letting go a vehicle the lane says to detain takes a supervisor's PIN too, when the lane's rule applies to
  // this officer (the session says so; the server checks it again). A countersign or a disagreement never does.
  show('cosign', step === 'decide' && recommended === 'detain' && action !== 'detain' && needsCosign());
  show('decision-error', false);
  $('reason-code').value = '';
  $('reason-text').value = '';
  $('cosign-id').value = '';
  $('cosign-pin').value = '';
  show('confirm', true);
  (override ? $('reason-code') : $('confirm-ok')).focus();
}

export function cancel() {
  chosen = null;
  $('cosign-pin').value = '';
  show('confirm', false);
}

async function submit() {
  const crossing = current();
  if (!crossing || !chosen) return;
  let outcome;
  try {
    const cosign = $('cosign').hidden ? {} : { supervisor_id: $('cosign-id').value, supervisor_pin: $('cosign-pin').value };
    outcome = await post(`/api/crossings/${crossing.id}/decision`, {
      action: chosen, reason_code: $('reason-code').value, reason_text: $('reason-text').value, ...cosign,
    });
  } catch (error) {
    const code = error instanceof ApiError ? error.code : 'server_error';
    $('decision-error').dataset.i18n = `error.${code}`;
    $('decision-error').textContent = t(`error.${code}`);
    show('decision-error', true);
    return;
  }
  cancel();
  onRecorded(outcome);
}

export function initDecision(recorded, cosignApplies) {
  onRecorded = recorded;
  needsCosign = cosignApplies;
  document.querySelectorAll('button.act').forEach((button) => {
    button.addEventListener('click', () => choose(button.dataset.action));
  });
  $('confirm').addEventListener('submit', (event) => { event.preventDefault(); submit(); });
  $('confirm-cancel').addEventListener('click', cancel);
  $('joint-countersign').addEventListener('click', () => choose(proposedAction()));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && chosen) { cancel(); return; }
    if (event.key === 'Enter' && chosen && !typing(event.target) && event.target.tagName !== 'BUTTON') {
      event.preventDefault();
      submit();
      return;
    }
    const plain = !typing(event.target) && !event.ctrlKey && !event.altKey && !event.metaKey;
    if (KEYS[event.key] && plain) {
      event.preventDefault();
      choose(KEYS[event.key]);
    } else if ((event.key === 'c' || event.key === 'C') && plain && proposedAction()) {
      event.preventDefault();
      choose(proposedAction());  // countersign: the action the other agency proposed
    }
  });
}
