// The watchlist alert tone, synthesised (no audio file, nothing fetched from outside).
let context = null;

export function alertSound() {
  try {
    context = context || new AudioContext();
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = 'square';
    oscillator.frequency.value = 880;
    gain.gain.value = 0.2;
    oscillator.connect(gain).connect(context.destination);
    oscillator.start();
    oscillator.frequency.setValueAtTime(660, context.currentTime + 0.25);
    oscillator.stop(context.currentTime + 0.6);
  } catch (error) {
    // No audio device at this kiosk: the alert banner still shows.
  }
}
