// The status strip: uplink and backlog, watchlist version and age, each device's health.
import { get } from './api.js';
import { $, data, el, msg } from './dom.js';
import { number } from './i18n.js';

const UPLINK = new Set(['connected', 'disconnected', 'off', 'unknown']);
let last = null;
let timer = null;

export function renderStatus() {
  if (!last) return;
  const state = UPLINK.has(last.uplink.state) ? last.uplink.state : 'unknown';
  $('uplink-state').replaceChildren(msg(`uplink.${state}`, { class: state === 'connected' ? 'ok' : 'warn' }));
  $('backlog').textContent = number(last.uplink.backlog);
  const list = last.watchlist;
  $('watchlist').replaceChildren(list.version ? data(list.version) : msg('status.watchlist_none'), ' ',
    list.stale ? msg('status.stale', { class: 'badge-bad' }) : '');
  $('watchlist-chip').classList.toggle('stale', Boolean(list.stale));
  $('devices').replaceChildren(...Object.entries(last.devices).map(([name, device]) => el('span',
    { class: device.connected ? 'chip ok' : 'chip down' }, data(name), ' ',
    msg(device.connected ? 'device.ok' : 'device.down'))));
}

async function refresh() {
  try {
    last = await get('/api/status');
    renderStatus();
  } catch (error) {
    // The live chip already says when the lane is unreachable.
  }
}

export function startStatus() {
  refresh();
  if (!timer) timer = setInterval(refresh, 3000);
}

export function stopStatus() {
  clearInterval(timer);
  timer = null;
}
