// The trainer child process. The extension forks it, sends one `start` (and maybe a `cancel`) over IPC,
// and receives protocol events. One job per process keeps tensors and native memory from piling up.
import { parseRequest, withVersion, type TrainerEvent } from '../core/protocol';
import { runJob } from './jobs/runJob';

function send(event: TrainerEvent): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(withVersion(event), () => resolve());
  });
}

const controller = new AbortController();
let started = false;

process.on('message', (raw) => {
  const request = parseRequest(raw);
  if (!request.ok) {
    void send({ type: 'error', code: 'bad-request', message: request.error });
    return;
  }
  if (request.value.type === 'cancel') {
    controller.abort();
    return;
  }
  if (started) {
    void send({ type: 'error', code: 'busy', message: 'This trainer process already runs a job.' });
    return;
  }
  started = true;
  const { job, config } = request.value;
  void runJob(job, config, { emit: (e) => void send(e), signal: controller.signal }).then(async (terminal) => {
    await send(terminal);
    // Exit explicitly: a loaded backend can keep the event loop alive after the job is over.
    process.exit(terminal.type === 'done' ? 0 : terminal.type === 'error' && terminal.code === 'cancelled' ? 3 : 1);
  });
});

// If the extension host goes away, there is nobody to report to: stop rather than train for no one.
process.on('disconnect', () => {
  if (!started) process.exit(0);
  controller.abort();
});
