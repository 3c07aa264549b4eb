import { Hono } from 'hono';
import { ProtocolError, type DoctorAnswer } from '../../proto/index.js';

/** Looks at the set-up without changing it (wired in daemon/doctor-service.ts). */
export type DoctorService = () => Promise<DoctorAnswer>;

/** `GET /doctor` for `autodev doctor`, which adds what only the client can see (its PATH, the daemon answering). */
export function doctorRoutes(doctor: DoctorService | undefined) {
  return new Hono().get('/doctor', async (c) => {
    if (!doctor) throw new ProtocolError('not_found', 'this daemon was started without doctor');
    return c.json((await doctor()) satisfies DoctorAnswer);
  });
}
