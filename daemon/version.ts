/** The daemon's version, in a module of its own so `autodevd --help` prints it without loading the daemon. */
export const VERSION = '0.1.0';
