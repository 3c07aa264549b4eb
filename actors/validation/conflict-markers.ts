/** True when a file still holds unresolved conflict markers. */
export function hasConflictMarkers(content: string): boolean {
  return /^<<<<<<< .*$[\s\S]*?^=======$[\s\S]*?^>>>>>>> .*$/m.test(content);
}
