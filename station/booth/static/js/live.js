// Server-sent events from the daemon, reconnecting by itself after a daemon restart.
const metrics = { latencies: [] };
window.garitaMetrics = metrics;  // read-to-screen latency samples (ms), shown to technicians and tests

let source = null;
let handlers = null;

function record(message) {
  if (!message || message.event !== 'read.recorded') return;
  // After the frame that shows the read: that is when the officer can see it.
  requestAnimationFrame(() => {
    metrics.latencies.push(performance.timeOrigin + performance.now() - message.received_ms);
    if (metrics.latencies.length > 1000) metrics.latencies.shift();
  });
}

function connect() {
  source = new EventSource('/api/events');
  source.addEventListener('hello', (event) => {
    const message = JSON.parse(event.data);
    handlers.crossing(message.crossing, message.queue);
  });
  source.addEventListener('crossing', (event) => {
    const message = JSON.parse(event.data);
    handlers.crossing(message.crossing, message.queue);
    record(message);
  });
  source.addEventListener('read', (event) => handlers.read && handlers.read(JSON.parse(event.data)));
  source.addEventListener('badge', (event) => handlers.badge && handlers.badge(JSON.parse(event.data)));
  source.addEventListener('locked', () => handlers.recover());
  source.addEventListener('alert', (event) => handlers.alert && handlers.alert(JSON.parse(event.data)));
  source.addEventListener('alert_locked', () => handlers.alertLocked && handlers.alertLocked());
  source.addEventListener('signed_out', () => { stop(); handlers.recover(); });
  source.onopen = () => handlers.online(true);
  source.onerror = () => {
    handlers.online(false);
    // CLOSED means the browser gave up (e.g. the session ended): ask the daemon what to show.
    if (source && source.readyState === EventSource.CLOSED) {
      stop();
      setTimeout(handlers.recover, 1000);
    }
  };
}

export function start(callbacks) {
  handlers = callbacks;
  if (!source) connect();
}

export function stop() {
  if (source) source.close();
  source = null;
}
