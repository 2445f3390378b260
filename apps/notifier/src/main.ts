import { runService } from '@switch-telemetry/service';
import { NOTIFIER_SERVICE } from './notifier';

// Every new connection to a receiver resolves its host with getaddrinfo, which runs on libuv's thread pool (4
// threads by default, shared with file I/O and crypto): receivers whose DNS answers slowly must not stall the rest.
// The pool is created on first use, after this line.
process.env.UV_THREADPOOL_SIZE ??= '16';

void runService(NOTIFIER_SERVICE);
