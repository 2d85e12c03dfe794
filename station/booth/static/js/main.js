// The booth page: which screen shows (sign-in, locked, booth, history) follows the daemon's session.
import { get, post, setCsrf } from './api.js';
import { current, render, wipe } from './crossing.js';
import { cancel, initDecision } from './decision.js';
import { $, show } from './dom.js';
import { initHistory, loadHistory, renderHistory } from './history.js';
import { language, other, setLanguage, t } from './i18n.js';
import { startIdle, stopIdle } from './idle.js';
import { initJoint } from './joint.js';
import * as live from './live.js';
import { queued, renderQueue } from './queue.js';
import { initSignin, stopBadge, waitForBadge } from './signin.js';
import { alertSound } from './sound.js';
import { renderStatus, startStatus, stopStatus } from './status.js';

let session = null;
let view = 'booth';

function toast(key) {
  $('toast').dataset.i18n = key;
  $('toast').textContent = t(key);
  show('toast', true);
  setTimeout(() => show('toast', false), 2500);
}

function screen(name) {
  ['signin', 'locked', 'booth', 'history'].forEach((id) => show(id, id === name));
  show('strip', name === 'booth' || name === 'history');
}

function online(up) {
  $('live-text').dataset.i18n = up ? 'status.live' : 'status.reconnecting';
  $('live-text').textContent = t($('live-text').dataset.i18n);
  $('live-chip').classList.toggle('down', !up);
}

async function showCrossing(crossing, queue) {
  if (crossing && crossing.state === 'closed') {
    ({ crossing, queue } = await get('/api/crossings/current'));  // the next vehicle, if one is waiting
  }
  renderQueue(queue);  // first: the crossing's "move to the next vehicle" buttons read it
  render(crossing);
}

function lockedAlert() {
  show('locked-alert', true);
  alertSound();
}

// A watchlist hit that came in after the crossing was decided: raised at once, whatever is on screen.
function showLateAlert(alert) {
  show('late-alert', Boolean(alert));
  if (!alert) return;
  $('late-crossing').textContent = alert.crossing_id.slice(-8);
  $('late-decided').dataset.i18n = `action.${alert.decided}`;
  $('late-decided').textContent = t(`action.${alert.decided}`);
  $('late-hits').textContent = alert.hits.map((hit) => `${hit.listed} (${language() === 'es' ? hit.reason_es : hit.reason_en})`).join('; ');
  alertSound();
}

function signedOut() {
  live.stop(); stopIdle(); stopStatus(); wipe(); cancel(); renderQueue([]);
  screen('signin');
  show('badge-hint', session.badge);
  if (session.badge) waitForBadge(apply, 'signin-error');
}

function locked() {
  stopIdle(); wipe(); cancel(); renderQueue([]); showLateAlert(null);
  screen('locked');
  // The stream stays open while locked: it carries no crossing data, but a watchlist alert still
  // shows a banner and sounds (details only after unlocking).
  live.start({ crossing: () => {}, online, recover: () => {}, alertLocked: lockedAlert });
  if (session.badge) waitForBadge(apply, 'unlock-error');
}

function signedIn() {
  stopBadge();
  if (session.officer.role === 'technician') { window.location.assign('/tech'); return; }
  $('officer-name').textContent = session.officer.agency ? `${session.officer.name} · ${session.officer.agency}` : session.officer.name;
  $('lane-name').textContent = session.lane.port_name || session.lane.id;
  screen(view);
  show('locked-alert', false);
  live.stop();  // a fresh stream: its hello carries the crossing the locked one withheld
  live.start({ crossing: showCrossing, online, recover: refresh, alert: showLateAlert });
  startStatus();
  startIdle(session.lock_after_s, () => post('/api/lock').then(apply).catch(refresh));
}

// The language picked on the sign-in screen outlives a reload and carries into the session.
const CHOSEN = 'garita.language';

async function apply(next) {
  session = next;
  setCsrf(session.csrf);
  const chosen = localStorage.getItem(CHOSEN);
  if (session.signed_in && chosen && chosen !== session.language) {
    session = await post('/api/language', { language: chosen }).catch(() => session);
  }
  await setLanguage(session.signed_in ? session.language : (chosen || session.language));
  if (!session.signed_in) signedOut();
  else if (session.locked) locked();
  else signedIn();
}

async function refresh() {
  try {
    await apply(await get('/api/session'));
  } catch (error) {
    online(false);
    setTimeout(refresh, 1000);  // the daemon is restarting: keep asking
  }
}

async function switchLanguage() {
  const language = other();
  localStorage.setItem(CHOSEN, language);
  if (session && session.signed_in) session = await post('/api/language', { language });
  await setLanguage(language);
  renderQueue(queued());
  render(current());
  renderStatus();
  renderHistory();
}

function wire() {
  $('lang-switch').addEventListener('click', switchLanguage);
  $('lang-switch-signin').addEventListener('click', switchLanguage);
  $('lock').addEventListener('click', () => post('/api/lock').then(apply).catch(refresh));
  $('late-dismiss').addEventListener('click', () => show('late-alert', false));
  $('signout').addEventListener('click', () => post('/api/signout').then(refresh).catch(refresh));
  $('nav-booth').addEventListener('click', () => { view = 'booth'; screen(view); });
  $('nav-history').addEventListener('click', () => { view = 'history'; screen(view); loadHistory().catch(refresh); });
  initSignin(apply, () => session.officer.id);
  const recorded = { decided: 'decision.recorded', proposed: 'joint.proposed_toast', disputed: 'joint.disputed_toast' };
  initDecision((outcome) => toast(recorded[(outcome && outcome.state) || 'decided']),
    () => Boolean(session && session.officer && session.officer.needs_cosign));
  initJoint(() => session && session.officer);
  initHistory(refresh);
}

wire();
refresh();
