// The technician view: device health, live decoded reads, a camera snapshot, mock scenario controls.
import { ApiError, get, post, setCsrf } from './api.js';
import { $, data, el, msg, show } from './dom.js';
import { other, setLanguage, t, time } from './i18n.js';
import * as live from './live.js';
import { readWords } from './read_words.js';

let session = null;
let mock = null;

function showError(id, error) {
  const code = error instanceof ApiError ? error.code : 'server_error';
  $(id).dataset.i18n = `error.${code}`;
  $(id).textContent = t(`error.${code}`);
  show(id, true);
}

function options(select, values) {
  const chosen = select.value;
  select.replaceChildren(...values.map((value) => el('option', { value }, value)));
  if (values.includes(chosen)) select.value = chosen;
}

function renderDevices(devices) {
  $('device-rows').replaceChildren(...Object.entries(devices).map(([name, d]) => el('tr', {},
    el('td', {}, data(name)), el('td', {}, data(d.kind)),
    el('td', {}, msg(d.connected ? 'tech.yes' : 'tech.no', { class: d.connected ? 'ok' : 'bad' })),
    el('td', { class: 'num' }, data(d.frames_ok)), el('td', { class: 'num' }, data(d.frames_rejected)),
    el('td', { class: 'num' }, data(d.bytes_discarded ?? 0)), el('td', { class: 'num' }, data(d.reconnects)),
    el('td', { class: 'error-text' }, d.last_error ? data(d.last_error) : null))));
  options($('camera'), Object.entries(devices).filter(([, d]) => d.kind === 'camera').map(([name]) => name));
}

function renderMock() {
  show('mock', Boolean(mock));
  if (!mock) return;
  $('mock-scenario').textContent = mock.scenario;
  $('mock-state-text').dataset.i18n = `tech.state.${mock.state}`;
  $('mock-state-text').textContent = t(`tech.state.${mock.state}`);
  $('mock-state-text').className = mock.state === 'playing' ? 'ok' : 'warn';
  $('mock-steps').textContent = `${mock.steps_run}/${mock.steps}`;
  options($('mock-vehicle'), mock.vehicles);
  options($('mock-device'), mock.devices);
  options($('mock-fault'), mock.faults[$('mock-device').value] || []);
}

async function refresh() {
  try {
    const answer = await get('/api/tech/status');
    renderDevices(answer.status.devices);
    mock = answer.mock;
    renderMock();
  } catch (error) {
    if (error.status === 401 || error.status === 423 || error.status === 403) window.location.assign('/');
  }
}

function addRead(line) {
  $('reads').prepend(line);
  while ($('reads').children.length > 200) $('reads').lastChild.remove();
}

function onRead(message) {
  const read = message.read;
  addRead(el('li', {}, data(`${time(message.received_ms)} ${read.device} `), ...readWords(read)));
}

function onBadge(message) {
  addRead(el('li', {}, data(`${time(message.at_ms)} ${message.device} `), msg('tech.badge_tap')));
}

async function snapshot() {
  show('snap-error', false);
  const response = await fetch(`/api/tech/snapshot/${encodeURIComponent($('camera').value)}`);
  if (!response.ok) { showError('snap-error', new ApiError(response.status, 'no_frame')); return; }
  $('snapshot').src = URL.createObjectURL(await response.blob());
  show('snapshot', true);
}

function control(body) {
  show('mock-error', false);
  post('/api/tech/mock', body).then((answer) => { mock = answer.mock; renderMock(); })
    .catch((error) => showError('mock-error', error));
}

function wire() {
  $('snap').addEventListener('click', snapshot);
  $('mock-start').addEventListener('click', () => control({ op: 'start' }));
  $('mock-pause').addEventListener('click', () => control({ op: 'pause' }));
  $('mock-inject-vehicle').addEventListener('click', () => control({ op: 'vehicle', vehicle: $('mock-vehicle').value }));
  $('mock-inject-fault').addEventListener('click', () => control({ op: 'fault', device: $('mock-device').value, fault: $('mock-fault').value }));
  $('mock-device').addEventListener('change', renderMock);
  $('signout').addEventListener('click', () => post('/api/signout').finally(() => window.location.assign('/')));
  $('lang-switch').addEventListener('click', async () => {
    session = await post('/api/language', { language: other() });
    await setLanguage(session.language);
  });
}

async function boot() {
  session = await get('/api/session');
  setCsrf(session.csrf);
  await setLanguage(session.language);
  if (!session.signed_in) { window.location.assign('/'); return; }
  $('officer-name').textContent = session.officer.name;
  wire();
  refresh();
  setInterval(refresh, 2000);
  live.start({
    crossing: () => {}, read: onRead, badge: onBadge, recover: () => window.location.reload(),
    online: (up) => {
      $('live-text').dataset.i18n = up ? 'status.live' : 'status.reconnecting';
      $('live-text').textContent = t($('live-text').dataset.i18n);
    },
  });
}

boot();
