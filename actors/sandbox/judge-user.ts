/**
 * The uid the acceptance judge runs as: never the judged code's (that is
 * SANDBOX_UID, 65534, or a workspace owner's uid), so the judged code can
 * neither signal nor ptrace it, nor open its descriptors through /proc,
 * whatever it finds. Debian leaves 65533 unassigned; no host process of the
 * judged code's user can hold it.
 */
export const JUDGE_UID = 65533;
export const JUDGE_GID = 65533;
