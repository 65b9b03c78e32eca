// Socket.IO events from the server (same origin, path /socket.io/).
import { io, type Socket } from 'socket.io-client';
import type { Job } from './types';

export interface ServerEvents {
  mend_progress: (e: { job_id: string; progress: number }) => void;
  mend_finish: (e: { job_id: string }) => void;
  mend_error: (e: { job_id: string; error: string }) => void;
  job_state: (job: Job) => void;
  plugins_changed: (e: { id: string; change: string }) => void;
  model_switched: (e: { name: string }) => void;
  /** Model weight download progress (fields tolerated when absent). */
  model_download: (e: { name?: string; model?: string; downloaded?: number; total?: number; progress?: number; state?: string; error?: string }) => void;
}

export type ServerSocket = Socket<ServerEvents>;

/** Connects to the server's Socket.IO endpoint (websocket first, polling fallback). */
export function connectSocket(): ServerSocket {
  return io({ path: '/socket.io/', transports: ['websocket', 'polling'], reconnectionDelayMax: 5000 });
}
